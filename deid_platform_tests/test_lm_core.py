"""LM core: tokenizer, packing, pre-training, LoRA adaptation, batched generation, save/load."""

import copy
import dataclasses
import hashlib
import math

import pytest
import torch
from transformers import LogitsProcessorList

from deid_platform.core.lm.adaptation import adapt, for_generation
from deid_platform.core.lm.generation import generate_batched
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


def test_nucleus_keeps_what_top_p_keeps_and_samples_the_same(base):
    from transformers.generation.logits_process import TopPLogitsWarper

    from deid_platform.core.lm.generation import Nucleus

    torch.manual_seed(0)
    for scale in (0.5, 4.0, 12.0):  # flat (full sort) to peaked (head only) distributions
        scores = torch.randn(16, 400) * scale
        expected = TopPLogitsWarper(0.9)(None, scores.clone() / 0.7) > float("-inf")
        assert torch.equal(
            Nucleus(0.9, 0.7, head=32)(None, scores.clone()) > float("-inf"), expected
        )
    # The same seed samples the same tokens as transformers' own top-p (top-k off).
    model, tokenizer = base
    ids = tokenizer(["Patient: Anna", "Remiss till"], return_tensors="pt", padding=True)
    outputs = []
    for kwargs in (
        {"top_p": 0.9, "temperature": 0.8},
        {"logits_processor": LogitsProcessorList([Nucleus(0.9, 0.8, head=16)])},
    ):
        torch.manual_seed(7)
        with torch.inference_mode():
            outputs.append(
                model.generate(
                    **ids, do_sample=True, top_k=0, max_new_tokens=30, pad_token_id=0, **kwargs
                )
            )
    assert torch.equal(outputs[0], outputs[1])
