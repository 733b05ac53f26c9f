"""The official MEDDOCAN evaluation script (PlanTL-GOB-ES/MEDDOCAN-Evaluation-Script, Apache-2.0),
run on BRAT predictions beside the project's own metrics. Its code is not part of this project:
check it out anywhere and name the folder with `--meddocan-scorer DIR` or `MEDDOCAN_SCORER`:

    git clone https://github.com/PlanTL-GOB-ES/MEDDOCAN-Evaluation-Script /opt/meddocan-eval

It scores entity mentions: "ner" needs the exact offsets and type (subtrack 1), "spans" the exact
offsets whatever the type (subtrack 2 strict) and spans merged across non-alphanumeric gaps
(subtrack 2 merged). It reads `X.ann` beside `X.txt` in both folders and scores only the notes both
hold, so every gold note must have a prediction file (the BRAT writer writes one per note)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

_BLOCK = re.compile(
    r"SubTrack (\d) \[(\w+)\].*?Precision\s+([\d.]+).*?Recall\s+([\d.]+).*?F1\s+([\d.]+)", re.S
)


def find_scorer(option: str | None) -> Path | None:
    """The scorer's folder from the option or the environment, or None when neither names one."""
    folder = option or os.environ.get("MEDDOCAN_SCORER")
    if not folder:
        return None
    script = Path(folder) / "evaluate.py"
    if not script.is_file():
        raise SystemExit(f"{folder}: no evaluate.py of the MEDDOCAN evaluation script there")
    return script


def official_scores(script: Path, gold: Path, system: Path) -> dict[str, float]:
    """Micro precision, recall and F1 of subtrack 1 (`ner_*`) and subtrack 2 (`spans_strict_*`,
    `spans_merged_*`) for one system folder."""
    out: dict[str, float] = {}
    for track in ("ner", "spans"):
        # The script joins paths by string concatenation: folders need their trailing slash.
        result = subprocess.run(
            [sys.executable, "-B", str(script), "brat", track, f"{gold}/", f"{system}/"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONUTF8": "1"},
            check=True,
            timeout=600,
        )
        for number, kind, precision, recall, f1 in _BLOCK.findall(result.stdout):
            name = "ner" if number == "1" else f"spans_{kind}"
            out |= {
                f"{name}_precision": float(precision),
                f"{name}_recall": float(recall),
                f"{name}_f1": float(f1),
            }
    return out
