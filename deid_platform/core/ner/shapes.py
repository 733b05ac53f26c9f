"""Word shapes: what a small subword encoder does not see of a word.

A from-scratch encoder with a 1,000-piece vocabulary reads "28041" as pieces and never learns how
many digits a number has (a post code, an ID, a phone number differ by little else), and its
whitespace pre-tokenizer drops line breaks, which delimit the header and closing blocks where most
PHI sits (a name at the end of one line, a hospital on the next). Each word gets one shape id: its
character classes with repeats collapsed ("Xx", "dx", "@"), its length bucket, and whether it opens
a line; the id is embedded and added to every subword of the word."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

PAD, UNKNOWN = 0, 1
_LENGTHS = (1, 2, 3, 4, 6, 9, 12)


def _char_class(c: str) -> str:
    if c.isupper():
        return "X"
    if c.isalpha():
        return "x"
    if c.isdigit():
        return "d"
    return c


def word_shape(word: str, opens_line: bool) -> str:
    classes: list[str] = []
    for c in word:
        k = _char_class(c)
        if not classes or classes[-1] != k:
            classes.append(k)
    length = next((i for i, top in enumerate(_LENGTHS) if len(word) <= top), len(_LENGTHS))
    return f"{'^' if opens_line else ''}{''.join(classes[:4])}{length}"


def document_shapes(text: str, words: Sequence[tuple[int, int]]) -> list[str]:
    """The shape of each word of `text` (spans from `core.text.word_offsets`)."""
    out, previous_end = [], 0
    for start, end in words:
        out.append(word_shape(text[start:end], "\n" in text[previous_end:start] or start == 0))
        previous_end = end
    return out


def shape_vocabulary(shapes: Sequence[Sequence[str]], min_count: int = 2) -> list[str]:
    """The shapes seen at least `min_count` times, most frequent first; ids start after PAD and
    UNKNOWN."""
    counts = Counter(s for doc in shapes for s in doc)
    return [s for s, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= min_count]


def shape_ids(shapes: Sequence[str], vocabulary: Sequence[str]) -> list[int]:
    index = {s: i + 2 for i, s in enumerate(vocabulary)}
    return [index.get(s, UNKNOWN) for s in shapes]
