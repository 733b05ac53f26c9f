"""Tokenizer and Llama-style causal LM, built from a config or loaded from a directory."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerFast,
)

from deid_platform.core.lm.presets import LmPreset

PAD, BOS, EOS = "<pad>", "<s>", "</s>"


def train_lm_tokenizer(
    texts: Iterable[str], vocab_size: int, context: int
) -> PreTrainedTokenizerFast:
    """Byte-level BPE: every string is representable, and this trainer is deterministic."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[PAD, BOS, EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        model_max_length=context,
        padding_side="left",
    )


def build_lm(preset: LmPreset, tokenizer: PreTrainedTokenizerFast) -> PreTrainedModel:
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=preset.hidden_size,
        intermediate_size=preset.intermediate_size,
        num_hidden_layers=preset.layers,
        num_attention_heads=preset.heads,
        num_key_value_heads=preset.heads,
        max_position_embeddings=preset.context,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(config)


def load_lm(directory: str | Path) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    tokenizer = AutoTokenizer.from_pretrained(directory)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(directory)
    return model, tokenizer


def save_lm(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, directory: Path) -> None:
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)


def load_adapted_lm(
    base: str | Path, adapted: str | Path
) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """An adapted model directory holds either a LoRA adapter (adapter_config.json), applied to the
    base model and merged for generation, or a fully fine-tuned model."""
    from peft import PeftModel

    adapted = Path(adapted)
    if (adapted / "adapter_config.json").exists():
        model, tokenizer = load_lm(base)
        return PeftModel.from_pretrained(model, adapted).merge_and_unload().eval(), tokenizer
    model, tokenizer = load_lm(adapted)
    return model.eval(), tokenizer
