"""BRAT standoff: one `<id>.txt` and one `<id>.ann` per document (the MEDDOCAN layout).

Only text-bound annotations (`T1<TAB>LABEL START END<TAB>TEXT`) carry PHI. The other legal lines
(relations, attributes, events, normalizations, notes, equivalences) are counted and ignored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from deid_platform.core.documents import Corpus, CorpusError, Document, Span
from deid_platform.core.validation import (
    EncodingError,
    Reporter,
    check_document,
    decode_utf8,
    read_all,
    read_lines,
)

_ID = re.compile(r"[TRAMEN#]\d+|\*")
_IGNORED = {
    "R": "relation",
    "A": "attribute",
    "M": "attribute",
    "E": "event",
    "N": "normalization",
    "#": "note",
    "*": "equivalence",
}
_OFFSET = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() would take "²" and int() then fail


def read_brat(path: str | Path, lenient: bool = False) -> Corpus:
    return read_all(iter_brat, path, lenient)


def iter_brat(path: str | Path, reporter: Reporter) -> Iterator[Document]:
    root = Path(path)
    if not root.is_dir():
        raise CorpusError(str(root), None, "BRAT corpus must be a directory of .txt/.ann pairs")
    texts = {p.stem: p for p in sorted(root.glob("*.txt"))}
    anns = {p.stem: p for p in sorted(root.glob("*.ann"))}
    if not texts and not anns:
        raise CorpusError(str(root), None, "no .txt/.ann files found")
    for stem in sorted(anns.keys() - texts.keys()):
        reporter.report(CorpusError(str(anns[stem]), 1, f"annotation file has no {stem}.txt"))
    for stem, txt_path in texts.items():
        ann_path = anns.get(stem)
        if ann_path is None:
            reporter.report(CorpusError(str(txt_path), 1, f"text file has no {stem}.ann"))
            continue
        try:
            text = decode_utf8(txt_path.read_bytes(), str(txt_path))
            doc, lines, dropped = _parse_ann(stem, text, ann_path, reporter)
        except EncodingError as err:
            reporter.report(err)
            continue
        doc.metadata["source"] = txt_path.name
        if check_document(doc, str(ann_path), reporter, span_lines=lines, dropped=dropped):
            yield doc


def _parse_ann(
    stem: str, text: str, ann_path: Path, reporter: Reporter
) -> tuple[Document, list[int], int]:
    """The document with its spans, the line of each span, and how many T lines were rejected."""
    path = str(ann_path)
    spans: list[Span] = []
    lines: list[int] = []
    dropped = 0
    for number, raw in read_lines(ann_path):
        if not raw.strip():
            continue
        ann_id, tab, rest = raw.partition("\t")
        if not tab or not _ID.fullmatch(ann_id):
            dropped += 1
            problem = "not a BRAT annotation: expected an id (T1, R1, A1, #1...) and a tab"
            reporter.report(CorpusError(path, number, problem))
            continue
        if ann_id[0] != "T":
            reporter.ignored[_IGNORED[ann_id[0]]] += 1
            continue
        span = _text_bound(ann_id, rest, text, path, number, reporter)
        if span is None:
            dropped += 1
        else:
            spans.append(span)
            lines.append(number)
    return Document(stem, text, spans), lines, dropped


def _text_bound(
    ann_id: str, rest: str, text: str, path: str, number: int, reporter: Reporter
) -> Span | None:
    type_and_offsets, tab, quoted = rest.partition("\t")
    parts = type_and_offsets.split(" ")
    if ";" in type_and_offsets:
        problem = "is a discontinuous span, which is unsupported"
    elif not tab or len(parts) != 3:
        problem = "is malformed: expected 'ID<TAB>LABEL START END<TAB>TEXT'"
    elif not (_OFFSET.fullmatch(parts[1]) and _OFFSET.fullmatch(parts[2])):
        problem = "has malformed offsets: expected two integers"
    else:
        span = Span(int(parts[1]), int(parts[2]), parts[0])
        inside = 0 <= span.start < span.end <= len(text)
        if not inside or quote(text[span.start : span.end]) == quoted:
            return span  # outside the text: check_document says so with the document's length
        problem = f"text does not match the document at [{span.start}, {span.end})"
    reporter.report(CorpusError(path, number, f"{ann_id} {problem}"))
    return None


# Every character that ends a line for str.splitlines, and the tab that separates columns.
_BREAKS = str.maketrans(dict.fromkeys("\n\r\t\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", " "))


def quote(span_text: str) -> str:
    """A span's text as the text column of its annotation line, one character for one: BRAT stores
    a newline inside a span as a space; any other line break or a tab would break the line."""
    return span_text.translate(_BREAKS)


def write_brat(documents: list[Document], directory: str | Path) -> None:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for doc in documents:
        (out / f"{doc.id}.txt").write_text(doc.text, encoding="utf-8", newline="")
        rows = [
            f"T{i}\t{s.label} {s.start} {s.end}\t{quote(doc.span_text(s))}\n"
            for i, s in enumerate(sorted(doc.spans), start=1)
        ]
        (out / f"{doc.id}.ann").write_text("".join(rows), encoding="utf-8", newline="")
