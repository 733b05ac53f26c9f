"""The two partition dimensions, the `Partition` every asset addresses its data by, and the
mappings between them, defined once. Multi-partition keys order dimensions by name (`0.25|es`), so
keys are built with `MultiPartitionKey` (see `Partition.key`), never by formatting strings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dagster import (
    AssetExecutionContext,
    DimensionPartitionMapping,
    IdentityPartitionMapping,
    MultiPartitionKey,
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


@dataclass(frozen=True)
class Partition:
    """A partition of the platform: a language, and for most assets a fraction of the real data."""

    language: str
    fraction: str | None = None

    @classmethod
    def of(cls, context: AssetExecutionContext) -> Partition:
        return cls.from_key(context.partition_key)

    @classmethod
    def from_key(cls, key: str | MultiPartitionKey) -> Partition:
        if isinstance(key, MultiPartitionKey):
            dims = key.keys_by_dimension
            return cls(dims["language"], dims["fraction"])
        return cls(key)

    @property
    def key(self) -> str | MultiPartitionKey:
        """The Dagster partition key (dimensions are ordered by name: `0.25|es`)."""
        if self.fraction is None:
            return self.language
        return MultiPartitionKey({"language": self.language, "fraction": self.fraction})

    def with_fraction(self, fraction: str) -> Partition:
        return Partition(self.language, fraction)

    def __iter__(self) -> Iterator[str]:
        yield self.language
        if self.fraction is not None:
            yield self.fraction

    def __str__(self) -> str:
        return str(self.key)
