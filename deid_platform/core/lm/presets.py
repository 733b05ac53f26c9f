"""LM presets. `embedded` is a tiny Llama for the 2-core CPU demo, `gpu` a 34M-parameter one for
an H100, `pretrained` any local directory or hub id (gpt-sw3, FLOR...), `paper` the paper's
FLOR-6.3B with QLoRA."""

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
    warmup_steps: int = setting(50, "Linear warm-up steps (at most one epoch and half the run).")
    weight_decay: float = setting(0.01, "AdamW weight decay.")
    lora_r: int = setting(8, "LoRA rank (the paper: 8).")
    lora_alpha: int = setting(32, "LoRA alpha (the paper: 32).")
    lora_dropout: float = setting(0.05, "LoRA dropout.")
    full_finetune: bool = setting(False, "Adapt every weight instead of LoRA adapters.")
    batch_size: int = setting(16, "Blocks per optimizer step.")
    generation_batch_size: int | None = setting(
        64, "Samples generated together. Unset (None): as many as the free memory holds."
    )
    model_name_or_path: str | None = setting(
        None, "A local directory or hub id: start from that LM instead of pre-training one."
    )
    lora_targets: str = setting(
        "all-linear",
        "Modules LoRA adapts: all-linear (every linear layer but the output head), peft (peft's "
        "per-architecture defaults, e.g. q_proj,v_proj for Llama), or a comma-separated list.",
    )
    precision: str = setting(
        "auto",
        "auto or bf16: bf16 on a GPU (fp16 where it has no bf16), float32 on the CPU; fp16; fp32.",
    )
    qlora: bool = setting(
        False,
        "QLoRA: the frozen base in 4-bit NF4 (needs CUDA and bitsandbytes; otherwise LoRA on the "
        "unquantized base).",
    )
    gradient_checkpointing: bool = setting(
        False,
        "Recompute activations in the backward pass instead of keeping them: less memory, "
        "more time.",
    )


# The settings only domain adaptation (the adapted_llm asset) uses; the others build and pre-train
# the base model (base_llm).
ADAPTATION = (
    "adapt_epochs",
    "adapt_learning_rate",
    "lora_r",
    "lora_alpha",
    "lora_dropout",
    "full_finetune",
    "lora_targets",
    "qlora",
    "gradient_checkpointing",
)
# Settings of how any training runs, which adaptation may set apart from pre-training: changing
# them on adapted_llm retrains the adapted LMs and leaves base_llm as it is.
TRAINING = ("batch_size", "warmup_steps", "weight_decay", "precision", "context")

PRESETS = {
    # Full fine-tuning: at this size LoRA r=8 cannot move the base far enough towards the real
    # notes. On MEDDOCAN (benchmarks/generator_comparison.py) the synthetic NER model reached
    # 0.79x the real annotator's token F1 after LoRA adaptation, 0.91x after full adaptation.
    "embedded": LmPreset("embedded", full_finetune=True),
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
    # The paper's generator: FLOR-6.3B (Spanish) adapted with QLoRA r=8, alpha=32 on a GPU. The
    # sampling rule (4x volume, p=0.95, T=1.0, three-word prompts) is synthetic_text's config.
    "paper": LmPreset(
        "paper",
        context=2048,
        adapt_epochs=2,
        adapt_learning_rate=2e-4,
        batch_size=8,
        generation_batch_size=None,
        model_name_or_path="projecte-aina/FLOR-6.3B",
        qlora=True,
        gradient_checkpointing=True,
    ),
}


def get_lm_preset(name: str, **overrides: Any) -> LmPreset:
    return pick(PRESETS, name, "LM", overrides)
