"""From documents to labelled subword windows and back.

Documents are split into the platform's words (`core.text.word_offsets`) and each word is
tokenized on its own (`is_split_into_words`), so that no subword spans two words whatever the
tokenizer: a SentencePiece or byte-level BPE piece such as "▁(Juan" would otherwise carry the
labels of both "(" and "Juan". Labels sit on the first subword of each word (the rest are
ignored by the loss), and predictions are read from the same subword: the scheme of transformers'
"first" aggregation, so that every predicted span covers whole words. Long documents are cut into
overlapping windows; nothing is truncated."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from transformers import PreTrainedTokenizerBase

from deid_platform.core.documents import Document
from deid_platform.core.errors import UserError
from deid_platform.core.ner.shapes import UNKNOWN, document_shapes, shape_ids
from deid_platform.core.tagging import Word, word_tags
from deid_platform.core.text import word_offsets

IGNORE = -100


def bio_labels(labels: list[str]) -> list[str]:
    return ["O"] + [f"{prefix}-{label}" for label in sorted(labels) for prefix in ("B", "I")]


@dataclass
class Encoded:
    """A document as subword ids (no special tokens), its words, for each word the index of
    the subword that carries its label (-1 for a word the tokenizer drops), and for each subword
    the index of its word."""

    doc_index: int
    input_ids: list[int]
    words: list[Word]
    word_tokens: list[int]
    token_words: list[int]


def encode_documents(
    documents: list[Document], tokenizer: PreTrainedTokenizerBase
) -> list[Encoded]:
    if not tokenizer.is_fast:
        raise UserError("word alignment needs a fast (tokenizers) tokenizer with word ids")
    # A byte-level BPE that does not add a space before a pre-split word (RoBERTa, GPT-2 style)
    # would read every word as the inside of another; a space gives each word its usual form.
    prefix = " " if needs_prefix_space(tokenizer) else ""
    words = [word_offsets(doc.text) for doc in documents]
    pieces = [
        [prefix + doc.text[a:b] for a, b in spans]
        for doc, spans in zip(documents, words, strict=True)
    ]
    batch = tokenizer(
        pieces,
        is_split_into_words=True,
        add_special_tokens=False,
        truncation=False,
        verbose=False,
    )
    out = []
    for i, spans in enumerate(words):
        first = [-1] * len(spans)
        token_words = [-1 if word is None else word for word in batch.word_ids(i)]
        for token, word in enumerate(token_words):
            if word >= 0 and first[word] < 0:
                first[word] = token
        out.append(Encoded(i, batch["input_ids"][i], spans, first, token_words))
    return out


def needs_prefix_space(tokenizer: PreTrainedTokenizerBase) -> bool:
    """Whether the tokenizer's pre-tokenizer is byte-level and adds no space of its own."""
    pre_tokenizer = json.loads(tokenizer.backend_tokenizer.to_str()).get("pre_tokenizer")
    levels = [node for node in _nodes(pre_tokenizer) if node.get("type") == "ByteLevel"]
    return bool(levels) and not any(node.get("add_prefix_space") for node in levels)


def _nodes(node: Any) -> list[dict[str, Any]]:
    """Every component of a tokenizers pipeline (a Sequence nests them)."""
    if not isinstance(node, dict):
        return []
    return [node] + [n for child in node.get("pretokenizers", []) for n in _nodes(child)]


def token_labels(enc: Encoded, doc: Document, label2id: dict[str, int]) -> list[int]:
    """The IOB2 tag of each word on its first subword; IGNORE elsewhere."""
    _, tags = word_tags(doc.text, doc.spans)
    out = [IGNORE] * len(enc.input_ids)
    for token, tag in zip(enc.word_tokens, tags, strict=True):
        if token >= 0:
            out[token] = label2id[tag]
    return out


def token_shapes(enc: Encoded, doc: Document, vocabulary: list[str]) -> list[int]:
    """The shape id of each subword's word (`core.ner.shapes`)."""
    by_word = shape_ids(document_shapes(doc.text, enc.words), vocabulary)
    return [by_word[word] if word >= 0 else UNKNOWN for word in enc.token_words]


def windows(length: int, size: int, stride: int) -> list[tuple[int, int]]:
    """[start, end) token ranges of at most `size` tokens, overlapping by `stride`."""
    if length <= size:
        return [(0, length)]
    step = size - stride
    if step <= 0:
        raise ValueError(f"stride {stride} must be smaller than the window {size}")
    out, start = [], 0
    while True:
        end = min(start + size, length)
        out.append((start, end))
        if end == length:
            return out
        start += step
