"""What a preset asks of the hardware, resolved: precision with its fallbacks, QLoRA where CUDA
and bitsandbytes are, LoRA targets by configuration, and generation batches that fit in memory.
The GPU branches are checked by telling torch it has one; nothing runs on a GPU here."""

import pytest
import torch
from transformers import BloomConfig, LlamaConfig

from deid_platform.core.errors import UserError
from deid_platform.core.lm import execution
from deid_platform.core.lm.adaptation import lora_config
from deid_platform.core.lm.execution import generation_batch_size, plan_adaptation, sample_bytes
from deid_platform.core.lm.presets import get_lm_preset
from deid_platform.core.precision import resolve_precision


@pytest.fixture
def gpu(monkeypatch):
    """A CUDA device that has bf16 unless the test says otherwise."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    return monkeypatch


def test_precision_on_the_cpu_is_float32_with_one_line():
    for asked in ("auto", "bf16", "fp16"):
        precision = resolve_precision(asked, "cpu")
        assert precision.dtype == torch.float32 and precision.name == "fp32"
        assert precision.note == f"precision {asked}: float32 on the CPU"
    assert resolve_precision("fp32", "cpu").note is None
    with pytest.raises(UserError, match="precision must be one of"):
        resolve_precision("int8", "cpu")


def test_precision_on_a_gpu_is_bf16_or_fp16_where_bf16_is_missing(gpu):
    assert resolve_precision("auto", "cuda").dtype == torch.bfloat16
    assert resolve_precision("bf16", "cuda:0").note is None
    assert resolve_precision("fp16", "cuda").dtype == torch.float16
    assert resolve_precision("fp32", "cuda").dtype == torch.float32
    gpu.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    old = resolve_precision("auto", "cuda")
    assert old.dtype == torch.float16 and "no bf16" in old.note


def test_paper_preset_plan_on_the_cpu_and_on_a_gpu(gpu, monkeypatch):
    paper = get_lm_preset("paper")
    assert paper.qlora and paper.gradient_checkpointing and paper.lora_r == 8
    assert paper.lora_alpha == 32 and paper.generation_batch_size is None
    cpu = plan_adaptation(paper, "cpu")
    assert not cpu.quantized and cpu.precision.name == "fp32"
    assert (
        cpu.fallback
        == "precision auto: float32 on the CPU; qlora: no CUDA, LoRA on the fp32 base instead"
    )
    assert cpu.metadata()["base_weights"] == "fp32"
    monkeypatch.setattr(execution.importlib.util, "find_spec", lambda name: None)
    without = plan_adaptation(paper, "cuda")
    assert not without.quantized and "bitsandbytes is not installed" in without.fallback
    monkeypatch.setattr(execution.importlib.util, "find_spec", lambda name: object())
    full = plan_adaptation(paper, "cuda")
    assert full.quantized and full.fallback is None
    assert full.metadata() == {
        "device": "cuda",
        "precision": "bf16",
        "base_weights": "nf4",
        "gradient_checkpointing": True,
        "fallback": "none",
    }
    with pytest.raises(UserError, match="full_finetune"):
        plan_adaptation(paper.with_overrides(full_finetune=True), "cuda")


def test_lora_targets_come_from_peft_or_configuration():
    from transformers import BloomForCausalLM, LlamaForCausalLM

    bloom = BloomForCausalLM(BloomConfig(vocab_size=50, hidden_size=16, n_layer=1, n_head=2))
    preset = get_lm_preset("pretrained")
    assert lora_config(bloom, preset).target_modules == "all-linear"
    # peft's own mapping: it fills the targets in from the model type.
    assert lora_config(bloom, preset.with_overrides(lora_targets="peft")).target_modules is None
    chosen = lora_config(bloom, preset.with_overrides(lora_targets="query_key_value, dense"))
    assert set(chosen.target_modules) == {"query_key_value", "dense"}
    llama = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=50,
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
        )
    )
    llama.config.model_type = "no_such_architecture"
    with pytest.raises(UserError, match="all-linear"):
        lora_config(llama, preset.with_overrides(lora_targets="peft"))


FLOR_6B = BloomConfig(vocab_size=50_257, hidden_size=4096, n_layer=30, n_head=32)


def test_generation_batch_size_follows_model_size_and_free_memory():
    gib = 2**30
    # FLOR-6.3B in bf16 at 2,048 positions: about 1 GB of key-value cache per sample.
    per_sample = sample_bytes(FLOR_6B, 2, 2048)
    assert 1.0 * gib < per_sample < 1.5 * gib
    assert generation_batch_size(FLOR_6B, 2, 2048, 60 * gib) == (30 * gib) // per_sample
    assert generation_batch_size(FLOR_6B, 2, 2048, 1 * gib) == 1  # always at least one
    # More memory, shorter context or a smaller model: larger batches, up to the device's cap.
    assert generation_batch_size(FLOR_6B, 2, 1024, 60 * gib) > generation_batch_size(
        FLOR_6B, 2, 2048, 60 * gib
    )
    tiny = LlamaConfig(vocab_size=2000, hidden_size=128, num_hidden_layers=2, num_attention_heads=4)
    assert generation_batch_size(tiny, 4, 256, 16 * gib, "cpu") == 64
    assert generation_batch_size(tiny, 2, 256, 80 * gib, "cuda") == 256
