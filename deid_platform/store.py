"""The artifact store, the one place that knows where each asset's files live: real corpora,
subsets, models and synthetic text, as files under one root that real data never leaves, and typed
readers for what one asset hands the next."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, ConfigurableResource, MultiPartitionKey
from pydantic import Field

from deid_platform.core.documents import Document
from deid_platform.core.formats.jsonl import read_jsonl
from deid_platform.core.lm.presets import LmPreset
from deid_platform.core.records import Annotation, LeakAudit, NerScores, PrivacyAudit, SyntheticText

SPLITS = ("train", "dev", "test")


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


class ArtifactStore(ConfigurableResource):
    """The artifact store that real data never leaves: corpora, subsets, models and synthetic text,
    as files. Each asset writes under `<root>/<asset key>/<language>[/<fraction>]`."""

    root: str = Field(description="Folder of the artifact store (DEID_STORAGE).")

    def dir(self, asset: str | AssetKey, partition: Partition) -> Path:
        key = AssetKey.from_coercible(asset)
        return Path(self.root).joinpath(*key.path, *partition)

    # real_corpus and training_subset
    def split_path(self, language: str, split: str) -> Path:
        return self.dir("real_corpus", Partition(language)) / f"{split}.jsonl"

    def read_split(self, language: str, split: str) -> list[Document]:
        return read_jsonl(self.split_path(language, split)).documents

    def read_splits(self, language: str) -> dict[str, list[Document]]:
        return {split: self.read_split(language, split) for split in SPLITS}

    def read_real(self, language: str) -> list[Document]:
        """Every real document of a language, all splits."""
        return [doc for docs in self.read_splits(language).values() for doc in docs]

    def subset_path(self, partition: Partition) -> Path:
        return self.dir("training_subset", partition) / "train.jsonl"

    def read_subset(self, partition: Partition) -> list[Document]:
        return read_jsonl(self.subset_path(partition)).documents

    def subset_ids(self, partition: Partition) -> list[str]:
        ids = self.dir("training_subset", partition) / "document_ids.txt"
        return ids.read_text().split() if ids.exists() else []

    # models
    def model_dir(self, asset: str | AssetKey, partition: Partition) -> Path:
        return self.dir(asset, partition) / "model"

    def scores_path(self, asset: str | AssetKey, partition: Partition) -> Path:
        return self.dir(asset, partition) / "metrics.json"

    def scores(self, asset: str | AssetKey, partition: Partition) -> NerScores:
        return NerScores.read(self.scores_path(asset, partition))

    def lm_preset_path(self, language: str) -> Path:
        return self.dir("base_llm", Partition(language)) / "preset.json"

    def lm_preset(self, language: str) -> LmPreset:
        return LmPreset.read(self.lm_preset_path(language))

    # synthetic_text and the synthetic corpora annotated from it
    def text_path(self, partition: Partition) -> Path:
        return self.dir("synthetic_text", partition) / "text.jsonl"

    def read_text(self, partition: Partition) -> list[Document]:
        return read_jsonl(self.text_path(partition)).documents

    def generation_path(self, partition: Partition) -> Path:
        return self.dir("synthetic_text", partition) / "generation.json"

    def generation(self, partition: Partition) -> SyntheticText:
        return SyntheticText.read(self.generation_path(partition))

    def leak_audit_path(self, partition: Partition) -> Path:
        return self.dir("synthetic_text", partition) / "leak_audit.json"

    def leak_audit(self, partition: Partition) -> LeakAudit:
        return LeakAudit.read(self.leak_audit_path(partition))

    def corpus_path(self, asset: str | AssetKey, partition: Partition) -> Path:
        return self.dir(asset, partition) / "corpus.jsonl"

    def read_corpus(self, asset: str | AssetKey, partition: Partition) -> list[Document]:
        return read_jsonl(self.corpus_path(asset, partition)).documents

    def annotation_path(self, asset: str | AssetKey, partition: Partition) -> Path:
        return self.dir(asset, partition) / "annotation.json"

    def annotation(self, asset: str | AssetKey, partition: Partition) -> Annotation:
        return Annotation.read(self.annotation_path(asset, partition))

    # privacy
    def privacy_audit_path(self, partition: Partition) -> Path:
        return self.dir("privacy_audit", partition) / "audit.json"

    def privacy_audit(self, partition: Partition) -> PrivacyAudit:
        return PrivacyAudit.read(self.privacy_audit_path(partition))
