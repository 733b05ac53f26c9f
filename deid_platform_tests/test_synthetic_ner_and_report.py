"""synthetic_ner_model and ablation_report through dagster.materialize; ablation modes."""

import json

import pytest
from dagster import AssetKey, AssetRecordsFilter

from deid_platform.core.ablation import ablation_rows, markdown_table
from deid_platform.defs.generator import SyntheticCorpusConfig


def latest(instance, asset, partition):
    return (
        instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[partition]), limit=1
        )
        .records[0]
        .asset_materialization
    )


def test_synthetic_model_stands_beside_the_real_annotator(platform):
    root, instance, _, _ = platform
    meta = {
        k: v.value for k, v in latest(instance, "synthetic_ner_model", "0.5|es").metadata.items()
    }
    real = json.loads((root / "storage/annotator_model/es/0.5/metrics.json").read_text())
    assert meta["real_token_f1"] == pytest.approx(real["token_f1"], abs=1e-4)
    expected = meta["token_f1"] / real["token_f1"] if real["token_f1"] else 0.0
    assert meta["token_f1_ratio"] == pytest.approx(expected, abs=1e-3)
    assert meta["train_documents"] == len(
        (root / "storage/synthetic_corpus/es/0.5/corpus.jsonl").read_text().splitlines()
    )
    assert (root / "storage/synthetic_ner_model/es/0.5/model/config.json").exists()


def test_ablation_report_has_every_fraction_a_table_and_a_plot(platform):
    root, instance, _, _ = platform
    meta = latest(instance, "ablation_report", "sv").metadata
    assert meta["fractions"].value == 4
    table = meta["table"].value
    assert table.count("\n") == 1 + 4 and "| 0.05 |" in table and "| 1.0 |" in table
    assert meta["plot"].value.startswith("![F1 against fraction](data:image/png;base64,")
    png = (root / "storage/ablation_report/sv/ablation.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    rows = json.loads((root / "storage/ablation_report/sv/rows.json").read_text())
    assert [r["fraction"] for r in rows] == ["0.05", "0.25", "0.5", "1.0"]
    assert all(r["mode"] == "total" for r in rows)


def test_ablation_modes_pick_the_fractions():
    assert SyntheticCorpusConfig().fractions("0.25", "1.0") == ("0.25", "0.25")
    assert SyntheticCorpusConfig(mode="llm_only").fractions("0.25", "1.0") == ("0.25", "1.0")
    assert SyntheticCorpusConfig(mode="annotator_only").fractions("0.25", "1.0") == ("1.0", "0.25")
    with pytest.raises(ValueError):
        SyntheticCorpusConfig(mode="other").fractions("0.25", "1.0")


def test_ablation_rows_and_ratio():
    real = {"0.5": {"token_f1": 0.8, "strict_f1": 0.5}, "1.0": {"token_f1": 1.0, "strict_f1": 0.5}}
    synthetic = {
        "0.5": {"token_f1": 0.4, "strict_f1": 0.25},
        "1.0": {"token_f1": 0.9, "strict_f1": 0.5},
    }
    settings = {"0.5": {"mode": "total", "volume": 4.0, "documents": 10}}
    rows = ablation_rows(real, synthetic, settings)
    assert [r["token_f1_ratio"] for r in rows] == [pytest.approx(0.5), pytest.approx(0.9)]
    assert rows[0]["strict_f1_ratio"] == pytest.approx(0.5) and rows[1]["mode"] is None
    assert "| 0.5 | 0.800 | 0.400 | 0.500 |" in markdown_table(rows)
