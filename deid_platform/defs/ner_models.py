"""What the annotator and the synthetic NER model share: train on documents, evaluate on the real
test split, save the model directory, log to MLflow, register it, and describe it in metadata."""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, Config, MetadataValue

from deid_platform.core.atomic import atomic_directory
from deid_platform.core.documents import Document
from deid_platform.core.hashing import directory_sha256
from deid_platform.core.metrics import evaluate
from deid_platform.core.ner.predict import predict_documents
from deid_platform.core.ner.presets import get_preset
from deid_platform.core.ner.training import train_ner
from deid_platform.defs.metadata import per_label_table
from deid_platform.resources import Compute, MlflowTracking

HEADLINE = ("token_f1", "strict_f1", "relaxed_f1", "binary_recall", "leak_score")


class NerTrainingConfig(Config):
    preset: str = "embedded"
    """embedded (CPU), gpu (larger from-scratch encoder) or pretrained (model_name_or_path)."""
    model_name_or_path: str | None = None
    """A local directory or hub id for the pretrained preset."""
    epochs: float | None = None
    min_steps: int | None = None
    learning_rate: float | None = None
    batch_size: int | None = None
    seed: int = 13
    f1_floor: float = 0.5
    """The F1-floor check warns when token F1 on the real test split falls below this."""


def train_evaluate_register(
    context: AssetExecutionContext,
    config: NerTrainingConfig,
    compute: Compute,
    mlflow: MlflowTracking,
    train_docs: Sequence[Document],
    test_docs: Sequence[Document],
    labels: list[str],
    out: Path,
    extra_params: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Returns (metrics, metadata). The model lands in `out/model`, atomically."""
    device = compute.apply()
    preset = get_preset(
        config.preset,
        epochs=config.epochs,
        min_steps=config.min_steps,
        learning_rate=config.learning_rate,
        batch_size=config.batch_size,
        model_name_or_path=config.model_name_or_path,
    )
    context.log.info(
        f"training {preset.name} NER on {len(train_docs)} documents ({device}, "
        f"{preset.epochs:g} epochs)"
    )
    result = train_ner(
        preset,
        list(train_docs),
        seed=config.seed,
        labels=labels,
        report=context.log.info,
        device=device,
    )
    predictions = predict_documents(
        result.ner,
        list(test_docs),
        report=lambda done, total: context.log.debug(f"predicted {done}/{total} windows"),
    )
    metrics = evaluate(test_docs, predictions)
    with atomic_directory(out) as staging:
        result.ner.save(staging / "model", extra={"preset": preset.to_dict(), "labels": labels})
        (staging / "metrics.json").write_text(json.dumps(metrics, indent=1, default=float))
    model_sha = directory_sha256(out / "model")
    asset = context.asset_key.to_user_string()
    keys = context.partition_key.keys_by_dimension
    with mlflow.start_run(context) as run:
        run.log_params(
            {
                **{f"preset.{k}": v for k, v in preset.to_dict().items()},
                "seed": config.seed,
                "train_documents": len(train_docs),
                "test_documents": len(test_docs),
                "model_sha256": model_sha,
                **extra_params,
            }
        )
        run.log_metrics(
            {k: metrics[k] for k in HEADLINE}
            | {f"f1.{label}": v["f1"] for label, v in metrics["per_label"].items()}
            | {"train_seconds": result.seconds, "train_steps": result.steps}
        )
        run.log_artifact(out / "metrics.json")
        version = run.register_model(
            f"{asset}-{keys['language']}-{keys['fraction']}",
            out / "model",
            {"model_sha256": model_sha, "dagster.run_id": context.run.run_id},
        )
    metadata = {
        **{k: float(metrics[k]) for k in HEADLINE},
        "per_label": per_label_table(metrics["per_label"]),
        "train_documents": len(train_docs),
        "test_documents": len(test_docs),
        "train_seconds": round(result.seconds, 1),
        "train_steps": result.steps,
        "preset": preset.name,
        "device": device,
        "model_path": MetadataValue.path(str(out / "model")),
        "model_sha256": model_sha,
        "mlflow_run_id": run.run_id,
        "mlflow_url": MetadataValue.url(run.url),
        "registered_model_version": version,
    }
    return metrics, metadata
