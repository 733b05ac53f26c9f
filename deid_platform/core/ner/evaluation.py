"""Train, evaluate on real test data and save: the unit of work an NER asset runs, in process or
in a separate process or pod (see deid_platform.runners.pipes_entry)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from deid_platform.core.documents import Document
from deid_platform.core.metrics import evaluate
from deid_platform.core.ner.predict import predict_documents
from deid_platform.core.ner.presets import NerPreset
from deid_platform.core.ner.training import train_ner
from deid_platform.core.records import NerScores


def train_evaluate_save(
    preset: NerPreset,
    train_docs: Sequence[Document],
    test_docs: Sequence[Document],
    labels: list[str],
    model_dir: Path,
    scores_path: Path,
    seed: int,
    device: str | None = None,
    report: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Writes the model into `model_dir` and its scores on the test documents to `scores_path`;
    returns the metrics with the training time."""
    result = train_ner(
        preset, list(train_docs), seed=seed, labels=labels, report=report, device=device
    )
    predictions = predict_documents(
        result.ner,
        list(test_docs),
        report=lambda done, total: report(f"annotated {done}/{total} test windows"),
    )
    metrics = evaluate(test_docs, predictions)
    result.ner.save(model_dir, extra={"preset": preset.to_dict(), "labels": labels})
    NerScores.from_dict(metrics).write(scores_path)
    return {
        **metrics,
        "train_seconds": result.seconds,
        "train_steps": result.steps,
        "precision": result.precision,
    }
