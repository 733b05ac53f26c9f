"""LM presets. `embedded` is a tiny Llama for the 2-core CPU demo, `gpu` a 34M-parameter one for
an H100, `pretrained` any local directory or hub id (gpt-sw3, FLOR...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deid_platform.core.preset import Preset, pick, setting


@dataclass(frozen=True)
class LmPreset(Preset):
    vocab_size: int = setting(2000, "Byte-level BPE vocabulary of a from-scratch LM.")
    hidden_size: int = setting(128, "Width of a from-scratch LM.")
    layers: int = setting(2, "Transformer layers of a from-scratch LM.")
    heads: int = setting(4, "Attention heads of a from-scratch LM.")
    intermediate_size: int = setting(344, "Feed-forward width of a from-scratch LM.")
    context: int = setting(256, "Tokens per training block; generation slides past it.")
    # Pre-training of the base model on text that holds no real data. It decides the quality of
    # the synthetic text: on the Spanish demo corpus at full data, 3 epochs gave a synthetic NER
    # token F1 of 0.26 against the real annotator's 0.98, 10 epochs 0.90.
    pretrain_epochs: float = setting(10.0, "Pre-training passes over the surrogate notes.")
    pretrain_learning_rate: float = setting(3e-3, "Peak learning rate of pre-training.")
    adapt_epochs: float = setting(3.0, "Adaptation passes over the real training subset.")
    adapt_learning_rate: float = setting(2e-3, "Peak learning rate of adaptation.")
    warmup_steps: int = setting(50, "Linear warm-up steps (at most one epoch).")
    weight_decay: float = setting(0.01, "AdamW weight decay.")
    lora_r: int = setting(8, "LoRA rank (the paper: 8).")
    lora_alpha: int = setting(32, "LoRA alpha (the paper: 32).")
    lora_dropout: float = setting(0.05, "LoRA dropout.")
    full_finetune: bool = setting(False, "Adapt every weight instead of LoRA adapters.")
    batch_size: int = setting(16, "Blocks per optimizer step.")
    generation_batch_size: int = setting(64, "Samples generated together.")
    model_name_or_path: str | None = setting(
        None, "A local directory or hub id: start from that LM instead of pre-training one."
    )


# The settings of domain adaptation (the adapted_llm asset); the others build and pre-train the
# base model (base_llm).
ADAPTATION = (
    "adapt_epochs",
    "adapt_learning_rate",
    "lora_r",
    "lora_alpha",
    "lora_dropout",
    "full_finetune",
)

PRESETS = {
    "embedded": LmPreset("embedded"),
    "gpu": LmPreset(
        "gpu",
        vocab_size=16000,
        hidden_size=512,
        layers=8,
        heads=8,
        intermediate_size=1376,
        context=512,
        pretrain_epochs=10,
        pretrain_learning_rate=1e-3,
        adapt_epochs=4,
        adapt_learning_rate=5e-4,
        batch_size=32,
        generation_batch_size=256,
    ),
    "pretrained": LmPreset(
        "pretrained",
        context=1024,
        adapt_epochs=2,
        adapt_learning_rate=2e-4,
        batch_size=8,
        generation_batch_size=32,
        model_name_or_path="projecte-aina/FLOR-1.3B",
    ),
}


def get_lm_preset(name: str, **overrides: Any) -> LmPreset:
    return pick(PRESETS, name, "LM", overrides)
