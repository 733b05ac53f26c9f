"""The paper's ablations, each changing one thing: which fraction of the data the LLM that wrote
the synthetic text learned from, and which the annotator did; and their rows in the report."""

from __future__ import annotations

from dataclasses import dataclass

from dagster import AssetDep, AssetKey, PartitionMapping

from deid_platform.core.ablation import AblationRow
from deid_platform.core.privacy import leak_gate
from deid_platform.partitions import FULL_FRACTION, full_fraction
from deid_platform.store import ArtifactStore, Partition


@dataclass(frozen=True)
class Mode:
    """One ablation: the partitions its corpus reads of the synthetic text and of the annotator
    (None: the same fraction; a mapping: the all-data partition)."""

    name: str
    text: PartitionMapping | None
    annotator: PartitionMapping | None
    description: str

    def key(self, name: str) -> AssetKey:
        """`synthetic_corpus` for mode total, `llm_only/synthetic_corpus` for an ablation."""
        return AssetKey(name if self.name == "total" else [self.name, name])

    def dep(self, asset: str, side: str) -> AssetDep:
        mapping = self.text if side == "text" else self.annotator
        return AssetDep(asset, partition_mapping=mapping) if mapping else AssetDep(asset)

    def reads(self, partition: Partition, side: str) -> Partition:
        mapping = self.text if side == "text" else self.annotator
        return partition.with_fraction(full_fraction()) if mapping else partition

    def row(self, store: ArtifactStore, partition: Partition) -> AblationRow | str:
        """This mode's report row at one partition, or why there is none."""
        text = self.reads(partition, "text")
        if not store.leak_audit_path(text).exists():
            return f"synthetic_text[{text}] not materialized"
        passed, reasons = leak_gate(store.leak_audit(text))
        if not passed:
            return f"leak gate blocked synthetic_text[{text}]: {'; '.join(reasons)}"
        model = self.key("synthetic_ner_model")
        for key in (AssetKey("annotator_model"), model):
            if not store.scores_path(key, partition).exists():
                return f"{key.to_user_string()}[{partition}] not materialized"
        annotation = store.annotation(self.key("synthetic_corpus"), partition)
        return AblationRow(
            str(partition.fraction),
            self.name,
            store.scores("annotator_model", partition),
            store.scores(model, partition),
            annotation.volume,
            int(annotation.stats["documents"]),
        )


MODES = (
    Mode("total", None, None, "the LLM and the annotator both learned from the fraction"),
    Mode(
        "llm_only",
        None,
        FULL_FRACTION,
        "the LLM learned from the fraction, the annotator from all data",
    ),
    Mode(
        "annotator_only",
        FULL_FRACTION,
        None,
        "the annotator learned from the fraction, the LLM from all data",
    ),
)
