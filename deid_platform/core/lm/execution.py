"""How a causal LM runs on this machine: the precision of adaptation, a 4-bit base (QLoRA) where
CUDA and bitsandbytes are present, gradient checkpointing, and how many samples generation can
batch in the free memory. What the preset asks is resolved against the hardware; what had to
fall back is said in one line and reported in metadata."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

from deid_platform.core.errors import UserError
from deid_platform.core.lm.model import load_lm
from deid_platform.core.lm.presets import LmPreset
from deid_platform.core.precision import Precision, free_memory, on_cuda, resolve_precision


@dataclass(frozen=True)
class LmExecution:
    device: str
    precision: Precision
    quantized: bool
    """The frozen base in 4-bit NF4 (QLoRA)."""
    gradient_checkpointing: bool
    fallback: str | None
    """What the preset asked for and this machine could not give, in one line."""

    def metadata(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "precision": self.precision.name,
            "base_weights": "nf4" if self.quantized else self.precision.name,
            "gradient_checkpointing": self.gradient_checkpointing,
            "fallback": self.fallback or "none",
        }


def qlora_missing(device: str) -> str | None:
    """What QLoRA lacks here (bitsandbytes' 4-bit kernels are CUDA kernels), or None."""
    if not on_cuda(device):
        return "no CUDA"
    if importlib.util.find_spec("bitsandbytes") is None:
        return "bitsandbytes is not installed"
    return None


def plan_adaptation(preset: LmPreset, device: str) -> LmExecution:
    precision = resolve_precision(preset.precision, device)
    notes = [precision.note] if precision.note else []
    quantized = False
    if preset.qlora:
        if preset.full_finetune:
            raise UserError("qlora trains LoRA adapters on a frozen base: unset full_finetune")
        missing = qlora_missing(device)
        if missing:
            notes.append(f"qlora: {missing}, LoRA on the {precision.name} base instead")
        else:
            quantized = True
    return LmExecution(
        device, precision, quantized, preset.gradient_checkpointing, "; ".join(notes) or None
    )


def load_for_adaptation(
    directory: str | Path,
    preset: LmPreset,
    device: str,
    report: Callable[[str], None] = lambda _: None,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase, LmExecution]:
    """The base model as adaptation needs it on `device`: in 4-bit under QLoRA, in the compute
    precision as a frozen base under LoRA, in float32 for full fine-tuning (mixed precision keeps
    float32 master weights: half-precision weights would lose the optimizer's small updates)."""
    execution = plan_adaptation(preset, device)
    if execution.fallback:
        report(f"fallback: {execution.fallback}")
    if execution.quantized:
        from transformers import BitsAndBytesConfig

        quantization = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=execution.precision.dtype,
            bnb_4bit_use_double_quant=True,
        )
        # bitsandbytes quantizes while loading onto the GPU: the model is placed, not moved.
        device_map = {"": torch.device(device).index or 0}
        model, tokenizer = load_lm(directory, quantization=quantization, device_map=device_map)
        return model, tokenizer, execution
    dtype = torch.float32 if preset.full_finetune else execution.precision.dtype
    model, tokenizer = load_lm(directory, dtype=dtype)
    return model.to(device), tokenizer, execution


def sample_bytes(config: PretrainedConfig, element_bytes: int, context: int) -> int:
    """Memory one sample holds while it is generated: its key-value cache over the whole context,
    the feed-forward activations of a prompt of that length, and float32 scores over the
    vocabulary with the copies that sampling makes of them (softmax, sorted values, indices)."""
    layers = config.num_hidden_layers
    heads = config.num_attention_heads
    hidden = config.hidden_size
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    head_dim = getattr(config, "head_dim", None) or hidden // heads
    inner = getattr(config, "intermediate_size", None) or 4 * hidden
    cache = 2 * layers * kv_heads * head_dim * context * element_bytes
    activations = context * (hidden + inner) * element_bytes
    scores = 4 * config.vocab_size * (4 + 8)
    return cache + activations + scores


# The presets' own batch sizes: 64 was measured best on the 2-core CPU, and beyond 256 a GPU
# gains little but holds more padding for the shortest samples of a batch.
MAX_BATCH = {"cpu": 64, "cuda": 256}


def generation_batch_size(
    config: PretrainedConfig,
    element_bytes: int,
    context: int,
    free_bytes: int,
    device_type: str = "cuda",
) -> int:
    """As many samples as half the free memory holds (the other half is headroom for the
    allocator and whatever else runs), at least one."""
    fit = (free_bytes // 2) // sample_bytes(config, element_bytes, context)
    return int(max(1, min(MAX_BATCH.get(device_type, MAX_BATCH["cuda"]), fit)))


def auto_generation_batch_size(model: PreTrainedModel, context: int) -> int:
    """`generation_batch_size` for `model` (already loaded) on its device."""
    parameter = next(model.parameters())
    return generation_batch_size(
        model.config,
        parameter.element_size(),
        context,
        free_memory(parameter.device),
        parameter.device.type,
    )
