"""JSONL: one document per line, `{"id", "text", "spans": [{"start", "end", "label"}], "metadata"}`.
A span may carry `"text"`, which is then checked against the document."""

from __future__ import annotations

import json
from pathlib import Path

from deid_platform.core.documents import Corpus, CorpusError, Document, Span
from deid_platform.core.validation import Reporter, check_document, decode_utf8


def read_jsonl(path: str | Path, lenient: bool = False) -> Corpus:
    path = Path(path)
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files:
        raise CorpusError(str(path), None, "no .jsonl files found")
    reporter = Reporter(lenient)
    documents: list[Document] = []
    for file in files:
        try:
            content = decode_utf8(file.read_bytes(), str(file))
        except CorpusError as err:
            reporter.report(err)
            continue
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            doc = _parse_line(line, str(file), number, reporter)
            if doc is not None and check_document(
                doc, str(file), reporter, span_lines=[number] * len(doc.spans), doc_line=number
            ):
                documents.append(doc)
    return Corpus(documents, reporter.warnings)


def _parse_line(line: str, file: str, number: int, reporter: Reporter) -> Document | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        reporter.report(CorpusError(file, number, f"invalid JSON at column {err.colno}"))
        return None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        reporter.report(CorpusError(file, number, "expected an object with a string 'text'"))
        return None
    doc_id = str(record.get("id", f"{Path(file).stem}-{number:05d}"))
    spans = []
    for index, raw in enumerate(record.get("spans") or []):
        try:
            span = Span(int(raw["start"]), int(raw["end"]), str(raw["label"]))
        except (KeyError, TypeError, ValueError):
            reporter.report(CorpusError(file, number, f"span {index} needs start, end and label"))
            continue
        quoted = raw.get("text")
        if quoted is not None and record["text"][span.start : span.end] != quoted:
            reporter.report(
                CorpusError(
                    file,
                    number,
                    f"span {index} text does not match the document at [{span.start}, {span.end})",
                )
            )
            continue
        spans.append(span)
    return Document(doc_id, record["text"], spans, dict(record.get("metadata") or {}))


def write_jsonl(documents: list[Document], file: str | Path) -> None:
    Path(file).parent.mkdir(parents=True, exist_ok=True)
    with open(file, "w", encoding="utf-8") as handle:
        for doc in documents:
            handle.write(json.dumps(doc.to_json(), ensure_ascii=False) + "\n")
