"""The summary `make demo` prints, read back from the Dagster instance's materializations; the
ablation tables come last."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

from deid_platform.core.markdown import table
from deid_platform.core.splits import SPLITS
from deid_platform.partitions import Partition, fraction_partitions
from deid_platform.plumbing.store import Files


def latest_metadata(
    instance: DagsterInstance, asset: str | AssetKey, partition: Partition | None = None
) -> dict[str, Any]:
    records = instance.fetch_materializations(
        AssetRecordsFilter(
            asset_key=AssetKey.from_coercible(asset),
            asset_partitions=[str(partition.key)] if partition else None,
        ),
        limit=1,
    ).records
    if not records or records[0].asset_materialization is None:
        return {}
    return {k: v.value for k, v in records[0].asset_materialization.metadata.items()}


def _whole(value: float | None) -> str:
    # A median may fall between two notes and a speed has no useful decimals: both print whole.
    return "-" if value is None else f"{value:,.0f}"


def summary(instance: DagsterInstance, languages: Sequence[str]) -> str:
    fractions = fraction_partitions.get_partition_keys()
    corpus_rows, text_rows = [], []
    for lang in languages:
        meta = latest_metadata(instance, "real_corpus", Partition(lang))
        corpus_rows.append(
            [lang]
            + [f"{meta.get(f'{s}_documents', '-')} / {meta.get(f'{s}_spans', '-')}" for s in SPLITS]
        )
        for fraction in fractions:
            meta = latest_metadata(instance, "synthetic_text", Partition(lang, fraction))
            gate = str(meta.get("leak_gate", "-"))
            text_rows.append(
                [
                    lang,
                    fraction,
                    meta.get("documents", "-"),
                    _whole(meta.get("median_characters")),
                    _whole(meta.get("generation_tokens_per_second")),
                    gate if len(gate) < 40 else "BLOCKED",
                ]
            )
    parts = [
        "real_corpus (documents / spans)",
        table(["language", *SPLITS], corpus_rows),
        "",
        "synthetic_text",
        table(
            ["language", "fraction", "notes", "median chars", "tokens/s", "leak gate"],
            text_rows,
            [False, False, True, True, True, False],
        ),
    ]
    for lang in languages:
        meta = latest_metadata(instance, "ablation_report", Partition(lang))
        parts += ["", f"ablation_report[{lang}]: real annotator vs synthetic NER, real test data"]
        report = Files("ablation_report", Path(meta["path"])).path("markdown") if meta else None
        parts.append(
            report.read_text().split("\n\n")[0] if report and report.exists() else "(missing)"
        )
        left_out = meta.get("left_out") or {}
        parts += [f"left out {part}: {why}" for part, why in left_out.items()]
    return "\n".join(parts)
