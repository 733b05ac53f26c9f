"""The base LM of the embedded and gpu presets: a Llama and its byte-level tokenizer pre-trained on
the project's surrogate notes, which hold no real data, so that adapting it to real text means
what adaptation means in the paper."""

from __future__ import annotations

from collections.abc import Callable

from transformers import PreTrainedModel, PreTrainedTokenizerFast, set_seed

from deid_platform.core.lm.model import build_lm, train_lm_tokenizer
from deid_platform.core.lm.presets import LmPreset
from deid_platform.core.lm.training import LmTrainStats, train_causal_lm
from deid_platform.core.surrogates import LANGUAGE_PACKS, generate_corpus


def pretrain_on_surrogates(
    language: str,
    preset: LmPreset,
    documents: int,
    notes_seed: int,
    seed: int,
    report: Callable[[str], None] = lambda _: None,
    device: str | None = None,
) -> tuple[PreTrainedModel, PreTrainedTokenizerFast, LmTrainStats]:
    """`documents` surrogate notes generated under `notes_seed`; tokenizer, model, pre-training."""
    if language not in LANGUAGE_PACKS:
        raise ValueError(
            f"no surrogate notes for language {language!r} to pre-train on; use the pretrained "
            "preset with a model for it"
        )
    notes = generate_corpus(language, notes_seed, {"pretrain": documents})["pretrain"]
    texts = [d.text for d in notes]
    tokenizer = train_lm_tokenizer(texts, preset.vocab_size, preset.context)
    set_seed(seed)  # the initial weights come from the seed, not from whatever ran before
    model = build_lm(preset, tokenizer)
    report(f"pre-training on {len(texts)} surrogate notes")
    stats = train_causal_lm(
        model,
        tokenizer,
        texts,
        preset,
        preset.pretrain_epochs,
        preset.pretrain_learning_rate,
        seed,
        report,
        device,
    )
    return model, tokenizer, stats
