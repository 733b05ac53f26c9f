"""Each malformed input fails with `file:line: message`, never quotes the document's text, leaves
nothing half-read in lenient mode, and is counted."""

import json

import pytest

from deid_platform.core.documents import CorpusError
from deid_platform.core.formats import read_corpus

SECRET = "Macarena Ojeda"
TEXT = f"Paciente: {SECRET}. Ingreso 03/03/2016.\n"
GOOD_ANN = "T1\tNAME 10 24\tMacarena Ojeda\n"


def brat(tmp_path, ann: str, text: str | bytes = TEXT, name: str = "doc"):
    """A corpus of the document under test and a valid one, so that a lenient read keeps one."""
    folder = tmp_path / "brat"
    folder.mkdir(exist_ok=True)
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    (folder / f"{name}.txt").write_bytes(data)
    (folder / f"{name}.ann").write_text(ann, encoding="utf-8")
    (folder / "ok.txt").write_text(TEXT, encoding="utf-8")
    (folder / "ok.ann").write_text(GOOD_ANN, encoding="utf-8")
    return folder


BRAT_CASES = [
    # name, .ann content (or (ann, text)), file, line, message fragment
    ("span outside the text", GOOD_ANN + "T2\tDATE 40 90\tx\n", "doc.ann", 2, "outside the text"),
    ("span text differs", "T1\tNAME 10 24\tMacarena Ojedo\n", "doc.ann", 1, "does not match"),
    ("overlap", GOOD_ANN + "T2\tNAME 19 24\tOjeda\n", "doc.ann", 2, "overlaps"),
    ("duplicate", GOOD_ANN + "T2\tNAME 10 24\tMacarena Ojeda\n", "doc.ann", 2, "duplicate span"),
    ("discontinuous", "T1\tNAME 10 18;19 24\tMacarena Ojeda\n", "doc.ann", 1, "discontinuous"),
    ("word offsets", "T1\tNAME ten 24\tMacarena Ojeda\n", "doc.ann", 1, "malformed offsets"),
    ("superscript offsets", "T1\tNAME 1\u00b9 24\tMacarena Ojeda\n", "doc.ann", 1, "offsets"),
    ("float offsets", "T1\tNAME 10.0 24\tMacarena Ojeda\n", "doc.ann", 1, "malformed offsets"),
    ("negative offsets", "T1\tNAME -10 24\tMacarena Ojeda\n", "doc.ann", 1, "malformed offsets"),
    ("no text column", "T1\tNAME 10 24\n", "doc.ann", 1, "is malformed"),
    ("not an annotation", f"{SECRET} 10 24\n", "doc.ann", 1, "not a BRAT annotation"),
    ("label in lower case", "T1\tojeda 19 24\tOjeda\n", "doc.ann", 1, "not a type name"),
    ("empty document", ("", "  \n"), "doc.ann", 1, "is empty"),
    ("undecodable text", ("", b"line one\nPaciente \xff\xfe\n"), "doc.txt", 2, "not valid UTF-8"),
]


@pytest.mark.parametrize(
    "name, ann, file, line, fragment", BRAT_CASES, ids=[c[0] for c in BRAT_CASES]
)
def test_brat_errors_name_file_and_line(tmp_path, name, ann, file, line, fragment):
    ann, text = ann if isinstance(ann, tuple) else (ann, TEXT)
    folder = brat(tmp_path, ann, text)
    with pytest.raises(CorpusError) as err:
        read_corpus(folder, "brat")
    assert str(err.value).startswith(f"{folder / file}:{line}: ")
    assert fragment in str(err.value)
    assert "Ojed" not in str(err.value) and "Macarena" not in str(err.value)
    lenient = read_corpus(folder, "brat", lenient=True)
    assert lenient.warnings[0].line == line and "ok" in [d.id for d in lenient.documents]


def test_txt_without_ann(tmp_path):
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a\.txt:1: text file has no a\.ann"):
        read_corpus(folder, "brat")
    with pytest.raises(CorpusError, match=r"a\.txt:1: text file has no a\.ann; no usable"):
        read_corpus(folder, "brat", lenient=True)


def test_conll_line_without_label(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("Ana PER\nvive 0\nsola\n\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"c\.txt:3: expected 2 columns \(token and label\)"):
        read_corpus(path, "conll")
    assert read_corpus(path, "conll", lenient=True).documents[0].text == "Ana vive"


def test_conll_bad_iob_label(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("Ana B-PER\nvive PER\nsola O\n\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"c\.txt:2: label is not IOB2"):
        read_corpus(path, "conll")


def jsonl_line(**fields) -> str:
    record = {"id": "d", "text": TEXT, "spans": [{"start": 10, "end": 24, "label": "NAME"}]}
    record.update(fields)
    return json.dumps(record, ensure_ascii=False)


def span(**fields) -> list[dict]:
    return [{"start": 10, "end": 24, "label": "NAME", **fields}]


JSONL_CASES = [
    ("spans is a number", jsonl_line(spans=5), "'spans' must be a list"),
    ("metadata is a string", jsonl_line(metadata="note"), "'metadata' must be an object"),
    ("null label", jsonl_line(spans=span(label=None)), "span 0 has no label"),
    ("label is text", jsonl_line(spans=span(label="Macarena Ojeda")), "not a type name"),
    ("float offset", jsonl_line(spans=span(start=10.0)), "integer start and end"),
    ("string offset", jsonl_line(spans=span(end="24")), "integer start and end"),
    ("bool offset", jsonl_line(spans=span(start=True)), "integer start and end"),
    ("span not an object", jsonl_line(spans=[[10, 24, "NAME"]]), "must be an object"),
    ("span text differs", jsonl_line(spans=span(text="Macarena Ojedo")), "does not match"),
    ("text missing", json.dumps({"id": "d", "spans": []}), "a string 'text'"),
    ("id is null", jsonl_line(id=None), "'id' must be"),
    ("duplicate id", jsonl_line(id="ok"), "document id 'ok' is used twice"),
    ("not an object", json.dumps([TEXT]), "expected an object"),
    ("invalid JSON", jsonl_line()[:-5], "invalid JSON"),
    ("deep nesting", "[" * 100000, "invalid JSON"),
    ("huge integer", jsonl_line().replace('"start": 10', '"start": 1' + "0" * 5000), "invalid"),
]


@pytest.mark.parametrize("name, line, fragment", JSONL_CASES, ids=[c[0] for c in JSONL_CASES])
def test_jsonl_errors(tmp_path, name, line, fragment):
    path = tmp_path / "c.jsonl"
    path.write_text(jsonl_line(id="ok") + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        read_corpus(path, "jsonl")
    assert str(err.value).startswith(f"{path}:2: ") and fragment in str(err.value)
    assert "Ojed" not in str(err.value) and "Macarena" not in str(err.value)
    lenient = read_corpus(path, "jsonl", lenient=True)
    assert lenient.warnings[0].line == 2 and lenient.documents[0].id == "ok"


def test_jsonl_lenient_keeps_valid_spans_and_lines(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"id": "a", "text": "Ana Ruiz", "spans": [{"start": 0, "end": 8, "label": "N"}]}\n'
        '{"id": "b", "text": "Ana Ruiz", "spans": [{"start": 0, "end": 3, "label": "N"},'
        ' {"start": 4, "end": 8, "label": "N", "text": "Eva"}]}\n'
        "{not json\n",
        encoding="utf-8",
    )
    lenient = read_corpus(path, "jsonl", lenient=True)
    assert [w.line for w in lenient.warnings] == [2, 3]
    assert [d.id for d in lenient.documents] == ["a", "b"]
    assert len(lenient.documents[1].spans) == 1 and lenient.dropped_spans == 1


def test_empty_inputs_are_errors(tmp_path):
    (tmp_path / "c.jsonl").write_text("\n\n", encoding="utf-8")
    (tmp_path / "brat").mkdir()
    for path, fmt in ((tmp_path / "c.jsonl", "jsonl"), (tmp_path / "brat", "brat")):
        for lenient in (False, True):
            with pytest.raises(CorpusError, match=r"no (documents|\.txt/\.ann files found)"):
                read_corpus(path, fmt, lenient=lenient)
