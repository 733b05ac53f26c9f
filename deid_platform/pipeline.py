"""Runs the asset graph in-process, partition by partition, against a Dagster instance: what
`make demo` does, and what a test does with a temporary instance."""

from collections.abc import Callable, Sequence
from typing import Any

from dagster import AssetSelection, DagsterInstance, materialize

# `observe` is public API but not re-exported from the top-level package in 1.13.
from dagster._core.definitions.observe import observe
from dagster._core.errors import DagsterAssetCheckFailedError

from deid_platform import definitions
from deid_platform.partitions import (
    fraction_partitions,
    language_fraction_key,
    language_fraction_partitions,
    language_partitions,
)


def run_pipeline(
    instance: DagsterInstance,
    languages: Sequence[str] | None = None,
    fractions: Sequence[str] | None = None,
    resources: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
    run_config: dict[str, Any] | None = None,
) -> list[str]:
    """Observes the corpus files, then materializes for each language its language assets, every
    language x fraction asset, and the reports over all fractions, in dependency order.
    `run_config` holds `{"ops": {asset: {"config": ...}}}` for the assets that take config.
    Returns the partitions whose leak gate blocked them."""
    languages = list(languages or language_partitions.get_partition_keys())
    fractions = list(fractions or fraction_partitions.get_partition_keys())
    resources = resources if resources is not None else dict(definitions.defs.resources or {})
    sources = definitions.source_assets
    observe(sources, instance=instance, resources=resources)
    by_both = [a for a in definitions.assets if a.partitions_def == language_fraction_partitions]
    both_keys = {a.key for a in by_both}
    by_language, reports = [], []
    for a in definitions.assets:
        if a.partitions_def == language_partitions:
            # Language assets that read every fraction (reports) run after the fractions.
            (reports if a.asset_deps[a.key] & both_keys else by_language).append(a)
    blocked: list[str] = []
    for lang in languages:
        log(f"materializing {_names(by_language)} [{lang}]")
        materialize(
            [*by_language, *sources],
            instance=instance,
            resources=resources,
            partition_key=lang,
            selection=AssetSelection.assets(*by_language),
            run_config=_config_for(run_config, by_language),
        )
        for fraction in fractions:
            key = language_fraction_key(lang, fraction)
            log(f"materializing {_names(by_both)} [{key}]")
            try:
                materialize(
                    [*by_both, *by_language, *sources],
                    instance=instance,
                    resources=resources,
                    partition_key=key,
                    selection=AssetSelection.assets(*by_both),
                    run_config=_config_for(run_config, by_both),
                )
            except DagsterAssetCheckFailedError:
                # A blocking check (the leak gate) stopped what depends on it in this partition;
                # that is the gate working, so the other partitions go on.
                blocked.append(str(key))
                log(f"leak gate blocked [{key}]: nothing downstream of its synthetic corpus built")
        if reports:
            log(f"materializing {_names(reports)} [{lang}]")
            materialize(
                [*reports, *by_both, *by_language, *sources],
                instance=instance,
                resources=resources,
                partition_key=lang,
                selection=AssetSelection.assets(*reports),
            )
    return blocked


def _config_for(run_config: dict[str, Any] | None, assets: Sequence[Any]) -> dict[str, Any]:
    """The part of `run_config` for the assets of one run (Dagster rejects config for others)."""
    names = {a.key.to_user_string() for a in assets}
    return {"ops": {k: v for k, v in (run_config or {}).get("ops", {}).items() if k in names}}


def _names(assets: Sequence[Any]) -> str:
    return ", ".join(a.key.to_user_string() for a in assets)
