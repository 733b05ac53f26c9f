"""Re-runs on data change: a changed corpus file makes that language's partitions stale and the
automation requests them, and nothing else."""

from dagster import (
    AssetKey,
    AssetSelection,
    DagsterInstance,
    DefaultSensorStatus,
    evaluate_automation_conditions,
    materialize,
)
from dagster._core.definitions.observe import observe

from deid_platform.core.surrogates import write_demo_corpus
from deid_platform.definitions import assets, defs, source_assets
from deid_platform.resources import ArtifactStorage, Compute, MlflowTracking


def test_changed_file_requests_only_that_language(tmp_path, monkeypatch):
    for lang in ("es", "sv"):
        write_demo_corpus(lang, tmp_path / lang, seed=2, sizes={"train": 6, "dev": 2, "test": 2})
        monkeypatch.setenv(f"DEID_CORPUS_{lang.upper()}", str(tmp_path / lang))
    resources = {
        "storage": ArtifactStorage(root=str(tmp_path / "storage")),
        "mlflow": MlflowTracking(
            tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", artifact_location=str(tmp_path)
        ),
        "compute": Compute(device="cpu", threads=1),
    }
    instance = DagsterInstance.ephemeral()
    observe(source_assets, instance=instance, resources=resources)
    corpus = [a for a in assets if a.key == AssetKey("real_corpus")]
    for lang in ("es", "sv"):
        materialize(
            [*corpus, *source_assets],
            selection=corpus,
            partition_key=lang,
            instance=instance,
            resources=resources,
        )
    selection = AssetSelection.assets("real_corpus")
    first = evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=selection)
    assert first.get_requested_partitions(AssetKey("real_corpus")) == set()

    ann = sorted((tmp_path / "sv" / "train").glob("*.ann"))[0]
    ann.write_text(ann.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    observe(source_assets, instance=instance, resources=resources)
    second = evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=selection, cursor=first.cursor
    )
    assert second.get_requested_partitions(AssetKey("real_corpus")) == {"sv"}


def test_automation_sensor_runs_from_the_start_and_training_shares_a_pool():
    sensor = defs.resolve_sensor_def("deid_automation")
    assert sensor.default_status == DefaultSensorStatus.RUNNING
    graph = defs.resolve_asset_graph()
    for key in ("annotator_model", "base_llm", "adapted_llm", "synthetic_ner_model"):
        assert graph.get(AssetKey(key)).pools == {"training"}
    assert graph.get(AssetKey("synthetic_ner_model")).automation_condition is not None
