"""Surrogate clinical corpora: realistic notes with fake PHI and exact gold spans, generated with
Faker under fixed seeds and date bounds, so that the platform runs anywhere without real data."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from faker import Faker

from deid_platform.core.atomic import atomic_directory
from deid_platform.core.documents import Document
from deid_platform.core.formats.brat import write_brat
from deid_platform.core.surrogates import spanish, swedish
from deid_platform.core.surrogates.builder import NoteBuilder

LANGUAGE_PACKS = {"es": spanish, "sv": swedish}
DEFAULT_SPLIT_SIZES = {"train": 200, "dev": 50, "test": 50}


def generate_document(lang: str, doc_id: str, seed: int) -> Document:
    pack = LANGUAGE_PACKS[lang]
    fake = Faker(pack.LOCALE)
    fake.seed_instance(seed)
    rng = random.Random(seed)
    builder = NoteBuilder()
    kind = pack.write_note(builder, fake, rng)
    return Document(doc_id, builder.text, builder.spans, {"kind": kind, "surrogate": True})


def generate_corpus(
    lang: str, seed: int = 0, sizes: dict[str, int] | None = None
) -> dict[str, list[Document]]:
    if lang not in LANGUAGE_PACKS:
        raise ValueError(f"no demo language pack for {lang!r}; have {sorted(LANGUAGE_PACKS)}")
    corpus = {}
    for split, count in (sizes or DEFAULT_SPLIT_SIZES).items():
        docs = []
        for index in range(count):
            doc_seed = int.from_bytes(
                hashlib.sha256(f"{seed}:{lang}:{split}:{index}".encode()).digest()[:8], "big"
            )
            docs.append(generate_document(lang, f"{lang}-{split}-{index:04d}", doc_seed))
        corpus[split] = docs
    return corpus


def write_demo_corpus(
    lang: str, out: str | Path, seed: int = 0, sizes: dict[str, int] | None = None
) -> dict[str, int]:
    """Writes `<out>/{train,dev,test}/` as BRAT, atomically. Returns documents per split."""
    corpus = generate_corpus(lang, seed, sizes)
    with atomic_directory(out) as staging:
        for split, docs in corpus.items():
            write_brat(docs, staging / split)
    return {split: len(docs) for split, docs in corpus.items()}
