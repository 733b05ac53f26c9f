"""Bad input and faults through the real `deid` command, as a user meets them.

Every malformed input ends with exit code 1 and exactly one line on stderr that names the file (and
line) without a traceback, with and without --lenient; nothing is written or deleted anywhere under
the test's folder; no planted PHI string reaches stdout or stderr. A `deid ner train` killed while
it saves over an existing model leaves that model as it was."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from deid_platform.core.atomic import remove_stale
from deid_platform.core.outputs import MARKER

DEID = str(Path(sys.executable).with_name("deid"))
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}

# Distinctive PHI planted in every input: none may appear in any output stream.
NAME, CITY, PHONE, WORD = "Zorbalina Quextrum", "Blorptown", "611 929 373", "Wibblethorpe"
PLANTED = [NAME, "Zorbalina", "Quextrum", "quextrum", CITY, PHONE, WORD]
TEXT = f"Paciente: {NAME}. Vive en {CITY}.\nTel {PHONE}, ver {WORD}.\n"


def at(value: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(value)
    return start, start + len(value)


def ann_line(ann_id: str, label: str, value: str, text: str = TEXT) -> str:
    start, end = at(value, text)
    return f"{ann_id}\t{label} {start} {end}\t{value}\n"


GOOD_ANN = ann_line("T1", "NAME", NAME) + ann_line("T2", "LOC", CITY)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DEID, *args], capture_output=True, text=True, timeout=600, env=ENV, cwd=cwd
    )


def tree(root: Path) -> dict[str, str]:
    """Every file and folder under `root` (hidden ones too), with a hash of each file."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        found[key] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def leaks(result: subprocess.CompletedProcess) -> list[str]:
    return [p for p in PLANTED if p in result.stdout or p in result.stderr]


def assert_fails_cleanly(result: subprocess.CompletedProcess, where: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, (result.returncode, lines[-3:])
    assert "Traceback" not in result.stderr + result.stdout
    assert len(lines) == 1, len(lines)
    assert lines[0].startswith(where), lines[0]
    assert result.stdout == ""
    assert leaks(result) == []


def brat(root: Path, ann: str, text: str | bytes = TEXT, name: str = "note") -> Path:
    folder = root / "corpus"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.txt").write_bytes(text if isinstance(text, bytes) else text.encode())
    (folder / f"{name}.ann").write_text(ann, encoding="utf-8")
    return folder


def conll(root: Path, content: str) -> Path:
    path = root / "corpus.conll"
    path.write_text(content, encoding="utf-8")
    return path


def jsonl(root: Path, *lines: str, prefix: str = "") -> Path:
    path = root / "corpus.jsonl"
    path.write_text(prefix + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def record(**fields) -> str:
    start, end = at(NAME)
    base = {"id": "n1", "text": TEXT, "spans": [{"start": start, "end": end, "label": "NAME"}]}
    return json.dumps({**base, **fields}, ensure_ascii=False)


def validate(path: Path, fmt: str) -> list[str]:
    return ["corpus", "validate", str(path), "--format", fmt]


# A case builds its inputs under a folder and returns (command line, expected start of the error).
# With --lenient, a case fails the same way, or (WARNS) skips what is broken, warns and goes on.
Build = Callable[[Path], tuple[list[str], str]]
CASES: dict[str, Build] = {}
WARNS: set[str] = set()


def case(name: str, lenient_warns: bool = False) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        CASES[name] = build
        if lenient_warns:
            WARNS.add(name)
        return build

    return register


def brat_case(
    name: str,
    ann: str,
    line: int,
    text: str | bytes = TEXT,
    file: str = "note.ann",
    lenient_warns: bool = False,
) -> None:
    @case(name, lenient_warns)
    def build(root: Path) -> tuple[list[str], str]:
        folder = brat(root, ann, text)
        return validate(folder, "brat"), f"{folder / file}:{line}: "


s, e = at(NAME)
WARN = {"lenient_warns": True}  # the note keeps its valid spans in lenient mode
brat_case("brat span outside the text", f"T1\tNAME {s} 900\t{NAME}\n", 1)
brat_case("brat span text differs", f"T1\tNAME {s} {e}\tZorbalina Quextrom\n", 1)
brat_case("brat overlapping spans", GOOD_ANN + f"T3\tNAME {s + 4} {e}\t{NAME[4:]}\n", 3, **WARN)
brat_case("brat duplicate span", GOOD_ANN + ann_line("T3", "NAME", NAME), 3, **WARN)
brat_case("brat discontinuous span", f"T1\tNAME {s} {s + 9};{s + 10} {e}\t{NAME}\n", 1)
brat_case("brat word offsets", f"T1\tNAME ten {e}\t{NAME}\n", 1)
brat_case("brat superscript offset", f"T1\tNAME {s}\u00b9 {e}\t{NAME}\n", 1)
brat_case("brat float offset", f"T1\tNAME {s}.0 {e}\t{NAME}\n", 1)
brat_case("brat missing text column", f"T1\tNAME {s} {e}\n", 1)
brat_case("brat line without an id", f"{NAME} {s} {e}\n", 1)
brat_case("brat label is a word", f"T1\tquextrum {s} {e}\t{NAME}\n", 1)
brat_case("brat empty note", "", 1, text=" \n")
brat_case("brat text not UTF-8", "", 2, text=b"Paciente\nZorbalina \xff\xfe\n", file="note.txt")
brat_case("brat CRLF-converted note", ann_line("T1", "PHONE", PHONE), 1, TEXT.replace("\n", "\r\n"))
brat_case("brat BOM-stripped note", f"T1\tNAME {s + 1} {e + 1}\t{NAME}\n", 1)


@case("brat .ann without .txt")
def _(root):
    folder = brat(root, GOOD_ANN)
    (folder / "note.txt").unlink()
    return validate(folder, "brat"), f"{folder / 'note.ann'}:1: annotation file has no note.txt"


@case("brat .txt without .ann")
def _(root):
    folder = brat(root, GOOD_ANN)
    (folder / "note.ann").unlink()
    return validate(folder, "brat"), f"{folder / 'note.txt'}:1: text file has no note.ann"


@case("brat empty folder")
def _(root):
    (root / "corpus").mkdir()
    return validate(root / "corpus", "brat"), f"{root / 'corpus'}: no .txt/.ann files found"


@case("corpus that does not exist")
def _(root):
    return validate(root / "nowhere", "conll"), f"{root / 'nowhere'}: does not exist"


def conll_case(name: str, content: str, line: int) -> None:
    @case(name)
    def build(root: Path) -> tuple[list[str], str]:
        path = conll(root, content)
        return validate(path, "conll"), f"{path}:{line}: "


conll_case("conll POS column", "Zorbalina NNP B-PER\nQuextrum NNP I-PER\nvive VB O\n", 1)
conll_case("conll swapped columns", "B-PER Zorbalina\nI-PER Quextrum\nO vive\n", 3)
conll_case("conll swapped, all capitalised", "B-PER Zorbalina\nI-PER Quextrum\n", 1)
conll_case("conll IOB2 broken", "Zorbalina B-PER\nQuextrum PER\nvive O\n", 2)
conll_case("conll label with digits", "Zorbalina PER\nvive 0\nen 0\nBlorptown LOC2\n", 4)
conll_case("conll empty file", "", 1)
conll_case("conll only a DOCSTART", "-DOCSTART- O\n\n", 1)
conll_case(
    "conll 51 labels",
    "vive O\n" + "".join(f"{WORD} {chr(65 + i // 26)}{chr(97 + i % 26)}\n" for i in range(51)),
    52,
)


@case("conll not UTF-8")
def _(root):
    path = root / "corpus.conll"
    path.write_bytes(b"Zorbalina PER\nvive 0\nQuextrum\xff PER\n")
    return validate(path, "conll"), f"{path}:3: not valid UTF-8"


def jsonl_case(name: str, line: str, fragment: str) -> None:
    @case(name)
    def build(root: Path) -> tuple[list[str], str]:
        path = jsonl(root, line)
        return validate(path, "jsonl"), f"{path}:1: {fragment}"


start, end = at(NAME)
jsonl_case("jsonl spans is a number", record(spans=5), "'spans' must be a list")
jsonl_case("jsonl metadata is a string", record(metadata="note"), "'metadata' must be an object")
jsonl_case(
    "jsonl null label",
    record(spans=[{"start": start, "end": end, "label": None}]),
    "span 0 has no label",
)
jsonl_case(
    "jsonl float offset",
    record(spans=[{"start": float(start), "end": end, "label": "NAME"}]),
    "span 0 needs integer",
)
jsonl_case(
    "jsonl label is text",
    record(spans=[{"start": start, "end": end, "label": NAME}]),
    f"span [{start}, {end}) has a label that is not a type name",
)
jsonl_case("jsonl invalid JSON", record()[:-9], "invalid JSON")
jsonl_case("jsonl no text", json.dumps({"id": "n1", "spans": []}), "expected an object")
jsonl_case("jsonl empty file", "", "no documents")


@case("jsonl duplicate id", lenient_warns=True)
def _(root):
    path = jsonl(root, record(), record())
    return validate(path, "jsonl"), f"{path}:2: document id 'n1' is used twice"


# ner train: options, corpora and the output folder are checked before anything is trained.


def demo_corpus(root: Path) -> Path:
    """Six surrogate notes with planted PHI, as BRAT."""
    folder = root / "train"
    folder.mkdir()
    for index in range(6):
        (folder / f"n{index}.txt").write_text(TEXT, encoding="utf-8")
        (folder / f"n{index}.ann").write_text(GOOD_ANN, encoding="utf-8")
    return folder


def train_args(root: Path, *extra: str) -> list[str]:
    corpus = root / "train" if (root / "train").exists() else demo_corpus(root)
    return ["ner", "train", "--train", str(corpus), "--out", str(root / "model"), *extra]


@case("ner train --batch-size 0")
def _(root):
    return train_args(root, "--batch-size", "0"), "batch_size must be positive, got 0"


@case("ner train --epochs 0")
def _(root):
    return train_args(root, "--epochs", "0"), "epochs must be positive"


@case("ner train --min-steps -1")
def _(root):
    return train_args(root, "--min-steps", "-1"), "min_steps must not be negative"


@case("ner train --max-minutes 0")
def _(root):
    return train_args(root, "--max-minutes", "0"), "the time budget must be positive"


@case("ner train on a corpus without PHI spans")
def _(root):
    folder = brat(root, "")
    (folder / "note.txt").write_text("Sin datos.\n", encoding="utf-8")
    args = ["ner", "train", "--train", str(folder), "--out", str(root / "model")]
    return args, "the 1 training documents hold no PHI span"


@case("ner train on malformed CoNLL")
def _(root):
    path = conll(root, "B-PER Zorbalina\nI-PER Quextrum\nO vive\n")
    args = ["ner", "train", "--train", str(path), "--format", "conll", "--out", str(root / "m")]
    return args, f"{path}:3: "


@case("ner train --out the training folder")
def _(root):
    args = train_args(root)
    args[args.index("--out") + 1] = str(root / "train")
    return args, f"{root / 'train'}: is an input of this command"


@case("ner train --out a folder of the user's")
def _(root):
    (root / "model").mkdir()
    (root / "model" / "notes.txt").write_text(TEXT, encoding="utf-8")
    return train_args(root), f"{root / 'model'}: is not empty"


@case("ner train --out a file")
def _(root):
    (root / "model").write_text(TEXT, encoding="utf-8")
    return train_args(root), f"{root / 'model'}: exists and is not a folder"


@case("ner train from a missing pretrained model")
def _(root):
    args = train_args(root, "--preset", "pretrained", "--model", str(root / "nowhere"))
    return args, f"{root / 'nowhere'}: the model does not load"


# ner evaluate and deidentify: model directories.


@case("ner evaluate a missing model")
def _(root):
    folder = brat(root, GOOD_ANN)
    args = ["ner", "evaluate", "--model", str(root / "nowhere"), "--data", str(folder)]
    return args, f"{root / 'nowhere'}: no such model directory"


@case("ner evaluate a foreign folder")
def _(root):
    folder = brat(root, GOOD_ANN)
    (root / "foreign").mkdir()
    (root / "foreign" / "config.json").write_text("{}", encoding="utf-8")
    args = ["ner", "evaluate", "--model", str(root / "foreign"), "--data", str(folder)]
    return args, f"{root / 'foreign'}: not a deid NER model (no deid_ner.json)"


@case("ner evaluate a broken model")
def _(root):
    folder = brat(root, GOOD_ANN)
    (root / "broken").mkdir()
    (root / "broken" / "deid_ner.json").write_text('{"max_length": 128, "stride": 32}')
    args = ["ner", "evaluate", "--model", str(root / "broken"), "--data", str(folder)]
    return args, f"{root / 'broken'}: the model does not load ("


@case("ner evaluate malformed data")
def _(root):
    path = jsonl(root, record(spans=5))
    args = ["ner", "evaluate", "--model", str(root), "--data", str(path), "--format", "jsonl"]
    return args, f"{path}:1: 'spans' must be a list"


def notes(root: Path, name: str = "notes", files: int = 2) -> Path:
    folder = root / name
    folder.mkdir()
    for index in range(files):
        (folder / f"note{index}.txt").write_text(TEXT, encoding="utf-8")
    return folder


def deid_args(root: Path, model: Path, *inputs: Path, out: Path | None = None) -> list[str]:
    out = out if out is not None else root / "out"
    return ["deidentify", "--model", str(model), *map(str, inputs), "--out", str(out)]


@case("deidentify a missing input")
def _(root):
    return deid_args(root, root, root / "nowhere"), f"{root / 'nowhere'}: does not exist"


@case("deidentify a folder without notes")
def _(root):
    (root / "empty").mkdir()
    return deid_args(root, root, root / "empty"), f"{root / 'empty'}: holds no .txt files"


@case("deidentify two notes of the same name")
def _(root):
    one, two = notes(root, "a"), notes(root, "b")
    return deid_args(root, root, one, two), f"{two / 'note0.txt'}: has the same name as"


@case("deidentify a note that is not UTF-8")
def _(root):
    folder = notes(root)
    (folder / "note1.txt").write_bytes(b"Zorbalina \xff\n")
    return deid_args(root, root, folder), f"{folder / 'note1.txt'}:1: not valid UTF-8"


@case("deidentify --out the input folder")
def _(root):
    folder = notes(root)
    return deid_args(root, root, folder, out=folder), f"{folder}: is an input"


@case("deidentify --out a folder holding the input")
def _(root):
    folder = notes(root)
    args = deid_args(root, root, folder, out=root) + ["--overwrite"]
    return args, f"{root}: is an input of this command or holds one"


@case("deidentify --out a folder of the user's")
def _(root):
    folder = notes(root)
    (root / "out").mkdir()
    (root / "out" / "keep.txt").write_text(TEXT, encoding="utf-8")
    return deid_args(root, root, folder), f"{root / 'out'}: is not empty"


@case("deidentify --overwrite a folder deid did not write")
def _(root):
    folder = notes(root)
    (root / "out").mkdir()
    (root / "out" / "keep.txt").write_text(TEXT, encoding="utf-8")
    args = deid_args(root, root, folder) + ["--overwrite"]
    return args, f"{root / 'out'}: was not written by deid deidentify"


@case("deidentify --overwrite an output the user added to")
def _(root):
    folder = notes(root)
    (root / "out" / "deidentified").mkdir(parents=True)
    (root / "out" / "deidentified" / "note0.txt").write_text("x", encoding="utf-8")
    (root / "out" / "keep.txt").write_text(TEXT, encoding="utf-8")
    marker = {"command": "deidentify", "files": ["deidentified/note0.txt"]}
    (root / "out" / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    args = deid_args(root, root, folder) + ["--overwrite"]
    return args, f"{root / 'out'}: holds 1 file(s) that deid deidentify did not write"


@case("deidentify --out . in a folder of the user's")
def _(root):
    folder = notes(root)
    (root / "work").mkdir()
    (root / "work" / "keep.txt").write_text(TEXT, encoding="utf-8")
    return deid_args(root, root, folder, out=Path(".")), f"{root / 'work'}: is not empty"


@case("deidentify with a missing model")
def _(root):
    folder = notes(root)
    return deid_args(root, root / "nowhere", folder), f"{root / 'nowhere'}: no such model"


@case("demo-corpus --out a folder of the user's")
def _(root):
    (root / "demo").mkdir()
    (root / "demo" / "keep.txt").write_text(TEXT, encoding="utf-8")
    args = ["demo-corpus", "--lang", "es", "--out", str(root / "demo"), "--overwrite"]
    return args, f"{root / 'demo'}: was not written by deid demo-corpus"


LENIENT = {"corpus", "ner"}  # the commands that take --lenient (all but deidentify, demo-corpus)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_fails_in_one_line_and_touches_nothing(tmp_path, name):
    root = tmp_path / "case"
    root.mkdir()
    args, where = CASES[name](root)
    cwd = root / "work" if (root / "work").exists() else root
    before = tree(tmp_path)
    assert_fails_cleanly(run(*args, cwd=cwd), where)
    assert tree(tmp_path) == before  # nothing written, nothing deleted, no staging left
    if args[0] not in LENIENT:
        return
    lenient = run(*args, "--lenient", cwd=cwd)
    if name in WARNS:
        assert lenient.returncode == 0 and f"warning: {where}" in lenient.stderr
        assert "Traceback" not in lenient.stderr and leaks(lenient) == []
    else:
        assert_fails_cleanly(lenient, where)
    assert tree(tmp_path) == before


def test_there_are_at_least_40_bad_input_cases():
    assert len(CASES) >= 40


# What bad input must not break: legal lines, BOMs, lenient reads that keep what is valid.


def test_legal_brat_lines_and_boms_are_accepted_and_counted(tmp_path):
    extra = f"R1\tLives Arg1:T1 Arg2:T2\nA1\tNegated T1\n#1\tAnnotatorNotes T1\t{WORD}\n"
    folder = brat(tmp_path, "\ufeff" + GOOD_ANN + extra)
    result = run(*validate(folder, "brat"))
    assert result.returncode == 0 and leaks(result) == []
    summary = json.loads(result.stdout)
    assert summary["spans"] == 2 and summary["warnings"] == 0
    assert summary["ignored_annotations"] == {"attribute": 1, "note": 1, "relation": 1}
    path = jsonl(tmp_path, record(), prefix="\ufeff")
    result = run(*validate(path, "jsonl"), "--lenient")
    assert result.returncode == 0 and json.loads(result.stdout)["documents"] == 1


def test_lenient_drops_a_note_whose_spans_all_failed_and_counts_it(tmp_path):
    folder = brat(tmp_path, GOOD_ANN)
    crlf = TEXT.replace("\n", "\r\n")
    brat(tmp_path, ann_line("T1", "PHONE", PHONE), text=crlf, name="converted")
    result = run(*validate(folder, "brat"), "--lenient")
    assert result.returncode == 0 and leaks(result) == [] and "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    assert (summary["documents"], summary["warnings"], summary["dropped_spans"]) == (1, 2, 1)
    assert "document 'converted' dropped: all 1 of its spans were invalid" in result.stderr


# Models: one trained once, through the command line, on a small surrogate corpus.


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("trained")
    corpus = ["--train", "12", "--dev", "2", "--test", "2"]
    assert (
        run("demo-corpus", "--lang", "es", "--out", str(root / "corpus"), *corpus).returncode == 0
    )
    result = run(
        *["ner", "train", "--train", str(root / "corpus" / "train"), "--out", str(root / "model")],
        *["--epochs", "1", "--min-steps", "0"],
    )
    assert result.returncode == 0, result.stderr[-300:]
    return root


@pytest.mark.slow
def test_evaluate_warns_about_labels_the_model_never_saw(trained, tmp_path):
    ann = ann_line("T1", "PHONE", PHONE) + ann_line("T2", "NOMBRE_SUJETO_ASISTENCIA", NAME)
    folder = brat(tmp_path, ann)
    result = run("ner", "evaluate", "--model", str(trained / "model"), "--data", str(folder))
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert result.returncode == 0 and "Traceback" not in result.stderr and leaks(result) == []
    assert warnings == [
        "warning: 1 labels of the data are unknown to the model and count as missed: PHONE"
    ]


@pytest.mark.slow
def test_deidentify_refuses_a_model_that_knows_no_phi_type(trained, tmp_path):
    model = tmp_path / "no-phi-model"
    shutil.copytree(trained / "model", model)
    config = json.loads((model / "config.json").read_text())
    config["id2label"] = {key: "O" for key in config["id2label"]}
    (model / "config.json").write_text(json.dumps(config))
    folder = notes(tmp_path)
    before = tree(tmp_path)
    result = run(*deid_args(tmp_path, model, folder))
    assert_fails_cleanly(result, f"{model}: the model knows no PHI type")
    assert tree(tmp_path) == before


@pytest.mark.slow
def test_out_dot_fills_an_empty_working_folder_and_overwrite_replaces_only_it(trained, tmp_path):
    folder = notes(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    result = run(*deid_args(tmp_path, trained / "model", folder, out=Path(".")), cwd=work)
    assert result.returncode == 0 and leaks(result) == [], result.stderr[-300:]
    assert sorted(p.name for p in work.iterdir()) == [MARKER, "annotations", "deidentified"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "work"]  # no staging left
    inputs = tree(folder)
    again = run(
        *deid_args(tmp_path, trained / "model", folder, out=Path(".")), "--overwrite", cwd=work
    )
    assert_fails_cleanly(again, f"{work}: --overwrite cannot replace the working folder")
    replaced = run(*deid_args(tmp_path, trained / "model", folder, out=work), "--overwrite")
    assert replaced.returncode == 0 and leaks(replaced) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "work"]
    assert tree(folder) == inputs


def staging_of(target: Path) -> list[Path]:
    return [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.staging-")]


def train_until_saving(corpus: Path, model: Path, sig: int) -> int:
    """Retrains over `model` and sends `sig` as soon as its staging folder holds a file."""
    process = subprocess.Popen(
        [DEID, "ner", "train", "--train", str(corpus), "--out", str(model), "--overwrite"]
        + ["--epochs", "1", "--min-steps", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
    )
    while process.poll() is None:
        if any(any(s.iterdir()) for s in staging_of(model) if s.exists()):
            process.send_signal(sig)
            break
    return process.wait(timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["KILL", "TERM"])
def test_a_save_killed_midway_leaves_the_old_model(trained, tmp_path, sig):
    model = tmp_path / "model"
    shutil.copytree(trained / "model", model)
    old = tree(model)
    for _attempt in range(3):  # the save takes about 0.1 s; polling has always caught it at once
        code = train_until_saving(trained / "corpus" / "train", model, sig)
        if code != 0:
            break
        shutil.rmtree(model)
        shutil.copytree(trained / "model", model)
    assert code == -sig if sig == signal.SIGKILL else code == 128 + sig
    assert tree(model) == old
    if sig == signal.SIGTERM:
        assert staging_of(model) == []  # the signal unwound the save
    else:
        assert len(staging_of(model)) == 1  # a kill leaves staging; the next writer clears it
        remove_stale(model)
        assert staging_of(model) == [] and tree(model) == old
    data = str(trained / "corpus" / "test")
    evaluated = run("ner", "evaluate", "--model", str(model), "--data", data)
    assert evaluated.returncode == 0 and json.loads(evaluated.stdout)["token_f1"] >= 0
