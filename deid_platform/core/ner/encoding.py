"""From documents to labelled subword windows and back.

Labels sit on the first subword of each word (the rest are ignored by the loss), and predictions
are read from the same subword: the scheme of transformers' "first" aggregation, so that every
predicted span covers whole words. Long documents are cut into overlapping windows; nothing is
truncated."""

from __future__ import annotations

from dataclasses import dataclass

from transformers import PreTrainedTokenizerBase

from deid_platform.core.documents import Document
from deid_platform.core.tagging import Word, first_tokens, word_tags

IGNORE = -100


def bio_labels(labels: list[str]) -> list[str]:
    return ["O"] + [f"{prefix}-{label}" for label in sorted(labels) for prefix in ("B", "I")]


@dataclass
class Encoded:
    """A document as subword ids with character offsets (no special tokens), its words, and for
    each word the index of the subword that carries its label."""

    doc_index: int
    input_ids: list[int]
    offsets: list[tuple[int, int]]
    words: list[Word]
    word_tokens: list[int]


def encode_documents(
    documents: list[Document], tokenizer: PreTrainedTokenizerBase
) -> list[Encoded]:
    batch = tokenizer(
        [doc.text for doc in documents],
        add_special_tokens=False,
        return_offsets_mapping=True,
        truncation=False,
        verbose=False,
    )
    out = []
    for i, (ids, offsets) in enumerate(
        zip(batch["input_ids"], batch["offset_mapping"], strict=True)
    ):
        offsets = [tuple(o) for o in offsets]
        words, _ = word_tags(documents[i].text, [])
        out.append(Encoded(i, ids, offsets, words, first_tokens(offsets, words)))
    return out


def token_labels(enc: Encoded, doc: Document, label2id: dict[str, int]) -> list[int]:
    """The IOB2 tag of each word on its first subword; IGNORE elsewhere."""
    _, tags = word_tags(doc.text, doc.spans)
    out = [IGNORE] * len(enc.input_ids)
    for token, tag in zip(enc.word_tokens, tags, strict=True):
        if token >= 0:
            out[token] = label2id[tag]
    return out


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
