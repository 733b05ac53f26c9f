"""What an asset partition was built from, read from what Dagster itself records, through its
public API: MLflow tags and the privacy review never keep a bookkeeping of their own that could
drift from Dagster's."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from dagster import AssetExecutionContext, AssetKey, DagsterInstance

DATA_VERSION_TAG = "dagster/data_version"
# Dagster records each input's data version (`dagster/input_data_version/<asset>`), but the event
# pointer it records beside it names the parent asset's latest event in any partition, so each
# materialization also records, as metadata, the partition it read of each parent (a tag value
# may not hold the `|` of a multi-partition key).
INPUT_PARTITIONS = "input_partitions"


@dataclass(frozen=True)
class Parent:
    """A dependency as one materialization reads it: the partition (through the dependency's
    partition mapping) and that partition's data version when the step ran. A report that reads
    several partitions names them all, with one hash over their versions."""

    asset: str
    partition: str | None
    data_version: str | None


def parents(context: AssetExecutionContext) -> dict[str, Parent]:
    """Every dependency of the asset being materialized, by asset key."""
    out = {}
    for name, key in context.assets_def.keys_by_input_name.items():
        partitions: list[str | None] = [None]
        if context.has_partition_key and context.asset_partitions_def_for_input(name):
            partitions = [str(p) for p in context.asset_partition_keys_for_input(name)]
        versions = [latest_data_version(context.instance, key, p) for p in partitions]
        if len(partitions) == 1:
            parent = Parent(key.to_user_string(), partitions[0], versions[0])
        else:
            # A report reads the partitions that exist; the others (an ablation never run, a
            # fraction blocked) it leaves out, and so does its lineage.
            read = [(p, v) for p, v in zip(partitions, versions, strict=True) if v is not None]
            lines = "\n".join(f"{p}={v}" for p, v in read)
            combined = hashlib.sha256(lines.encode()).hexdigest() if read else None
            parent = Parent(key.to_user_string(), ",".join(p for p, _ in read) or None, combined)
        out[key.to_user_string()] = parent
    return out


def latest_data_version(
    instance: DagsterInstance, key: AssetKey, partition: str | None
) -> str | None:
    """The data version of the latest materialization, or for an observable source the latest
    observation, of one partition."""
    record = instance.get_latest_data_version_record(key, partition_key=partition)
    if record is None:
        return None
    event = record.asset_materialization or record.asset_observation
    return (event.tags or {}).get(DATA_VERSION_TAG) if event else None


def input_partitions(parents: dict[str, Parent]) -> dict[str, str]:
    """The partition read of each partitioned parent, by asset key."""
    return {p.asset: p.partition for p in parents.values() if p.partition is not None}
