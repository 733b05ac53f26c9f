"""BRAT standoff: one `<id>.txt` and one `<id>.ann` per document (the MEDDOCAN layout)."""

from __future__ import annotations

from pathlib import Path

from deid_platform.core.documents import Corpus, CorpusError, Document, Span
from deid_platform.core.validation import Reporter, check_document, decode_utf8


def read_brat(path: str | Path, lenient: bool = False) -> Corpus:
    root = Path(path)
    if not root.is_dir():
        raise CorpusError(str(root), None, "BRAT corpus must be a directory of .txt/.ann pairs")
    reporter = Reporter(lenient)
    texts = {p.stem: p for p in sorted(root.glob("*.txt"))}
    anns = {p.stem: p for p in sorted(root.glob("*.ann"))}
    for stem in sorted(anns.keys() - texts.keys()):
        reporter.report(CorpusError(str(anns[stem]), 1, f"annotation file has no {stem}.txt"))
    documents = []
    for stem, txt_path in texts.items():
        ann_path = anns.get(stem)
        if ann_path is None:
            reporter.report(CorpusError(str(txt_path), 1, f"text file has no {stem}.ann"))
            continue
        try:
            text = decode_utf8(txt_path.read_bytes(), str(txt_path))
            ann = decode_utf8(ann_path.read_bytes(), str(ann_path))
        except CorpusError as err:
            reporter.report(err)
            continue
        doc, lines = _parse_ann(stem, text, ann, str(ann_path), reporter)
        doc.metadata["source"] = txt_path.name
        if check_document(doc, str(ann_path), reporter, span_lines=lines):
            documents.append(doc)
    if not texts and not anns:
        raise CorpusError(str(root), None, "no .txt/.ann files found")
    return Corpus(documents, reporter.warnings)


def _parse_ann(
    stem: str, text: str, ann: str, path: str, reporter: Reporter
) -> tuple[Document, list[int]]:
    spans: list[Span] = []
    lines: list[int] = []
    for number, raw in enumerate(ann.splitlines(), start=1):
        if not raw.strip():
            continue
        kind = raw[0]
        if kind != "T":
            reporter.report(
                CorpusError(
                    path,
                    number,
                    f"unsupported BRAT annotation kind {kind!r}: only text-bound (T) annotations "
                    "carry PHI",
                )
            )
            continue
        fields = raw.split("\t")
        if len(fields) != 3:
            reporter.report(CorpusError(path, number, "expected 'ID<TAB>LABEL START END<TAB>TEXT'"))
            continue
        ann_id, type_and_offsets, quoted = fields
        if ";" in type_and_offsets:
            reporter.report(
                CorpusError(path, number, f"{ann_id} is a discontinuous span, which is unsupported")
            )
            continue
        parts = type_and_offsets.split(" ")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            reporter.report(CorpusError(path, number, f"{ann_id} has malformed type or offsets"))
            continue
        span = Span(int(parts[1]), int(parts[2]), parts[0])
        inside = 0 <= span.start < span.end <= len(text)
        if inside and quote(text[span.start : span.end]) != quoted:
            reporter.report(
                CorpusError(
                    path,
                    number,
                    f"{ann_id} text does not match the document at [{span.start}, {span.end})",
                )
            )
            continue
        spans.append(span)
        lines.append(number)
    return Document(stem, text, spans), lines


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
