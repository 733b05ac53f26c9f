"""The synthetic NER models beside the real annotator, the ablation modes and their honest
lineage, and the ablation report."""

import hashlib
import json

import pytest
from dagster import AssetKey

from deid_platform.core.ablation import AblationRow, markdown_table
from deid_platform.core.markdown import parse
from deid_platform.core.records import NerScores
from deid_platform.definitions import build
from deid_platform.study.modes import MAIN
from deid_platform_tests.conftest import ABLATED, artifact, latest, metadata


def test_synthetic_model_stands_beside_the_real_annotator(platform):
    root, instance, _, _ = platform
    meta = metadata(instance, "synthetic_ner_model", "0.5|es")
    real = json.loads(artifact(root, "annotator_model", "0.5|es", "scores").read_text())
    assert meta["real_token_f1"] == pytest.approx(real["token_f1"], abs=1e-4)
    ours = json.loads(artifact(root, "synthetic_ner_model", "0.5|es", "scores").read_text())
    expected = ours["token_f1"] / real["token_f1"] if real["token_f1"] else 0.0
    assert meta["token_f1_ratio"] == pytest.approx(expected, abs=1e-3)
    assert meta["train_documents"] == len(
        artifact(root, "synthetic_corpus", "0.5|es", "documents").read_text().splitlines()
    )
    assert (artifact(root, "synthetic_ner_model", "0.5|es", "model") / "config.json").exists()


def test_ablation_assets_declare_the_partitions_they_read(platform):
    _, instance, resources, _ = platform
    graph = build(resources).resolve_asset_graph()
    llm_only = AssetKey(["llm_only", "synthetic_corpus"])
    annotator_only = AssetKey(["annotator_only", "synthetic_corpus"])
    assert graph.get(llm_only).parent_keys >= {
        AssetKey("synthetic_text"),
        AssetKey("annotator_model"),
    }
    # What each step read: the all-data partition of the other side, and Dagster's recorded input
    # data version is that partition's.
    for key, parent, partition in (
        (llm_only, "annotator_model", "1.0|es"),
        (llm_only, "synthetic_text", ABLATED),
        (annotator_only, "synthetic_text", "1.0|es"),
        (annotator_only, "annotator_model", ABLATED),
    ):
        event = latest(instance, key.to_user_string(), ABLATED).asset_materialization
        assert event.metadata["input_partitions"].value[parent] == partition
        tags = event.tags
        version = latest(instance, parent, partition).asset_materialization.tags
        recorded = tags[f"dagster/input_data_version/{parent}"]
        assert recorded == hashlib.sha256(version["dagster/data_version"].encode()).hexdigest()
    meta = metadata(instance, "annotator_only/synthetic_corpus", ABLATED)
    assert meta["text_fraction"] == "1.0" and meta["annotator_fraction"] == "0.25"
    # The same generator tokens as the main mode's corpus of the fraction (the test recipe's
    # volume is of the fraction's text), not the all-data LLM's whole text.
    main = metadata(instance, "synthetic_corpus", ABLATED)
    assert meta["tokens_target"] == main["tokens_target"] > 0
    for corpus in (meta, main):
        assert corpus["tokens_target"] <= corpus["tokens_produced"]
    full = metadata(instance, "synthetic_corpus", "1.0|es")["documents"]
    assert 0 < meta["documents"] < full


def test_ablation_report_rows_and_what_it_leaves_out(platform):
    root, instance, _, _ = platform
    meta = metadata(instance, "ablation_report", "es")
    # Two halves, each narrow enough for a 1,400 px page.
    token, strict = meta["token_f1"], meta["strict_f1"]
    for half in (token, strict):
        assert [c.name for c in half.schema.columns][:5] == [
            "fraction",
            "mode",
            "real",
            "synthetic",
            "ratio",
        ]
    assert len(meta["per_label"].schema.columns) == 5
    rows = token.records
    assert [(r.data["fraction"], r.data["mode"]) for r in strict.records] == [
        (r.data["fraction"], r.data["mode"]) for r in rows
    ]
    assert [(r.data["fraction"], r.data["mode"]) for r in rows] == [
        ("0.05", MAIN.name),
        ("0.25", MAIN.name),
        ("0.25", "annotator_only"),
        ("0.25", "llm_only"),
        ("0.5", MAIN.name),
        ("1.0", MAIN.name),
    ]
    assert meta["left_out"] == {}
    # Short enough to show inline: the image comes from the report's MLflow run.
    assert len(meta["plot"]) < 1000 and "/get-artifact?path=ablation.png&run_uuid=" in meta["plot"]
    assert meta["plot_png"].startswith("![F1 against fraction](data:image/png;base64,")
    assert artifact(root, "ablation_report", "es", "plot").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    header = parse(
        artifact(root, "ablation_report", "es", "markdown").read_text().split("\n\n")[0]
    )[0]
    assert len(set(header)) == len(header)  # no two columns named alike


def scores(token: float, strict: float) -> NerScores:
    return NerScores(token, token, token, token, strict, strict, strict, strict, 0.1, {})


def test_ablation_rows_and_ratios():
    rows = [
        AblationRow("1.0", "main", scores(1.0, 0.5), scores(0.9, 0.5), 4.0, 10),
        AblationRow("0.5", "main", scores(0.8, 0.5), scores(0.4, 0.25), 4.0, 5),
    ]
    assert rows[1].ratio("token_f1") == pytest.approx(0.5)
    assert rows[1].ratio("strict_f1") == pytest.approx(0.5)
    table = parse(markdown_table(rows))
    assert [r[0] for r in table[1:]] == ["0.5", "1.0"]
    assert table[1][:5] == ["0.5", "main", "0.800", "0.400", "0.500"]


def test_a_rerun_trains_only_the_selected_model_with_its_new_config(platform_copy):
    from deid_platform.partitions import Partition
    from deid_platform.runners.pipeline import rerun_assets

    root, instance, resources, _ = platform_copy
    before = latest(instance, "synthetic_ner_model", "1.0|es").run_id
    config = {"ops": {"synthetic_ner_model": {"config": {"epochs": 2, "min_steps": 0}}}}
    outcome = rerun_assets(
        instance,
        "synthesize_fraction",
        Partition("es", "1.0"),
        [AssetKey("synthetic_ner_model")],
        config,
        log=lambda _: None,
        resources=resources,
    )
    assert {step for step, _, _ in outcome.steps} == {"synthetic_ner_model"}
    record = latest(instance, "synthetic_ner_model", "1.0|es")
    assert record.run_id == outcome.run_ids[0] != before
    assert latest(instance, "synthetic_corpus", "1.0|es").run_id != record.run_id


def test_the_demo_summary_prints_whole_counts_and_every_report(platform):
    from deid_platform.runners.summary import summary

    _, instance, _, _ = platform
    printed = summary(instance, ["es", "sv"])
    text_table = printed.split("synthetic_text\n")[1].split("\n\n")[0]
    rows = [line.split(" | ") for line in text_table.splitlines()[2:]]
    assert len(rows) == 8
    # median characters and tokens/s: whole numbers, never "658.000"
    assert all("." not in cell for row in rows for cell in row[3:5]), text_table
    assert "ablation_report[es]" in printed and "ablation_report[sv]" in printed
