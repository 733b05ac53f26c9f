"""The document model shared by every reader, writer and model: a text with labelled PHI spans."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from deid_platform.core.errors import UserError


@dataclass(frozen=True, order=True)
class Span:
    """A PHI mention: half-open character offsets [start, end) into the document text."""

    start: int
    end: int
    label: str


@dataclass
class Document:
    id: str
    text: str
    spans: list[Span] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in self.spans],
            "metadata": self.metadata,
        }


class CorpusError(UserError):
    """Malformed input. The message names file and line and never quotes document text, because the
    text is PHI."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


@dataclass
class Corpus:
    """Documents read from one source, with the problems a lenient read turned into warnings, the
    spans those problems cost, and the legal annotations the reader ignored, by kind."""

    documents: list[Document] = field(default_factory=list)
    warnings: list[CorpusError] = field(default_factory=list)
    dropped_spans: int = 0
    ignored: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.documents)

    def __iter__(self):
        return iter(self.documents)


def summarize(
    documents: Iterable[Document], warnings: Sequence[CorpusError] = ()
) -> dict[str, Any]:
    """Counts only, never text: safe for logs, metadata and MLflow. One pass, so that a stream of
    documents is summarized without holding it."""
    count = characters = 0
    labels: Counter[str] = Counter()
    for doc in documents:
        count += 1
        characters += len(doc.text)
        labels.update(span.label for span in doc.spans)
    return {
        "documents": count,
        "spans": sum(labels.values()),
        "characters": characters,
        "labels": dict(sorted(labels.items())),
        "warnings": len(warnings),
    }


def corpus_hash(documents: Iterable[Document]) -> str:
    """A content hash of documents in the given order: text, spans and ids, not metadata."""
    digest = hashlib.sha256()
    for doc in documents:
        record = {
            "id": doc.id,
            "text": doc.text,
            "spans": [[s.start, s.end, s.label] for s in doc.spans],
        }
        digest.update(json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
