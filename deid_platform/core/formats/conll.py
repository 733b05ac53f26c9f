"""CoNLL-style token/label files: one `TOKEN LABEL` per line, blank lines between sentences,
`-DOCSTART-` between documents. Labels are IOB2 (`B-X`/`I-X`) or plain (`X`, a run of equal labels
being one entity, as in the Swedish NER corpus); outside is `O` or `0`."""

from __future__ import annotations

from pathlib import Path

from deid_platform.core.documents import Corpus, CorpusError, Document, Span
from deid_platform.core.tagging import word_tags
from deid_platform.core.validation import Reporter, check_document, decode_utf8

OUTSIDE = {"O", "0"}
DOCSTART = "-DOCSTART-"


def read_conll(path: str | Path, lenient: bool = False) -> Corpus:
    path = Path(path)
    files = sorted(path.glob("*")) if path.is_dir() else [path]
    files = [f for f in files if f.is_file() and not f.name.startswith(".")]
    if not files:
        raise CorpusError(str(path), None, "no CoNLL files found")
    reporter = Reporter(lenient)
    documents: list[Document] = []
    for file in files:
        try:
            content = decode_utf8(file.read_bytes(), str(file))
        except CorpusError as err:
            reporter.report(err)
            continue
        documents.extend(_parse(file, content, reporter))
    return Corpus(documents, reporter.warnings)


def _parse(file: Path, content: str, reporter: Reporter) -> list[Document]:
    lines = content.splitlines()
    bio = any(
        (parts := line.rsplit(None, 1)) and len(parts) == 2 and parts[1][:2] in ("B-", "I-")
        for line in lines
    )
    has_docstart = any(line.startswith(DOCSTART) for line in lines)
    # Each item: (tokens with their source line, first line); a sentence or a document.
    documents: list[list[list[tuple[str, str, int]]]] = []
    current_doc: list[list[tuple[str, str, int]]] = []
    sentence: list[tuple[str, str, int]] = []

    def close_sentence() -> None:
        nonlocal sentence
        if sentence:
            current_doc.append(sentence)
            sentence = []
            if not has_docstart:
                close_doc()

    def close_doc() -> None:
        nonlocal current_doc
        if current_doc:
            documents.append(current_doc)
            current_doc = []

    for number, line in enumerate(lines, start=1):
        if line.startswith(DOCSTART):
            close_sentence()
            close_doc()
            continue
        if not line.strip():
            close_sentence()
            continue
        parts = line.rsplit(None, 1)
        if len(parts) != 2:
            reporter.report(CorpusError(str(file), number, "expected a token and a label"))
            continue
        token, label = parts[0].strip(), parts[1]
        if bio and label not in OUTSIDE and label[:2] not in ("B-", "I-"):
            reporter.report(CorpusError(str(file), number, f"label {label!r} is not IOB2"))
            continue
        sentence.append((token, label, number))
    close_sentence()
    close_doc()

    out = []
    for index, sentences in enumerate(documents):
        doc_id = f"{file.stem}-{index:05d}"
        doc = _assemble(doc_id, sentences, bio)
        doc.metadata["source"] = file.name
        first_line = sentences[0][0][2]
        if check_document(doc, str(file), reporter, doc_line=first_line):
            out.append(doc)
    return out


def _assemble(doc_id: str, sentences: list[list[tuple[str, str, int]]], bio: bool) -> Document:
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
        for t_index, (token, label, _) in enumerate(sentence):
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
