"""Checks every reader applies, so that a corpus is either valid or fails with file and line.

No message quotes document text, tokens or labels that failed a check: a wrong column or a shifted
offset would put PHI there. Only ids, line numbers, offsets, counts and labels that passed the
label check appear."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from deid_platform.core.documents import Corpus, CorpusError, Document, Span

BOM = "\ufeff"
# A PHI type is a name such as NOMBRE_SUJETO_ASISTENCIA, First_Name or PER. Words of running text
# (lower-case, digits, punctuation) are not, and neither are more than 50 distinct types: MEDDOCAN
# has 22, the largest clinical schemes about 30. Either means a column holds text, not labels.
LABEL = re.compile(r"[A-Z][A-Za-z_-]{0,63}")
MAX_LABELS = 50


class EncodingError(CorpusError):
    """Bytes that are not UTF-8: a reader skips the file (or document) in lenient mode."""


class Reporter:
    """Strict mode raises the first problem; lenient mode counts it and lets the reader skip the
    offending span or document, so that nothing is dropped without a trace. It also counts what a
    reader legally ignores (BRAT relations, notes...) and the labels seen."""

    def __init__(self, lenient: bool = False):
        self.lenient = lenient
        self.warnings: list[CorpusError] = []
        self.ignored: Counter[str] = Counter()
        self.dropped_spans = 0
        self.labels: set[str] = set()

    def report(self, error: CorpusError) -> None:
        if not self.lenient:
            raise error
        self.warnings.append(error)

    def label_problem(self, label: object, path: str, line: int | None) -> str | None:
        """What is wrong with a span's label, if anything, in words that never quote it. Raises,
        even in lenient mode, once the corpus holds more than MAX_LABELS distinct labels."""
        if not isinstance(label, str) or not label:
            return "has no label"
        if not LABEL.fullmatch(label):
            return "has a label that is not a type name (an upper-case letter, letters, _ or -)"
        self.labels.add(label)
        if len(self.labels) > MAX_LABELS:
            too_many = f"more than {MAX_LABELS} distinct labels: they look like text, not types"
            raise CorpusError(path, line, too_many)
        return None

    def no_documents(self, path: str) -> CorpusError:
        """The error for a read that yields no document: its first problem, if it had any."""
        if not self.warnings:
            return CorpusError(path, None, "no documents")
        first, more = self.warnings[0], len(self.warnings) - 1
        others = f" ({more} more problems)" if more else ""
        return CorpusError(
            first.path, first.line, f"{first.message}; no usable document remains{others}"
        )


Reader = Callable[[Path, Reporter], Iterator[Document]]


def stream(reader: Reader, path: str | Path, reporter: Reporter) -> Iterator[Document]:
    """The documents `reader` yields from `path`, as it reads them. A read that yields none fails,
    in lenient mode with its first problem: empty input is an error, not an empty corpus."""
    count = 0
    for doc in reader(Path(path), reporter):
        count += 1
        yield doc
    if not count:
        raise reporter.no_documents(str(path))


def read_all(reader: Reader, path: str | Path, lenient: bool = False) -> Corpus:
    reporter = Reporter(lenient)
    documents = list(stream(reader, path, reporter))
    return Corpus(documents, reporter.warnings, reporter.dropped_spans, dict(reporter.ignored))


def check_document(
    doc: Document,
    path: str,
    reporter: Reporter,
    span_lines: Sequence[int | None] | None = None,
    doc_line: int | None = 1,
    dropped: int = 0,
) -> Document | None:
    """Validates a parsed document. `span_lines` gives the source line of each span, in the order
    of `doc.spans`; `dropped` counts the spans the reader already rejected. Returns the document
    with invalid spans removed (lenient mode), or None when the document is unusable: empty, or
    with every one of its spans rejected, which would teach a model that its PHI is not PHI."""
    if not doc.text.strip():
        reporter.dropped_spans += dropped + len(doc.spans)
        reporter.report(CorpusError(path, doc_line, f"document {doc.id!r} is empty"))
        return None
    kept: list[Span] = []
    lines = span_lines if span_lines is not None else [None] * len(doc.spans)
    for span, where in sorted(zip(doc.spans, lines, strict=True), key=lambda p: p[0]):
        at = f"[{span.start}, {span.end})"
        problem = reporter.label_problem(span.label, path, where)
        if problem:
            reporter.report(CorpusError(path, where, f"span {at} {problem}"))
        elif span.start < 0 or span.end > len(doc.text) or span.start >= span.end:
            reporter.report(
                CorpusError(
                    path,
                    where,
                    f"span {at} lies outside the text "
                    f"(document {doc.id!r} has {len(doc.text)} characters)",
                )
            )
        elif kept and kept[-1] == span:
            reporter.report(CorpusError(path, where, f"duplicate span {at} {span.label}"))
        elif kept and span.start < kept[-1].end:
            other = kept[-1]
            reporter.report(
                CorpusError(
                    path,
                    where,
                    f"span {at} {span.label} overlaps [{other.start}, {other.end}) {other.label}",
                )
            )
        else:
            kept.append(span)
    dropped += len(doc.spans) - len(kept)
    reporter.dropped_spans += dropped
    doc.spans = kept
    if dropped and not kept:
        all_gone = f"document {doc.id!r} dropped: all {dropped} of its spans were invalid"
        reporter.report(CorpusError(path, doc_line, all_gone))
        return None
    return doc


def decode_utf8(data: bytes, path: str) -> str:
    """Strict UTF-8 (a BOM is kept as a character, because BRAT offsets count it)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise EncodingError(path, line, f"not valid UTF-8 (byte offset {err.start})") from None


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The lines of a line-based file (.ann, .jsonl, CoNLL), one at a time, numbered from 1, in
    strict UTF-8 and without their line ending. A BOM at the start is skipped: no offset counts it.
    Lines end at "\\n" only, so that U+2028 and the like inside a JSON string stay in it."""
    offset = 0
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise EncodingError(
                    str(path), number, f"not valid UTF-8 (byte offset {offset + err.start})"
                ) from None
            offset += len(raw)
            if number == 1:
                line = line.removeprefix(BOM)
            yield number, line.removesuffix("\n").removesuffix("\r")
