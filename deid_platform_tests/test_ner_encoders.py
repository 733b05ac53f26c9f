"""Any encoder for the NER presets: tiny random BERT, ELECTRA (WordPiece), RoBERTa (byte-level
BPE), XLM-RoBERTa and DeBERTa-v2 (SentencePiece Unigram) saved as hub models would be (see
tiny_models), fine-tuned through the pretrained preset. Labels sit on each word's own first
subword even where the tokenizer has a piece spanning two words ("(+" of a telephone number)."""

import pytest
from transformers import AutoTokenizer

from deid_platform.core.documents import Document, Span
from deid_platform.core.ner.encoding import IGNORE, encode_documents, token_labels
from deid_platform.core.ner.model import load_model
from deid_platform.core.ner.predict import predict_documents
from deid_platform.core.ner.presets import get_preset
from deid_platform.core.ner.training import train_ner
from deid_platform.core.surrogates import generate_corpus
from deid_platform.core.text import word_offsets
from deid_platform_tests.tiny_models import ENCODERS, PLANTED, save_encoder

PHONE = "+34 600 111 222"
TEXT = f"Llamar al ({PHONE}) mañana."
PLANTED_DOC = Document("planted", TEXT, [Span(TEXT.index("+"), TEXT.index(")"), "CONTACT")])


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus("es", seed=5, sizes={"vocab": 20, "train": 8, "test": 3})


def crossing_tokens(tokenizer, text: str) -> int:
    """Subwords of the text tokenized whole that overlap two of the platform's words."""
    words = word_offsets(text)
    offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    return sum(
        1
        for start, end in offsets["offset_mapping"]
        if sum(1 for a, b in words if a < end and start < b) > 1
    )


@pytest.mark.parametrize("name", ENCODERS)
def test_each_word_keeps_its_own_label(name, corpus, tmp_path):
    texts = [d.text for d in corpus["vocab"]]
    tokenizer = AutoTokenizer.from_pretrained(save_encoder(name, texts, tmp_path / name))
    # WordPiece splits at punctuation itself; the others learned a piece across "(" and "+".
    assert crossing_tokens(tokenizer, TEXT) == (0 if name in ("bert", "electra") else 1)
    assert PLANTED in "".join(tokenizer.tokenize(TEXT)) or name in ("bert", "electra")
    enc = encode_documents([PLANTED_DOC], tokenizer)[0]
    assert all(t >= 0 for t in enc.word_tokens)
    assert len(set(enc.word_tokens)) == len(enc.words)  # no subword is shared by two words
    label2id = {"O": 0, "B-CONTACT": 1, "I-CONTACT": 2}
    labels = token_labels(enc, PLANTED_DOC, label2id)
    words = [TEXT[a:b] for a, b in enc.words]
    by_word = dict(zip(words, (labels[t] for t in enc.word_tokens), strict=True))
    assert by_word["("] == 0 and by_word["+"] == 1 and by_word["34"] == 2 and by_word[")"] == 0
    assert sum(v != IGNORE for v in labels) == len(enc.words)


@pytest.mark.parametrize("name", ENCODERS)
def test_fine_tune_predict_whole_words_save_load(name, corpus, tmp_path):
    texts = [d.text for d in corpus["vocab"]]
    hub = save_encoder(name, texts, tmp_path / name)
    preset = get_preset(
        "pretrained",
        model_name_or_path=str(hub),
        max_length=64,
        stride=16,
        epochs=12,
        batch_size=8,
        learning_rate=3e-3,
        warmup_steps=5,
        dropout=0.0,
    )
    # The planted note, repeated: a tiny random encoder can learn where its telephone starts.
    train = [*corpus["train"], *[PLANTED_DOC] * 8]
    result = train_ner(preset, train, seed=0)
    assert result.steps > 0 and result.precision == "fp32"
    documents = [*corpus["test"], PLANTED_DOC]
    predicted = predict_documents(result.ner, documents)
    for doc in predicted:
        starts = {a for a, _ in word_offsets(doc.text)}
        ends = {b for _, b in word_offsets(doc.text)}
        assert all(s.start in starts and s.end in ends for s in doc.spans)
    # The telephone number starts at "+", not at the "(" that shares a subword with it.
    assert predicted[-1].spans == PLANTED_DOC.spans
    result.ner.save(tmp_path / "model")
    reloaded = predict_documents(load_model(tmp_path / "model"), documents)
    assert [d.spans for d in reloaded] == [d.spans for d in predicted]
