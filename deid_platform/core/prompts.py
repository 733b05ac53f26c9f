"""Prompts without real PHI: the paper prompts the generator with the first words of real notes,
and many notes open with a name ("Nombre: Juan ..."), which would put that real name into every note
written from the prompt. Here the PHI inside the prompt words is replaced by a surrogate of the same
type; the words around it, and so the prompt's shape, stay."""

from __future__ import annotations

import re

from deid_platform.core.documents import Document, Span
from deid_platform.core.replace import redact, surrogate

_WORD = re.compile(r"\S+")
# Faker may draw the very name it replaces ("Juan" for "Juan"), or a common name another real note
# holds: draw again, a few times, then mask.
_DRAWS = 8


def prompt_of(text: str, words: int = 3) -> str:
    """The text up to the end of its first `words` whitespace-separated words (the paper prompts
    with the first three words of a held-out document)."""
    matches = list(_WORD.finditer(text))[:words]
    return text[: matches[-1].end()] if matches else ""


def _any_of(values: set[str]) -> re.Pattern[str]:
    """Any of `values` as a whole word, longest first."""
    alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def safe_prompt(
    doc: Document, words: int, language: str, seed: int = 0, avoid: frozenset[str] = frozenset()
) -> tuple[str, int]:
    """The first `words` words of `doc` with every PHI span inside them (clipped to them)
    replaced by a surrogate of its type, none equal to a replaced string or to a real PHI string
    in `avoid` (those of the other prompt documents); and how many spans were replaced."""
    prompt = prompt_of(doc.text, words)
    spans = [
        Span(span.start, min(span.end, len(prompt)), span.label)
        for span in doc.spans
        if span.start < len(prompt)
    ]
    if not spans:
        return prompt, 0
    clipped = Document(doc.id, prompt, spans)
    real = _any_of(({clipped.span_text(span).strip() for span in spans} | avoid) - {""})
    for draw in range(_DRAWS):
        text = surrogate(clipped, language, seed + draw)
        if not real.search(text):
            return text, len(spans)
    return redact(clipped), len(spans)


def phi_strings(docs: list[Document] | tuple[Document, ...]) -> frozenset[str]:
    """Every PHI string of `docs`, which no surrogate in a prompt may equal."""
    return frozenset(doc.span_text(span).strip() for doc in docs for span in doc.spans)
