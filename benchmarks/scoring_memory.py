"""Peak memory of membership-inference scoring (`core.lm.training.document_nll`): per-token losses
through the output head a chunk of tokens at a time, against the whole-batch float32 logits the
scoring used before, with a tiny Llama and a large vocabulary.

    OMP_NUM_THREADS=1 .venv/bin/python -u -m benchmarks.scoring_memory [--vocab 50000]
        [--context 512] [--batch 8] [--chunks 64,256,1024]

Each measurement runs in a fresh process: the model is built and warmed up, then one scoring run
is measured two ways: the peak of torch's CPU allocator (profiler allocation and free events),
and the growth of the process's peak resident set (getrusage). Prints measured numbers; the last
line is one JSON object."""

import argparse
import json
import resource
import subprocess
import sys
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from benchmarks.common import emit, machine
from deid_platform.core.lm.model import train_lm_tokenizer
from deid_platform.core.lm.training import document_nll
from deid_platform.core.surrogates import generate_corpus
from deid_platform_tests.scoring_reference import peak_bytes, whole_batch_nll


def worker(args: argparse.Namespace, chunk: int) -> dict:
    """One measurement in this (fresh) process; chunk 0 is the whole-batch scoring."""
    texts = [d.text for d in generate_corpus("sv", seed=4, sizes={"t": args.documents})["t"]]
    tokenizer = train_lm_tokenizer(texts, 600, args.context)
    torch.manual_seed(0)
    model = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=args.vocab,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            max_position_embeddings=args.context,
            pad_token_id=tokenizer.pad_token_id,
        )
    ).eval()

    def score():
        if chunk:
            return [
                nll
                for nll, _ in document_nll(model, tokenizer, texts, args.context, args.batch, chunk)
            ]
        whole = whole_batch_nll(model, tokenizer, texts, args.context, args.batch)
        return [nll for nll, _ in whole]

    document_nll(model, tokenizer, texts[:1], 16, 1, 16)  # warm-up: lazy inits, thread pools
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.time()
    losses = score()
    seconds = time.time() - started
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return {
        "chunk_tokens": chunk or None,
        "allocator_peak_mb": round(peak_bytes(score) / 2**20, 1),
        "rss_growth_mb": round(rss_growth / 1024, 1),
        "seconds": round(seconds, 2),
        "nll_sum": sum(losses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vocab", type=int, default=50_000)
    parser.add_argument("--context", type=int, default=512)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--documents", type=int, default=16)
    parser.add_argument("--chunks", default="64,256,1024")
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(worker(args, args.worker)))
        return
    logits_mb = args.batch * args.context * args.vocab * 4 / 2**20
    print(
        f"vocabulary {args.vocab}, context {args.context}, batch {args.batch}: whole-batch float32 "
        f"logits {logits_mb:.0f} MB; {machine()}"
    )
    rows = []
    for chunk in [0, *map(int, args.chunks.split(","))]:
        command = [sys.executable, "-m", "benchmarks.scoring_memory", "--worker", str(chunk)]
        for flag in ("vocab", "context", "batch", "documents"):
            command += [f"--{flag}", str(getattr(args, flag))]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        row = json.loads(out.strip().splitlines()[-1])
        rows.append(row)
        name = f"chunk {chunk}" if chunk else "whole batch"
        print(
            f"{name:<12} allocator peak {row['allocator_peak_mb']:8.1f} MB  peak RSS growth "
            f"{row['rss_growth_mb']:8.1f} MB  {row['seconds']:.2f} s  nll {row['nll_sum']:.3f}"
        )
    emit(
        {
            "benchmark": "scoring_memory",
            "vocab": args.vocab,
            "context": args.context,
            "batch": args.batch,
            "whole_batch_logits_mb": round(logits_mb, 1),
            "runs": rows,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
