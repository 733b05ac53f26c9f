"""Tokens per second of the batched generator against per-prompt `model.generate`, same model,
prompts, sampling settings (nucleus p=0.95, temperature 1.0, top-k off) and token budgets, both
arms in the same run at each thread count, on two workloads:

- short: every sample 128 new tokens;
- whole notes: budgets drawn from the token lengths of the notes the model learned from, so that
  samples stop at EOS at different steps and the long ones continue past the context window (the
  per-prompt arm continues the same way: `generate` again from the last half-context).

    .venv/bin/python -u -m benchmarks.generation_throughput --preset embedded --threads 1 2
    python -m benchmarks.generation_throughput --preset gpu --samples 512     # on a GPU

The model has the preset's shape, trained for a few epochs on surrogate notes, so that its
next-token distributions (how many tokens a nucleus holds, when EOS comes) look like a
generator's rather than a random model's. Prompts are the first three words of other surrogate
notes. The last line is one JSON object."""

import argparse
import random
import time
from collections.abc import Sequence

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from benchmarks.common import emit, machine
from deid_platform.core.lm.generation import generate_batched, model_context
from deid_platform.core.lm.model import document_start
from deid_platform.core.lm.presets import get_lm_preset
from deid_platform.core.lm.scratch import train_from_scratch
from deid_platform.core.lm.training import document_ids
from deid_platform.core.surrogates import generate_corpus
from deid_platform.core.synthesis import prompt_of

TOP_P, TEMPERATURE = 0.95, 1.0


def per_prompt(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    budgets: Sequence[int],
    context: int,
) -> tuple[int, float]:
    """New tokens and seconds of `model.generate` called for one prompt at a time; a sample that
    fills the context goes on from the last half-context it wrote, as the batched generator's."""
    device = next(model.parameters()).device
    eos, keep = tokenizer.eos_token_id, context // 2
    produced = 0
    started = time.perf_counter()
    for i, (prompt, budget) in enumerate(zip(prompts, budgets, strict=True)):
        torch.manual_seed(i)
        ids = [document_start(tokenizer), *tokenizer.encode(prompt, add_special_tokens=False)]
        new: list[int] = []
        while len(new) < budget:
            window = (ids + new)[-keep:]
            with torch.inference_mode():
                output = model.generate(
                    torch.tensor([window], device=device),
                    attention_mask=torch.ones(1, len(window), dtype=torch.long, device=device),
                    do_sample=True,
                    top_k=0,
                    top_p=TOP_P,
                    temperature=TEMPERATURE,
                    max_new_tokens=min(budget - len(new), context - len(window)),
                    pad_token_id=tokenizer.pad_token_id,
                    eos_token_id=eos,
                )
            tokens = output[0, len(window) :].tolist()
            if eos in tokens:
                new += tokens[: tokens.index(eos)]
                break
            new += tokens
        produced += len(new)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return produced, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="embedded")
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--new-tokens", type=int, default=128, help="budget of the short workload")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument(
        "--baseline-samples", type=int, default=16, help="prompts the per-prompt arm times"
    )
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--train-epochs", type=float, default=3.0)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    preset = get_lm_preset(args.preset)
    corpus = generate_corpus("es", seed=7, sizes={"train": 300, "dev": args.samples})
    notes = [d.text for d in corpus["train"]]
    started = time.perf_counter()
    model, tokenizer, _ = train_from_scratch(
        notes, preset, args.train_epochs, preset.pretrain_learning_rate, seed=0, device=device
    )
    print(f"trained {args.train_epochs} epochs in {time.perf_counter() - started:.0f} s")
    model = model.to(device).eval()
    context = model_context(model)
    prompts = [prompt_of(d.text) for d in corpus["dev"]]
    lengths = [len(ids) - 2 for ids in document_ids(tokenizer, notes)]
    rng = random.Random(0)
    workloads = {
        "short": [args.new_tokens] * len(prompts),
        "whole_notes": [rng.choice(lengths) for _ in prompts],
    }
    batch_size = args.batch_size or preset.generation_batch_size
    baseline = args.baseline_samples
    parameters = sum(p.numel() for p in model.parameters())
    print(f"model {preset.name}: {parameters} parameters on {device}, context {context}")
    generate_batched(model, tokenizer, prompts[:2], [8, 8], seed=0, batch_size=2)  # warm-up

    rows = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        for workload, budgets in workloads.items():
            batched, seconds = generate_batched(
                model, tokenizer, prompts, budgets, seed=1, batch_size=batch_size
            )
            if device == "cuda":
                torch.cuda.synchronize()
            tokens = sum(g.new_tokens for g in batched)
            base_tokens, base_seconds = per_prompt(
                model, tokenizer, prompts[:baseline], budgets[:baseline], context
            )
            row = {
                "threads": threads,
                "workload": workload,
                "batched_tokens": tokens,
                "batched_tokens_per_second": round(tokens / seconds, 1),
                "ended_with_eos": round(sum(g.ended for g in batched) / len(batched), 3),
                "per_prompt_tokens": base_tokens,
                "per_prompt_tokens_per_second": round(base_tokens / base_seconds, 1),
            }
            row["speedup"] = round(
                row["batched_tokens_per_second"] / row["per_prompt_tokens_per_second"], 2
            )
            rows.append(row)
            print(
                f"{threads} thread(s), {workload}: batched {tokens} tokens at "
                f"{row['batched_tokens_per_second']:.0f} tokens/s, per prompt {base_tokens} tokens "
                f"at {row['per_prompt_tokens_per_second']:.0f} tokens/s: {row['speedup']:.1f}x"
            )
    emit(
        {
            "benchmark": "generation_throughput",
            "preset": preset.name,
            "parameters": parameters,
            "device": device,
            "samples": len(prompts),
            "per_prompt_samples": baseline,
            "batch_size": batch_size,
            "train_epochs": args.train_epochs,
            "rows": rows,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
