"""Each malformed input fails with `file:line: message`, never quotes the document's text, leaves
nothing half-read in lenient mode, and is counted."""

import pytest

from deid_platform.core.documents import CorpusError
from deid_platform.core.formats import read_corpus

SECRET = "Macarena Ojeda"
TEXT = f"Paciente: {SECRET}. Ingreso 03/03/2016.\n"


def brat(tmp_path, ann: str, text: str | bytes = TEXT, name: str = "doc"):
    folder = tmp_path / "brat"
    folder.mkdir(exist_ok=True)
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    (folder / f"{name}.txt").write_bytes(data)
    (folder / f"{name}.ann").write_text(ann, encoding="utf-8")
    return folder


CASES = [
    # name, builder, file, line, message fragment
    (
        "span outside the text",
        lambda t: brat(t, "T1\tNAME 10 24\tMacarena Ojeda\nT2\tDATE 40 90\tx\n"),
        "doc.ann",
        2,
        "lies outside the text",
    ),
    (
        "span text differs",
        lambda t: brat(t, "T1\tNAME 10 24\tMacarena Ojedo\n"),
        "doc.ann",
        1,
        "text does not match",
    ),
    (
        "overlapping spans",
        lambda t: brat(t, "T1\tNAME 10 24\tMacarena Ojeda\nT2\tNAME 19 24\tOjeda\n"),
        "doc.ann",
        2,
        "overlaps",
    ),
    (
        "duplicate spans",
        lambda t: brat(t, "T1\tNAME 10 24\tMacarena Ojeda\nT2\tNAME 10 24\tMacarena Ojeda\n"),
        "doc.ann",
        2,
        "duplicate span",
    ),
    (
        "discontinuous span",
        lambda t: brat(t, "T1\tNAME 10 18;19 24\tMacarena Ojeda\n"),
        "doc.ann",
        1,
        "discontinuous",
    ),
    (
        "malformed offsets",
        lambda t: brat(t, "T1\tNAME ten 24\tMacarena Ojeda\n"),
        "doc.ann",
        1,
        "malformed",
    ),
    (
        "relation line",
        lambda t: brat(t, "T1\tNAME 10 24\tMacarena Ojeda\nR1\tRel Arg1:T1 Arg2:T1\n"),
        "doc.ann",
        2,
        "unsupported BRAT annotation kind",
    ),
    ("empty document", lambda t: brat(t, "", text="  \n"), "doc.ann", 1, "is empty"),
    (
        "undecodable text",
        lambda t: brat(t, "", text=b"line one\nPaciente \xff\xfe\n"),
        "doc.txt",
        2,
        "not valid UTF-8",
    ),
]


@pytest.mark.parametrize("name, build, file, line, fragment", CASES, ids=[c[0] for c in CASES])
def test_brat_errors_name_file_and_line(tmp_path, name, build, file, line, fragment):
    folder = build(tmp_path)
    with pytest.raises(CorpusError) as err:
        read_corpus(folder, "brat")
    assert str(err.value).startswith(f"{folder / file}:{line}: ")
    assert fragment in str(err.value)
    assert SECRET not in str(err.value) and "Ojed" not in str(err.value)
    lenient = read_corpus(folder, "brat", lenient=True)
    assert len(lenient.warnings) == 1 and lenient.warnings[0].line == line


def test_txt_without_ann(tmp_path):
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a\.txt:1: text file has no a\.ann"):
        read_corpus(folder, "brat")
    assert len(read_corpus(folder, "brat", lenient=True).warnings) == 1


def test_conll_line_without_label(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("Ana PER\nvive 0\nsola\n\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"c\.txt:3: expected a token and a label"):
        read_corpus(path, "conll")


def test_conll_bad_iob_label(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("Ana B-PER\nvive PER\n\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"c\.txt:2: label 'PER' is not IOB2"):
        read_corpus(path, "conll")


def test_jsonl_errors(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"id": "a", "text": "Ana Ruiz", "spans": [{"start": 0, "end": 8, "label": "N"}]}\n'
        '{"id": "b", "text": "Ana Ruiz", "spans": [{"start": 0, "end": 3, "label": "N",'
        ' "text": "Eva"}]}\n'
        "{not json\n",
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=r"c\.jsonl:2: span 0 text does not match"):
        read_corpus(path, "jsonl")
    lenient = read_corpus(path, "jsonl", lenient=True)
    assert [w.line for w in lenient.warnings] == [2, 3]
    assert [d.id for d in lenient.documents] == ["a", "b"]
    assert lenient.documents[1].spans == []
