"""Words, IOB2 tags and character spans: the one conversion every consumer shares (metrics, the
CoNLL writer, NER training and decoding)."""

from __future__ import annotations

from collections.abc import Sequence

from deid_platform.core.documents import Span
from deid_platform.core.text import word_offsets

Word = tuple[int, int]


def word_tags(
    text: str, spans: Sequence[Span], words: Sequence[Word] | None = None
) -> tuple[list[Word], list[str]]:
    """The words of `text` (by default `word_offsets`) and their IOB2 tags: a word overlapping a
    span takes its label."""
    words = list(word_offsets(text) if words is None else words)
    ordered = sorted(spans)
    tags: list[str] = []
    previous: Span | None = None
    j = 0
    for start, end in words:
        while j < len(ordered) and ordered[j].end <= start:
            j += 1
        if j < len(ordered) and ordered[j].start < end:
            span = ordered[j]
            tags.append(f"{'I' if previous == span else 'B'}-{span.label}")
            previous = span
        else:
            tags.append("O")
            previous = None
    return words, tags


def spans_from_tags(words: Sequence[Word], tags: Sequence[str]) -> list[Span]:
    """IOB2 word tags to character spans: B- or a change of type opens a span, I- of the same type
    extends it, O closes it (an I- after O opens a span, as conlleval reads it)."""
    spans: list[Span] = []
    kind: str | None = None
    start = end = 0
    for (word_start, word_end), tag in zip(words, tags, strict=True):
        if tag == "O":
            if kind is not None:
                spans.append(Span(start, end, kind))
            kind = None
            continue
        prefix, this = tag[:1], tag[2:]
        if prefix == "B" or this != kind:
            if kind is not None:
                spans.append(Span(start, end, kind))
            kind, start = this, word_start
        end = word_end
    if kind is not None:
        spans.append(Span(start, end, kind))
    return spans
