"""The artifact store that real data never leaves, and the one table of the files each asset keeps
there (`LAYOUT`): writers and readers address a file by its asset and role, never by its name.
Typed readers hand one asset's results to the next."""

from __future__ import annotations

from pathlib import Path

from dagster import AssetKey, ConfigurableResource
from pydantic import Field

from deid_platform.core.canaries import Canary, read_canaries
from deid_platform.core.documents import Document
from deid_platform.core.formats.jsonl import read_jsonl
from deid_platform.core.lm.presets import LmPreset
from deid_platform.core.records import (
    Annotation,
    LeakAudit,
    NerScores,
    PrivacyAudit,
    PrivacyGuarantee,
    SyntheticText,
)
from deid_platform.core.splits import SPLITS
from deid_platform.partitions import Partition

# Every asset's files by role, keyed by the last part of the asset key: an ablation's
# `llm_only/synthetic_corpus` keeps the files of `synthetic_corpus`.
NER_MODEL = {"model": "model", "scores": "metrics.json"}
LAYOUT: dict[str, dict[str, str]] = {
    "real_corpus": {**{split: f"{split}.jsonl" for split in SPLITS}, "split_ids": "splits.json"},
    "training_subset": {"documents": "train.jsonl", "document_ids": "document_ids.txt"},
    "annotator_model": NER_MODEL,
    "base_llm": {"model": "model", "preset": "preset.json"},
    "adapted_llm": {
        "model": "model",
        "preset": "preset.json",
        "privacy_guarantee": "privacy_guarantee.json",
        "canaries": "canaries.json",
    },
    "synthetic_text": {
        "text": "text.jsonl",
        "generation": "generation.json",
        "leak_audit": "leak_audit.json",
    },
    "synthetic_corpus": {
        "brat": "brat",
        "documents": "corpus.jsonl",
        "annotation": "annotation.json",
    },
    "synthetic_ner_model": NER_MODEL,
    "privacy_audit": {"audit": "audit.json"},
    "privacy_review": {"markdown": "review.md", "json": "review.json"},
    "ablation_report": {"markdown": "ablation.md", "plot": "ablation.png", "rows": "rows.json"},
}


def file_name(asset: str | AssetKey, role: str) -> str:
    """The name of an asset's file of `role` inside its partition folder."""
    name = AssetKey.from_coercible(asset).path[-1]
    try:
        return LAYOUT[name][role]
    except KeyError:
        raise KeyError(f"{name} keeps no file of role {role!r} (see store.LAYOUT)") from None


class Files:
    """The files of one asset partition under a folder (its store folder, or a staging folder
    that replaces it), addressed by role."""

    def __init__(self, asset: str | AssetKey, folder: Path):
        self.asset = AssetKey.from_coercible(asset)
        self.folder = folder

    def path(self, role: str) -> Path:
        return self.folder / file_name(self.asset, role)


class ArtifactStore(ConfigurableResource):
    """The artifact store that real data never leaves: corpora, subsets, models and synthetic text,
    as files. Each asset writes under `<root>/<asset key>/<language>[/<fraction>]`."""

    root: str = Field(description="Folder of the artifact store (DEID_STORAGE).")

    def dir(self, asset: str | AssetKey, partition: Partition) -> Path:
        key = AssetKey.from_coercible(asset)
        return Path(self.root).joinpath(*key.path, *partition)

    def files(self, asset: str | AssetKey, partition: Partition) -> Files:
        return Files(asset, self.dir(asset, partition))

    def path(self, asset: str | AssetKey, partition: Partition, role: str) -> Path:
        return self.files(asset, partition).path(role)

    # real_corpus and training_subset
    def read_split(self, language: str, split: str) -> list[Document]:
        return read_jsonl(self.path("real_corpus", Partition(language), split)).documents

    def read_splits(self, language: str) -> dict[str, list[Document]]:
        return {split: self.read_split(language, split) for split in SPLITS}

    def read_real(self, language: str) -> list[Document]:
        """Every real document of a language, all splits."""
        return [doc for docs in self.read_splits(language).values() for doc in docs]

    def read_subset(self, partition: Partition) -> list[Document]:
        return read_jsonl(self.path("training_subset", partition, "documents")).documents

    def subset_ids(self, partition: Partition) -> list[str]:
        ids = self.path("training_subset", partition, "document_ids")
        return ids.read_text().split() if ids.exists() else []

    # models
    def model_dir(self, asset: str | AssetKey, partition: Partition) -> Path:
        return self.path(asset, partition, "model")

    def scores(self, asset: str | AssetKey, partition: Partition) -> NerScores:
        return NerScores.read(self.path(asset, partition, "scores"))

    def lm_preset(self, asset: str, partition: Partition) -> LmPreset:
        """The LM preset a base or adapted LM was trained with (adaptation may override some)."""
        return LmPreset.read(self.path(asset, partition, "preset"))

    def privacy_guarantee(self, partition: Partition) -> PrivacyGuarantee | None:
        """The DP guarantee of an adapted LLM; None where it was adapted without DP."""
        path = self.path("adapted_llm", partition, "privacy_guarantee")
        return PrivacyGuarantee.read(path) if path.exists() else None

    def canaries(self, partition: Partition) -> list[Canary]:
        """The canaries planted in an adapted LLM's training text (none without `canaries`)."""
        return read_canaries(self.path("adapted_llm", partition, "canaries"))

    # synthetic_text and the synthetic corpora annotated from it
    def read_text(self, partition: Partition) -> list[Document]:
        return read_jsonl(self.path("synthetic_text", partition, "text")).documents

    def generation(self, partition: Partition) -> SyntheticText:
        return SyntheticText.read(self.path("synthetic_text", partition, "generation"))

    def leak_audit(self, partition: Partition) -> LeakAudit:
        return LeakAudit.read(self.path("synthetic_text", partition, "leak_audit"))

    def read_corpus(self, asset: str | AssetKey, partition: Partition) -> list[Document]:
        return read_jsonl(self.path(asset, partition, "documents")).documents

    def annotation(self, asset: str | AssetKey, partition: Partition) -> Annotation:
        return Annotation.read(self.path(asset, partition, "annotation"))

    # privacy
    def privacy_audit(self, partition: Partition) -> PrivacyAudit:
        return PrivacyAudit.read(self.path("privacy_audit", partition, "audit"))
