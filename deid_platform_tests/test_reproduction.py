"""The reproduction benchmark's tables: rows over seeds, what a seed left out, the per-label
tables, the paper column only where a figure belongs."""

import numpy as np

from benchmarks.reproduction import aggregate, produced_volume, render
from deid_platform.core.documents import Document, Span
from deid_platform.core.intervals import corpus_counts
from deid_platform.core.metrics import evaluate

TEXT = "Paciente Ana Ruiz, fecha 12/03/2010, correo ana@h.es y NHC 123."
GOLD = [Span(9, 17, "NOMBRE"), Span(25, 35, "FECHAS"), Span(44, 51, "CORREO"), Span(58, 61, "ID")]


def scored(found: float, rng: np.random.Generator) -> dict:
    golds = [Document(f"d{i}", TEXT, GOLD) for i in range(20)]
    preds = [Document(f"d{i}", TEXT, GOLD if rng.random() < found else GOLD[:2]) for i in range(20)]
    return {
        "counts": corpus_counts(golds, preds).tolist(),
        "per_label": evaluate(golds, preds)["per_label"],
        "official": {"ner_f1": found},
    }


def seed_result(seed: int, blocked: bool) -> dict:
    rng = np.random.default_rng(seed)
    facts = {
        "volume": produced_volume(
            4.0, {"tokens_generated": 380, "tokens_planned": 400}, {}, 2.5, True
        ),
        "privacy": {"ngram_recall_5": 0.01, "synthetic_mia_auc": 0.625, "mia_loss_auc": None},
        "label_jsd_vs_real": 0.01,
        "under_represented_labels": [],
        "partition_seconds": 10.0,
    }
    row = {"mode": "total", "setting": "", "real": "a/0.25", "synthetic": "s/0.25", **facts}
    rows = [
        {**row, "fraction": "0.25", "against": "0.25"},
        {**row, "fraction": "0.25", "mode": "llm_only", "against": "0.25"},
        {**row, "fraction": "0.25", "mode": "llm_only", "against": "1.0", "real": "a/1.0"},
        {"fraction": "1.0", "mode": "total", "setting": "", "against": "1.0", "left_out": "gate"}
        if blocked
        else {**row, "fraction": "1.0", "against": "1.0", "real": "a/1.0"},
    ]
    models = {"a/0.25": scored(0.9, rng), "a/1.0": scored(1.0, rng), "s/0.25": scored(0.6, rng)}
    return {
        "seed": seed,
        "seconds": 1.0,
        "blocked": {},
        "split_documents": 20,
        "split_sha256": "same",
        "models": models,
        "rows": rows,
    }


def test_rows_over_seeds_keep_both_annotators_and_what_one_seed_left_out():
    rows = aggregate([seed_result(13, False), seed_result(14, True)])
    keys = [(r["fraction"], r["mode"], r["against"]) for r in rows]
    assert keys == [
        ("0.25", "total", "0.25"),
        ("0.25", "llm_only", "0.25"),
        ("0.25", "llm_only", "1.0"),
        ("1.0", "total", "1.0"),
    ]
    assert rows[-1]["left_out"] == "seed 14: gate"
    own, labeller = rows[1]["measures"]["token_f1"], rows[2]["measures"]["token_f1"]
    assert own["synthetic"] == labeller["synthetic"] and own["real"] < labeller["real"] == 1.0
    assert own["ratio_low"] < own["ratio"] < own["ratio_high"]
    assert rows[0]["volume"]["volume_tokens"]["mean"] == 3.8  # 380 of 100 real tokens
    assert "mia_loss_auc" not in rows[0]["privacy"]  # no seed had a number for it
    assert rows[0]["official"]["synthetic"]["ner_f1"]["mean"] == 0.6

    text = render(rows, "heading", lambda r: "0.967 → 0.964" if r["mode"] == "total" else "", "x")
    assert "over 2 seeds" in text and "Paper column not comparable: x." in text
    assert text.count("<details>") == 3  # every row scored, none for the one left out
    assert text.count("0.967 → 0.964") == 1  # the total row at 0.25; the 1.0 row was left out
    assert "1.0 (labelled its text)" in text
    assert "0.900 ± 0.000 → 0.600 ± 0.000 (0.667 ± 0.000x)" in text  # the official script's
    assert "paper" not in render(rows, "heading").split("\n\n")[2]  # no paper column without one
    # The attack on the shared text stands beside the internal one (none here: "–").
    assert "| data-only MIA AUC (shared text) | NER MIA AUC (shared model) |" in text
    assert "| 0.625 ± 0.000 | – | – |" in text
    # Every row of every table, the left-out one included, has as many cells as its header.
    for table in (block for block in text.split("\n\n") if block.startswith("| fraction")):
        lines = table.split("\n")
        assert {line.count("|") for line in lines} == {lines[0].count("|")}
