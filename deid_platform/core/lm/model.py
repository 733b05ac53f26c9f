"""Tokenizer and Llama-style causal LM built from a config, or any causal LM loaded from a
directory or hub id."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
)

from deid_platform.core.lm.presets import LmPreset
from deid_platform.core.precision import resolve_precision

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


def load_lm(
    directory: str | Path,
    dtype: torch.dtype | None = None,
    quantization: Any = None,
    device_map: dict[str, int] | None = None,
) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """Any causal LM transformers knows, in `dtype` (None: as stored), or quantized by
    `quantization` (a transformers quantization config) straight onto `device_map`."""
    tokenizer = load_tokenizer(directory)
    model = AutoModelForCausalLM.from_pretrained(
        directory,
        dtype=dtype or "auto",
        quantization_config=quantization,
        device_map=device_map,
    )
    return model, tokenizer


def load_tokenizer(directory: str | Path) -> PreTrainedTokenizerFast:
    """A causal LM's tokenizer, set up for generation: left padding, and a pad token."""
    tokenizer = AutoTokenizer.from_pretrained(directory)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        # Many causal LMs (GPT-2, Llama, Mistral) have no pad token. Pads are masked out of
        # attention and labels are built without them (see training.lm_blocks), so EOS serves.
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def document_start(tokenizer: PreTrainedTokenizerBase) -> int:
    """The token a document starts after: BOS, or EOS for tokenizers without one (Qwen2), whose
    EOS then separates the documents of a training stream as BOS would."""
    return tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id


def save_lm(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, directory: Path) -> None:
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)


def load_adapted_lm(
    base: str | Path, adapted: str | Path, dtype: torch.dtype | None = None
) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """An adapted model directory holds either a LoRA adapter (adapter_config.json), applied to the
    base model and merged for generation, or a fully fine-tuned model. In `dtype`, by default the
    inference precision: bf16 (or fp16) where CUDA is, float32 on the CPU. A QLoRA adapter is
    merged into the unquantized base: merging into 4-bit weights would round the adapter away."""
    from peft import PeftModel

    dtype = dtype or resolve_precision("auto", None).dtype
    adapted = Path(adapted)
    if (adapted / "adapter_config.json").exists():
        model, tokenizer = load_lm(base, dtype)
        return PeftModel.from_pretrained(model, adapted).merge_and_unload().eval(), tokenizer
    model, tokenizer = load_lm(adapted, dtype)
    return model.eval(), tokenizer
