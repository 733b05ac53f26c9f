"""Differentially private adaptation: one clipped gradient per note, Opacus's accounting of notes,
LoRA adapters that really train, and what DP refuses."""

import dataclasses
import math

import pytest
import torch
from opacus.grad_sample import GradSampleHooks

from deid_platform.core.errors import UserError
from deid_platform.core.lm.model import build_lm, train_lm_tokenizer
from deid_platform.core.lm.private import DpSettings, adapt_private, note_gradients
from deid_platform.core.lm.training import document_windows
from deid_platform.core.surrogates import generate_corpus
from deid_platform_tests.test_lm_core import LORA, PRESET


@pytest.fixture(scope="module")
def texts():
    return [d.text for d in generate_corpus("sv", seed=9, sizes={"train": 30})["train"]]


@pytest.fixture(scope="module")
def tokenizer(texts):
    return train_lm_tokenizer(texts, PRESET.vocab_size, PRESET.context)


def fresh_model(tokenizer):
    torch.manual_seed(0)
    return build_lm(PRESET, tokenizer)


def test_each_note_gives_one_gradient_whatever_its_windows(tokenizer, texts):
    """The per-note gradients Opacus clips are each exactly the gradient of that note's loss
    alone, though a note is several windows and groups of windows split the batch."""
    model = fresh_model(tokenizer)
    notes = document_windows(tokenizer, texts[:3], 16)
    assert all(len(windows) > 1 for windows in notes)
    params = [p for p in model.parameters() if p.requires_grad]
    hooks = GradSampleHooks(model, loss_reduction="mean")
    model.train()
    note_gradients(model, params, notes, tokenizer.pad_token_id, max_rows=4)
    per_note = [p.grad_sample.clone() for p in params]
    hooks.cleanup()
    assert all(g.shape[0] == len(notes) for g in per_note)
    for index, windows in enumerate(notes):
        model.zero_grad()
        ids = [torch.tensor([w]) for w in windows]
        total = sum(model(input_ids=w, labels=w).loss * (w.shape[1] - 1) for w in ids)
        (total / sum(w.shape[1] - 1 for w in ids)).backward()
        for p, g in zip(params, per_note, strict=True):
            assert torch.allclose(g[index], p.grad, atol=1e-5)


def test_the_guarantee_counts_notes_and_reaches_the_target(tokenizer, texts):
    dp = DpSettings(epsilon=8.0, batch_notes=8)
    model, stats, trainable, guarantee = adapt_private(
        fresh_model(tokenizer), tokenizer, texts, PRESET, dp, seed=0
    )
    windows = sum(len(w) for w in document_windows(tokenizer, texts, PRESET.context))
    assert stats.blocks == windows > len(texts)
    # The unit is the note: 30 notes, 8 a step (4 batches an epoch), 2 epochs.
    assert guarantee.units == 30 and guarantee.unit == "note"
    assert guarantee.sample_rate == 0.25 and guarantee.steps == stats.steps == 8
    assert guarantee.delta == pytest.approx(1 / 300) and guarantee.accountant == "prv"
    assert 6.0 < guarantee.epsilon <= 8.0 * 1.01 and guarantee.noise_multiplier > 0.3
    meta = guarantee.metadata()
    assert meta["dp_epsilon"] == guarantee.epsilon and meta["dp_steps"] == 8
    assert {"dp_delta", "dp_noise_multiplier", "dp_sample_rate", "dp_accountant"} <= set(meta)
    assert "8 steps" in guarantee.statement() and math.isfinite(stats.final_loss)
    # A smaller epsilon is paid for with more noise.
    *_, strict = adapt_private(
        fresh_model(tokenizer), tokenizer, texts, PRESET, dataclasses.replace(dp, epsilon=1.0), 0
    )
    assert strict.noise_multiplier > guarantee.noise_multiplier and strict.epsilon <= 1.01


def test_lora_weights_change_under_dp_and_the_base_does_not(tokenizer, texts):
    base = fresh_model(tokenizer).eval()  # as a loaded model comes: Opacus wants training mode
    frozen = {k: v.clone() for k, v in base.state_dict().items()}
    adapted, _, trainable, _ = adapt_private(
        base, tokenizer, texts, LORA, DpSettings(epsilon=8.0, batch_notes=8), seed=0
    )
    lora = {k: v for k, v in adapted.named_parameters() if "lora_" in k}
    assert lora and trainable == sum(v.numel() for v in lora.values())
    # lora_B starts at zero: non-zero means the noisy clipped updates reached it.
    assert all(v.abs().sum() > 0 for k, v in lora.items() if "lora_B" in k)
    for k, v in adapted.state_dict().items():
        name = k.replace("base_model.model.", "").replace(".base_layer", "")
        if "lora_" not in k and name in frozen:
            assert torch.equal(frozen[name], v)


def test_dp_refuses_qlora_and_gradient_checkpointing(tokenizer, texts):
    for preset in (
        dataclasses.replace(LORA, qlora=True),
        dataclasses.replace(PRESET, gradient_checkpointing=True),
    ):
        with pytest.raises(UserError, match="dp_epsilon"):
            adapt_private(fresh_model(tokenizer), tokenizer, texts, preset, DpSettings(8.0), 0)
