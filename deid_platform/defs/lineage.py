"""Reads the lineage Dagster itself records, so that MLflow tags and review reports never keep a
parallel bookkeeping that could drift from it."""

from __future__ import annotations

from dagster import AssetExecutionContext, AssetKey, AssetRecordsFilter


def input_data_versions(context: AssetExecutionContext) -> dict[str, str]:
    """The data version of each upstream asset as this step sees it: the values Dagster writes into
    the `dagster/input_data_version/<key>` tags, which it exposes publicly only after the step, so
    this reads the step's own cache.

    One correction: for a partitioned observable source, Dagster 1.13 hashes the latest
    *materializations* of the input partitions (a TODO in its data_version_cache), finds none and
    records the hash of nothing. So where an upstream partition of the same key was observed, its
    observation is used. (Inside a job, upstream assets outside the selection are stubs that do not
    say whether they are observable, hence the lookup rather than a type check.)"""
    step = context.op_execution_context._step_execution_context
    versions = {}
    for key in context.assets_def.asset_deps[context.asset_key]:
        version = None
        if context.has_partition_key:
            version = observed_version(context, key, str(context.partition_key))
        if version is None:
            info = step.maybe_fetch_and_get_input_asset_version_info(key)
            version = info.data_version.value if info and info.data_version else None
        if version is not None:
            versions[key.to_user_string()] = version
    return versions


def observed_version(context: AssetExecutionContext, key: AssetKey, partition: str) -> str | None:
    records = context.instance.fetch_observations(
        AssetRecordsFilter(asset_key=key, asset_partitions=[partition]), limit=1
    ).records
    if not records or records[0].asset_observation is None:
        return None
    return records[0].asset_observation.tags.get("dagster/data_version")
