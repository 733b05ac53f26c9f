"""Tiny random-weight models of real architectures, with the kind of tokenizer each family ships,
built offline: configs from transformers, vocabularies trained with `tokenizers` on surrogate
notes. They stand for hub models in tests: nothing is downloaded.

Causal LMs: Llama and Mistral (SentencePiece-style BPE, no pad token), Qwen2 (byte-level BPE, no
BOS), GPT-2 (byte-level BPE, no pad, n_positions), GPT-NeoX, Gemma 2 (soft-capped logits), BLOOM
(ALiBi, no position limit).
Encoders: BERT and ELECTRA (WordPiece), RoBERTa (byte-level BPE), XLM-RoBERTa and DeBERTa-v2
(SentencePiece Unigram)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
import transformers as tf
from tokenizers.implementations import (
    BertWordPieceTokenizer,
    ByteLevelBPETokenizer,
    SentencePieceBPETokenizer,
    SentencePieceUnigramTokenizer,
)

VOCAB = 400
WIDTH = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1}
HEADS = {"num_attention_heads": 2, "num_key_value_heads": 1}


def _byte_level(texts: Sequence[str], specials: list[str]) -> tuple[dict, list[tuple[str, str]]]:
    trainer = ByteLevelBPETokenizer()
    trainer.train_from_iterator(texts, VOCAB, special_tokens=specials, show_progress=False)
    model = json.loads(trainer._tokenizer.to_str())["model"]
    return model["vocab"], [tuple(pair) for pair in model["merges"]]


def _sentencepiece_bpe(texts: Sequence[str]) -> tf.PreTrainedTokenizerBase:
    trainer = SentencePieceBPETokenizer()
    specials = ["<unk>", "<s>", "</s>"]
    trainer.train_from_iterator(texts, VOCAB, special_tokens=specials, show_progress=False)
    model = json.loads(trainer._tokenizer.to_str())["model"]
    return tf.LlamaTokenizer(vocab=model["vocab"], merges=[tuple(m) for m in model["merges"]])


def _bloom_tokenizer(texts: Sequence[str]) -> tf.PreTrainedTokenizerBase:
    trainer = ByteLevelBPETokenizer()
    specials = ["<unk>", "<s>", "</s>", "<pad>"]
    trainer.train_from_iterator(texts, VOCAB, special_tokens=specials, show_progress=False)
    return tf.PreTrainedTokenizerFast(
        tokenizer_object=trainer._tokenizer,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
    )


def _gpt2(texts: Sequence[str]) -> tf.PreTrainedTokenizerBase:
    vocab, merges = _byte_level(texts, ["<|endoftext|>"])
    return tf.GPT2Tokenizer(vocab=vocab, merges=merges)


def _qwen2(texts: Sequence[str]) -> tf.PreTrainedTokenizerBase:
    vocab, merges = _byte_level(texts, ["<|endoftext|>"])
    return tf.Qwen2Tokenizer(vocab=vocab, merges=merges)


def _neox(texts: Sequence[str]) -> tf.PreTrainedTokenizerBase:
    vocab, merges = _byte_level(texts, ["<|endoftext|>", "<|padding|>"])
    return tf.GPTNeoXTokenizer(vocab=vocab, merges=merges)


def _ids(tokenizer: tf.PreTrainedTokenizerBase) -> dict[str, int | None]:
    return {
        "vocab_size": len(tokenizer),
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }


# name: (tokenizer from texts, config from the tokenizer's size and special ids)
CAUSAL_LMS: dict[str, tuple[Callable, Callable]] = {
    "llama": (_sentencepiece_bpe, lambda ids: tf.LlamaConfig(**ids, **WIDTH, **HEADS)),
    "mistral": (
        _sentencepiece_bpe,
        lambda ids: tf.MistralConfig(**ids, **WIDTH, **HEADS, sliding_window=64),
    ),
    "qwen2": (_qwen2, lambda ids: tf.Qwen2Config(**ids, **WIDTH, **HEADS)),
    # A context far below the presets' (1,024 and more): blocks and windows must follow the model.
    "gpt2": (
        _gpt2,
        lambda ids: tf.GPT2Config(**ids, n_embd=32, n_layer=1, n_head=2, n_positions=96),
    ),
    "gpt_neox": (
        _neox,
        lambda ids: tf.GPTNeoXConfig(**ids, **WIDTH, num_attention_heads=2),
    ),
    # Soft-capped logits: scoring must cap them as the model's forward does. A cap of 0.1 bends
    # the logits of a random model this small (about 0.4 at most); Gemma 2's own is 30.
    "gemma2": (
        _sentencepiece_bpe,
        lambda ids: tf.Gemma2Config(
            **ids, **WIDTH, **HEADS, head_dim=16, sliding_window=64, final_logit_softcapping=0.1
        ),
    ),
    "bloom": (
        _bloom_tokenizer,
        lambda ids: tf.BloomConfig(**ids, hidden_size=32, n_layer=1, n_head=2),
    ),
}


def causal_lm(name: str, texts: Sequence[str], seed: int = 0) -> tuple[torch.nn.Module, object]:
    make_tokenizer, make_config = CAUSAL_LMS[name]
    tokenizer = make_tokenizer(texts)
    torch.manual_seed(seed)
    return tf.AutoModelForCausalLM.from_config(make_config(_ids(tokenizer))), tokenizer


def save_causal_lm(name: str, texts: Sequence[str], directory: Path) -> Path:
    """A tiny `name` model and its tokenizer saved as a hub model directory would hold them."""
    model, tokenizer = causal_lm(name, texts)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


# A piece that spans two of the platform's words, "(" and "+": a tokenizer that learned it from
# text full of "(+34 ..." telephone numbers.
PLANTED = "(+"


def _unigram(texts: Sequence[str], specials: list[str]) -> list[tuple[str, float]]:
    trainer = SentencePieceUnigramTokenizer()
    trainer.train_from_iterator(
        texts, VOCAB, special_tokens=specials, unk_token="<unk>", show_progress=False
    )
    vocab = [tuple(piece) for piece in json.loads(trainer._tokenizer.to_str())["model"]["vocab"]]
    return [*vocab, ("▁" + PLANTED, 0.0)]


def _roberta(texts: Sequence[str]) -> tf.PreTrainedTokenizerBase:
    vocab, merges = _byte_level(texts, ["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    for piece in ("Ġ(", "Ġ(+"):
        vocab.setdefault(piece, len(vocab))
    planted = [("Ġ", "("), ("Ġ(", "+")]
    return tf.RobertaTokenizer(
        vocab=vocab, merges=planted + [m for m in merges if m not in planted]
    )


def _xlm_roberta(texts: Sequence[str]) -> tf.PreTrainedTokenizerBase:
    return tf.XLMRobertaTokenizer(
        vocab=_unigram(texts, ["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    )


def _deberta_v2(texts: Sequence[str]) -> tf.PreTrainedTokenizerBase:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "<unk>"]
    return tf.DebertaV2Tokenizer(vocab=_unigram(texts, specials))


def _wordpiece(texts: Sequence[str]) -> tf.PreTrainedTokenizerBase:
    trainer = BertWordPieceTokenizer(lowercase=False)
    trainer.train_from_iterator(texts, VOCAB, show_progress=False)
    return tf.BertTokenizer(vocab=trainer.get_vocab(), do_lower_case=False)


ENCODER_WIDTH = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
}


def _positions(tokenizer: tf.PreTrainedTokenizerBase, offset: int = 0) -> dict[str, int]:
    return {
        "vocab_size": len(tokenizer),
        "pad_token_id": tokenizer.pad_token_id,
        "max_position_embeddings": 64 + offset,
    }


ENCODERS: dict[str, tuple[Callable, Callable]] = {
    "bert": (_wordpiece, lambda t: tf.BertConfig(**_positions(t), **ENCODER_WIDTH)),
    "electra": (
        _wordpiece,
        lambda t: tf.ElectraConfig(**_positions(t), embedding_size=32, **ENCODER_WIDTH),
    ),
    # RoBERTa-style position ids start after the padding index: two positions more.
    "roberta": (_roberta, lambda t: tf.RobertaConfig(**_positions(t, 2), **ENCODER_WIDTH)),
    "xlm_roberta": (
        _xlm_roberta,
        lambda t: tf.XLMRobertaConfig(**_positions(t, 2), **ENCODER_WIDTH),
    ),
    "deberta_v2": (
        _deberta_v2,
        lambda t: tf.DebertaV2Config(
            **_positions(t), **ENCODER_WIDTH, relative_attention=True, pos_att_type=["p2c", "c2p"]
        ),
    ),
}


def save_encoder(name: str, texts: Sequence[str], directory: Path, seed: int = 0) -> Path:
    """A tiny masked-LM encoder `name` and its tokenizer, saved as a hub model directory."""
    make_tokenizer, make_config = ENCODERS[name]
    tokenizer = make_tokenizer(texts)
    torch.manual_seed(seed)
    tf.AutoModelForMaskedLM.from_config(make_config(tokenizer)).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
