"""Canaries: fake records of PHI shape planted in the adapted LLM's training text, to measure how
much of a secret the pipeline reproduces (Carlini et al., "The Secret Sharer", 2019).

A canary is an in-distribution prefix of its language ("Teléfono del ensayo: ") and a random,
high-entropy secret of one kind (a made-up name, an ID or a phone number), written as its own line
into `repetitions` training notes. Exposure is the rank of the true secret among candidate
secrets of the same kind under the adapted LM, in bits: log2(candidates + 1) - log2(rank); the
maximum means the model ranks the secret first. Extraction is whether the secret appears verbatim
in the synthetic text. Secrets are fake, but they stand for PHI: they are counted, never shown."""

from __future__ import annotations

import json
import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from deid_platform.core.documents import Document
from deid_platform.core.errors import UserError

REPETITIONS = (1, 4, 16)
KINDS = ("name", "id", "phone")
# Clinical-looking lines that real notes do not contain: a generated note that writes one learned
# it from a canary, and is dropped from what is shared.
PREFIXES = {
    "es": {
        "name": "Contacto del ensayo: ",
        "id": "Código de participante del ensayo: ",
        "phone": "Teléfono del ensayo: ",
    },
    "sv": {
        "name": "Kontaktperson i studien: ",
        "id": "Deltagarkod i studien: ",
        "phone": "Studiens telefon: ",
    },
}
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def secret(kind: str, language: str, rng: random.Random) -> str:
    """A random secret of `kind`: a made-up name of two three-syllable words (about 37 bits), an
    eight-digit ID (27 bits), or a mobile number of the language's shape (27 bits)."""
    if kind == "name":
        return " ".join("".join(rng.choices(SYLLABLES, k=3)).capitalize() for _ in range(2))
    digits = "".join(rng.choices("0123456789", k=8))
    if kind == "id":
        return digits
    if language == "sv":
        return f"07{digits[0]}-{digits[1:4]} {digits[4:6]} {digits[6:]}"
    return f"6{digits[:2]} {digits[2:5]} {digits[5:]}"


@dataclass(frozen=True)
class Canary:
    kind: str
    prefix: str
    secret: str
    repetitions: int

    @property
    def record(self) -> str:
        return self.prefix + self.secret


def make_canaries(
    language: str, seed: int, repetitions: Sequence[int] = REPETITIONS
) -> list[Canary]:
    """One canary of each kind per repetition count."""
    if language not in PREFIXES:
        raise UserError(f"no canary prefixes for language {language!r} (known: {sorted(PREFIXES)})")
    rng = random.Random(f"canaries-{language}-{seed}")
    return [
        Canary(kind, PREFIXES[language][kind], secret(kind, language, rng), count)
        for count in repetitions
        for kind in KINDS
    ]


def plant(texts: Sequence[str], canaries: Sequence[Canary], seed: int) -> list[str]:
    """The texts with each canary written as its own line into `repetitions` notes, at a random
    line boundary (distinct notes while there are enough; a note may then carry it twice)."""
    rng = random.Random(seed)
    out = list(texts)
    for canary in canaries:
        order = list(range(len(out)))
        rng.shuffle(order)
        for index in (order[i % len(order)] for i in range(canary.repetitions)):
            lines = out[index].split("\n")
            at = rng.randrange(1, len(lines) + 1)
            out[index] = "\n".join([*lines[:at], canary.record, *lines[at:]])
    return out


def carries_canary(text: str, canaries: Sequence[Canary]) -> bool:
    """Whether a text holds a canary's secret or its prefix."""
    return any(c.secret in text or c.prefix.strip() in text for c in canaries)


def drop_canary_documents(
    documents: Sequence[Document], canaries: Sequence[Canary]
) -> tuple[list[Document], int]:
    """The documents without a canary, and how many were dropped."""
    kept = [d for d in documents if not carries_canary(d.text, canaries)]
    return kept, len(documents) - len(kept)


def extracted(texts: Sequence[str], canaries: Sequence[Canary]) -> dict[str, int]:
    """How many secrets appear verbatim in `texts`: in all (`canary_secrets_extracted`) and per
    repetition count."""
    haystack = "\n".join(texts)
    found = [c for c in canaries if c.secret in haystack]
    out = {"canary_secrets_extracted": len(found)}
    for count in sorted({c.repetitions for c in canaries}):
        out[f"canary_secrets_extracted_r{count}"] = sum(c.repetitions == count for c in found)
    return out


def exposure(
    nll: Callable[[list[str]], list[tuple[float, int]]],
    canaries: Sequence[Canary],
    language: str,
    candidates: int = 1000,
    seed: int = 0,
) -> dict[str, float]:
    """Mean exposure in bits per repetition count (`canary_exposure_r<count>`) and its maximum,
    log2(candidates + 1). Each canary's record is scored against `candidates` records with other
    secrets of its kind, drawn as it was, by `nll` (summed negative log-likelihood per text, see
    `core.lm.training.document_nll`)."""
    rng = random.Random(f"candidates-{seed}")
    per_count: dict[int, list[float]] = {}
    for canary in canaries:
        others: set[str] = set()
        while len(others) < candidates:
            other = secret(canary.kind, language, rng)
            if other != canary.secret:
                others.add(other)
        texts = [canary.record, *(canary.prefix + other for other in sorted(others))]
        scores = [total for total, _ in nll(texts)]
        # Ties count half, as in a ROC-AUC: a model that cannot tell the secret apart is not
        # credited with ranking it first.
        rank = 1 + sum(score < scores[0] for score in scores[1:])
        rank += sum(score == scores[0] for score in scores[1:]) / 2
        bits = math.log2(candidates + 1) - math.log2(rank)
        per_count.setdefault(canary.repetitions, []).append(bits)
    out = {f"canary_exposure_r{count}": statistics.mean(bits) for count, bits in per_count.items()}
    out["canary_exposure_max_bits"] = math.log2(candidates + 1)
    return out


def write_canaries(canaries: Sequence[Canary], path: str | Path) -> None:
    Path(path).write_text(json.dumps([asdict(c) for c in canaries], indent=1, ensure_ascii=False))


def read_canaries(path: str | Path) -> list[Canary]:
    """The canaries an adapted LLM was trained with; none where it had none."""
    path = Path(path)
    return [Canary(**c) for c in json.loads(path.read_text())] if path.exists() else []
