"""NER core: alignment, windows, transitions, training, prediction, save/load, pretrained preset."""

import hashlib

import numpy as np
import pytest
import torch

from deid_platform.core.documents import Document, Span
from deid_platform.core.ner.encoding import IGNORE, encode_documents, token_labels, windows
from deid_platform.core.ner.model import load_model
from deid_platform.core.ner.predict import predict_documents
from deid_platform.core.ner.presets import get_preset
from deid_platform.core.ner.tokenizer import train_ner_tokenizer
from deid_platform.core.ner.training import train_ner
from deid_platform.core.ner.transitions import decode, estimate_transitions
from deid_platform.core.surrogates import generate_corpus
from deid_platform.core.tagging import spans_from_tags, word_tags

TINY = {
    "epochs": 3,
    "min_steps": 0,
    "vocab_size": 300,
    "hidden_size": 32,
    "intermediate_size": 64,
    "heads": 2,
}


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus("es", seed=5, sizes={"train": 24, "test": 6})


@pytest.fixture(scope="module")
def trained(corpus):
    return train_ner(get_preset("embedded", **TINY), corpus["train"], seed=3)


def test_word_tags_and_back():
    text = "Dra. Ana Ruiz, c/ Mayor 5."
    spans = [Span(5, 13, "NAME"), Span(15, 25, "STREET")]
    words, tags = word_tags(text, spans)
    assert [text[a:b] for a, b in words] == [
        "Dra",
        ".",
        "Ana",
        "Ruiz",
        ",",
        "c",
        "/",
        "Mayor",
        "5",
        ".",
    ]
    assert tags == [
        "O",
        "O",
        "B-NAME",
        "I-NAME",
        "O",
        "B-STREET",
        "I-STREET",
        "I-STREET",
        "I-STREET",
        "O",
    ]
    assert spans_from_tags(words, tags) == spans


def test_adjacent_entities_of_one_type_stay_apart():
    text = "28036 Madrid"
    spans = [Span(0, 5, "LOC"), Span(6, 12, "LOC")]
    words, tags = word_tags(text, spans)
    assert tags == ["B-LOC", "B-LOC"]
    assert spans_from_tags(words, tags) == spans
    # An I- after O opens a span, as conlleval reads it.
    assert spans_from_tags(words, ["O", "I-LOC"]) == [Span(6, 12, "LOC")]


def test_windows_cover_everything_with_overlap():
    assert windows(10, 16, 4) == [(0, 10)]
    spans = windows(100, 30, 10)
    assert spans[0] == (0, 30) and spans[-1][1] == 100
    assert all(b[0] == a[1] - 10 for a, b in zip(spans, spans[1:], strict=False))
    with pytest.raises(ValueError):
        windows(100, 10, 10)


def test_labels_sit_on_first_subwords(corpus):
    tokenizer = train_ner_tokenizer([d.text for d in corpus["train"]], 200, 128)
    doc = corpus["train"][0]
    enc = encode_documents([doc], tokenizer)[0]
    label2id = {"O": 0} | {
        f"{p}-{label}": i
        for i, (p, label) in enumerate(((p, s.label) for s in doc.spans for p in "BI"), start=1)
    }
    labels = token_labels(enc, doc, label2id)
    labelled = [i for i, v in enumerate(labels) if v != IGNORE]
    assert labelled == [t for t in enc.word_tokens if t >= 0]
    assert len(enc.words) == len(word_tags(doc.text, [])[0])


def test_bpe_tokenizer_is_deterministic(corpus):
    texts = [d.text for d in corpus["train"]]
    a = train_ner_tokenizer(texts, 300, 128).backend_tokenizer.to_str()
    b = train_ner_tokenizer(texts, 300, 128).backend_tokenizer.to_str()
    assert hashlib.sha256(a.encode()).digest() == hashlib.sha256(b.encode()).digest()


def test_transitions_forbid_invalid_iob2_and_viterbi_uses_them():
    tags = ["O", "B-NAME", "I-NAME"]
    trans = estimate_transitions([["B-NAME", "I-NAME", "O"], ["O", "B-NAME", "I-NAME"]], tags)
    pairs = np.asarray(trans["pairs"])
    assert pairs[0, 2] < -1e8 and np.asarray(trans["start"])[2] < -1e8
    # Two words that each look slightly more like B-NAME: argmax says B B, the prior says B I.
    emissions = np.log(np.array([[0.1, 0.5, 0.4], [0.1, 0.5, 0.4]]))
    assert decode(emissions, trans, "argmax") == [1, 1]
    assert decode(emissions, trans, "viterbi") == [1, 2]
    # Hard IOB2 constraints alone forbid only I- after O: B B stays.
    assert decode(emissions, trans, "constrained") == [1, 1]
    # I-NAME first is impossible whatever the encoder says.
    assert decode(np.log(np.array([[0.1, 0.2, 0.7]])), trans, "constrained") == [1]


def test_viterbi_divides_the_prior_out_of_the_posteriors():
    tags = ["O", "B-ID", "I-ID"]
    # A rare type: one B-ID among many O words, so the learned P(B-ID | O) is small.
    trans = estimate_transitions([["O"] * 20 + ["B-ID"] + ["O"] * 20] * 20, tags)
    # The encoder is fairly sure the middle word is an ID; counting the prior twice would drop it.
    emissions = np.log(np.array([[0.98, 0.01, 0.01], [0.35, 0.6, 0.05], [0.98, 0.01, 0.01]]))
    assert decode(emissions, trans, "viterbi_prior") == [0, 0, 0]
    assert decode(emissions, trans, "viterbi") == [0, 1, 0]


def test_training_is_deterministic_and_predicts_valid_spans(corpus, trained):
    again = train_ner(get_preset("embedded", **TINY), corpus["train"], seed=3)

    def weights(ner):
        return hashlib.sha256(
            b"".join(t.numpy().tobytes() for t in ner.model.state_dict().values())
        ).hexdigest()

    assert weights(trained.ner) == weights(again.ner)
    predicted = predict_documents(trained.ner, corpus["test"])
    assert [d.id for d in predicted] == [d.id for d in corpus["test"]]
    for doc in predicted:
        assert all(0 <= s.start < s.end <= len(doc.text) for s in doc.spans)
        assert all(s.label in trained.ner.labels for s in doc.spans)


def test_long_documents_are_windowed_not_truncated(corpus, trained):
    long_doc = Document("long", "\n".join(d.text for d in corpus["train"][:8]))
    enc = encode_documents([long_doc], trained.ner.tokenizer)[0]
    assert len(enc.input_ids) > 4 * trained.ner.max_length
    memorised = train_ner(
        get_preset("embedded", **{**TINY, "epochs": 30, "learning_rate": 3e-3}),
        corpus["train"][:8],
        seed=1,
    ).ner
    gold_end = max(s.end for d in corpus["train"][:8] for s in d.spans)
    predicted = predict_documents(memorised, [long_doc])[0]
    # Spans are found in the last window too: nothing after the first window was dropped.
    assert max(s.end for s in predicted.spans) > len(long_doc.text) - gold_end // 2


def test_save_and_load_give_identical_predictions(tmp_path, corpus, trained):
    trained.ner.save(tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert loaded.transitions == trained.ner.transitions
    a = predict_documents(trained.ner, corpus["test"])
    b = predict_documents(loaded, corpus["test"])
    assert [d.spans for d in a] == [d.spans for d in b]


def test_pretrained_preset_loads_a_local_directory(tmp_path, corpus):
    """A tiny 'pretrained' model saved to disk stands for a hub model: nothing is downloaded."""
    from transformers import BertConfig, BertForMaskedLM

    tokenizer = train_ner_tokenizer([d.text for d in corpus["train"]], 300, 64)
    BertForMaskedLM(
        BertConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=64,
        )
    ).save_pretrained(tmp_path / "tiny-bert")
    tokenizer.save_pretrained(tmp_path / "tiny-bert")
    preset = get_preset(
        "pretrained",
        model_name_or_path=str(tmp_path / "tiny-bert"),
        epochs=1,
        max_length=64,
        stride=16,
    )
    result = train_ner(preset, corpus["train"][:6], seed=0)
    assert result.ner.max_length == 62
    assert isinstance(result.ner.model.bert.embeddings.word_embeddings, torch.nn.Embedding)
    assert len(predict_documents(result.ner, corpus["test"][:2])) == 2
