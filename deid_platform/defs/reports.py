"""Reports over every fraction of a language: the paper's ablation table and plot."""

import base64
import json

from dagster import (
    AssetDep,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
)

from deid_platform.core.ablation import (
    AblationRow,
    markdown_table,
    per_label,
    plot_png,
    summary_half,
)
from deid_platform.core.markdown import table
from deid_platform.partitions import EVERY_FRACTION, Partition, fraction_partitions
from deid_platform.plumbing.assets import REPORT, language_asset
from deid_platform.plumbing.metadata import rows_table
from deid_platform.plumbing.publishing import asset_run
from deid_platform.plumbing.store import ArtifactStore
from deid_platform.plumbing.tracking import MlflowTracking
from deid_platform.study.modes import MODES


@language_asset(
    deps=[
        AssetDep(mode.key(name), partition_mapping=EVERY_FRACTION)
        for mode in MODES
        for name in ("synthetic_ner_model", "synthetic_corpus")
    ]
    + [
        AssetDep("annotator_model", partition_mapping=EVERY_FRACTION),
        AssetDep("synthetic_text", partition_mapping=EVERY_FRACTION),
    ],
    group_name="reports",
    kinds={"python", "mlflow"},
    code_version="2",
    automation_condition=REPORT,
)
def ablation_report(
    context: AssetExecutionContext, store: ArtifactStore, tracking: MlflowTracking
) -> MaterializeResult:
    """Real against synthetic, fraction by fraction and ablation mode by mode: token and strict
    entity F1 of the real annotator and of the synthetic NER model on real test data, their ratios,
    binary PHI recall, volume, per-label F1, and a plot. Every partition left out is listed with
    its reason (not materialized yet, or blocked by the leak gate)."""
    with asset_run(context, store, tracking) as run:
        language = run.partition.language
        rows, left_out = [], {}
        for fraction in fraction_partitions.get_partition_keys():
            for mode in MODES:
                row = mode.row(store, Partition(language, fraction))
                if isinstance(row, AblationRow):
                    rows.append(row)
                elif mode.automated:  # the ablations run on demand: missing is no news
                    left_out[f"{fraction} {mode.name}"] = row
        if not rows:
            raise ValueError(f"no fraction of {language!r} has a synthetic model yet: {left_out}")
        missing = [key.split()[0] for key in left_out]
        png = plot_png(rows, f"{language}: real vs synthetic de-identification", missing)
        labels = per_label(rows)
        with run.write() as files:
            files.path("markdown").write_text(f"{markdown_table(rows)}\n\n{table(*labels)}\n")
            files.path("plot").write_bytes(png)
            files.path("rows").write_text(json.dumps([r.to_dict() for r in rows], indent=1))
        for row in rows:
            suffix = row.fraction if row.rank == 0 else f"{row.fraction}.{row.mode}"
            run.mlflow.log_metrics(
                {
                    f"{k}.{suffix}": v
                    for k, v in row.to_dict().items()
                    if k.endswith(("f1", "ratio"))
                }
            )
        for role in ("markdown", "plot", "rows"):
            run.mlflow.log_artifact(run.files.path(role))
        plot_name = run.files.path("plot").name
        run.log(f"ablation report for {language}: {len(rows)} rows, {len(left_out)} left out")
        image = base64.b64encode(png).decode()
        # Markdown under 1,000 characters shows inline; the image itself comes from MLflow.
        plot_url = f"{tracking.ui_url}/get-artifact?path={plot_name}&run_uuid={run.mlflow.run_id}"
        return run.result(
            {
                "rows": len(rows),
                "left_out": MetadataValue.json(left_out),
                "token_f1": rows_table(*summary_half(rows, "token")),
                "strict_f1": rows_table(*summary_half(rows, "strict")),
                "per_label": rows_table(*labels),
                "plot": MetadataValue.md(f"![F1 against fraction]({plot_url})"),
                "plot_png": MetadataValue.md(
                    f"![F1 against fraction](data:image/png;base64,{image})"
                ),
            }
        )
