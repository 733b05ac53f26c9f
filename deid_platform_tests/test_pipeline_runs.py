"""The runs the runners start belong to the code location, as the UI's and `dg launch`'s do."""

from dagster import DagsterEventType, DagsterInstance

from deid_platform.core.surrogates import write_demo_corpus
from deid_platform.definitions import build
from deid_platform.partitions import Partition
from deid_platform.runners.location import LAUNCHED_BY
from deid_platform.runners.pipeline import Outcome, _Runner
from deid_platform_tests.conftest import PLATFORM_SIZES, temporary_resources


def test_a_run_carries_the_code_location_origin_and_what_launched_it(tmp_path, monkeypatch):
    write_demo_corpus("es", tmp_path / "es", seed=1, sizes=PLATFORM_SIZES)
    monkeypatch.setenv("DEID_CORPUS_ES", str(tmp_path / "es"))
    graph = build(temporary_resources(tmp_path))
    with DagsterInstance.ephemeral() as instance:
        runner = _Runner(instance, {}, lambda _: None, None, Outcome(), "test")
        runner.run(graph.resolve_job_def("observe_corpora"), Partition("es"))
        (run_id,) = runner.outcome.run_ids
        run = instance.get_run_by_id(run_id)
        observed = [
            entry.dagster_event.partition
            for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_OBSERVATION)
        ]
    assert observed == ["es"]  # a run for one language observes that language only
    assert run.is_success
    origin = run.remote_job_origin
    assert origin.location_name == "deid-platform" and origin.job_name == "observe_corpora"
    assert origin.repository_origin.repository_name == "__repository__"
    assert run.tags[LAUNCHED_BY] == "test" and run.tags["dagster/partition"] == "es"


def test_a_language_whose_every_fraction_is_blocked_gets_no_report(monkeypatch):
    """The report of nothing would fail the whole run; the blocked partitions are the outcome."""
    import deid_platform.runners.pipeline as pipeline

    jobs: list[tuple[str, str]] = []

    def run(self, job, partition, assets=None):
        jobs.append((job.name, str(partition)))
        if job.name == "synthesize_fraction" and partition.fraction in ("0.25", "1.0"):
            self.outcome.blocked[str(partition)] = "leak gate"

    monkeypatch.setattr(_Runner, "run", run)
    outcome = pipeline.run_pipeline(
        DagsterInstance.ephemeral(), ["es"], ["0.25", "1.0"], log=lambda _: None
    )
    assert set(outcome.blocked) == {"0.25|es", "1.0|es"}
    assert ("report_language", "es") not in jobs and ("synthesize_fraction", "1.0|es") in jobs
    jobs.clear()
    pipeline.run_pipeline(DagsterInstance.ephemeral(), ["es"], ["0.05", "1.0"], log=lambda _: None)
    assert ("report_language", "es") in jobs  # one fraction left to report
