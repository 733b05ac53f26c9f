"""The null of the data-only membership inference: the same attack, on the same members and
non-members, against text from a generator that saw no real note.

`privacy_audit`'s data-only attack scores a real note by how much likelier it is under an n-gram
LM of the synthetic text than under one of other real notes. Its AUC is 0.5 only if members and
non-members are alike apart from membership; at full data the non-members are dev notes (no
training note is left unused), and whatever sets dev apart from train shows up as "membership"
too. This benchmark takes the artifact store of a `reproduce_paper` run, generates the same
volume with the same sampling and prompts from the partition's **base** LM (pre-trained on
surrogate notes only), and scores the attack on both texts with the audit's own member and
non-member sets: the adapted generator's figure against the one a generator with no access to
the real notes gets.

    OMP_NUM_THREADS=2 .venv/bin/python -u -m benchmarks.mia_null --threads 2 \\
        --store benchmarks/out/reproduction/seed-13/var/storage --fraction 1.0
"""

from __future__ import annotations

import argparse
import time

import torch

from benchmarks.common import emit, machine
from deid_platform.core.attacks.membership import attack_figures, membership_sets
from deid_platform.core.attacks.synthetic_text import data_only_scores
from deid_platform.core.formats.jsonl import read_jsonl
from deid_platform.core.lm.model import load_lm
from deid_platform.core.synthesis import generate_documents, generation_sources
from deid_platform.partitions import Partition
from deid_platform.plumbing.store import ArtifactStore
from deid_platform.study.configs import SyntheticTextConfig


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", required=True, help="artifact store of a reproduce_paper seed")
    parser.add_argument("--language", default="es")
    parser.add_argument("--fraction", default="1.0")
    parser.add_argument("--seed", type=int, default=13, help="the run's seed (sets and sampling)")
    parser.add_argument("--volume", type=float, default=4.0)
    parser.add_argument("--threads", type=int, default=2)
    return parser.parse_args()


def main() -> None:
    args = parse()
    torch.set_num_threads(args.threads)
    store = ArtifactStore(root=args.store)
    partition = Partition(args.language, args.fraction)
    train, real = store.read_subset(partition), store.read_splits(args.language)
    config = SyntheticTextConfig(volume=args.volume, seed=args.seed)
    sets = membership_sets(train, real, config.mia_documents, args.seed)
    model, tokenizer = load_lm(store.model_dir("base_llm", Partition(args.language)))
    started = time.perf_counter()
    null_docs, stats = generate_documents(
        model,
        tokenizer,
        **generation_sources(train, real, config.volume_of),
        sampling=config.sampling(),
        language=args.language,
    )
    seconds = time.perf_counter() - started
    adapted_docs = read_jsonl(store.path("synthetic_text", partition, "text")).documents
    count = len(sets.members)
    rows = {}
    for name, docs in (("adapted generator", adapted_docs), ("base LM (no real note)", null_docs)):
        members, nonmembers = data_only_scores([d.text for d in docs], sets)
        figures = attack_figures("mia", members, nonmembers, seed=args.seed)
        rows[name] = figures | {"documents": len(docs)}
    source = "unused training notes" if sets.unused_train else "notes of the other splits"
    print(
        f"{count} members, {len(sets.nonmembers)} non-members ({source}), "
        f"each half calibrated on the other half's and {len(sets.reference)} more; base LM "
        "generated "
        f"{stats['tokens_produced']} tokens ({stats['volume_tokens']:.2f}x) in {seconds:.0f} s"
    )
    print("| text the attacker holds | notes | data-only MIA AUC (95 % CI) | TPR at 1 % FPR |")
    print("|---|---:|---|---:|")
    for name, row in rows.items():
        print(
            f"| {name} | {row['documents']:,} | {row['mia_auc']:.3f} "
            f"({row['mia_auc_low']:.3f}-{row['mia_auc_high']:.3f}) | "
            f"{row['mia_tpr_at_1pct_fpr']:.3f} |"
        )
    emit(
        {
            "benchmark": "mia_null",
            "fraction": args.fraction,
            "seed": args.seed,
            "nonmembers_from": source,
            "rows": rows,
            "null_generation_seconds": seconds,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
