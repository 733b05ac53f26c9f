"""Checks every reader applies, so that a corpus is either valid or fails with file and line."""

from __future__ import annotations

from collections.abc import Sequence

from deid_platform.core.documents import CorpusError, Document, Span


class Reporter:
    """Strict mode raises the first problem; lenient mode counts it and lets the reader skip the
    offending span or document, so that nothing is dropped without a trace."""

    def __init__(self, lenient: bool = False):
        self.lenient = lenient
        self.warnings: list[CorpusError] = []

    def report(self, error: CorpusError) -> None:
        if not self.lenient:
            raise error
        self.warnings.append(error)


def check_document(
    doc: Document,
    path: str,
    reporter: Reporter,
    span_lines: Sequence[int | None] | None = None,
    doc_line: int | None = 1,
) -> Document | None:
    """Validates a parsed document. `span_lines` gives the source line of each span, in the order
    of `doc.spans`. Returns the document with invalid spans removed (lenient mode), or None when
    the document itself is unusable."""
    if not doc.text.strip():
        reporter.report(CorpusError(path, doc_line, f"document {doc.id!r} is empty"))
        return None
    kept: list[Span] = []
    lines = span_lines if span_lines is not None else [None] * len(doc.spans)
    for span, where in sorted(zip(doc.spans, lines, strict=True), key=lambda p: p[0]):
        if not span.label:
            reporter.report(CorpusError(path, where, "span has an empty label"))
        elif span.start < 0 or span.end > len(doc.text) or span.start >= span.end:
            reporter.report(
                CorpusError(
                    path,
                    where,
                    f"span [{span.start}, {span.end}) lies outside the text "
                    f"(document {doc.id!r} has {len(doc.text)} characters)",
                )
            )
        elif kept and kept[-1] == span:
            reporter.report(
                CorpusError(path, where, f"duplicate span [{span.start}, {span.end}) {span.label}")
            )
        elif kept and span.start < kept[-1].end:
            other = kept[-1]
            reporter.report(
                CorpusError(
                    path,
                    where,
                    f"span [{span.start}, {span.end}) {span.label} overlaps "
                    f"[{other.start}, {other.end}) {other.label}",
                )
            )
        else:
            kept.append(span)
    doc.spans = kept
    return doc


def decode_utf8(data: bytes, path: str) -> str:
    """Strict UTF-8 (a BOM is kept as a character, because BRAT offsets count it)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise CorpusError(path, line, f"not valid UTF-8 (byte offset {err.start})") from None
