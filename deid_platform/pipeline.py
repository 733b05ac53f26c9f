"""Runs the asset graph in-process, partition by partition, against a Dagster instance: what
`make demo` does, and what a test does with a temporary instance."""

from collections.abc import Callable, Sequence
from typing import Any

from dagster import AssetSelection, DagsterInstance, materialize

# `observe` is public API but not re-exported from the top-level package in 1.13.
from dagster._core.definitions.observe import observe

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
) -> None:
    """Observes the corpus files, then materializes every language asset and every
    language x fraction asset for the given partitions, in dependency order. `run_config` holds
    `{"ops": {asset: {"config": ...}}}` for the assets that take config."""
    languages = list(languages or language_partitions.get_partition_keys())
    fractions = list(fractions or fraction_partitions.get_partition_keys())
    resources = resources if resources is not None else dict(definitions.defs.resources or {})
    sources = definitions.source_assets
    observe(sources, instance=instance, resources=resources)
    by_language = [a for a in definitions.assets if a.partitions_def == language_partitions]
    by_both = [a for a in definitions.assets if a.partitions_def == language_fraction_partitions]
    for lang in languages:
        log(f"materializing {_names(by_language)} [{lang}]")
        materialize(
            [*by_language, *sources],
            instance=instance,
            resources=resources,
            partition_key=lang,
            selection=AssetSelection.assets(*by_language),
        )
        for fraction in fractions:
            key = language_fraction_key(lang, fraction)
            log(f"materializing {_names(by_both)} [{key}]")
            selected = AssetSelection.assets(*by_both)
            names = {a.key.to_user_string() for a in by_both}
            config = {
                "ops": {k: v for k, v in (run_config or {}).get("ops", {}).items() if k in names}
            }
            materialize(
                [*by_both, *by_language, *sources],
                instance=instance,
                resources=resources,
                partition_key=key,
                selection=selected,
                run_config=config,
            )


def _names(assets: Sequence[Any]) -> str:
    return ", ".join(a.key.to_user_string() for a in assets)
