"""What a failed leak gate leaves behind for the people who look: the run tagged and its log
naming the gate, and every asset partition below the blocked one marked "blocked" with the gate's
reason, its checks with a warning that they never ran. The gate is not a Dagster blocking check
(a failed one fails the run, and every asset page below then reads "failed"): the synthetic
corpus reads the gate itself and yields nothing, so Dagster skips it and everything below it, and
these marks say why."""

from __future__ import annotations

from collections.abc import Sequence

from dagster import (
    AssetCheckEvaluation,
    AssetCheckExecutionContext,
    AssetCheckSeverity,
    AssetKey,
    AssetObservation,
)

from deid_platform.core.privacy import leak_gate
from deid_platform.partitions import Partition
from deid_platform.plumbing.store import ArtifactStore

LEAK_GATE = "leak_gate"
BLOCKED_BY = "deid/blocked_by"
BLOCKED = "deid/blocked"


def blocked_message(gate: str, asset: str, partition: str, reasons: Sequence[str]) -> str:
    """One sentence a page, a log line and `deid audit` all show."""
    return f"blocked by the {gate} of {asset}[{partition}]: {'; '.join(reasons)}"


def gate_verdict(store: ArtifactStore, text: Partition) -> str | None:
    """Why the leak gate blocked the synthetic text of `text`; None when it passed or never ran."""
    if not store.path("synthetic_text", text, "leak_audit").exists():
        return None
    passed, reasons = leak_gate(store.leak_audit(text))
    return None if passed else blocked_message("leak gate", "synthetic_text", str(text), reasons)


def report_blocked(
    context: AssetCheckExecutionContext, gate: str, reasons: Sequence[str]
) -> list[str]:
    """Tags the run, logs why, and marks every descendant of the checked asset in the same
    partition (a report over every partition reads around a blocked one) as blocked. Returns the
    descendants' keys."""
    key = context.check_specs[0].asset_key
    partition = context.partition_key
    message = blocked_message(gate, key.to_user_string(), str(partition), reasons)
    context.instance.add_run_tags(
        context.run.run_id, {BLOCKED_BY: gate, BLOCKED: f"{key.to_user_string()} {partition}"}
    )
    context.log.error(f"{message}; nothing below it is built from this partition")
    graph = context.job_def.asset_layer.asset_graph
    partitions_def = graph.get(key).partitions_def
    below: list[AssetKey] = []
    frontier = [key]
    while frontier:
        for child in sorted(graph.get(frontier.pop()).child_keys):
            if child not in below and graph.get(child).partitions_def == partitions_def:
                below.append(child)
                frontier.append(child)
    log = context.op_execution_context.log_event
    for child in below:
        log(
            AssetObservation(
                child,
                partition=str(partition),
                description=message,
                metadata={"status": f"BLOCKED {message.removeprefix('blocked ')}"},
            )
        )
        for check_key in graph.get(child).check_keys:
            log(
                AssetCheckEvaluation(
                    child,
                    check_key.name,
                    passed=False,
                    severity=AssetCheckSeverity.WARN,
                    description=f"not run: {message}",
                    partition=str(partition),
                )
            )
    return [child.to_user_string() for child in below]
