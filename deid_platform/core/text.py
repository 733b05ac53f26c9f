"""Word pre-tokenization with character offsets, shared by the CoNLL writer and the NER code."""

from __future__ import annotations

import re

# Letters and digits form words; every other visible character is its own token, so that PHI
# boundaries inside "c/ del Abedul 5-7" or an e-mail address fall on token boundaries.
_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def word_offsets(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


_WHITESPACE_WORD = re.compile(r"\S+")


def whitespace_offsets(text: str) -> list[tuple[int, int]]:
    """Words as whitespace splits them: the unit of token-level F1 in much of the literature,
    where "12/03/2010" and "ana@hospital.es" are one token each rather than five."""
    return [(m.start(), m.end()) for m in _WHITESPACE_WORD.finditer(text)]
