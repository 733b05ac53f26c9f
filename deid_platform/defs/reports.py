"""Reports over every fraction of a language: the paper's ablation table and plot."""

import base64
import json

from dagster import (
    AssetDep,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    MultiToSingleDimensionPartitionMapping,
    asset,
)

from deid_platform.core.ablation import ablation_rows, markdown_table, per_label_table, plot_png
from deid_platform.core.atomic import atomic_directory
from deid_platform.defs.annotator import annotator_model
from deid_platform.defs.corpora import OWNERS
from deid_platform.defs.synthetic_ner import synthetic_ner_model
from deid_platform.partitions import fraction_partitions, language_partitions
from deid_platform.resources import ArtifactStorage, MlflowTracking

_EVERY_FRACTION = MultiToSingleDimensionPartitionMapping(partition_dimension_name="language")


@asset(
    partitions_def=language_partitions,
    deps=[
        AssetDep(synthetic_ner_model, partition_mapping=_EVERY_FRACTION),
        AssetDep(annotator_model, partition_mapping=_EVERY_FRACTION),
    ],
    group_name="reports",
    owners=OWNERS,
    kinds={"python", "mlflow"},
    code_version="1",
)
def ablation_report(
    context: AssetExecutionContext, storage: ArtifactStorage, mlflow: MlflowTracking
) -> MaterializeResult:
    """Real against synthetic, fraction by fraction: token and strict entity F1 of the real
    annotator and of the synthetic NER model on real test data, their ratio, the ablation mode and
    volume, per-label F1, and a plot. Fractions not materialized yet are left out."""
    lang = context.partition_key
    real, synthetic, settings = {}, {}, {}
    for fraction in fraction_partitions.get_partition_keys():
        paths = (
            storage.path("annotator_model", lang, fraction, "metrics.json"),
            storage.path("synthetic_ner_model", lang, fraction, "metrics.json"),
            storage.path("synthetic_corpus", lang, fraction, "stats.json"),
        )
        if all(p.exists() for p in paths):
            real[fraction], synthetic[fraction], settings[fraction] = (
                json.loads(p.read_text()) for p in paths
            )
    rows = ablation_rows(real, synthetic, settings)
    if not rows:
        raise ValueError(f"no fraction of {lang!r} has both an annotator and a synthetic model yet")
    table = markdown_table(rows)
    labels = per_label_table(real, synthetic)
    png = plot_png(rows, f"{lang}: real vs synthetic de-identification")
    out = storage.path("ablation_report", lang)
    with atomic_directory(out) as staging:
        (staging / "ablation.md").write_text(f"{table}\n\n{labels}\n")
        (staging / "ablation.png").write_bytes(png)
        (staging / "rows.json").write_text(json.dumps(rows, indent=1))
    with mlflow.start_run(context) as run:
        for row in rows:
            run.log_metrics(
                {
                    f"{m}.{row['fraction']}": row[m]
                    for m in (
                        "real_token_f1",
                        "synthetic_token_f1",
                        "token_f1_ratio",
                        "strict_f1_ratio",
                    )
                }
            )
        for name in ("ablation.md", "ablation.png", "rows.json"):
            run.log_artifact(out / name)
    context.log.info(f"ablation report for {lang}: {len(rows)} fractions")
    image = base64.b64encode(png).decode()
    return MaterializeResult(
        metadata={
            "fractions": len(rows),
            "table": MetadataValue.md(table),
            "per_label": MetadataValue.md(labels),
            "plot": MetadataValue.md(f"![F1 against fraction](data:image/png;base64,{image})"),
            "path": MetadataValue.path(str(out)),
            "mlflow_run_id": run.run_id,
            "mlflow_url": MetadataValue.url(run.url),
        }
    )
