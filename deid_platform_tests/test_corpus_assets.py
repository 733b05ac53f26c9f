"""The corpus assets through the platform's jobs, with MLflow writing to a temporary store."""

import json

from mlflow.tracking import MlflowClient

from deid_platform.definitions import build
from deid_platform_tests.conftest import artifact, latest, metadata


def test_corpus_assets_materialize_with_counts_and_files(platform):
    root, instance, _, _ = platform
    meta = metadata(instance, "real_corpus", "es")
    assert meta["train_documents"] == 20 and meta["test_documents"] == 5
    assert meta["test_from_dev"] is False and meta["dropped_spans"] == 0
    splits = json.loads(artifact(root, "real_corpus", "es", "split_ids").read_text())
    assert len(splits["train"]) == 20 and not set(splits["dev"]) & set(splits["test"])
    sizes = {}
    for fraction in ("0.05", "0.25", "0.5", "1.0"):
        sizes[fraction] = metadata(instance, "training_subset", f"{fraction}|sv")["documents"]
        ids = artifact(root, "training_subset", f"{fraction}|sv", "document_ids").read_text()
        assert len(ids.split()) == sizes[fraction]
    assert sizes == {"0.05": 1, "0.25": 5, "0.5": 10, "1.0": 20}
    small = set(artifact(root, "training_subset", "0.25|sv", "document_ids").read_text().split())
    large = set(artifact(root, "training_subset", "0.5|sv", "document_ids").read_text().split())
    assert small < large


def test_lineage_is_recorded_in_dagster_and_mlflow(platform):
    _, instance, _, uri = platform
    record = latest(instance, "training_subset", "0.25|es")
    tags = record.asset_materialization.tags
    assert tags["dagster/code_version"] == "1"
    assert "dagster/input_data_version/real_corpus" in tags
    observed = latest_observation(instance, "es")
    corpus = latest(instance, "real_corpus", "es")
    # The content hash of the files, as observed, is what real_corpus was built from.
    assert corpus.asset_materialization.metadata["files_sha256"].value == observed
    client = MlflowClient(uri)
    corpus_run = client.get_run(corpus.asset_materialization.metadata["mlflow_run_id"].value)
    assert corpus_run.data.tags["dagster.input_data_version.real_corpus_files"] == observed

    experiment = client.get_experiment_by_name("deid-platform")
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    runs = client.search_runs(
        [experiment.experiment_id],
        "tags.`dagster.partition_key` = '0.25|es' and tags.`dagster.asset_key` = 'training_subset'",
    )
    assert len(runs) == 1
    run = runs[0]
    assert run.info.status == "FINISHED"
    assert run.data.tags["dagster.run_id"] == record.run_id
    assert run.data.tags["dagster.partition.language"] == "es"
    # MLflow holds Dagster's data versions as they are, and the partition each input was read at.
    assert (
        run.data.tags["dagster.input_data_version.real_corpus"]
        == (corpus.asset_materialization.tags["dagster/data_version"])
    )
    assert run.data.tags["dagster.input_partition.real_corpus"] == "es"
    assert run.data.tags["dagster.data_version"] == tags["dagster/data_version"]
    # The MLflow run spans the work: it starts before the materialization is recorded.
    assert run.info.start_time / 1000 <= record.timestamp
    assert record.asset_materialization.metadata["mlflow_run_id"].value == run.info.run_id
    # One MLflow run per asset partition: 2 languages x (real_corpus, base_llm, ablation_report
    # + 4 fractions x (training_subset, annotator_model, adapted_llm, synthetic_text,
    # synthetic_corpus, synthetic_ner_model, privacy_audit, privacy_review) + the ablations at
    # one fraction (a corpus and a model for each of two modes)).
    runs = client.search_runs([experiment.experiment_id], max_results=200)
    assert len(runs) == 2 * (3 + 4 * 8 + 4)


def latest_observation(instance, language):
    from dagster import AssetKey, AssetRecordsFilter

    records = instance.fetch_observations(
        AssetRecordsFilter(asset_key=AssetKey("real_corpus_files"), asset_partitions=[language]),
        limit=1,
    ).records
    return records[0].asset_observation.tags["dagster/data_version"]


def test_changed_file_changes_only_that_languages_data_version(platform):
    root, instance, resources, _ = platform
    observe = build(resources).resolve_job_def("observe_corpora")

    def versions():
        for language in ("es", "sv"):
            observe.execute_in_process(instance=instance, partition_key=language)
        return {language: latest_observation(instance, language) for language in ("es", "sv")}

    before = versions()
    assert versions() == before
    ann = next((root / "corpora/sv/train").glob("*.ann"))
    ann.write_text(ann.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after = versions()
    assert after["es"] == before["es"] and after["sv"] != before["sv"]


def test_real_corpus_refuses_a_corpus_that_lost_its_annotations(tmp_path, monkeypatch):
    """A lenient read skips malformed spans; when too many are gone the corpus is refused, since
    a model trained on it would learn that PHI is not PHI."""
    from dagster import DagsterInstance

    from deid_platform.core.surrogates import write_demo_corpus
    from deid_platform.partitions import Partition
    from deid_platform_tests.conftest import materialize_assets, temporary_resources

    corpus = tmp_path / "es"
    write_demo_corpus("es", corpus, seed=5, sizes={"train": 6, "dev": 2, "test": 2})
    for ann in sorted((corpus / "train").glob("*.ann"))[:3]:
        # Shifted offsets: the quoted text no longer matches the note.
        lines = ann.read_text(encoding="utf-8").splitlines()
        shifted = []
        for line in lines:
            ann_id, middle, quoted = line.split("\t")
            label, start, end = middle.split(" ")
            shifted.append(f"{ann_id}\t{label} {int(start) + 1} {int(end) + 1}\t{quoted}")
        ann.write_text("\n".join(shifted) + "\n", encoding="utf-8")
    monkeypatch.setenv("DEID_CORPUS_ES", str(corpus))
    graph = build(temporary_resources(tmp_path))
    instance = DagsterInstance.ephemeral()

    def run(share):
        config = {"lenient": True, "max_dropped_span_share": share}
        return materialize_assets(
            graph,
            instance,
            ["real_corpus"],
            Partition("es"),
            {"ops": {"real_corpus": {"config": config}}},
            raise_on_error=False,
        )

    refused = run(0.01)
    assert not refused.success
    (failure,) = refused.get_step_failure_events()
    assert "spans were malformed and dropped" in str(failure.event_specific_data.error)
    assert latest(instance, "real_corpus", "es") is None
    accepted = run(1.0)
    assert accepted.success and metadata(instance, "real_corpus", "es")["dropped_spans"] > 0
