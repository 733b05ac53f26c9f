"""Trains an annotator (on a nested sample of train with --fraction) and scores it on the dev
split, the one that chooses settings: the first seeded half of MEDDOCAN's dev folder (core.splits);
the second half is the carved test, for the integrator's final figures only (--split test). One
model, every decoding, then the fixed-shape recognizers merged one at a time and together; a
comparison table and strict F1 per label.

    .venv/bin/python -m benchmarks.annotator_meddocan --threads 1 --fraction 0.25 --word-shapes
    .venv/bin/python -m benchmarks.annotator_meddocan --load DIR   # score a saved model
    .venv/bin/python -m benchmarks.annotator_meddocan --data ../shared/data/swedish_ner \
        --format conll --lenient                                   # dev carved from train
    python -m benchmarks.annotator_meddocan --preset gpu           # on the H100

Prints measured numbers; the last line is one JSON object."""

import argparse
import time
from pathlib import Path

import torch

from benchmarks.common import SHARED_DATA, emit, machine
from deid_platform.core.formats import read_splits
from deid_platform.core.labels import label_set
from deid_platform.core.metrics import evaluate
from deid_platform.core.ner.model import load_model
from deid_platform.core.ner.predict import predict_documents
from deid_platform.core.ner.presets import NerPreset, get_preset
from deid_platform.core.ner.recognizers import RECOGNIZERS, parse_recognizers
from deid_platform.core.ner.training import train_ner
from deid_platform.core.ner.transitions import DECODINGS
from deid_platform.core.preset import add_flags, overrides
from deid_platform.core.splits import assign_splits, nested_sample

HEADLINE = ("token_f1", "strict_f1", "relaxed_f1", "binary_recall", "leak_score")


def variants(recognizers: str) -> list[tuple[str, list[str]]]:
    """Every decoding on the model alone, then the default decoding with the recognizers added
    one at a time and all together."""
    chosen = parse_recognizers(recognizers)
    out = [(decoding, []) for decoding in DECODINGS]
    out += [(DECODINGS[0], [name]) for name in chosen]
    if len(chosen) > 1:
        out.append((DECODINGS[0], chosen))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="embedded")
    parser.add_argument("--data", default=str(SHARED_DATA / "meddocan"))
    parser.add_argument("--format", default="brat", help="of --data: brat, conll, jsonl")
    parser.add_argument(
        "--lenient", action="store_true", help="skip malformed lines (the Swedish NER corpus)"
    )
    parser.add_argument("--max-minutes", type=float, default=20.0)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--save", help="keep the trained model here (for annotation_throughput)")
    parser.add_argument("--load", help="score this saved model instead of training one")
    parser.add_argument(
        "--split",
        choices=("dev", "test"),
        default="dev",
        help="dev chooses settings; the carved test is for the integrator's final figures only",
    )
    parser.add_argument(
        "--compare-recognizers",
        dest="recognizers",
        default=",".join(RECOGNIZERS),
        help="recognizers to score beside the model (comma-separated; the model keeps its own "
        "preset setting only when scored with --load)",
    )
    parser.add_argument("--fraction", type=float, default=1.0, help="nested sample of train")
    add_flags(parser, NerPreset, skip=("model_name_or_path",))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    splits, _ = assign_splits(read_splits(args.data, args.format, args.lenient), seed=args.seed)
    train = nested_sample(splits["train"], args.fraction, seed=args.seed)
    test = splits[args.split]
    preset = get_preset(args.preset, **overrides(args, NerPreset))
    print(f"preset {preset.to_dict()}")
    print(f"train {len(train)} documents, {args.split} {len(test)} documents; {machine()}")
    if args.load:
        ner, train_seconds, train_steps = load_model(args.load), None, None
    else:
        result = train_ner(
            preset,
            train,
            seed=args.seed,
            labels=label_set(splits["train"]),
            report=print,
            max_seconds=args.max_minutes * 60,
        )
        ner, train_seconds, train_steps = result.ner, round(result.seconds, 1), result.steps
        if args.save:
            ner.save(args.save, extra={"preset": preset.to_dict()})
    rows, per_label, predict_seconds = {}, {}, {}
    for decoding, recognizers in variants(args.recognizers):
        name = f"{decoding}+{'+'.join(recognizers) or 'model only'}"
        started = time.time()
        predicted = predict_documents(ner, test, decoding=decoding, recognizers=recognizers)
        predict_seconds[name] = round(time.time() - started, 1)
        metrics = evaluate(test, predicted)
        rows[name] = {k: round(float(metrics[k]), 4) for k in HEADLINE}
        per_label[name] = {k: round(v["f1"], 3) for k, v in metrics["per_label"].items()}
        support = {k: v["support"] for k, v in metrics["per_label"].items()}
    print(f"\n{args.split}: {len(test)} documents")
    print("| decoding + recognizers | " + " | ".join(HEADLINE) + " | predict s |")
    print("|---|" + "---:|" * (len(HEADLINE) + 1))
    for name, row in rows.items():
        values = " | ".join(f"{row[k]:.4f}" for k in HEADLINE)
        print(f"| {name} | {values} | {predict_seconds[name]} |")
    print("\nstrict F1 per label (n = mentions in the scored split)")
    print("| label | n | " + " | ".join(rows) + " |")
    print("|---|---:|" + "---:|" * len(rows))
    for label in sorted(support, key=lambda k: -support[k]):
        values = " | ".join(f"{per_label[name].get(label, 0.0):.3f}" for name in rows)
        print(f"| {label} | {support[label]} | {values} |")
    emit(
        {
            "benchmark": "annotator_meddocan",
            "data": Path(args.data).name,
            "preset": preset.name,
            "epochs_planned": preset.epochs,
            "train_fraction": args.fraction,
            "train_documents": len(train),
            "train_steps": train_steps,
            "train_seconds": train_seconds,
            "split": args.split,
            "scored_documents": len(test),
            "predict_seconds": predict_seconds,
            "scores": rows,
            "per_label_strict_f1": per_label,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
