"""Re-runs on data change: a changed corpus file makes that language's partitions stale and the
automation requests them, and nothing else; a re-materialization with the same data requests
nothing downstream."""

from dagster import (
    AssetKey,
    AssetSelection,
    AutomationCondition,
    DagsterInstance,
    DefaultSensorStatus,
    Definitions,
    evaluate_automation_conditions,
)

from deid_platform.core.surrogates import write_demo_corpus
from deid_platform.definitions import build
from deid_platform.partitions import Partition
from deid_platform.plumbing.assets import REFRESH
from deid_platform_tests.conftest import copy_platform, materialize_assets, temporary_resources


def small_platform(tmp_path, monkeypatch):
    for lang in ("es", "sv"):
        write_demo_corpus(lang, tmp_path / lang, seed=2, sizes={"train": 6, "dev": 2, "test": 2})
        monkeypatch.setenv(f"DEID_CORPUS_{lang.upper()}", str(tmp_path / lang))
    graph = build(temporary_resources(tmp_path))
    instance = DagsterInstance.ephemeral()

    def observe():
        for lang in ("es", "sv"):
            graph.resolve_job_def("observe_corpora").execute_in_process(
                instance=instance, partition_key=lang
            )

    def run(asset: str, partition: Partition):
        materialize_assets(graph, instance, [asset], partition)

    return graph, instance, observe, run


def test_changed_file_requests_only_that_language(tmp_path, monkeypatch):
    graph, instance, observe, run = small_platform(tmp_path, monkeypatch)
    observe()
    for lang in ("es", "sv"):
        run("real_corpus", Partition(lang))
    selection = AssetSelection.assets("real_corpus")
    first = evaluate_automation_conditions(defs=graph, instance=instance, asset_selection=selection)
    assert first.get_requested_partitions(AssetKey("real_corpus")) == set()

    ann = sorted((tmp_path / "sv" / "train").glob("*.ann"))[0]
    ann.write_text(ann.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    observe()
    second = evaluate_automation_conditions(
        defs=graph, instance=instance, asset_selection=selection, cursor=first.cursor
    )
    assert second.get_requested_partitions(AssetKey("real_corpus")) == {"sv"}


def rematerialize_same_corpus(graph, instance, run) -> set:
    """The partitions of training_subset requested after real_corpus is parsed again from the
    same files: a new materialization with the same data version."""
    run("real_corpus", Partition("es"))
    run("training_subset", Partition("es", "0.25"))
    selection = AssetSelection.assets("training_subset")
    first = evaluate_automation_conditions(defs=graph, instance=instance, asset_selection=selection)
    run("real_corpus", Partition("es"))
    second = evaluate_automation_conditions(
        defs=graph, instance=instance, asset_selection=selection, cursor=first.cursor
    )
    return second.get_requested_partitions(AssetKey("training_subset"))


def test_same_data_rematerialized_requests_nothing_downstream(tmp_path, monkeypatch):
    graph, instance, observe, run = small_platform(tmp_path, monkeypatch)
    observe()
    assert rematerialize_same_corpus(graph, instance, run) == set()


def with_condition(graph, key: AssetKey, condition) -> Definitions:
    """The platform's definitions with another automation condition on one asset."""
    replace = lambda spec: spec.replace_attributes(automation_condition=condition)  # noqa: E731
    assets = [
        a.map_asset_specs(replace) if getattr(a, "key", None) == key else a for a in graph.assets
    ]
    return Definitions(assets=assets, jobs=graph.jobs, resources=graph.resources)


def test_eager_would_have_retrained_on_the_same_data(tmp_path, monkeypatch):
    """The contrast that makes the test above mean something."""
    graph, instance, observe, run = small_platform(tmp_path, monkeypatch)
    eager = with_condition(graph, AssetKey("training_subset"), AutomationCondition.eager())
    observe()
    # Every fraction of the language, the materialized one included: four trainings for nothing.
    expected = {f"{fraction}|es" for fraction in ("0.05", "0.25", "0.5", "1.0")}
    assert rematerialize_same_corpus(eager, instance, run) == expected


def report_requested_after_wiping(platform, dest, condition, wiped: list[str]) -> set:
    """The partitions of ablation_report requested on the tick after `wiped` lost their
    materializations, in a copy of the platform (the first tick only records the state)."""
    _, instance, resources, _ = copy_platform(platform, dest)
    graph = build(resources)
    report = AssetKey("ablation_report")
    if condition is not None:
        graph = with_condition(graph, report, condition)
    selection = AssetSelection.assets(report)
    first = evaluate_automation_conditions(defs=graph, instance=instance, asset_selection=selection)
    instance.wipe_assets([AssetKey(k) for k in wiped])
    second = evaluate_automation_conditions(
        defs=graph, instance=instance, asset_selection=selection, cursor=first.cursor
    )
    instance.dispose()
    return second.get_requested_partitions(report)


def test_reports_wait_for_a_synthetic_model_not_for_every_ablation(platform, tmp_path):
    """The ablations ran at one fraction only, as they run on demand: a missing report is
    requested all the same, where the refresh condition of the training assets would wait for
    every fraction's ablations for ever; without a synthetic model there is nothing to report."""
    report = ["ablation_report"]
    assert report_requested_after_wiping(platform, tmp_path / "a", None, report) == {"es", "sv"}
    assert report_requested_after_wiping(platform, tmp_path / "b", REFRESH, report) == set()
    no_model = [*report, "synthetic_ner_model"]
    assert report_requested_after_wiping(platform, tmp_path / "c", None, no_model) == set()


def test_automation_sensor_runs_from_the_start_and_training_shares_a_pool():
    graph = build()
    sensor = graph.resolve_sensor_def("deid_automation")
    assert sensor.default_status == DefaultSensorStatus.RUNNING
    assets = graph.resolve_asset_graph()
    for key in ("annotator_model", "base_llm", "adapted_llm", "synthetic_ner_model"):
        assert assets.get(AssetKey(key)).pools == {"training"}
    # The ablations run on demand, never by themselves.
    assert assets.get(AssetKey(["llm_only", "synthetic_ner_model"])).automation_condition is None
