"""Model presets. `embedded` runs the demo on a 2-core CPU, `gpu` is a larger from-scratch encoder
for one H100, `pretrained` fine-tunes any local directory or hub id, `paper` the paper's annotator
settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deid_platform.core.errors import UserError
from deid_platform.core.ner.recognizers import parse_recognizers
from deid_platform.core.preset import Preset, pick, setting


@dataclass(frozen=True)
class NerPreset(Preset):
    # Architecture of a from-scratch encoder (ignored when model_name_or_path is set). Measured on
    # the demo corpus (benchmarks/RESULTS.md): a small vocabulary generalizes to unseen names and
    # numbers far better than a large one, and dropout only slows a model this small.
    vocab_size: int = setting(
        1000, "BPE vocabulary of a from-scratch encoder, trained on the text."
    )
    hidden_size: int = setting(128, "Width of a from-scratch encoder.")
    layers: int = setting(2, "Transformer layers of a from-scratch encoder.")
    heads: int = setting(4, "Attention heads of a from-scratch encoder.")
    intermediate_size: int = setting(512, "Feed-forward width of a from-scratch encoder.")
    max_length: int = setting(128, "Window of subword tokens, special tokens included.")
    stride: int = setting(32, "Overlap between consecutive windows of a long document.")
    # 20 epochs: token F1 0.940 and binary PHI recall 0.966 on MEDDOCAN's carved test split
    # (benchmarks/RESULTS.md); 10 gave about one point less.
    epochs: float = setting(20.0, "Passes over the training documents.")
    min_steps: int = setting(
        300, "At least this many optimizer steps, so that small fractions get enough updates."
    )
    batch_size: int = setting(8, "Windows per optimizer step.")
    learning_rate: float = setting(1e-3, "Peak learning rate (linear decay after warm-up).")
    warmup_steps: int = setting(50, "Linear warm-up steps (at most one epoch and half the run).")
    weight_decay: float = setting(0.01, "AdamW weight decay.")
    dropout: float = setting(0.0, "Dropout of the encoder.")
    word_shapes: bool = setting(
        False,
        "Add an embedding of each word's shape (character classes, length, line start) to its "
        "subwords (from-scratch encoders only).",
    )
    recognizers: str = setting(
        "",
        "Comma-separated fixed-shape PHI recognizers (email, phone, fax) whose spans merge with "
        "the model's; each runs only for a model that has its label.",
    )
    model_name_or_path: str | None = setting(
        None, "A local directory or hub id: fine-tune that encoder instead of building one."
    )
    precision: str = setting(
        "auto",
        "auto or bf16: bf16 mixed precision on a GPU (fp16 where it has no bf16), float32 on the "
        "CPU; fp16; fp32.",
    )

    def __post_init__(self) -> None:
        # A zero here trains nothing (or divides by zero) and yields a model that finds no PHI.
        for name in ("epochs", "batch_size", "learning_rate", "max_length"):
            if not getattr(self, name) > 0:
                raise UserError(f"{name} must be positive, got {getattr(self, name)}")
        parse_recognizers(self.recognizers)
        if self.min_steps < 0:
            raise UserError(f"min_steps must not be negative, got {self.min_steps}")


PRESETS = {
    # Word shapes and the three recognizers: on MEDDOCAN dev at 25 % of train, token F1 0.847 ->
    # 0.896, strict F1 0.719 -> 0.788 (benchmarks/RESULTS.md, issue #21).
    "embedded": NerPreset("embedded", word_shapes=True, recognizers="email,phone,fax"),
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
    # The paper's annotator: RoBERTa-BNE fine-tuned 6 epochs, batch 16, on chunks of about 128
    # words, which are about 256 of its subwords in clinical Spanish (an estimate, unmeasured).
    "paper": NerPreset(
        "paper",
        max_length=256,
        stride=64,
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
