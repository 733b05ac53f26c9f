"""What users finally do with a model: replace the predicted PHI, either by `[LABEL]` masks or by
surrogates of the same kind, consistent within a document (the same name is replaced by the same
fake name every time it appears)."""

from __future__ import annotations

import hashlib
import random
from datetime import date

from faker import Faker

from deid_platform.core.documents import Document, Span
from deid_platform.core.labels import coarse_label

LOCALES = {"es": "es_ES", "sv": "sv_SE"}
_DATES = (date(1930, 1, 1), date(2024, 12, 31))


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
    if kind == "NAME":
        # Keep the shape: a lone first name stays one word, a full name stays a full name.
        return fake.first_name() if len(original.split()) == 1 else fake.name()
    if kind == "DATE":
        day = fake.date_between(*_DATES)
        return day.isoformat() if lang == "sv" else day.strftime("%d/%m/%Y")
    if kind == "AGE":
        digits = "".join(ch for ch in original if ch.isdigit())
        return original.replace(digits, str(rng.randint(18, 90)), 1) if digits else original
    if kind == "ID":
        return "".join(
            str(rng.randint(0, 9))
            if ch.isdigit()
            else rng.choice("ABCDEFGHJKLMNPRSTVWXYZ")
            if ch.isalpha()
            else ch
            for ch in original
        )
    if kind == "CONTACT":
        return fake.free_email() if "@" in original else fake.phone_number()
    if kind == "LOCATION":
        return fake.city()
    if kind == "ORGANIZATION":
        return fake.company()
    if kind == "PROFESSION":
        return fake.job()
    return f"[{kind}]"


def _rewrite(doc: Document, replacement) -> str:  # noqa: ANN001
    parts, cursor = [], 0
    for span in sorted(doc.spans):
        parts.append(doc.text[cursor : span.start])
        parts.append(replacement(span, doc.text[span.start : span.end]))
        cursor = span.end
    parts.append(doc.text[cursor:])
    return "".join(parts)
