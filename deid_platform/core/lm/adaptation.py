"""Domain adaptation of a causal LM on real text: LoRA (the paper's r=8, alpha=32) or full
fine-tuning, by configuration."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from peft import LoraConfig, PeftModel, get_peft_model
from transformers import PreTrainedModel, PreTrainedTokenizerBase, set_seed

from deid_platform.core.lm.presets import LmPreset
from deid_platform.core.lm.training import LmTrainStats, train_causal_lm

# Attention and MLP projections of Llama-style models, and the fused ones of GPT-2-style models.
_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "c_attn"]


def lora_targets(model: PreTrainedModel) -> list[str]:
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    return [t for t in _TARGETS if t in names]


def adapt(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    preset: LmPreset,
    seed: int,
    report: Callable[[str], None] = lambda _: None,
    device: str | None = None,
) -> tuple[PreTrainedModel, LmTrainStats, int]:
    """Returns the adapted model (a PeftModel under LoRA), the training stats and the number of
    trainable parameters."""
    # The adapters' initial weights come from the seed, not from whatever ran before.
    set_seed(seed)
    if not preset.full_finetune:
        model = get_peft_model(
            model,
            LoraConfig(
                r=preset.lora_r,
                lora_alpha=preset.lora_alpha,
                lora_dropout=preset.lora_dropout,
                target_modules=lora_targets(model),
                task_type="CAUSAL_LM",
            ),
        )
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    stats = train_causal_lm(
        model,
        tokenizer,
        texts,
        preset,
        preset.adapt_epochs,
        preset.adapt_learning_rate,
        seed,
        report,
        device,
    )
    return model, stats, trainable


def for_generation(model: PreTrainedModel) -> PreTrainedModel:
    """LoRA weights merged into the base weights: generation then runs at the base model's speed."""
    return model.merge_and_unload() if isinstance(model, PeftModel) else model
