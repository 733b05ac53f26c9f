"""The paper's ablation modes, in one registry. Everything that varies with a mode lives on it: the
asset keys and group of its synthetic corpus and NER model, whether automation requests them, the
partitions it reads of the synthetic text and of the annotator, its marker in the ablation plot;
and its row of the ablation report. The CLI, the recipes, the reports and the benchmarks derive
their lists from `MODES`: adding a mode is one entry here plus its science."""

from __future__ import annotations

from dataclasses import dataclass

from dagster import AssetDep, AssetKey, PartitionMapping

from deid_platform.core.ablation import AblationRow
from deid_platform.partitions import FULL_FRACTION, Partition, full_fraction
from deid_platform.plumbing.blocking import gate_verdict
from deid_platform.plumbing.store import ArtifactStore


@dataclass(frozen=True)
class Mode:
    """One ablation: the partitions its corpus reads of the synthetic text and of the annotator
    (None: the same fraction; a mapping: the all-data partition)."""

    name: str
    description: str
    text: PartitionMapping | None
    annotator: PartitionMapping | None
    # The main mode is kept fresh by automation; ablations run on demand (the run_ablations job).
    automated: bool
    marker: str

    @property
    def group(self) -> str:
        return "synthetic" if self.automated else "ablations"

    def key(self, name: str) -> AssetKey:
        """`synthetic_corpus` for the main mode, `llm_only/synthetic_corpus` for an ablation."""
        return AssetKey(name if self.automated else [self.name, name])

    def kinds(self, *kinds: str) -> set[str]:
        """An asset's kinds, with an ablation's name among them: the asset graph labels a node by
        the last part of its key only (`synthetic_corpus` for every mode) and shows the kinds on
        it."""
        return {*kinds} if self.automated else {*kinds, self.name}

    def dep(self, asset: str, side: str) -> AssetDep:
        mapping = self.text if side == "text" else self.annotator
        return AssetDep(asset, partition_mapping=mapping) if mapping else AssetDep(asset)

    def reads(self, partition: Partition, side: str) -> Partition:
        mapping = self.text if side == "text" else self.annotator
        return partition.with_fraction(full_fraction()) if mapping else partition

    def row(self, store: ArtifactStore, partition: Partition) -> AblationRow | str:
        """This mode's report row at one partition, or why there is none."""
        text = self.reads(partition, "text")
        if not store.path("synthetic_text", text, "leak_audit").exists():
            return f"synthetic_text[{text}] not materialized"
        blocked = gate_verdict(store, text)
        if blocked:
            return blocked
        model = self.key("synthetic_ner_model")
        for key in (AssetKey("annotator_model"), model):
            if not store.path(key, partition, "scores").exists():
                return f"{key.to_user_string()}[{partition}] not materialized"
        annotation = store.annotation(self.key("synthetic_corpus"), partition)
        return AblationRow(
            str(partition.fraction),
            self.name,
            store.scores("annotator_model", partition),
            store.scores(model, partition),
            annotation.volume,
            int(annotation.stats["documents"]),
            rank=MODES.index(self),
            marker=self.marker,
        )


# The main mode first; reports list the modes in this order.
MODES = (
    Mode(
        "total",
        "the LLM and the annotator both learned from the fraction",
        text=None,
        annotator=None,
        automated=True,
        marker="o",
    ),
    Mode(
        "annotator_only",
        "the annotator learned from the fraction, the LLM from all data",
        text=FULL_FRACTION,
        annotator=None,
        automated=False,
        marker="v",
    ),
    Mode(
        "llm_only",
        "the LLM learned from the fraction, the annotator from all data",
        text=None,
        annotator=FULL_FRACTION,
        automated=False,
        marker="^",
    ),
)
MAIN = MODES[0]


def synthetic_ner_models() -> list[AssetKey]:
    """The shareable NER model of every mode, the main one first."""
    return [mode.key("synthetic_ner_model") for mode in MODES]
