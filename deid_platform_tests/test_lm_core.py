"""LM core: tokenizer, packing, pre-training, LoRA adaptation, batched generation, save/load."""

import copy
import dataclasses
import hashlib
import math

import pytest
import torch

from deid_platform.core.lm.adaptation import adapt, for_generation
from deid_platform.core.lm.generation import decode, generate_batched, nucleus, sample_nucleus
from deid_platform.core.lm.model import (
    build_lm,
    load_adapted_lm,
    save_lm,
    train_lm_tokenizer,
)
from deid_platform.core.lm.presets import get_lm_preset
from deid_platform.core.lm.training import document_ids, lm_blocks, perplexity, train_causal_lm
from deid_platform.core.surrogates import generate_corpus

PRESET = get_lm_preset(
    "embedded",
    vocab_size=400,
    hidden_size=48,
    intermediate_size=96,
    heads=2,
    context=64,
    batch_size=8,
    adapt_epochs=2,
)
LORA = dataclasses.replace(PRESET, full_finetune=False)


@pytest.fixture(scope="module")
def texts():
    corpus = generate_corpus("sv", seed=9, sizes={"train": 30, "other": 10})
    return [d.text for d in corpus["train"]], [d.text for d in corpus["other"]]


@pytest.fixture(scope="module")
def base(texts):
    train, _ = texts
    tokenizer = train_lm_tokenizer(train, PRESET.vocab_size, PRESET.context)
    torch.manual_seed(0)
    model = build_lm(PRESET, tokenizer)
    return model, tokenizer


def test_byte_level_tokenizer_is_deterministic_and_lossless(texts):
    train, other = texts
    a = train_lm_tokenizer(train, 400, 64)
    b = train_lm_tokenizer(train, 400, 64)
    assert (
        hashlib.sha256(a.backend_tokenizer.to_str().encode()).digest()
        == hashlib.sha256(b.backend_tokenizer.to_str().encode()).digest()
    )
    for text in other[:3]:
        assert a.decode(a(text, add_special_tokens=False)["input_ids"]) == text


def test_blocks_pack_documents_with_boundaries(base, texts):
    _, tokenizer = base
    docs = texts[0][:5]
    blocks = lm_blocks(tokenizer, docs, 64)["input_ids"]
    stream = [t for ids in document_ids(tokenizer, docs) for t in ids]
    flat = [t for block in blocks for t in block]
    assert stream.count(tokenizer.bos_token_id) == 5 and stream.count(tokenizer.eos_token_id) == 5
    # Blocks are the stream in order; only a tail shorter than a quarter block may be dropped.
    assert flat == stream[: len(flat)] and len(stream) - len(flat) < 16
    assert all(len(block) == 64 for block in blocks[:-1])


def test_pretraining_lowers_perplexity(base, texts):
    model, tokenizer = base
    train, other = texts
    before = perplexity(model, tokenizer, other, 64)
    stats = train_causal_lm(model, tokenizer, train, PRESET, epochs=3, learning_rate=3e-3, seed=0)
    after = perplexity(model, tokenizer, other, 64)
    assert stats.steps > 0 and math.isfinite(after)
    assert after < before / 2


def test_a_one_step_run_is_not_spent_warming_up(base, texts):
    """A run shorter than the warm-up still trains: its first step is not at learning rate 0."""
    model = copy.deepcopy(base[0])
    before = {k: v.clone() for k, v in model.state_dict().items()}
    one_batch = dataclasses.replace(PRESET, batch_size=512, warmup_steps=50)
    stats = train_causal_lm(
        model, base[1], texts[1], one_batch, epochs=1, learning_rate=1e-3, seed=0
    )
    assert stats.steps == 1
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_lora_trains_only_the_adapter_and_saves_and_loads(tmp_path, base, texts):
    model, tokenizer = base
    save_lm(model, tokenizer, tmp_path / "base")
    frozen = {k: v.clone() for k, v in model.state_dict().items()}
    adapted, stats, trainable = adapt(model, tokenizer, texts[1], LORA, seed=0)
    # r=8 on q, k, v, o (48x48) and gate, up (48->96), down (96->48), in 1 layer... per layer:
    per_layer = 4 * 8 * (48 + 48) + 2 * 8 * (48 + 96) + 8 * (96 + 48)
    assert trainable == PRESET.layers * per_layer
    base_weights = {
        k.replace("base_model.model.", "").replace(".base_layer", ""): v
        for k, v in adapted.state_dict().items()
        if "lora_" not in k
    }
    assert all(torch.equal(frozen[k], v) for k, v in base_weights.items() if k in frozen)
    save_lm(adapted, tokenizer, tmp_path / "adapted")
    assert (tmp_path / "adapted" / "adapter_config.json").exists()
    loaded, _ = load_adapted_lm(tmp_path / "base", tmp_path / "adapted")
    merged = for_generation(adapted)
    ids = tokenizer(texts[1][0][:200], return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        assert torch.allclose(loaded(ids).logits, merged(ids).logits, atol=1e-4)


def test_batched_generation_respects_budgets_and_seed(base):
    model, tokenizer = base
    prompts = ["Patient: Anna", "Epikris\nInlagd", "Remiss till"]
    budgets = [5, 20, 12]
    first, _ = generate_batched(model, tokenizer, prompts, budgets, seed=3, batch_size=2)
    again, _ = generate_batched(model, tokenizer, prompts, budgets, seed=3, batch_size=2)
    other, _ = generate_batched(model, tokenizer, prompts, budgets, seed=4, batch_size=2)
    assert [g.text for g in first] == [g.text for g in again]
    assert [g.text for g in first] != [g.text for g in other]
    for generated, prompt, budget in zip(first, prompts, budgets, strict=True):
        assert generated.text.startswith(prompt)
        assert 0 <= generated.new_tokens <= budget


def test_generation_writes_past_the_context_window(base):
    model, tokenizer = base
    assert PRESET.context == 64
    prompts = ["Patient: Anna", "Epikris\nInlagd", "Remiss till", "Anamnes"]
    budgets = [150] * len(prompts)
    generated, _ = generate_batched(model, tokenizer, prompts, budgets, seed=5, batch_size=4)
    for g in generated:
        # Each sample stops at EOS or at its budget, never at the context.
        assert g.ended or g.new_tokens == 150
    assert max(g.new_tokens for g in generated) > PRESET.context


def test_nucleus_keeps_what_top_p_keeps_with_the_same_probabilities():
    from transformers.generation.logits_process import TopPLogitsWarper

    torch.manual_seed(0)
    for scale in (0.5, 4.0, 12.0):  # flat to peaked distributions
        scores = torch.randn(16, 400) * scale
        warped = TopPLogitsWarper(0.9)(None, scores.clone() / 0.7)
        kept = nucleus(scores, 0.9, 0.7)
        assert torch.equal(kept > 0, warped > float("-inf"))
        renormalized = kept / kept.sum(-1, keepdim=True)
        assert torch.allclose(renormalized, warped.softmax(-1), atol=1e-6)


def test_nucleus_sampler_draws_the_nucleus_distribution():
    scores = torch.tensor([[2.0, 1.5, 1.0, 0.0, -1.0, -3.0]]).log_softmax(-1)
    expected = nucleus(scores, 0.8)[0]
    expected = expected / expected.sum()
    torch.manual_seed(1)
    draws = sample_nucleus(scores.expand(100_000, -1), 0.8)
    frequencies = torch.bincount(draws, minlength=6).float() / len(draws)
    assert (frequencies[expected == 0] == 0).all() and (expected == 0).sum() >= 2
    assert torch.allclose(frequencies, expected, atol=0.005)


def test_decode_loop_matches_generate_greedily_while_rows_leave_the_batch(base):
    """The decode loop (KV cache, left padding, finished rows dropped from the batch) computes
    what transformers' `generate` computes for each prompt alone."""
    model, tokenizer = base
    prompts = ["Patient: Anna", "Epikris\nInlagd", "Remiss till", "Anamnes"]
    prefixes = [[tokenizer.bos_token_id, *tokenizer.encode(p)] for p in prompts]
    limits = [3, 25, 9, 40]  # rows leave at different steps
    written = decode(
        model,
        prefixes,
        limits,
        PRESET.context,
        tokenizer.eos_token_id,
        tokenizer.pad_token_id,
        lambda scores: scores.argmax(-1),
    )
    for prefix, limit, (tokens, ended) in zip(prefixes, limits, written, strict=True):
        with torch.inference_mode():
            output = model.generate(
                torch.tensor([prefix]),
                do_sample=False,
                max_new_tokens=limit,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )[0, len(prefix) :].tolist()
        if tokenizer.eos_token_id in output:
            output = output[: output.index(tokenizer.eos_token_id)]
            assert ended
        assert tokens == output and len(tokens) <= limit
