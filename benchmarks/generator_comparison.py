"""Which generator writes the synthetic notes that teach de-identification best, on a real corpus?

For each candidate generator: train it on MEDDOCAN train (the platform's carved splits), write
synthetic notes prompted by dev, annotate them with a given annotator, run the text part of the
privacy audit (the leak gate's figures), train the embedded NER model on the synthetic notes only
and score it on the carved test split. Each candidate's result is kept in --out, so an interrupted
run resumes where it stopped.

    .venv/bin/python -u -m benchmarks.generator_comparison \\
        --annotator benchmarks/out/meddocan_embedded_model --threads 1

Prints measured numbers; the last line is one JSON object."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import SHARED_DATA, emit, machine
from deid_platform.core.formats import read_splits
from deid_platform.core.labels import label_set
from deid_platform.core.lm.adaptation import adapt
from deid_platform.core.lm.model import build_lm, load_lm, save_lm, train_lm_tokenizer
from deid_platform.core.lm.presets import get_lm_preset
from deid_platform.core.lm.training import train_causal_lm
from deid_platform.core.metrics import evaluate
from deid_platform.core.ner.model import load_model
from deid_platform.core.ner.predict import predict_documents
from deid_platform.core.ner.presets import get_preset
from deid_platform.core.ner.training import train_ner
from deid_platform.core.privacy import text_audit, unseen_documents
from deid_platform.core.records import Sampling
from deid_platform.core.splits import assign_splits
from deid_platform.core.surrogates import generate_corpus
from deid_platform.core.synthesis import annotate_documents, generate_documents

SURROGATE_SEED = 1_000_016
SHAPE_SMALL = {"hidden_size": 128, "layers": 2, "heads": 4, "intermediate_size": 344}
SHAPE_4x256 = {"hidden_size": 256, "layers": 4, "heads": 4, "intermediate_size": 688}

# name -> (how, preset overrides). "lora"/"full": a base pre-trained on surrogate notes (no real
# data, tokenizer trained on them), then adapted; "scratch": model and tokenizer trained on the
# real training text only.
CANDIDATES: dict[str, tuple[str, dict[str, Any]]] = {
    # (a) and (b): today's embedded base, pre-trained on surrogate notes, LoRA or fully adapted.
    "a_lora_2x128": ("lora", {**SHAPE_SMALL, "vocab_size": 2000, "context": 256}),
    "b_full_2x128": ("full", {**SHAPE_SMALL, "vocab_size": 2000, "context": 256}),
    # The same two on a larger base.
    "a_lora_4x256": ("lora", {**SHAPE_4x256, "vocab_size": 8000, "context": 512}),
    "b_full_4x256": ("full", {**SHAPE_4x256, "vocab_size": 8000, "context": 512}),
    # (c): model and tokenizer trained from scratch on the real training text; batch 4 gives
    # four times the optimizer steps for the same compute.
    "c_scratch_4x256": ("scratch", {**SHAPE_4x256, "vocab_size": 8000, "context": 512}),
    "c_scratch_4x256_b4": (
        "scratch",
        {**SHAPE_4x256, "vocab_size": 8000, "context": 512, "batch_size": 4},
    ),
}


def train_generator(how: str, overrides: dict[str, Any], train_texts: list[str], args) -> tuple:
    preset = get_lm_preset(
        "embedded",
        **overrides,
        adapt_epochs=args.adapt_epochs,
        pretrain_epochs=args.pretrain_epochs,
        full_finetune=how == "full",
    )
    started = time.time()
    if how == "scratch":
        tokenizer = train_lm_tokenizer(train_texts, preset.vocab_size, preset.context)
        torch.manual_seed(args.seed)
        model = build_lm(preset, tokenizer)
        stats = train_causal_lm(
            model,
            tokenizer,
            train_texts,
            preset,
            args.scratch_epochs,
            preset.pretrain_learning_rate,
            args.seed,
            print,
        )
        return model, tokenizer, {"lm_seconds": time.time() - started, "loss": stats.final_loss}
    # Candidates of the same shape share their surrogate-pretrained base.
    base_dir = (
        Path(args.out) / "bases" / f"{preset.layers}x{preset.hidden_size}-{preset.vocab_size}"
    )
    if (base_dir / "done").exists():
        model, tokenizer = load_lm(base_dir)
        pretrain_seconds = float((base_dir / "done").read_text())
    else:
        surrogate = [
            d.text
            for d in generate_corpus("es", SURROGATE_SEED, {"pretrain": args.surrogate_documents})[
                "pretrain"
            ]
        ]
        tokenizer = train_lm_tokenizer(surrogate, preset.vocab_size, preset.context)
        torch.manual_seed(args.seed)
        model = build_lm(preset, tokenizer)
        train_causal_lm(
            model,
            tokenizer,
            surrogate,
            preset,
            preset.pretrain_epochs,
            preset.pretrain_learning_rate,
            args.seed,
            print,
        )
        pretrain_seconds = time.time() - started
        save_lm(model, tokenizer, base_dir)
        (base_dir / "done").write_text(str(pretrain_seconds))
    started = time.time() - pretrain_seconds
    model, stats, _ = adapt(model, tokenizer, train_texts, preset, args.seed, print)
    if how == "lora":
        model = model.merge_and_unload()
    return (
        model.eval(),
        tokenizer,
        {
            "lm_seconds": time.time() - started,
            "pretrain_seconds": pretrain_seconds,
            "loss": stats.final_loss,
        },
    )


def run_candidate(name: str, splits: dict, annotator: Path, args) -> dict[str, Any]:
    how, overrides = CANDIDATES[name]
    train, dev, test = splits["train"], splits["dev"], splits["test"]
    model, tokenizer, lm = train_generator(how, overrides, [d.text for d in train], args)
    docs, gen = generate_documents(
        model,
        tokenizer,
        train=train,
        reference=train,
        prompt_docs=dev,
        sampling=Sampling(args.volume, "corpus", 0.95, 1.0, 3, args.seed),
        language="es",
        batch_size=args.generation_batch_size,
        log=print,
    )
    started = time.time()
    annotated, labels = annotate_documents(docs, annotator, train, log=lambda _: None)
    annotate_seconds = time.time() - started
    audit = text_audit(
        [d.text for d in annotated], train, unseen_documents(splits, train), run_threshold=40
    )
    ner_preset = get_preset("embedded", epochs=args.ner_epochs)
    started = time.time()
    result = train_ner(ner_preset, annotated, seed=args.seed, labels=label_set(train))
    ner_seconds = time.time() - started
    metrics = evaluate(test, predict_documents(result.ner, test))
    return {
        "candidate": name,
        "method": how,
        **overrides,
        **{k: round(float(metrics[k]), 4) for k in HEADLINE},
        "lm_seconds": round(lm["lm_seconds"], 1),
        "generation_seconds": gen["generation_seconds"],
        "annotate_seconds": round(annotate_seconds, 1),
        "synthetic_ner_seconds": round(ner_seconds, 1),
        "lm_final_loss": round(lm["loss"], 4),
        **{k: gen[k] for k in GENERATION_STATS},
        "spans": labels["spans"],
        "label_jsd_vs_real": labels["label_jsd_vs_real"],
        "under_represented_labels": labels["under_represented_labels"],
        "ngram_recall_5": round(audit["ngram_recall_5"], 4),
        "phi_replay_excess": round(audit["phi_replay_excess.all"], 4),
        "longest_verbatim_run": audit["longest_verbatim_run"],
        "documents_over_run_threshold": audit["documents_over_run_threshold"],
    }


HEADLINE = ("token_f1", "strict_f1", "binary_recall")
GENERATION_STATS = (
    "documents",
    "tokens_generated",
    "tokens_produced",
    "volume_tokens",
    "generation_tokens_per_second",
    "ended_with_eos",
    "median_characters",
    "real_median_characters",
    "volume_characters",
    "distinct_3",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(SHARED_DATA / "meddocan"))
    parser.add_argument("--annotator", required=True, help="a saved NER model (the annotator)")
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument("--volume", type=float, default=1.0)
    parser.add_argument("--pretrain-epochs", type=float, default=10.0)
    parser.add_argument("--adapt-epochs", type=float, default=3.0)
    parser.add_argument("--scratch-epochs", type=float, default=6.0)
    parser.add_argument("--surrogate-documents", type=int, default=600)
    parser.add_argument("--ner-epochs", type=float, default=10.0)
    parser.add_argument("--generation-batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", default="benchmarks/out/generator_comparison")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    splits, _ = assign_splits(read_splits(args.data, "brat"), seed=args.seed)
    real = evaluate(splits["test"], predict_documents(load_model(args.annotator), splits["test"]))
    print("annotator on test:", {k: round(float(real[k]), 4) for k in HEADLINE})
    rows = []
    for name in args.candidates.split(","):
        done = out / f"{name}.json"
        if done.exists():
            rows.append(json.loads(done.read_text()))
            continue
        print(f"== {name}")
        row = run_candidate(name, splits, Path(args.annotator), args)
        for k in HEADLINE:
            row[f"{k}_ratio"] = round(row[k] / float(real[k]), 4)
        done.write_text(json.dumps(row, indent=1))
        print(json.dumps(row))
        rows.append(row)
    print(
        "| candidate | token F1 | strict F1 | binary recall | ratios | 5-gram recall | "
        "replay excess | longest run | LM s | generation s | NER s |"
    )
    for r in rows:
        print(
            f"| {r['candidate']} | {r['token_f1']:.3f} | {r['strict_f1']:.3f} | "
            f"{r['binary_recall']:.3f} | {r['token_f1_ratio']:.2f} / {r['strict_f1_ratio']:.2f} / "
            f"{r['binary_recall_ratio']:.2f} | {r['ngram_recall_5']:.3f} | "
            f"{r['phi_replay_excess']:.3f} | {r['longest_verbatim_run']} | {r['lm_seconds']:.0f} | "
            f"{r['generation_seconds']:.0f} | {r['synthetic_ner_seconds']:.0f} |"
        )
    emit(
        {
            "benchmark": "generator_comparison",
            "volume": args.volume,
            "annotator": {k: round(float(real[k]), 4) for k in HEADLINE},
            "candidates": rows,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
