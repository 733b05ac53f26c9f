"""Deterministic document-level splits and nested training samples."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from deid_platform.core.documents import Corpus, CorpusError, Document

SPLITS = ("train", "dev", "test")


def _order(documents: Sequence[Document], seed: int, salt: str) -> list[Document]:
    """A permutation that depends only on seed, salt and document ids, never on file order."""

    def key(doc: Document) -> str:
        return hashlib.sha256(f"{seed}:{salt}:{doc.id}".encode()).hexdigest()

    return sorted(documents, key=key)


def assign_splits(
    given: dict[str, Corpus], seed: int = 13, held_out: float = 0.1
) -> tuple[dict[str, list[Document]], dict[str, bool]]:
    """Keeps the splits a corpus comes with and derives the missing ones.

    - no splits at all: train/dev/test by a seeded hash of the document id;
    - no dev: a `held_out` share of train becomes dev (dev prompts the generator);
    - no test: a seeded half of dev becomes test and the other half stays dev. Dev documents are
      the generator's prompts and the models' selection data, so a test split that doubled as dev
      would put test text (the first words of a note are often a patient's name) into the
      synthetic training data.
    Returns the splits and flags saying which were derived.
    """
    docs = {name: list(corpus.documents) for name, corpus in given.items()}
    derived = {"dev_from_train": False, "test_from_dev": False, "split_by_hash": False}
    if "all" in docs:
        pool = _order(docs.pop("all"), seed, "split")
        n_held = max(1, round(len(pool) * held_out))
        docs = {
            "test": pool[:n_held],
            "dev": pool[n_held : 2 * n_held],
            "train": pool[2 * n_held :],
        }
        derived["split_by_hash"] = True
    if not docs.get("train"):
        raise CorpusError("corpus", None, "no training documents")
    if "dev" not in docs:
        pool = _order(docs["train"], seed, "dev")
        n_held = max(1, round(len(pool) * held_out))
        docs["dev"], docs["train"] = pool[:n_held], pool[n_held:]
        derived["dev_from_train"] = True
    if "test" not in docs:
        if len(docs["dev"]) < 2:
            raise CorpusError(
                "corpus", None, "no test split and too few dev documents to carve one"
            )
        pool = _order(docs["dev"], seed, "test")
        # The second half is test: until 2026-12 it was the prompt half, which supplied prompts
        # and was never scored, while the first half chose epochs, decodings and generators. So
        # the settings were chosen on what is now dev, and the test half is fresh.
        docs["dev"], docs["test"] = pool[: len(pool) // 2], pool[len(pool) // 2 :]
        derived["test_from_dev"] = True
    for name in SPLITS:
        docs[name].sort(key=lambda d: d.id)
    return {name: docs[name] for name in SPLITS}, derived


def subset_size(n: int, fraction: float) -> int:
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    return min(n, max(1, math.ceil(n * fraction - 1e-9)))


def nested_sample(documents: Sequence[Document], fraction: float, seed: int = 13) -> list[Document]:
    """The first `fraction` of one seeded permutation, so that every smaller sample lies inside
    every larger one (5 % inside 25 % inside 50 %...), as the paper's fractions require."""
    ordered = _order(documents, seed, "subset")
    chosen = ordered[: subset_size(len(ordered), fraction)]
    return sorted(chosen, key=lambda d: d.id)
