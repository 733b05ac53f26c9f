"""The corpus assets through `dagster.materialize`, with MLflow writing to a temporary store."""

import json

from dagster import AssetKey, AssetRecordsFilter
from mlflow.tracking import MlflowClient


def latest(instance, asset, partition):
    return instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[partition]), limit=1
    ).records[0]


def test_corpus_assets_materialize_with_counts_and_files(platform):
    tmp_path, instance, _, _ = platform
    meta = latest(instance, "real_corpus", "es").asset_materialization.metadata
    assert meta["train_documents"].value == 20 and meta["test_documents"].value == 5
    assert meta["test_from_dev"].value is False
    manifest = json.loads((tmp_path / "storage/real_corpus/es/manifest.json").read_text())
    assert len(manifest["splits"]["train"]) == 20
    sizes = {}
    for fraction in ("0.05", "0.25", "0.5", "1.0"):
        record = latest(instance, "training_subset", f"{fraction}|sv")
        sizes[fraction] = record.asset_materialization.metadata["documents"].value
        ids = (tmp_path / f"storage/training_subset/sv/{fraction}/document_ids.txt").read_text()
        assert len(ids.split()) == sizes[fraction]
    assert sizes == {"0.05": 1, "0.25": 5, "0.5": 10, "1.0": 20}
    small = set((tmp_path / "storage/training_subset/sv/0.25/document_ids.txt").read_text().split())
    large = set((tmp_path / "storage/training_subset/sv/0.5/document_ids.txt").read_text().split())
    assert small < large


def test_lineage_is_recorded_in_dagster_and_mlflow(platform):
    _, instance, _, uri = platform
    record = latest(instance, "training_subset", "0.25|es")
    tags = record.asset_materialization.tags
    assert tags["dagster/code_version"] == "1"
    assert "dagster/input_data_version/real_corpus" in tags
    observed = (
        instance.fetch_observations(
            AssetRecordsFilter(asset_key=AssetKey("real_corpus_files"), asset_partitions=["es"]),
            limit=1,
        )
        .records[0]
        .asset_observation.tags["dagster/data_version"]
    )
    corpus = latest(instance, "real_corpus", "es")
    # The content hash of the files, as observed, is what real_corpus was built from.
    assert corpus.asset_materialization.metadata["files_sha256"].value == observed
    client = MlflowClient(uri)
    corpus_run = client.get_run(corpus.asset_materialization.metadata["mlflow_run_id"].value)
    assert corpus_run.data.tags["dagster.input_data_version.real_corpus_files"] == observed

    experiment = client.get_experiment_by_name("deid-platform")
    runs = client.search_runs(
        [experiment.experiment_id],
        "tags.`dagster.partition_key` = '0.25|es' and tags.`dagster.asset_key` = 'training_subset'",
    )
    assert len(runs) == 1
    run = runs[0]
    assert run.info.status == "FINISHED"
    assert run.data.tags["dagster.run_id"] == record.run_id
    assert run.data.tags["dagster.asset_key"] == "training_subset"
    assert run.data.tags["dagster.partition.language"] == "es"
    assert (
        run.data.tags["dagster.input_data_version.real_corpus"]
        == tags["dagster/input_data_version/real_corpus"]
    )
    meta = record.asset_materialization.metadata
    assert meta["mlflow_run_id"].value == run.info.run_id
    # One MLflow run per asset partition: 2 languages x (real_corpus, base_llm, ablation_report
    # + 4 fractions x (training_subset, annotator_model, adapted_llm, synthetic_corpus,
    # synthetic_ner_model, privacy_audit, privacy_review)).
    runs = client.search_runs([experiment.experiment_id], max_results=200)
    assert len(runs) == 2 * (3 + 4 * 7)


def test_changed_file_changes_only_that_languages_data_version(platform):
    tmp_path, instance, resources, _ = platform
    from dagster._core.definitions.observe import observe

    from deid_platform.defs.corpora import real_corpus_files

    def versions():
        observe([real_corpus_files], instance=instance, resources=resources)
        return {
            lang: instance.fetch_observations(
                AssetRecordsFilter(
                    asset_key=AssetKey("real_corpus_files"), asset_partitions=[lang]
                ),
                limit=1,
            )
            .records[0]
            .asset_observation.tags["dagster/data_version"]
            for lang in ("es", "sv")
        }

    before = versions()
    assert versions() == before
    ann = next((tmp_path / "corpora/sv/train").glob("*.ann"))
    ann.write_text(ann.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after = versions()
    assert after["es"] == before["es"] and after["sv"] != before["sv"]
