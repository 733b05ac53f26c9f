"""The real `deid` console script, as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

DEID = str(Path(sys.executable).with_name("deid"))


def run(*args):
    return subprocess.run([DEID, *args], capture_output=True, text=True, timeout=300)


def test_validate_meddocan_train(meddocan):
    result = run("corpus", "validate", str(meddocan / "train"), "--format", "brat")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["documents"], summary["spans"]) == (500, 11333)
    assert summary["labels"]["FECHAS"] > 0 and summary["warnings"] == 0


def test_validate_reports_file_and_line_and_exits_non_zero(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text("Paciente Ana Ruiz.", encoding="utf-8")
    (folder / "a.ann").write_text("T1\tNAME 9 17\tAna Ruiz\nT2\tNAME 9 99\tAna Ruiz\n")
    result = run("corpus", "validate", str(folder), "--format", "brat")
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"{folder / 'a.ann'}:2: span [9, 99) lies outside")
    assert "Ana" not in result.stderr
    lenient = run("corpus", "validate", str(folder), "--format", "brat", "--lenient")
    assert lenient.returncode == 0 and json.loads(lenient.stdout)["warnings"] == 1


@pytest.mark.slow
def test_ner_train_takes_the_swedish_corpus_with_lenient(swedish, tmp_path):
    """Its one defective line stops a strict read at once; --lenient skips it with a warning."""
    corpus = swedish / "train_corpus.txt"
    out = tmp_path / "m"
    args = ["ner", "train", "--train", str(corpus), "--format", "conll", "--out", str(out)]
    strict = run(*args)
    assert strict.returncode == 1 and "Traceback" not in strict.stderr
    assert strict.stderr == f"{corpus}:90310: expected 2 columns (token and label), found 1\n"
    assert not out.exists()
    lenient = run(*args, "--lenient", "--max-minutes", "0.05")
    assert lenient.returncode == 0, lenient.stderr[-300:]
    assert f"warning: {corpus}:90310: expected 2 columns" in lenient.stderr
    assert json.loads(lenient.stdout)["train_steps"] > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no staging left beside it


def test_demo_corpus_command_writes_brat(tmp_path):
    result = run(
        "demo-corpus",
        "--lang",
        "sv",
        "--out",
        str(tmp_path / "sv"),
        "--train",
        "6",
        "--dev",
        "2",
        "--test",
        "2",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["documents"] == {"train": 6, "dev": 2, "test": 2}
    check = run("corpus", "validate", str(tmp_path / "sv" / "train"), "--format", "brat")
    assert json.loads(check.stdout)["documents"] == 6


def test_ner_train_evaluate_and_deidentify(tmp_path):
    corpus = tmp_path / "es"
    assert (
        run(
            "demo-corpus",
            "--lang",
            "es",
            "--out",
            str(corpus),
            "--train",
            "16",
            "--dev",
            "4",
            "--test",
            "4",
        ).returncode
        == 0
    )
    model = tmp_path / "model"
    trained = run(
        "ner",
        "train",
        "--train",
        str(corpus / "train"),
        "--dev",
        str(corpus / "dev"),
        "--format",
        "brat",
        "--preset",
        "embedded",
        "--epochs",
        "2",
        "--min-steps",
        "0",
        "--out",
        str(model),
    )
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    assert summary["train_steps"] > 0 and 0 <= summary["dev"]["token_f1"] <= 1
    assert "loss" in trained.stderr  # progress goes to stderr

    evaluated = run(
        "ner", "evaluate", "--model", str(model), "--data", str(corpus / "test"), "--format", "brat"
    )
    assert evaluated.returncode == 0, evaluated.stderr
    metrics = json.loads(evaluated.stdout)
    assert set(metrics) >= {
        "token_f1",
        "strict_f1",
        "relaxed_f1",
        "binary_recall",
        "leak_score",
        "per_label",
    }

    out = tmp_path / "out"
    done = run(
        "deidentify",
        "--model",
        str(model),
        str(corpus / "test"),
        "--out",
        str(out),
        "--format",
        "jsonl",
        "--mode",
        "redact",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["documents"] == 4
    lines = (out / "annotations.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and len(list((out / "deidentified").glob("*.txt"))) == 4
    from deid_platform.core.formats import read_corpus
    from deid_platform.core.replace import redact

    for doc in read_corpus(out / "annotations.jsonl", "jsonl").documents:
        written = (out / "deidentified" / f"{doc.id}.txt").read_text(encoding="utf-8")
        assert written == redact(doc)
