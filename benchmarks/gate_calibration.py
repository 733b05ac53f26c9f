"""Does the leak gate block a generator that memorizes and pass one that does not, on MEDDOCAN?

Two generators from the same surrogate-pretrained embedded base (no real data in it):
- honest: the platform's adaptation (embedded preset, full fine-tuning, its epochs) on a MEDDOCAN
  training subset, writing `--volume` times it;
- memorizer: the same LM adapted for many epochs, in small batches, on a few MEDDOCAN notes,
  writing four times them.
Both are prompted with surrogate prompts from dev and audited as `synthetic_text` audits (each
figure beside its baseline of real notes the LLM never saw, data-only membership inference with
unused training notes as non-members), then judged by the gate at the default thresholds. Each
gate figure is printed for both, so that a threshold can be read against the pair it separates.
Small on purpose (a few minutes on 1 CPU thread): the budget is printed with the figures.

    OMP_NUM_THREADS=1 .venv/bin/python -u -m benchmarks.gate_calibration --threads 1

Prints measured numbers; the last line is one JSON object."""

from __future__ import annotations

import argparse
import copy
import random
import time
from typing import Any

import torch

from benchmarks.common import SHARED_DATA, emit, machine
from deid_platform.core.attacks.membership import membership_sets
from deid_platform.core.formats import read_splits
from deid_platform.core.lm.adaptation import adapt
from deid_platform.core.lm.presets import get_lm_preset
from deid_platform.core.lm.scratch import surrogate_notes, train_from_scratch
from deid_platform.core.privacy import TEXT_FIGURES, leak_audit, leak_gate, unseen_documents
from deid_platform.core.records import LeakThresholds, Sampling
from deid_platform.core.splits import assign_splits
from deid_platform.core.synthesis import generate_documents
from deid_platform.study.configs import SyntheticTextConfig


def run(
    name: str, base: Any, tokenizer: Any, train: list, splits: dict, args, **preset: Any
) -> dict[str, Any]:
    started = time.time()
    lm_preset = get_lm_preset("embedded", **preset)
    model, stats, _ = adapt(copy.deepcopy(base), tokenizer, [d.text for d in train], lm_preset, 13)
    adapt_seconds = time.time() - started
    volume = args.memorizer_volume if name == "memorizer" else args.volume
    docs, gen = generate_documents(
        model.eval(),
        tokenizer,
        train=train,
        # Volume of the LLM's own training notes: the memorizer's 4x is 4x its few notes.
        reference=train,
        prompt_docs=splits["dev"],
        sampling=Sampling(volume, "fraction", 0.95, 1.0, 3, args.seed),
        language="es",
        batch_size=args.generation_batch_size,
    )
    defaults = SyntheticTextConfig()
    thresholds: LeakThresholds = defaults.thresholds()
    sets = membership_sets(train, splits, defaults.mia_documents, args.seed)
    audit = leak_audit(
        [d.text for d in docs], train, unseen_documents(splits, train), thresholds, sets, args.seed
    )
    passed, reasons = leak_gate(audit)
    row = {
        "run": name,
        "training_notes": len(train),
        "adapt_epochs": lm_preset.adapt_epochs,
        "batch_size": lm_preset.batch_size,
        "volume": volume,
        "final_loss": round(stats.final_loss, 4),
        "documents": gen["documents"],
        "prompt_phi_replaced": gen["prompt_phi_replaced"],
        "nonmembers_from_unused_train": sets.unused_train,
        **{k: round(float(audit.figures[k]), 4) for k in TEXT_FIGURES if k in audit.figures},
        "gate": "passed" if passed else "blocked",
        "reasons": reasons,
        "adapt_seconds": round(adapt_seconds, 1),
        "seconds": round(time.time() - started, 1),
    }
    print(row)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(SHARED_DATA / "meddocan"))
    # 125 notes: MEDDOCAN's 25 % partition.
    parser.add_argument("--honest-notes", type=int, default=125)
    parser.add_argument("--volume", type=float, default=1.0)
    parser.add_argument("--memorizer-notes", type=int, default=8)
    parser.add_argument("--memorizer-epochs", type=float, default=60.0)
    parser.add_argument("--memorizer-learning-rate", type=float, default=5e-3)
    parser.add_argument("--memorizer-volume", type=float, default=4.0)
    parser.add_argument("--surrogate-documents", type=int, default=300)
    parser.add_argument("--pretrain-epochs", type=float, default=6.0)
    parser.add_argument("--generation-batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    started = time.time()
    splits, _ = assign_splits(read_splits(args.data, "brat"), seed=args.seed)
    # The carved test split is the models' evaluation set: like the platform, the attack's
    # non-members come from unused training notes.
    order = random.Random(args.seed).sample(splits["train"], len(splits["train"]))
    preset = get_lm_preset("embedded")
    base, tokenizer, _ = train_from_scratch(
        surrogate_notes("es", args.surrogate_documents, args.seed),
        preset,
        args.pretrain_epochs,
        preset.pretrain_learning_rate,
        args.seed,
    )
    pretrain_seconds = time.time() - started
    print(f"base: {args.surrogate_documents} surrogate notes, {pretrain_seconds:.0f} s")
    rows = [
        run("honest", base, tokenizer, order[: args.honest_notes], splits, args),
        run(
            "memorizer",
            base,
            tokenizer,
            order[: args.memorizer_notes],
            splits,
            args,
            adapt_epochs=args.memorizer_epochs,
            adapt_learning_rate=args.memorizer_learning_rate,
            batch_size=2,
            warmup_steps=10,
        ),
    ]
    defaults = SyntheticTextConfig()
    emit(
        {
            "benchmark": "gate_calibration",
            "budget": {
                "wall_seconds": round(time.time() - started, 1),
                "pretrain_seconds": round(pretrain_seconds, 1),
                "surrogate_documents": args.surrogate_documents,
                "pretrain_epochs": args.pretrain_epochs,
                "honest_notes": args.honest_notes,
                "memorizer_notes": args.memorizer_notes,
                "memorizer_epochs": args.memorizer_epochs,
                "memorizer_learning_rate": args.memorizer_learning_rate,
                "volume": args.volume,
                "memorizer_volume": args.memorizer_volume,
            },
            "thresholds": defaults.thresholds().to_dict(),
            "runs": rows,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
