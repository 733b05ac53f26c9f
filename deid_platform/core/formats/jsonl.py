"""JSONL: one document per line, `{"id", "text", "spans": [{"start", "end", "label"}], "metadata"}`.
A span may carry `"text"`, which is then checked against the document. Offsets are JSON integers
(not floats, not strings), labels strings, ids strings or integers and unique."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from deid_platform.core.documents import Corpus, CorpusError, Document, Span
from deid_platform.core.validation import (
    EncodingError,
    Reporter,
    check_document,
    read_all,
    read_lines,
)


def read_jsonl(path: str | Path, lenient: bool = False) -> Corpus:
    return read_all(iter_jsonl, path, lenient)


def iter_jsonl(path: str | Path, reporter: Reporter) -> Iterator[Document]:
    path = Path(path)
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files:
        raise CorpusError(str(path), None, "no .jsonl files found")
    seen: set[str] = set()
    for file in files:
        empty = True
        try:
            for number, line in read_lines(file):
                if not line.strip():
                    continue
                empty = False
                doc, dropped = _parse_line(line, str(file), number, reporter, seen)
                if doc is not None and check_document(
                    doc,
                    str(file),
                    reporter,
                    span_lines=[number] * len(doc.spans),
                    doc_line=number,
                    dropped=dropped,
                ):
                    yield doc
        except EncodingError as err:
            reporter.report(err)  # the rest of the file is skipped in lenient mode
            continue
        if empty:
            reporter.report(CorpusError(str(file), 1, "no documents"))


def _parse_line(
    line: str, file: str, number: int, reporter: Reporter, seen: set[str]
) -> tuple[Document | None, int]:
    """The document of one line (None if it is unusable) and how many of its spans were rejected."""

    def fail(message: str) -> tuple[None, int]:
        reporter.report(CorpusError(file, number, message))
        return None, 0

    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        return fail(f"invalid JSON at column {err.colno}")
    except (ValueError, RecursionError):  # e.g. an integer of 5,000 digits, or deep nesting
        return fail("invalid JSON")
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return fail("expected an object with a string 'text'")
    doc_id = record.get("id", f"{Path(file).stem}-{number:05d}")
    if isinstance(doc_id, bool) or not isinstance(doc_id, str | int) or doc_id == "":
        return fail("'id' must be a non-empty string or an integer")
    doc_id = str(doc_id)
    if doc_id in seen:
        return fail(f"document id {doc_id!r} is used twice")
    seen.add(doc_id)
    raw_spans = record.get("spans", [])
    if not isinstance(raw_spans, list):
        return fail("'spans' must be a list")
    metadata = record.get("metadata", {})
    if not isinstance(metadata, dict):
        return fail("'metadata' must be an object")
    spans = []
    for index, raw in enumerate(raw_spans):
        problem = _span_problem(raw, record["text"])
        if problem:
            reporter.report(CorpusError(file, number, f"span {index} {problem}"))
        else:
            spans.append(Span(raw["start"], raw["end"], raw["label"]))
    return Document(doc_id, record["text"], spans, dict(metadata)), len(raw_spans) - len(spans)


def _span_problem(raw: Any, text: str) -> str | None:
    if not isinstance(raw, dict):
        return "must be an object with start, end and label"
    start, end = raw.get("start"), raw.get("end")
    if not all(type(value) is int for value in (start, end)):
        return "needs integer start and end offsets"
    if not isinstance(raw.get("label"), str):
        return "has no label"
    quoted = raw.get("text")
    if quoted is not None and (not isinstance(quoted, str) or text[start:end] != quoted):
        return f"text does not match the document at [{start}, {end})"
    return None


def write_jsonl(documents: list[Document], file: str | Path) -> None:
    Path(file).parent.mkdir(parents=True, exist_ok=True)
    with open(file, "w", encoding="utf-8") as handle:
        for doc in documents:
            handle.write(json.dumps(doc.to_json(), ensure_ascii=False) + "\n")
