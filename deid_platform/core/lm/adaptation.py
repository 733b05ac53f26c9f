"""Domain adaptation of a causal LM on real text: LoRA (the paper's r=8, alpha=32), on a 4-bit
base (QLoRA) when the model was loaded so, or full fine-tuning, by configuration."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING
from transformers import PreTrainedModel, PreTrainedTokenizerBase, set_seed
from transformers.pytorch_utils import Conv1D

from deid_platform.core.errors import UserError
from deid_platform.core.lm.presets import LmPreset
from deid_platform.core.lm.training import LmTrainStats, train_causal_lm


def lora_config(model: PreTrainedModel, preset: LmPreset) -> LoraConfig:
    """The preset's LoRA, its targets named by configuration (see `LmPreset.lora_targets`):
    `all-linear` and `peft` leave the module names of each architecture to peft."""
    if preset.lora_targets == "all-linear":
        targets: str | list[str] | None = "all-linear"
    elif preset.lora_targets == "peft":
        if model.config.model_type not in TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING:
            raise UserError(
                f"peft has no LoRA targets for {model.config.model_type!r} models: set "
                "lora_targets to all-linear or to module names"
            )
        targets = None  # peft looks the architecture up itself
    else:
        targets = [name.strip() for name in preset.lora_targets.split(",") if name.strip()]
    return LoraConfig(
        r=preset.lora_r,
        lora_alpha=preset.lora_alpha,
        lora_dropout=preset.lora_dropout,
        target_modules=targets,
        # GPT-2-style models keep their projections transposed (Conv1D); peft would otherwise
        # find out and warn.
        fan_in_fan_out=any(isinstance(m, Conv1D) for m in model.modules()),
        task_type="CAUSAL_LM",
    )


def with_adapters(model: PreTrainedModel, preset: LmPreset, seed: int) -> PreTrainedModel:
    """The model as adaptation trains it: LoRA adapters on the frozen base (a PeftModel), or the
    model itself under full fine-tuning."""
    # The adapters' initial weights come from the seed, not from whatever ran before.
    set_seed(seed)
    if getattr(model, "is_loaded_in_4bit", False):
        # QLoRA: norms in float32 and gradients through the frozen 4-bit embeddings' outputs.
        model = prepare_model_for_kbit_training(
            model,
            use_gradient_checkpointing=preset.gradient_checkpointing,
            gradient_checkpointing_kwargs={"use_reentrant": False},
        )
    if not preset.full_finetune:
        model = get_peft_model(model, lora_config(model, preset))
    return model


def trainable_parameters(model: PreTrainedModel) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


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
    model = with_adapters(model, preset, seed)
    trainable = trainable_parameters(model)
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
