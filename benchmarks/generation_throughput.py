"""Tokens per second of the batched generator against per-prompt `model.generate`, same model,
prompts, sampling settings and token budget.

    .venv/bin/python -u -m benchmarks.generation_throughput --preset embedded
    python -m benchmarks.generation_throughput --preset gpu --samples 512     # on the H100

The model is built from the preset's config and its tokenizer trained on surrogate notes; speed
does not depend on the weights, only on shapes, so it is not trained. Prompts are the first three
words of demo dev notes. The last line is one JSON object."""

import argparse
import time

import torch

from benchmarks.common import emit, machine
from deid_platform.core.lm.generation import generate_batched
from deid_platform.core.lm.model import build_lm, train_lm_tokenizer
from deid_platform.core.lm.presets import get_lm_preset
from deid_platform.core.surrogates import generate_corpus
from deid_platform.core.synthesis import prompt_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="embedded")
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument(
        "--baseline-samples", type=int, help="per-prompt runs to time (default all)"
    )
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    preset = get_lm_preset(args.preset)
    corpus = generate_corpus("es", seed=7, sizes={"train": 200, "dev": args.samples})
    tokenizer = train_lm_tokenizer(
        [d.text for d in corpus["train"]], preset.vocab_size, preset.context
    )
    torch.manual_seed(0)
    model = build_lm(preset, tokenizer).to(device).eval()
    prompts = [prompt_of(d.text) for d in corpus["dev"]]
    budget = [args.new_tokens] * len(prompts)
    batch_size = args.batch_size or preset.generation_batch_size

    generate_batched(model, tokenizer, prompts[:2], [8, 8], seed=0, batch_size=2)  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
    batched, batched_seconds = generate_batched(
        model, tokenizer, prompts, budget, seed=1, batch_size=batch_size
    )
    batched_tokens = sum(g.new_tokens for g in batched)

    baseline_prompts = prompts[: args.baseline_samples or len(prompts)]
    baseline_tokens = 0
    started = time.perf_counter()
    for i, prompt in enumerate(baseline_prompts):
        encoded = tokenizer(
            tokenizer.bos_token + prompt, return_tensors="pt", add_special_tokens=False
        ).to(device)
        torch.manual_seed(i)
        with torch.inference_mode():
            output = model.generate(
                **encoded,
                do_sample=True,
                top_p=0.95,
                temperature=1.0,
                max_new_tokens=args.new_tokens,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
        baseline_tokens += output.shape[1] - encoded["input_ids"].shape[1]
    if device == "cuda":
        torch.cuda.synchronize()
    baseline_seconds = time.perf_counter() - started

    batched_rate = batched_tokens / batched_seconds
    baseline_rate = baseline_tokens / baseline_seconds
    parameters = sum(p.numel() for p in model.parameters())
    print(f"model {preset.name}: {parameters} parameters on {device}")
    print(
        f"batched (batch {batch_size}): {batched_tokens} tokens in {batched_seconds:.2f} s = "
        f"{batched_rate:.0f} tokens/s"
    )
    print(
        f"per prompt: {baseline_tokens} tokens in {baseline_seconds:.2f} s = "
        f"{baseline_rate:.0f} tokens/s"
    )
    print(f"speed-up {batched_rate / baseline_rate:.1f}x")
    emit(
        {
            "benchmark": "generation_throughput",
            "preset": preset.name,
            "parameters": parameters,
            "device": device,
            "samples": len(prompts),
            "new_tokens": args.new_tokens,
            "batch_size": batch_size,
            "batched_tokens_per_second": round(batched_rate, 1),
            "per_prompt_tokens_per_second": round(baseline_rate, 1),
            "speedup": round(batched_rate / baseline_rate, 2),
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
