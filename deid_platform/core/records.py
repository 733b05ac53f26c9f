"""The JSON records that assets hand each other through the artifact store, typed, so that a reader
gets fields rather than dictionary keys and a writer cannot drop one. Numbers, ids, hashes and label
names only: these records are also what metadata and MLflow are built from."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Self


class JsonRecord:
    """A dataclass that reads and writes itself as one JSON file."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def read(cls, path: str | Path) -> Self:
        return cls.from_dict(json.loads(Path(path).read_text()))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True, default=float))


@dataclass(frozen=True)
class NerScores(JsonRecord):
    """An NER model's scores on the real test split (`core.metrics.evaluate`)."""

    token_precision: float
    token_recall: float
    token_f1: float
    binary_recall: float
    strict_f1: float
    relaxed_precision: float
    relaxed_recall: float
    relaxed_f1: float
    leak_score: float
    per_label: dict[str, dict[str, float]]

    HEADLINE = ("token_f1", "strict_f1", "relaxed_f1", "binary_recall", "leak_score")

    def headline(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in self.HEADLINE}


@dataclass(frozen=True)
class LeakThresholds(JsonRecord):
    """The leak gate's limits (see `core.privacy.leak_gate`)."""

    max_excess_phi_replay: float
    max_verbatim_run: int
    max_documents_over_run: int
    # Audits written before the data-only attack existed read with the default bound.
    max_synthetic_mia_auc: float = 0.6


@dataclass(frozen=True)
class LeakAudit(LeakThresholds):
    """What a synthetic text gives away of the LLM's training documents, and the thresholds it
    was generated under; `core.privacy.leak_gate` turns the two into a verdict."""

    figures: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Sampling(JsonRecord):
    """How synthetic notes are sampled: volume (a multiple of the real text `volume_of` names:
    the whole training corpus or the fraction's subset), nucleus p, temperature, prompt length in
    words, seed."""

    volume: float
    volume_of: str
    top_p: float
    temperature: float
    prompt_words: int
    seed: int


@dataclass(frozen=True)
class SyntheticText(Sampling):
    """How a synthetic text was generated and what came out, before annotation."""

    stats: dict[str, float | int]


@dataclass(frozen=True)
class Annotation(JsonRecord):
    """How a synthetic corpus was annotated: the ablation mode, which partitions of the synthetic
    text and of the annotator it read, and what the annotation found."""

    mode: str
    text_fraction: str
    annotator_fraction: str
    volume: float
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PrivacyAudit(JsonRecord):
    """The privacy audit of a synthetic text, the LLM that wrote it and the NER model trained on
    it: whether the leak gate `passed`, whether the corpus and model are `shareable`, and every
    reason against sharing."""

    passed: bool
    reasons: list[str]
    figures: dict[str, float]
    shareable: bool = False


@dataclass(frozen=True)
class PrivacyGuarantee(JsonRecord):
    """The (epsilon, delta) differential privacy of an adapted LLM towards one privacy unit (a
    note: all its windows gave one clipped gradient), as the accountant computed it for the steps
    actually taken."""

    epsilon: float
    delta: float
    noise_multiplier: float
    sample_rate: float
    steps: int
    accountant: str
    max_grad_norm: float
    units: int
    """How many privacy units (notes) the LLM was trained on."""
    unit: str = "note"

    def metadata(self) -> dict[str, Any]:
        return {f"dp_{name}": value for name, value in self.to_dict().items()}

    def statement(self) -> str:
        """The guarantee in one sentence, as the privacy review states it."""
        return (
            f"({self.epsilon:.3g}, {self.delta:.3g})-differential privacy per {self.unit} "
            f"({self.units} {self.unit}s; DP-SGD, noise multiplier {self.noise_multiplier:.3g}, "
            f"sampling rate {self.sample_rate:.3g}, {self.steps} steps, clipping norm "
            f"{self.max_grad_norm:g}, {self.accountant} accountant)"
        )
