"""Model presets. `embedded` runs the demo on a 2-core CPU, `gpu` is a larger from-scratch encoder
for one H100, `pretrained` fine-tunes any local directory or hub id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deid_platform.core.errors import UserError
from deid_platform.core.preset import Preset, pick


@dataclass(frozen=True)
class NerPreset(Preset):
    name: str
    # Architecture of a from-scratch encoder (ignored when model_name_or_path is set). Measured on
    # the demo corpus (benchmarks/RESULTS.md): a small vocabulary generalizes to unseen names and
    # numbers far better than a large one, and dropout only slows a model this small.
    vocab_size: int = 1000
    hidden_size: int = 128
    layers: int = 2
    heads: int = 4
    intermediate_size: int = 512
    # A window of subword tokens (special tokens included) and the overlap between windows.
    max_length: int = 128
    stride: int = 32
    epochs: float = 10.0
    # Small fractions get more epochs so that every model sees at least this many updates.
    min_steps: int = 300
    batch_size: int = 8
    learning_rate: float = 1e-3
    warmup_steps: int = 50
    weight_decay: float = 0.01
    dropout: float = 0.0
    model_name_or_path: str | None = None

    def __post_init__(self) -> None:
        # A zero here trains nothing (or divides by zero) and yields a model that finds no PHI.
        for name in ("epochs", "batch_size", "learning_rate", "max_length"):
            if not getattr(self, name) > 0:
                raise UserError(f"{name} must be positive, got {getattr(self, name)}")
        if self.min_steps < 0:
            raise UserError(f"min_steps must not be negative, got {self.min_steps}")


PRESETS = {
    "embedded": NerPreset("embedded"),
    "gpu": NerPreset(
        "gpu",
        vocab_size=4000,
        hidden_size=384,
        layers=4,
        heads=6,
        intermediate_size=1536,
        max_length=256,
        stride=64,
        epochs=40,
        min_steps=1000,
        batch_size=32,
        learning_rate=1e-3,
        warmup_steps=200,
    ),
    # The paper's annotators: a pretrained encoder, 6 epochs, batch 16.
    "pretrained": NerPreset(
        "pretrained",
        max_length=512,
        stride=128,
        epochs=6,
        min_steps=0,
        batch_size=16,
        learning_rate=5e-5,
        warmup_steps=100,
        dropout=0.1,
        model_name_or_path="PlanTL-GOB-ES/roberta-base-bne",
    ),
}


def get_preset(name: str, **overrides: Any) -> NerPreset:
    return pick(PRESETS, name, "NER", overrides)
