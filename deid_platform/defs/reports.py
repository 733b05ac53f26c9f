"""Reports over every fraction of a language: the paper's ablation table and plot."""

import base64
import json

from dagster import (
    AssetDep,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
)

from deid_platform.ablations import MODES
from deid_platform.conventions import REPORT, language_asset
from deid_platform.core.ablation import AblationRow, markdown_table, per_label, plot_png, summary
from deid_platform.core.markdown import table
from deid_platform.metadata import rows_table
from deid_platform.partitions import EVERY_FRACTION, fraction_partitions
from deid_platform.publishing import asset_run
from deid_platform.store import ArtifactStore, Partition
from deid_platform.tracking import MlflowTracking


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
                elif mode.name == "total":  # the ablation modes are run on demand only
                    left_out[f"{fraction} {mode.name}"] = row
        if not rows:
            raise ValueError(f"no fraction of {language!r} has a synthetic model yet: {left_out}")
        png = plot_png(rows, f"{language}: real vs synthetic de-identification")
        labels = per_label(rows)
        with run.write() as staging:
            (staging / "ablation.md").write_text(f"{markdown_table(rows)}\n\n{table(*labels)}\n")
            (staging / "ablation.png").write_bytes(png)
            (staging / "rows.json").write_text(json.dumps([r.to_dict() for r in rows], indent=1))
        for row in rows:
            suffix = row.fraction if row.mode == "total" else f"{row.fraction}.{row.mode}"
            run.mlflow.log_metrics(
                {
                    f"{k}.{suffix}": v
                    for k, v in row.to_dict().items()
                    if k.endswith(("f1", "ratio"))
                }
            )
        for name in ("ablation.md", "ablation.png", "rows.json"):
            run.mlflow.log_artifact(run.dir / name)
        run.log(f"ablation report for {language}: {len(rows)} rows, {len(left_out)} left out")
        image = base64.b64encode(png).decode()
        return run.result(
            {
                "rows": len(rows),
                "left_out": MetadataValue.json(left_out),
                "table": rows_table(*summary(rows)),
                "per_label": rows_table(*labels),
                "plot": MetadataValue.md(f"![F1 against fraction](data:image/png;base64,{image})"),
            }
        )
