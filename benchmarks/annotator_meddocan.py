"""Trains an annotator on MEDDOCAN train and reports its metrics on the platform's carved test
split (a seeded half of dev; the other half prompts the generator), under every decoding, and the
wall time.

    .venv/bin/python -m benchmarks.annotator_meddocan --preset embedded --threads 1
    python -m benchmarks.annotator_meddocan --preset gpu          # on the H100

Prints measured numbers; the last line is one JSON object."""

import argparse
import time

import torch

from benchmarks.common import SHARED_DATA, emit, machine
from deid_platform.core.formats import read_splits
from deid_platform.core.labels import label_set
from deid_platform.core.metrics import evaluate
from deid_platform.core.ner.predict import predict_documents
from deid_platform.core.ner.presets import get_preset
from deid_platform.core.ner.training import train_ner
from deid_platform.core.ner.transitions import DECODINGS
from deid_platform.core.splits import assign_splits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="embedded")
    parser.add_argument("--data", default=str(SHARED_DATA / "meddocan"))
    parser.add_argument("--epochs", type=float)
    parser.add_argument("--vocab-size", type=int)
    parser.add_argument("--max-minutes", type=float, default=20.0)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--save", help="keep the trained model here (for annotation_throughput)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    splits, _ = assign_splits(read_splits(args.data, "brat"), seed=args.seed)
    train, test = splits["train"], splits["test"]
    preset = get_preset(args.preset, epochs=args.epochs, vocab_size=args.vocab_size)
    print(f"preset {preset.to_dict()}")
    print(f"train {len(train)} documents, test {len(test)} documents; {machine()}")
    result = train_ner(
        preset,
        train,
        seed=args.seed,
        labels=label_set(train),
        report=print,
        max_seconds=args.max_minutes * 60,
    )
    if args.save:
        result.ner.save(args.save, extra={"preset": preset.to_dict()})
    headline = ("token_f1", "strict_f1", "relaxed_f1", "binary_recall", "leak_score")
    by_decoding, predict_seconds = {}, {}
    for decoding in DECODINGS:
        started = time.time()
        predicted = predict_documents(result.ner, test, decoding=decoding)
        predict_seconds[decoding] = round(time.time() - started, 1)
        metrics = evaluate(test, predicted)
        by_decoding[decoding] = {k: round(float(metrics[k]), 4) for k in headline}
        print(f"test ({decoding}):", by_decoding[decoding])
        if decoding == DECODINGS[0]:
            for label, values in sorted(metrics["per_label"].items()):
                print(
                    f"{label:<36} P {values['precision']:.3f} R {values['recall']:.3f} "
                    f"F1 {values['f1']:.3f} n={values['support']}"
                )
    emit(
        {
            "benchmark": "annotator_meddocan",
            "preset": preset.name,
            "epochs_planned": preset.epochs,
            "train_steps": result.steps,
            "train_seconds": round(result.seconds, 1),
            "test_documents": len(test),
            "predict_seconds": predict_seconds,
            "decodings": by_decoding,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
