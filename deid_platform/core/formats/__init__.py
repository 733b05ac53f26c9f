"""Readers and writers for the corpus formats, by name. Readers stream documents one at a time;
`read_corpus` collects them, `validate_corpus` only counts them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from deid_platform.core.documents import Corpus, CorpusError, Document, summarize
from deid_platform.core.formats.brat import iter_brat, write_brat
from deid_platform.core.formats.conll import iter_conll, write_conll
from deid_platform.core.formats.jsonl import iter_jsonl, write_jsonl
from deid_platform.core.validation import Reader, Reporter, read_all, stream

FORMATS = ("brat", "conll", "jsonl")

_READERS: dict[str, Reader] = {
    "brat": iter_brat,
    "conll": iter_conll,
    "jsonl": iter_jsonl,
}

_SPLIT_NAMES = {
    "train": "train",
    "training": "train",
    "dev": "dev",
    "devel": "dev",
    "development": "dev",
    "valid": "dev",
    "validation": "dev",
    "test": "test",
}


def read_corpus(path: str | Path, fmt: str, lenient: bool = False) -> Corpus:
    return read_all(_reader(path, fmt), path, lenient)


def validate_corpus(
    path: str | Path, fmt: str, lenient: bool = False
) -> tuple[dict[str, Any], list[CorpusError]]:
    """The counts of a corpus and the problems a lenient read skipped, without holding the
    documents: memory stays near one document whatever the corpus size."""
    reporter = Reporter(lenient)
    summary = summarize(stream(_reader(path, fmt), path, reporter))
    summary["warnings"] = len(reporter.warnings)
    summary["dropped_spans"] = reporter.dropped_spans
    summary["ignored_annotations"] = dict(sorted(reporter.ignored.items()))
    return summary, reporter.warnings


def _reader(path: str | Path, fmt: str) -> Reader:
    if fmt not in _READERS:
        raise ValueError(f"unknown corpus format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not Path(path).exists():
        raise CorpusError(str(path), None, "does not exist")
    return _READERS[fmt]


def write_corpus(documents: list[Document], path: str | Path, fmt: str) -> None:
    if fmt == "brat":
        write_brat(documents, path)
    elif fmt == "conll":
        write_conll(documents, path)
    elif fmt == "jsonl":
        write_jsonl(documents, path)
    else:
        raise ValueError(f"unknown corpus format {fmt!r}; expected one of {', '.join(FORMATS)}")


def split_of(name: str) -> str | None:
    """The split a file or folder name stands for: `train_corpus.txt` -> train, `dev` -> dev."""
    for word in re.split(r"[^a-z]+", name.lower()):
        if word in _SPLIT_NAMES:
            return _SPLIT_NAMES[word]
    return None


def read_splits(path: str | Path, fmt: str, lenient: bool = False) -> dict[str, Corpus]:
    """Reads a corpus laid out as split folders or files (`train/`, `dev/`, `test_corpus.txt`...);
    a corpus without them comes back whole under the key "all"."""
    path = Path(path)
    if not path.exists():
        raise CorpusError(str(path), None, "does not exist")
    children = sorted(path.iterdir()) if path.is_dir() else []
    found: dict[str, Corpus] = {}
    for child in children:
        split = split_of(child.name)
        if split is None or (fmt == "brat" and not child.is_dir()):
            continue
        if split in found:
            raise CorpusError(str(child), None, f"a second {split} split in the same corpus")
        found[split] = read_corpus(child, fmt, lenient)
    return found or {"all": read_corpus(path, fmt, lenient)}


def corpus_files(path: str | Path) -> list[Path]:
    """Every file that makes up a corpus, in a stable order, for content hashing."""
    path = Path(path)
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
