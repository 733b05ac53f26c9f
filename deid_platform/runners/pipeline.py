"""Runs the asset graph through its named jobs, partition by partition, against a Dagster
instance: what `make demo` does, and what a test does with a temporary instance. The runs are the
code location's (see `location`), executed in this process so that a test may replace resources;
each is tagged with what launched it and reported in one line, with the seconds of its steps;
Dagster's own events go to a log file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    JobDefinition,
)
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.execution.api import execute_run

from deid_platform.definitions import build
from deid_platform.partitions import Partition, fraction_partitions, language_partitions
from deid_platform.plumbing.blocking import LEAK_GATE
from deid_platform.runners.location import CodeLocation

# The console shows only what `log` says; every event, DEBUG included, goes to the log file.
# The steps run in this process, one after the other, as `execute_in_process` runs them.
QUIET = {
    "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
    "execution": {"config": {"in_process": {}}},
}


@dataclass
class Outcome:
    """What a pipeline run did: partitions the leak gate blocked, with the reasons, the ids of
    the Dagster runs, and the seconds of every step (step key, partition, seconds)."""

    blocked: dict[str, str] = field(default_factory=dict)
    run_ids: list[str] = field(default_factory=list)
    steps: list[tuple[str, str, float]] = field(default_factory=list)


def run_pipeline(
    instance: DagsterInstance,
    languages: Sequence[str] | None = None,
    fractions: Sequence[str] | None = None,
    resources: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
    run_config: dict[str, Any] | None = None,
    log_file: Path | None = None,
    ablations: Sequence[str] = (),
    launched_by: str = "demo",
) -> Outcome:
    """Observes each language's corpus files, then runs `prepare_language`, `synthesize_fraction`
    for every fraction and `report_language`. `run_config` holds `{"ops": {asset: {"config":
    ...}}}` for the assets that take config; `ablations` the fractions at which to run the
    single-side ablations too (they read the all-data partitions, so they run after every
    fraction); `launched_by` the command, in every run's `deid/launched_by` tag. A partition
    the leak gate blocks is reported and skipped; any other failure raises."""
    graph = build(resources)
    outcome = Outcome()
    runner = _Runner(instance, run_config or {}, log, log_file, outcome, launched_by)
    for language in languages or language_partitions.get_partition_keys():
        runner.run(graph.resolve_job_def("observe_corpora"), Partition(language))
        runner.run(graph.resolve_job_def("prepare_language"), Partition(language))
        keys = fractions or fraction_partitions.get_partition_keys()
        parts = [Partition(language, fraction) for fraction in keys]
        for partition in parts:
            runner.run(graph.resolve_job_def("synthesize_fraction"), partition)
        for fraction in ablations:
            runner.run(graph.resolve_job_def("run_ablations"), Partition(language, fraction))
        if all(str(partition) in outcome.blocked for partition in parts):
            # A report of nothing fails; the blocked partitions are the outcome.
            log(f"  no report for {language}: the leak gate blocked every fraction")
            continue
        runner.run(graph.resolve_job_def("report_language"), Partition(language))
    return outcome


def rerun_assets(
    instance: DagsterInstance,
    job_name: str,
    partition: Partition,
    assets: Sequence[AssetKey],
    run_config: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
    log_file: Path | None = None,
    resources: dict[str, Any] | None = None,
    launched_by: str = "benchmark",
) -> Outcome:
    """Materializes only `assets` of one partition of a job, reading what the store holds
    upstream: one more model on the same data with other config (the volume ablation trains a
    second NER model on each synthetic corpus). Raises as `run_pipeline` does."""
    outcome = Outcome()
    runner = _Runner(instance, run_config or {}, log, log_file, outcome, launched_by)
    runner.run(build(resources).resolve_job_def(job_name), partition, assets)
    return outcome


@dataclass
class _Runner:
    instance: DagsterInstance
    run_config: dict[str, Any]
    log: Callable[[str], None]
    log_file: Path | None
    outcome: Outcome
    launched_by: str
    location: CodeLocation = field(default_factory=CodeLocation)

    def run(
        self, job: JobDefinition, partition: Partition, assets: Sequence[AssetKey] | None = None
    ) -> None:
        nodes = {node.name for node in job.nodes}
        if assets is not None:
            nodes &= {key.to_python_identifier() for key in assets}
        ops = {k: v for k, v in self.run_config.get("ops", {}).items() if k in nodes}
        run_config = {"ops": ops, **QUIET}
        run = self.location.create_run(
            self.instance, job, partition.key, run_config, self.launched_by, assets
        )
        result = execute_run(InMemoryJob(job), run, self.instance)
        self.outcome.run_ids.append(run.run_id)
        self._report(run.run_id, partition)
        gate = [
            e
            for e in (event.event_specific_data for event in result.all_events)
            if isinstance(e, AssetCheckEvaluation) and e.check_name == LEAK_GATE and not e.passed
        ]
        if gate:
            reasons = "; ".join(
                (e.description or e.check_name).removeprefix("BLOCKED: ") for e in gate
            )
            self.outcome.blocked[str(partition)] = reasons
            self.log(f"  blocked [{partition}]: {reasons}; nothing downstream of it was built")
        if result.success:
            return
        errors = [
            f"{event.step_key}: {_root_cause(event.event_specific_data.error)}"
            for event in result.all_events
            if event.event_type == DagsterEventType.STEP_FAILURE
        ]
        raise RuntimeError(f"{job.name} [{partition}] failed: {'; '.join(errors)}")

    def _report(self, run_id: str, partition: Partition) -> None:
        """One line per run: every step that took a moment with its seconds, the run's total;
        every event of the run to the log file."""
        started: dict[str, float] = {}
        steps: list[tuple[str, float, bool]] = []
        lines = []
        for entry in self.instance.all_logs(run_id):
            lines.append(
                f"{entry.timestamp:.3f} {entry.level} {entry.step_key or ''} {entry.message}"
            )
            event = entry.dagster_event
            if event is None or entry.step_key is None:
                continue
            if event.event_type == DagsterEventType.STEP_START:
                started[entry.step_key] = entry.timestamp
            elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                seconds = entry.timestamp - started.get(entry.step_key, entry.timestamp)
                failed = event.event_type == DagsterEventType.STEP_FAILURE
                steps.append((entry.step_key, seconds, failed))
                self.outcome.steps.append((entry.step_key, str(partition), seconds))
        shown = [
            f"{step} {seconds:.1f}{' FAILED' if failed else ''}"
            for step, seconds, failed in steps
            if seconds >= 0.5 or failed
        ]
        quick = len(steps) - len(shown)
        total = sum(seconds for _, seconds, _ in steps)
        self.log(
            f"  {str(partition):>8} {total:6.1f} s  {' · '.join(shown)}"
            + (f" (+{quick} under 0.5 s)" if quick else "")
        )
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_file, "a", encoding="utf-8") as handle:
                handle.write("\n".join(lines) + "\n")


def _root_cause(error: Any) -> str:
    """The innermost error's message: Dagster wraps a step's exception in its own."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()
