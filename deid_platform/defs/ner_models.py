"""What the annotator and the synthetic NER model share: train on documents, evaluate on the real
test split, save the model directory, log to MLflow, register it, and describe it in metadata.
Training runs in process or, with `execution: pipes`, through Dagster Pipes."""

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, Config, MetadataValue, PipesSubprocessClient

from deid_platform.core.atomic import atomic_directory
from deid_platform.core.documents import Document
from deid_platform.core.formats.jsonl import write_jsonl
from deid_platform.core.hashing import directory_sha256
from deid_platform.core.ner.evaluation import train_evaluate_save
from deid_platform.core.ner.presets import NerPreset, get_preset
from deid_platform.defs.metadata import per_label_table
from deid_platform.resources import Compute, MlflowTracking, gpu_pod_spec

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
    execution: str = "in_process"
    """`pipes` trains in a separate process through Dagster Pipes (the `pipes` resource: a
    subprocess here, a GPU pod with PipesK8sClient on a cluster, see deploy/k8s)."""

    def overrides(self) -> dict[str, Any]:
        return {
            "epochs": self.epochs,
            "min_steps": self.min_steps,
            "learning_rate": self.learning_rate,
            "batch_size": self.batch_size,
            "model_name_or_path": self.model_name_or_path,
        }


def _remote_training(
    context: AssetExecutionContext,
    pipes: PipesSubprocessClient,
    config: NerTrainingConfig,
    train_docs: Sequence[Document],
    test_docs: Sequence[Document],
    labels: list[str],
    staging: Path,
    device: str,
) -> dict[str, Any]:
    write_jsonl(list(train_docs), staging / "inputs" / "train.jsonl")
    write_jsonl(list(test_docs), staging / "inputs" / "test.jsonl")
    extras = {
        "task": "ner-train",
        "preset": config.preset,
        "overrides": {k: v for k, v in config.overrides().items() if v is not None},
        "train": str(staging / "inputs" / "train.jsonl"),
        "test": str(staging / "inputs" / "test.jsonl"),
        "labels": labels,
        "out": str(staging),
        "seed": config.seed,
        "device": device,
    }
    if isinstance(pipes, PipesSubprocessClient):
        invocation = pipes.run(
            context=context.op_execution_context,
            command=[sys.executable, "-m", "deid_platform.remote"],
            extras=extras,
        )
    else:
        # PipesK8sClient: the step runs in a GPU pod of the platform's image, with the artifact
        # volume mounted at the same path, so `staging` is shared (deploy/k8s).
        invocation = pipes.run(
            context=context.op_execution_context,
            image=os.environ["DEID_PIPES_IMAGE"],
            command=["python", "-m", "deid_platform.remote"],
            extras=extras,
            base_pod_spec=gpu_pod_spec(),
        )
    messages = invocation.get_custom_messages()
    # The inputs are real text: they do not outlive the step.
    for name in ("train.jsonl", "test.jsonl"):
        (staging / "inputs" / name).unlink()
    (staging / "inputs").rmdir()
    return messages[-1]


def train_evaluate_register(
    context: AssetExecutionContext,
    config: NerTrainingConfig,
    compute: Compute,
    mlflow: MlflowTracking,
    pipes: PipesSubprocessClient,
    train_docs: Sequence[Document],
    test_docs: Sequence[Document],
    labels: list[str],
    out: Path,
    extra_params: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Returns (metrics, metadata). The model lands in `out/model`, atomically."""
    device = compute.apply()
    preset: NerPreset = get_preset(config.preset, **config.overrides())
    context.log.info(
        f"training {preset.name} NER on {len(train_docs)} documents ({device}, "
        f"{preset.epochs:g} epochs, {config.execution})"
    )
    with atomic_directory(out) as staging:
        if config.execution == "pipes":
            run_stats = _remote_training(
                context, pipes, config, train_docs, test_docs, labels, staging, device
            )
        elif config.execution == "in_process":
            run_stats = train_evaluate_save(
                preset,
                train_docs,
                test_docs,
                labels,
                staging,
                config.seed,
                device,
                context.log.info,
            )
        else:
            raise ValueError(f"execution must be in_process or pipes, got {config.execution!r}")
    metrics = json.loads((out / "metrics.json").read_text())
    model_sha = directory_sha256(out / "model")
    asset = context.asset_key.to_user_string()
    keys = context.partition_key.keys_by_dimension
    with mlflow.start_run(context) as run:
        run.log_params(
            {
                **{f"preset.{k}": v for k, v in preset.to_dict().items()},
                "seed": config.seed,
                "execution": config.execution,
                "train_documents": len(train_docs),
                "test_documents": len(test_docs),
                "model_sha256": model_sha,
                **extra_params,
            }
        )
        run.log_metrics(
            {k: metrics[k] for k in HEADLINE}
            | {f"f1.{label}": v["f1"] for label, v in metrics["per_label"].items()}
            | {"train_seconds": run_stats["train_seconds"], "train_steps": run_stats["train_steps"]}
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
        "train_seconds": round(run_stats["train_seconds"], 1),
        "train_steps": int(run_stats["train_steps"]),
        "preset": preset.name,
        "device": device,
        "execution": config.execution,
        "model_path": MetadataValue.path(str(out / "model")),
        "model_sha256": model_sha,
        "mlflow_run_id": run.run_id,
        "mlflow_url": MetadataValue.url(run.url),
        "registered_model_version": version,
    }
    return metrics, metadata
