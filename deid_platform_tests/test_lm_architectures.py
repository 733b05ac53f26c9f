"""Any causal LM architecture: tiny random-weight Llama, Mistral, Qwen2, GPT-2, GPT-NeoX, Gemma 2
and BLOOM models saved as hub models would be (see tiny_models), through base -> adapt (LoRA and
full) -> generate -> save -> reload in core, and through the assets with the pretrained and paper
presets."""

import math

import pytest
import torch
from dagster import DagsterInstance

from deid_platform.core.lm.adaptation import adapt, for_generation
from deid_platform.core.lm.generation import generate_batched
from deid_platform.core.lm.model import load_adapted_lm, load_lm, save_lm
from deid_platform.core.lm.presets import get_lm_preset
from deid_platform.core.lm.training import document_nll, lm_blocks
from deid_platform.core.privacy import membership_inference
from deid_platform.core.surrogates import generate_corpus, write_demo_corpus
from deid_platform.definitions import build
from deid_platform.partitions import Partition
from deid_platform_tests.conftest import materialize_assets, metadata, temporary_resources
from deid_platform_tests.tiny_models import CAUSAL_LMS, save_causal_lm

PRESET = get_lm_preset("pretrained", context=64, batch_size=4, adapt_epochs=1, warmup_steps=1)
PROMPTS = ["Datos del paciente", "Motivo de consulta"]


@pytest.fixture(scope="module")
def texts():
    """Surrogate notes: the tokenizers' training text, and a little text to adapt on."""
    corpus = generate_corpus("es", seed=11, sizes={"vocab": 20, "adapt": 3})
    return [d.text for d in corpus["vocab"]], [d.text for d in corpus["adapt"]]


def linear_names(model: torch.nn.Module) -> set[str]:
    """Names of the linear layers LoRA's all-linear adapts: every one but the output head."""
    from transformers.pytorch_utils import Conv1D

    head = model.get_output_embeddings()
    return {
        name.rsplit(".", 1)[-1]
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear | Conv1D) and module is not head
    }


def logits(model, tokenizer, text: str) -> torch.Tensor:
    ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"][:, :48]
    with torch.inference_mode():
        return model(ids).logits


@pytest.mark.parametrize("name", CAUSAL_LMS)
def test_base_adapt_generate_save_reload(name, texts, tmp_path):
    vocabulary, adaptation = texts
    base = save_causal_lm(name, vocabulary, tmp_path / "base")
    model, tokenizer = load_lm(base)
    assert tokenizer.pad_token_id is not None and tokenizer.padding_side == "left"
    expected = linear_names(model)

    adapted, stats, trainable = adapt(model, tokenizer, adaptation, PRESET, seed=0)
    assert stats.steps > 0 and math.isfinite(stats.final_loss) and trainable > 0
    adapted_modules = {
        n.rsplit(".", 1)[-1] for n, m in adapted.named_modules() if hasattr(m, "lora_A")
    }
    assert adapted_modules == expected
    save_lm(adapted, tokenizer, tmp_path / "lora")
    reloaded, tokenizer = load_adapted_lm(base, tmp_path / "lora")
    merged = for_generation(adapted)
    assert torch.allclose(
        logits(reloaded, tokenizer, adaptation[0]),
        logits(merged, tokenizer, adaptation[0]),
        atol=1e-4,
    )
    # Past the context of the smallest model (GPT-2's 96 positions): the sliding window writes on.
    generated, _ = generate_batched(reloaded, tokenizer, PROMPTS, [120, 30], seed=1, batch_size=2)
    for sample, prompt, budget in zip(generated, PROMPTS, [120, 30], strict=True):
        assert sample.text.startswith(prompt) and 0 <= sample.new_tokens <= budget

    model, tokenizer = load_lm(base)
    full_preset = PRESET.with_overrides(full_finetune=True)
    full, stats, trainable = adapt(model, tokenizer, adaptation, full_preset, seed=0)
    assert trainable == sum(p.numel() for p in full.parameters()) and stats.steps > 0
    save_lm(full, tokenizer, tmp_path / "full")
    reloaded, tokenizer = load_adapted_lm(base, tmp_path / "full")
    assert torch.allclose(
        logits(reloaded, tokenizer, adaptation[0]),
        logits(full, tokenizer, adaptation[0]),
        atol=1e-5,
    )
    generated, _ = generate_batched(reloaded, tokenizer, PROMPTS, [20, 20], seed=1, batch_size=None)
    assert all(g.text.startswith(p) for g, p in zip(generated, PROMPTS, strict=True))


def test_eos_stays_in_the_loss_where_it_is_the_pad(texts, tmp_path):
    """GPT-2 has no pad token, so EOS pads; a collator that masks pads by id would drop every EOS
    from the loss and the model would never learn to end a note."""
    from transformers import DataCollatorForSeq2Seq

    _, tokenizer = load_lm(save_causal_lm("gpt2", texts[0], tmp_path / "gpt2"))
    assert tokenizer.pad_token_id == tokenizer.eos_token_id
    blocks = lm_blocks(tokenizer, texts[1], 64)
    batch = DataCollatorForSeq2Seq(tokenizer, label_pad_token_id=-100)([blocks[0], blocks[-1]])
    real = batch["attention_mask"].bool()
    assert torch.equal(batch["labels"][real], batch["input_ids"][real])
    assert (batch["labels"][~real] == -100).all()
    assert (batch["labels"] == tokenizer.eos_token_id).any()


@pytest.fixture(scope="module")
def platform(tmp_path_factory, texts):
    """A small Spanish demo corpus parsed and subset once; each architecture then runs the
    generator assets on it. Yields (root, definitions, instance)."""
    root = tmp_path_factory.mktemp("architectures")
    patch = pytest.MonkeyPatch()
    write_demo_corpus("es", root / "corpus", seed=2, sizes={"train": 6, "dev": 2, "test": 2})
    patch.setenv("DEID_CORPUS_ES", str(root / "corpus"))
    graph = build(temporary_resources(root))
    instance = DagsterInstance.ephemeral()
    materialize_assets(graph, instance, ["real_corpus"], Partition("es"))
    materialize_assets(graph, instance, ["training_subset"], Partition("es", "1.0"))
    yield root, graph, instance
    instance.dispose()
    patch.undo()


def run_generator_assets(platform, base_config: dict) -> dict[str, dict]:
    """base_llm, adapted_llm and synthetic_text of es / 1.0; their metadata."""
    _, graph, instance = platform
    configs = {
        "base_llm": base_config,
        "adapted_llm": {"adapt_epochs": 1},
        "synthetic_text": {"volume": 0.05},
    }
    out = {}
    for asset, config in configs.items():
        partition = Partition("es") if asset == "base_llm" else Partition("es", "1.0")
        run_config = {"ops": {asset: {"config": config}}}
        assert materialize_assets(graph, instance, [asset], partition, run_config).success
        out[asset] = metadata(instance, asset, partition.key)
    return out


@pytest.mark.parametrize("name", CAUSAL_LMS)
def test_pretrained_preset_through_the_assets(name, platform, texts):
    root = platform[0]
    hub = save_causal_lm(name, texts[0], root / "hub" / name)
    meta = run_generator_assets(platform, {"preset": "pretrained", "model_name_or_path": str(hub)})
    assert meta["base_llm"]["pretrained_from"] == str(hub)
    adapted = meta["adapted_llm"]
    assert adapted["method"] == "lora" and adapted["lora_targets"] == "all-linear"
    assert adapted["precision"] == "fp32" and adapted["base_weights"] == "fp32"
    assert math.isfinite(adapted["dev_perplexity"])
    assert meta["synthetic_text"]["tokens_generated"] > 0
    assert 0 <= loss_attack_auc(platform) <= 1


def loss_attack_auc(platform) -> float:
    """privacy_audit's attack on the adapted LLM, run on what the assets stored (the asset itself
    also needs the synthetic NER model, which this architecture test does not train)."""
    root = platform[0]
    store = temporary_resources(root)["store"]
    model, tokenizer = load_adapted_lm(
        store.model_dir("base_llm", Partition("es")),
        store.model_dir("adapted_llm", Partition("es", "1.0")),
    )
    members = store.read_subset(Partition("es", "1.0"))
    others = store.read_split("es", "test")
    context = store.lm_preset("adapted_llm", Partition("es", "1.0")).context
    figures = membership_inference(
        lambda texts: document_nll(model, tokenizer, texts, context), members, others
    )
    return figures["mia_loss_auc"]


def test_paper_preset_falls_back_on_the_cpu(platform, texts):
    """The paper preset asks for QLoRA, bf16 and gradient checkpointing; on this CPU it adapts
    with LoRA in float32, says so in one line and in metadata, and still checkpoints."""
    root = platform[0]
    hub = save_causal_lm("llama", texts[0], root / "hub" / "paper")
    meta = run_generator_assets(platform, {"preset": "paper", "model_name_or_path": str(hub)})
    adapted = meta["adapted_llm"]
    assert adapted["method"] == "lora" and adapted["base_weights"] == "fp32"
    assert adapted["gradient_checkpointing"] is True
    assert "qlora: no CUDA" in adapted["fallback"] and "float32 on the CPU" in adapted["fallback"]
    assert meta["synthetic_text"]["tokens_generated"] > 0
