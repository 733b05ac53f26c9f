"""An LM and its byte-level tokenizer trained from scratch on a set of texts: the base LM of a
preset that adapts by LoRA or full fine-tuning, pre-trained on the project's surrogate notes
(which hold no real data); or, for a preset that adapts `from scratch`, the generator itself,
trained on the real training subset."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from transformers import PreTrainedModel, PreTrainedTokenizerFast, set_seed

from deid_platform.core.lm.model import build_lm, train_lm_tokenizer
from deid_platform.core.lm.presets import LmPreset
from deid_platform.core.lm.training import LmTrainStats, train_causal_lm
from deid_platform.core.surrogates import LANGUAGE_PACKS, generate_corpus


def train_from_scratch(
    texts: Sequence[str],
    preset: LmPreset,
    epochs: float,
    learning_rate: float,
    seed: int,
    report: Callable[[str], None] = lambda _: None,
    device: str | None = None,
) -> tuple[PreTrainedModel, PreTrainedTokenizerFast, LmTrainStats]:
    """A tokenizer trained on `texts`, a model of the preset's shape, next-token training."""
    tokenizer = train_lm_tokenizer(texts, preset.vocab_size, preset.context)
    set_seed(seed)  # the initial weights come from the seed, not from whatever ran before
    model = build_lm(preset, tokenizer)
    stats = train_causal_lm(
        model, tokenizer, texts, preset, epochs, learning_rate, seed, report, device
    )
    return model, tokenizer, stats


def surrogate_notes(language: str, documents: int, seed: int) -> list[str]:
    """The texts a base LM is pre-trained on: surrogate notes, no real data."""
    if language not in LANGUAGE_PACKS:
        raise ValueError(
            f"no surrogate notes for language {language!r} to pre-train on; use the pretrained "
            "preset with a model for it"
        )
    return [d.text for d in generate_corpus(language, seed, {"pretrain": documents})["pretrain"]]
