"""What users finally do with a model: replace the predicted PHI, either by `[LABEL]` masks or by
surrogates of the same kind, consistent within a document (the same name is replaced by the same
fake name every time it appears)."""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Callable
from datetime import date

from faker import Faker

from deid_platform.core.documents import Document, Span
from deid_platform.core.labels import coarse_label

LOCALES = {"es": "es_ES", "sv": "sv_SE"}
_DATES = (date(1930, 1, 1), date(2024, 12, 31))
_AGE_UNITS = {"es": "años", "sv": "år"}
_ID_LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"


def redact(doc: Document) -> str:
    return _rewrite(doc, lambda span, original: f"[{span.label}]")


def surrogate(doc: Document, lang: str, seed: int = 0) -> str:
    """Surrogates by coarse PHI type; identical originals get identical surrogates."""
    doc_seed = int.from_bytes(hashlib.sha256(f"{seed}:{doc.id}".encode()).digest()[:8], "big")
    fake = Faker(LOCALES.get(lang, "en_US"))
    fake.seed_instance(doc_seed)
    rng = random.Random(doc_seed)
    chosen: dict[tuple[str, str], str] = {}

    def pick(span: Span, original: str) -> str:
        key = (coarse_label(span.label), original)
        if key not in chosen:
            chosen[key] = _fake_value(key[0], original, fake, rng, lang)
        return chosen[key]

    return _rewrite(doc, pick)


def _fake_value(kind: str, original: str, fake: Faker, rng: random.Random, lang: str) -> str:
    """A fresh value of the kind. The original decides only the shape (one name or a full name, a
    unit word after an age, the character classes of an ID, e-mail or phone): none of its
    characters is copied, whatever its script, spacing or spelling."""
    if kind == "NAME":
        return fake.first_name() if len(original.split()) == 1 else fake.name()
    if kind == "DATE":
        day = fake.date_between(*_DATES)
        return day.isoformat() if lang == "sv" else day.strftime("%d/%m/%Y")
    if kind == "AGE":
        # "27", "dos años", "1 año y 3 meses": a number, with the language's unit if it had words.
        years = str(rng.randint(18, 90))
        has_words = any(ch.isalpha() for ch in original)
        return f"{years} {_AGE_UNITS.get(lang, 'years')}" if has_words else years
    if kind == "ID":
        return "".join(
            rng.choice(string.digits)
            if ch.isdigit()
            else rng.choice(_ID_LETTERS)
            if ch.isalpha()
            else " "
            if ch.isspace()
            else "-"
            for ch in original
        )
    if kind == "CONTACT":
        if "@" in original:
            return fake.free_email()
        is_web = any(ch.isalpha() for ch in original) and ("." in original or "/" in original)
        return fake.url() if is_web else fake.phone_number()
    if kind == "LOCATION":
        return fake.city()
    if kind == "ORGANIZATION":
        return fake.company()
    if kind == "PROFESSION":
        return fake.job()
    return f"[{kind}]"


def _rewrite(doc: Document, replacement: Callable[[Span, str], str]) -> str:
    parts, cursor = [], 0
    for span in sorted(doc.spans):
        if span.end <= cursor:
            continue  # nested in a span already replaced
        # An overlapping span starts inside the previous replacement: nothing of it is kept.
        parts.append(doc.text[cursor : span.start])
        parts.append(replacement(span, doc.text[span.start : span.end]))
        cursor = span.end
    parts.append(doc.text[cursor:])
    return "".join(parts)
