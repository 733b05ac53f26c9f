"""What the annotator and the synthetic NER models share: training in process or through Dagster
Pipes, evaluation on the real test split, publication, and the F1-floor check."""

from collections.abc import Sequence
from typing import Any

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey

from deid_platform.core.documents import Document
from deid_platform.core.formats.jsonl import write_jsonl
from deid_platform.core.ner.evaluation import train_evaluate_save
from deid_platform.core.ner.presets import NerPreset, get_preset
from deid_platform.core.preset import overrides
from deid_platform.core.records import NerScores
from deid_platform.partitions import language_fraction_partitions
from deid_platform.plumbing.compute import Compute, TrainingLauncher
from deid_platform.plumbing.metadata import per_label_table, rounded
from deid_platform.plumbing.publishing import AssetRun
from deid_platform.plumbing.store import Files


def f1_floor_check(asset: str | AssetKey) -> AssetCheckSpec:
    return AssetCheckSpec(
        "f1_above_floor",
        asset=asset,
        partitions_def=language_fraction_partitions,
        description="Token F1 on the real test split reaches the configured f1_floor.",
    )


def f1_floor_result(scores: NerScores, floor: float) -> AssetCheckResult:
    passed = scores.token_f1 >= floor
    return AssetCheckResult(
        passed=passed,
        severity=AssetCheckSeverity.WARN,
        description=f"token F1 {scores.token_f1:.3f} {'>=' if passed else '<'} floor {floor}",
        metadata=rounded({"token_f1": scores.token_f1, "floor": floor}),
    )


def train_ner_model(
    run: AssetRun,
    config: Any,
    compute: Compute,
    launcher: TrainingLauncher,
    train_docs: Sequence[Document],
    test_docs: Sequence[Document],
    labels: list[str],
    epochs_scale: float = 1.0,
) -> tuple[NerScores, str, dict[str, Any]]:
    """Trains, evaluates on the real test split and registers the model of this partition.
    `epochs_scale` multiplies the preset's epochs where the config leaves them unset. Returns
    the model's scores, its hash (the data version) and its metadata."""
    device = compute.apply()
    preset = get_preset(config.preset, **overrides(config, NerPreset))
    if config.epochs is None and epochs_scale != 1.0:
        preset = preset.with_overrides(epochs=preset.epochs * epochs_scale)
    run.log(f"{preset.name} NER on {len(train_docs)} documents ({device}, {config.execution})")
    with run.write() as files:
        if config.execution == "pipes":
            job = {"preset": preset.to_dict(), "labels": labels, "seed": config.seed}
            stats = _through_pipes(run, launcher, job, train_docs, test_docs, files, device)
        else:
            stats = train_evaluate_save(
                preset,
                train_docs,
                test_docs,
                labels,
                files.path("model"),
                files.path("scores"),
                config.seed,
                device,
                run.log,
            )
    scores = NerScores.read(run.files.path("scores"))
    sha = run.register_model()
    run.mlflow.log_params({f"preset.{k}": v for k, v in preset.to_dict().items()})
    run.mlflow.log_metrics({f"f1.{label}": v["f1"] for label, v in scores.per_label.items()})
    run.mlflow.log_artifact(run.files.path("scores"))
    return (
        scores,
        sha,
        {
            **scores.headline(),
            "per_label": per_label_table(scores.per_label),
            "train_documents": len(train_docs),
            "test_documents": len(test_docs),
            "train_seconds": round(stats["train_seconds"], 1),
            "train_steps": int(stats["train_steps"]),
            "preset": preset.name,
            "device": device,
            "precision": stats["precision"],
            "execution": config.execution,
        },
    )


def _through_pipes(
    run: AssetRun,
    launcher: TrainingLauncher,
    job: dict[str, Any],
    train_docs: Sequence[Document],
    test_docs: Sequence[Document],
    out: Files,
    device: str,
) -> dict[str, Any]:
    """The same training in another process or pod, writing `out`'s files; the real text it is
    handed is deleted as soon as it is done."""
    inputs = out.folder.parent / f"{out.folder.name}-inputs"
    handed = {
        "train": (inputs / "train.jsonl", train_docs),
        "test": (inputs / "test.jsonl", test_docs),
    }
    try:
        for path, docs in handed.values():
            write_jsonl(list(docs), path)
        extras = {
            "task": "ner-train",
            **job,
            **{split: str(path) for split, (path, _) in handed.items()},
            "model": str(out.path("model")),
            "scores": str(out.path("scores")),
            "device": device,
        }
        return launcher.run(run.context, extras)
    finally:
        for path, _ in handed.values():
            path.unlink(missing_ok=True)
        if inputs.exists():
            inputs.rmdir()
