"""CoNLL-style token/label files: exactly two columns, `TOKEN LABEL`, blank lines between sentences,
`-DOCSTART-` between documents. Labels are IOB2 (`B-X`/`I-X`) or plain (`X`, a run of equal labels
being one entity, as in the Swedish NER corpus); outside is `O` or `0`.

A file is read twice, line by line, so that memory stays near one document: first its shape
(scheme, label set, document markers), then its documents. A file whose shape is wrong fails as a
whole, even in lenient mode: a POS column, swapped columns or plain text in the label column would
otherwise turn words into labels, and labels end up in logs and metadata."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from deid_platform.core.documents import Corpus, CorpusError, Document, Span
from deid_platform.core.tagging import word_tags
from deid_platform.core.validation import (
    EncodingError,
    Reporter,
    check_document,
    read_all,
    read_lines,
)

OUTSIDE = {"O", "0"}
DOCSTART = "-DOCSTART-"
COLUMNS = 2
_IOB2 = ("B-", "I-")


@dataclass
class _Shape:
    bio: bool
    docstart: bool


def read_conll(path: str | Path, lenient: bool = False) -> Corpus:
    return read_all(iter_conll, path, lenient)


def iter_conll(path: str | Path, reporter: Reporter) -> Iterator[Document]:
    path = Path(path)
    files = sorted(path.glob("*")) if path.is_dir() else [path]
    files = [f for f in files if f.is_file() and not f.name.startswith(".")]
    if not files:
        raise CorpusError(str(path), None, "no CoNLL files found")
    for file in files:
        try:
            shape = _scan(file, reporter)
        except EncodingError as err:
            reporter.report(err)  # an undecodable file is skipped whole in lenient mode
            continue
        if shape is not None:
            yield from _documents(file, shape, reporter)


def _scan(file: Path, reporter: Reporter) -> _Shape | None:
    """The file's scheme, or a CorpusError for a file whose columns or labels are not CoNLL."""
    path = str(file)
    first_line: dict[str, int] = {}  # each distinct label and where it first appears
    docstart = False
    for number, line in read_lines(file):
        if line.startswith(DOCSTART):
            docstart = True
            continue
        columns = line.split()
        if not columns:
            continue
        if not first_line and len(columns) != COLUMNS:
            raise CorpusError(
                path, number, f"expected {COLUMNS} columns (token and label), found {len(columns)}"
            )
        if len(columns) != COLUMNS:
            continue  # a defective line: _documents reports it, and skips it in lenient mode
        label = columns[1]
        if label in first_line:
            continue
        first_line[label] = number
        kind = label[2:] if label.startswith(_IOB2) else label
        problem = None if label in OUTSIDE else reporter.label_problem(kind, path, number)
        if problem:
            raise CorpusError(path, number, f"token {problem}: is the label in the second column?")
    if not first_line:
        reporter.report(CorpusError(path, 1, "no tokens"))
        return None
    bio = any(label.startswith(_IOB2) for label in first_line)
    for label, number in first_line.items():
        if bio and label not in OUTSIDE and not label.startswith(_IOB2):
            raise CorpusError(path, number, "label is not IOB2 (O, B-TYPE or I-TYPE) like the rest")
    if not OUTSIDE & first_line.keys():
        raise CorpusError(
            path, min(first_line.values()), "no token is outside (O or 0): are the columns swapped?"
        )
    return _Shape(bio, docstart)


def _documents(file: Path, shape: _Shape, reporter: Reporter) -> Iterator[Document]:
    """Documents one at a time: at each `-DOCSTART-`, or at each blank line if the file has none."""
    sentences: list[list[tuple[str, str]]] = []
    sentence: list[tuple[str, str]] = []
    first = index = 0
    for number, line in chain(read_lines(file), [(0, DOCSTART)]):  # a last marker closes it
        columns = line.split()
        boundary = line.startswith(DOCSTART) or not columns
        if boundary and sentence:
            sentences.append(sentence)
            sentence = []
        if sentences and (line.startswith(DOCSTART) or (boundary and not shape.docstart)):
            doc = _assemble(f"{file.stem}-{index:05d}", sentences, shape.bio)
            doc.metadata["source"] = file.name
            if check_document(doc, str(file), reporter, doc_line=first):
                yield doc
            sentences, index = [], index + 1
        if boundary:
            continue
        if len(columns) != COLUMNS:
            found = f"expected {COLUMNS} columns (token and label), found {len(columns)}"
            reporter.report(CorpusError(str(file), number, found))
            continue
        if not sentences and not sentence:
            first = number
        sentence.append((columns[0], columns[1]))


def _assemble(doc_id: str, sentences: list[list[tuple[str, str]]], bio: bool) -> Document:
    pieces: list[str] = []
    spans: list[Span] = []
    offset = 0
    open_label: str | None = None
    open_start = 0
    last_end = 0

    def close() -> None:
        nonlocal open_label
        if open_label is not None:
            spans.append(Span(open_start, last_end, open_label))
            open_label = None

    for s_index, sentence in enumerate(sentences):
        if s_index:
            pieces.append("\n")
            offset += 1
            close()
        for t_index, (token, label) in enumerate(sentence):
            if t_index:
                pieces.append(" ")
                offset += 1
            start, end = offset, offset + len(token)
            pieces.append(token)
            offset = end
            if label in OUTSIDE:
                close()
            else:
                kind = label[2:] if bio else label
                begins = bio and label.startswith("B-")
                if open_label != kind or begins:
                    close()
                    open_label, open_start = kind, start
            last_end = end
        close()
    return Document(doc_id, "".join(pieces), spans)


def write_conll(documents: list[Document], file: str | Path) -> None:
    """IOB2, one sentence per text line, `-DOCSTART-` between documents."""
    rows: list[str] = []
    for doc in documents:
        rows.append(f"{DOCSTART} O\n\n")
        words, tags = word_tags(doc.text, doc.spans)
        previous_end = None
        for (start, end), tag in zip(words, tags, strict=True):
            if previous_end is not None and "\n" in doc.text[previous_end:start]:
                rows.append("\n")
            rows.append(f"{doc.text[start:end]} {tag}\n")
            previous_end = end
        if words:
            rows.append("\n")
    Path(file).write_text("".join(rows), encoding="utf-8")
