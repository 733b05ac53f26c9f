"""What differential privacy costs and buys in adaptation, on MEDDOCAN train (the platform's carved
splits): the embedded preset's base (pre-trained on surrogate notes, no real data) adapted without
DP and at each epsilon (note-level DP-SGD through Opacus), with canaries planted in the training
text at 1, 4 and 16 repetitions. Per variant: the adaptation's wall time and its ratio to the
non-DP adaptation of the same run, held-out dev perplexity, the guarantee reached, canary exposure
per repetition (bits) and how many canary secrets a small generated sample writes verbatim.

    .venv/bin/python -u -m benchmarks.dp_adaptation --threads 1
    .venv/bin/python -u -m benchmarks.dp_adaptation --threads 1 --notes 200 --samples 64

Canary secrets are fake; they are counted, never printed. Prints measured numbers; the last line
is one JSON object."""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import SHARED_DATA, emit, machine
from deid_platform.core.canaries import exposure, extracted, make_canaries, plant
from deid_platform.core.formats import read_splits
from deid_platform.core.lm.adaptation import adapt
from deid_platform.core.lm.generation import generate_batched
from deid_platform.core.lm.model import build_lm, load_lm, save_lm, train_lm_tokenizer
from deid_platform.core.lm.presets import get_lm_preset
from deid_platform.core.lm.private import DpSettings, adapt_private
from deid_platform.core.lm.scratch import surrogate_notes
from deid_platform.core.lm.training import document_nll, perplexity, train_causal_lm
from deid_platform.core.splits import assign_splits
from deid_platform.core.synthesis import prompt_of

SURROGATE_SEED = 1_000_016


def base_model(preset, args) -> tuple:
    """The embedded base pre-trained on surrogate notes, kept in --out between runs."""
    directory = Path(args.out) / f"base-{args.surrogate_documents}-{args.pretrain_epochs:g}"
    if (directory / "config.json").exists():
        return load_lm(directory)
    texts = surrogate_notes("es", args.surrogate_documents, SURROGATE_SEED)
    tokenizer = train_lm_tokenizer(texts, preset.vocab_size, preset.context)
    torch.manual_seed(args.seed)
    model = build_lm(preset, tokenizer)
    train_causal_lm(
        model, tokenizer, texts, preset, args.pretrain_epochs, preset.pretrain_learning_rate, 0
    )
    save_lm(model, tokenizer, directory)
    return model, tokenizer


def run_variant(epsilon, base, tokenizer, preset, train, dev, canaries, args) -> dict[str, Any]:
    model = copy.deepcopy(base)
    started = time.time()
    guarantee = None
    if epsilon is None:
        model, stats, _ = adapt(model, tokenizer, train, preset, args.seed)
    else:
        dp = DpSettings(
            epsilon, batch_notes=args.dp_batch_notes, learning_rate=args.dp_learning_rate
        )
        model, stats, _, guarantee = adapt_private(model, tokenizer, train, preset, dp, args.seed)
    seconds = time.time() - started
    model.eval()
    ppl = perplexity(model, tokenizer, dev, preset.context)

    def nll(texts):
        return document_nll(model, tokenizer, texts, preset.context)

    exposed = exposure(nll, canaries, "es", candidates=args.candidates, seed=args.seed)
    prompts = [prompt_of(text, 3) for text in dev[: args.samples]]
    generated, _ = generate_batched(
        model, tokenizer, prompts, [args.sample_tokens] * len(prompts), args.seed
    )
    found = extracted([g.text for g in generated], canaries)
    return {
        "epsilon_target": epsilon,
        "adapt_seconds": round(seconds, 1),
        "steps": stats.steps,
        "dev_perplexity": round(ppl, 3),
        **({k: v for k, v in guarantee.metadata().items()} if guarantee else {"dp_epsilon": None}),
        **{k: round(v, 3) for k, v in exposed.items()},
        **found,
        "samples": len(generated),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(SHARED_DATA / "meddocan"))
    parser.add_argument("--epsilons", default="8,3")
    parser.add_argument("--notes", type=int, help="adapt on the first N training notes only")
    parser.add_argument("--dev-notes", type=int, default=100)
    parser.add_argument("--adapt-epochs", type=float, default=3.0)
    parser.add_argument("--dp-batch-notes", type=int, default=DpSettings.batch_notes)
    parser.add_argument(
        "--dp-learning-rate", type=float, help="unset: as DpSettings has it (see core/lm/private)"
    )
    parser.add_argument("--pretrain-epochs", type=float, default=10.0)
    parser.add_argument("--surrogate-documents", type=int, default=600)
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--sample-tokens", type=int, default=400)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", default="benchmarks/out/dp_adaptation")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    splits, _ = assign_splits(read_splits(args.data, "brat"), seed=args.seed)
    train = [d.text for d in splits["train"]][: args.notes]
    dev = [d.text for d in splits["dev"]][: args.dev_notes]
    if args.notes:
        print(f"REDUCED BUDGET: adapting on {len(train)} of {len(splits['train'])} training notes")
    preset = get_lm_preset("embedded", adapt_epochs=args.adapt_epochs)
    base, tokenizer = base_model(preset, args)
    canaries = make_canaries("es", args.seed)
    planted = plant(train, canaries, args.seed)
    base_perplexity = perplexity(base, tokenizer, dev, preset.context)
    print(
        f"{len(train)} notes, {len(canaries)} canaries, {len(dev)} dev notes; "
        f"base dev perplexity {base_perplexity:.2f}"
    )
    rows = []
    for epsilon in [None, *(float(e) for e in args.epsilons.split(","))]:
        row = run_variant(epsilon, base, tokenizer, preset, planted, dev, canaries, args)
        rows.append(row)
        print({k: v for k, v in row.items()})
    baseline = rows[0]["adapt_seconds"]
    for row in rows:
        row["time_ratio_vs_no_dp"] = round(row["adapt_seconds"] / baseline, 2)
    print(
        "| epsilon | achieved | noise | steps | adapt s | x no-DP | dev ppl | exposure r1/r4/r16 "
        "(bits) | extracted |"
    )
    for r in rows:
        achieved = f"{r['dp_epsilon']:.2f}" if r["dp_epsilon"] is not None else "-"
        noise = f"{r['dp_noise_multiplier']:.3f}" if r["dp_epsilon"] is not None else "-"
        print(
            f"| {r['epsilon_target'] or 'no DP'} | {achieved} | {noise} | {r['steps']} | "
            f"{r['adapt_seconds']:.0f} | {r['time_ratio_vs_no_dp']:.2f} | "
            f"{r['dev_perplexity']:.2f} | {r['canary_exposure_r1']:.2f} / "
            f"{r['canary_exposure_r4']:.2f} / {r['canary_exposure_r16']:.2f} | "
            f"{r['canary_secrets_extracted']} |"
        )
    emit(
        {
            "benchmark": "dp_adaptation",
            "notes": len(train),
            "training_notes_available": len(splits["train"]),
            "reduced": bool(args.notes),
            "adapt_epochs": args.adapt_epochs,
            "dp_batch_notes": args.dp_batch_notes,
            "dp_learning_rate": args.dp_learning_rate,
            "base_dev_perplexity": round(base_perplexity, 3),
            "canary_candidates": args.candidates,
            "variants": rows,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
