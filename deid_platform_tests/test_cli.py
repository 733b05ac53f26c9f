"""The real `deid` console script, as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

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
