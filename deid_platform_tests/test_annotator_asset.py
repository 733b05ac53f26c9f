"""annotator_model through the platform's jobs: metrics, model on disk, MLflow run and registry,
the partitioned F1-floor check."""

import json

from dagster import AssetKey
from mlflow.tracking import MlflowClient

from deid_platform.core.hashing import directory_sha256
from deid_platform.core.markdown import parse
from deid_platform.core.ner.model import load_model
from deid_platform.plumbing.metadata import rounded
from deid_platform.plumbing.store import file_name
from deid_platform_tests.conftest import artifact, check_evaluations, latest, metadata


def test_annotator_metrics_model_and_registry(platform):
    root, instance, _, uri = platform
    record = latest(instance, "annotator_model", "1.0|es")
    meta = metadata(instance, "annotator_model", "1.0|es")
    for key in ("token_f1", "strict_f1", "relaxed_f1", "binary_recall", "leak_score"):
        assert 0.0 <= meta[key] <= (10.0 if key == "leak_score" else 1.0)
    assert meta["train_documents"] == 20 and meta["test_documents"] == 5
    assert parse(meta["per_label"])[0] == ["label", "precision", "recall", "F1", "support"]
    model_dir = artifact(root, "annotator_model", "1.0|es", "model")
    assert meta["model_sha256"] == directory_sha256(model_dir)
    assert record.asset_materialization.tags["dagster/data_version"] == meta["model_sha256"]
    assert load_model(model_dir).labels  # a loadable save_pretrained directory
    saved = json.loads(artifact(root, "annotator_model", "1.0|es", "scores").read_text())
    assert rounded(saved["token_f1"]) == meta["token_f1"]  # metadata shows 4 decimals

    client = MlflowClient(uri)
    run = client.get_run(meta["mlflow_run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.metrics["token_f1"] == meta["token_f1"]
    assert run.data.params["preset.name"] == "embedded"
    assert run.data.tags["dagster.partition.fraction"] == "1.0"
    assert "dagster.input_data_version.training_subset" in run.data.tags
    version = client.get_model_version("annotator_model-es-1.0", meta["registered_model_version"])
    assert version.source == model_dir.resolve().as_uri()
    assert version.run_id == run.info.run_id
    # The weights stay in the artifact store: only numbers go to MLflow.
    artifacts = [a.path for a in client.list_artifacts(run.info.run_id)]
    assert artifacts == [file_name("annotator_model", "scores")]


def test_f1_floor_check_is_evaluated_per_partition(platform):
    _, instance, _, _ = platform
    run_id = latest(instance, "annotator_model", "1.0|sv").run_id
    (evaluation,) = [
        e for e in check_evaluations(instance, run_id) if e.asset_key == AssetKey("annotator_model")
    ]
    assert evaluation.check_name == "f1_above_floor" and evaluation.partition == "1.0|sv"
    assert "floor 0.5" in evaluation.description


def test_every_fraction_of_both_languages_has_a_model(platform):
    root, instance, _, _ = platform
    for lang in ("es", "sv"):
        for fraction in ("0.05", "0.25", "0.5", "1.0"):
            assert artifact(root, "annotator_model", f"{fraction}|{lang}", "model").is_dir()
            assert latest(instance, "annotator_model", f"{fraction}|{lang}") is not None
