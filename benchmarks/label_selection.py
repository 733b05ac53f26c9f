"""Label-balanced selection of synthetic notes against the first notes in generation order, at the
same token budget: per label, spans per 10,000 tokens in the real training notes, in the whole
annotated pool, in the generation-order prefix (`select_tokens`, what synthetic_corpus keeps by
default) and in the label-balanced selection (`core.label_selection.select_by_labels`, what it
keeps with `select_by_labels`).

    .venv/bin/python -m benchmarks.label_selection --threads 1 \\
        --synthetic STORE/synthetic_text/es/1.0/text.jsonl \\
        --annotator STORE/annotator_model/es/1.0/model \\
        --real STORE/training_subset/es/1.0/train.jsonl --volume 1

The pool must hold more text than the volume (generate at twice the volume, select at one). Counts
only, no text. Prints measured numbers; the last line is one JSON object."""

import argparse
import time

import torch

from benchmarks.common import emit, machine
from deid_platform.core.formats import read_corpus
from deid_platform.core.label_selection import (
    label_count_table,
    label_targets,
    select_by_labels,
    whitespace_tokens,
)
from deid_platform.core.ner.model import load_model
from deid_platform.core.ner.predict import predict_documents
from deid_platform.core.synthesis import jensen_shannon, label_distribution, select_tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--synthetic", required=True, help="synthetic_text's text.jsonl")
    parser.add_argument("--annotator", required=True, help="a saved annotator model directory")
    parser.add_argument("--real", required=True, help="the real training notes (jsonl)")
    parser.add_argument("--volume", type=float, default=1.0, help="budget: x real tokens")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    real = read_corpus(args.real, "jsonl").documents
    pool = predict_documents(
        load_model(args.annotator), read_corpus(args.synthetic, "jsonl").documents
    )
    budget = int(args.volume * sum(whitespace_tokens(d) for d in real))
    started = time.time()
    balanced = select_by_labels(pool, label_targets(real, budget), budget)
    seconds = time.time() - started
    # select_tokens counts generator tokens: the budget in them at the pool's own ratio.
    ratio = sum(d.metadata["tokens"] for d in pool) / max(1, sum(map(whitespace_tokens, pool)))
    prefix = select_tokens(pool, int(budget * ratio))
    selections = {"pool": pool, "prefix": prefix, "balanced": balanced}
    print(f"real {len(real)} notes; budget {budget} tokens; {machine()}")
    print(label_count_table(real, selections))
    target = label_distribution(real)
    summary = {
        name: {
            "documents": len(docs),
            "tokens": sum(map(whitespace_tokens, docs)),
            "label_jsd_vs_real": round(jensen_shannon(label_distribution(docs), target), 4),
        }
        for name, docs in selections.items()
    }
    for name, row in summary.items():
        print(name, row)
    emit(
        {
            "benchmark": "label_selection",
            "budget_tokens": budget,
            "selection_seconds": round(seconds, 3),
            "selections": summary,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
