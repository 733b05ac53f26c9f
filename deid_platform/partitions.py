"""The two partition dimensions and the mappings between them, defined once. Multi-partition keys
order dimensions by name (`0.25|es`), so keys are built with `MultiPartitionKey` (see
`store.Partition`), never by formatting strings."""

from __future__ import annotations

from dagster import (
    DimensionPartitionMapping,
    IdentityPartitionMapping,
    MultiPartitionMapping,
    MultiPartitionsDefinition,
    MultiToSingleDimensionPartitionMapping,
    StaticPartitionMapping,
    StaticPartitionsDefinition,
)

from deid_platform import settings

language_partitions = StaticPartitionsDefinition(settings.languages())
fraction_partitions = StaticPartitionsDefinition(settings.fractions())
language_fraction_partitions = MultiPartitionsDefinition(
    {"language": language_partitions, "fraction": fraction_partitions}
)


def full_fraction() -> str:
    """The largest configured fraction: "all data" for the paper's single-side ablations."""
    return max(fraction_partitions.get_partition_keys(), key=float)


# A language x fraction partition reads the same language's all-data partition of a parent: the
# paper's ablations give one side (LLM or annotator) all the data.
FULL_FRACTION = MultiPartitionMapping(
    {
        "language": DimensionPartitionMapping("language", IdentityPartitionMapping()),
        "fraction": DimensionPartitionMapping(
            "fraction",
            StaticPartitionMapping({full_fraction(): fraction_partitions.get_partition_keys()}),
        ),
    }
)

# A language partition reads every fraction of that language.
EVERY_FRACTION = MultiToSingleDimensionPartitionMapping(partition_dimension_name="language")
