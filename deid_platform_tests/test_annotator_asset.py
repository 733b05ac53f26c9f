"""annotator_model through dagster.materialize: metrics, model on disk, MLflow run and registry."""

import json

from dagster import AssetCheckKey, AssetKey, AssetRecordsFilter
from mlflow.tracking import MlflowClient

from deid_platform.core.hashing import directory_sha256
from deid_platform.core.ner.model import load_model


def latest(instance, partition):
    return instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey("annotator_model"), asset_partitions=[partition]),
        limit=1,
    ).records[0]


def test_annotator_metrics_model_and_registry(platform):
    root, instance, _, uri = platform
    record = latest(instance, "1.0|es")
    meta = {k: v.value for k, v in record.asset_materialization.metadata.items()}
    for key in ("token_f1", "strict_f1", "relaxed_f1", "binary_recall", "leak_score"):
        assert 0.0 <= meta[key] <= (10.0 if key == "leak_score" else 1.0)
    assert meta["train_documents"] == 20 and meta["test_documents"] == 5
    assert "| label | precision | recall | F1 | support |" in meta["per_label"]
    model_dir = root / "storage/annotator_model/es/1.0/model"
    assert meta["model_sha256"] == directory_sha256(model_dir)
    assert record.asset_materialization.tags["dagster/data_version"] == meta["model_sha256"]
    assert load_model(model_dir).labels  # a loadable save_pretrained directory
    saved = json.loads((root / "storage/annotator_model/es/1.0/metrics.json").read_text())
    assert saved["token_f1"] == meta["token_f1"]

    client = MlflowClient(uri)
    run = client.get_run(meta["mlflow_run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.metrics["token_f1"] == meta["token_f1"]
    assert run.data.params["preset.name"] == "embedded" and run.data.params["fraction"] == "1.0"
    assert "dagster.input_data_version.training_subset" in run.data.tags
    version = client.get_model_version("annotator_model-es-1.0", meta["registered_model_version"])
    assert version.source == model_dir.resolve().as_uri()
    assert version.run_id == run.info.run_id
    # The weights stay in the artifact store: only numbers go to MLflow.
    artifacts = [a.path for a in client.list_artifacts(run.info.run_id)]
    assert artifacts == ["metrics.json"]


def test_f1_floor_check_is_evaluated(platform):
    _, instance, _, _ = platform
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [AssetCheckKey(AssetKey("annotator_model"), "f1_above_floor")]
    )
    evaluation = check[AssetCheckKey(AssetKey("annotator_model"), "f1_above_floor")]
    assert evaluation is not None
    assert evaluation.status.value in ("SUCCEEDED", "FAILED")


def test_every_fraction_of_both_languages_has_a_model(platform):
    root, instance, _, _ = platform
    for lang in ("es", "sv"):
        for fraction in ("0.05", "0.25", "0.5", "1.0"):
            assert (root / f"storage/annotator_model/{lang}/{fraction}/model").is_dir()
            assert latest(instance, f"{fraction}|{lang}").asset_materialization is not None
