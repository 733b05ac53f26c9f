"""The two partition dimensions, defined once. Multi-partition keys order dimensions by name
(`0.25|es`), so keys are built with `MultiPartitionKey`, never by formatting strings."""

from __future__ import annotations

from dagster import MultiPartitionKey, MultiPartitionsDefinition, StaticPartitionsDefinition

from deid_platform import settings

language_partitions = StaticPartitionsDefinition(settings.languages())
fraction_partitions = StaticPartitionsDefinition(settings.fractions())
language_fraction_partitions = MultiPartitionsDefinition(
    {"language": language_partitions, "fraction": fraction_partitions}
)


def language_fraction_key(language: str, fraction: str) -> MultiPartitionKey:
    return MultiPartitionKey({"language": language, "fraction": fraction})


def full_fraction() -> str:
    """The largest configured fraction: "all data" for the paper's single-side ablations."""
    return max(fraction_partitions.get_partition_keys(), key=float)
