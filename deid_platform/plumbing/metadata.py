"""Counts and scores rendered as markdown metadata for the UI. Never text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

from deid_platform.core.markdown import table

# Every float the platform shows or tracks (metadata, MLflow metrics and params) has this many
# decimals: 0.8000000000000002 and 24.598790968790297 read as 0.8 and 24.5988, and scores of one
# page compare digit by digit.
DECIMALS = 4


def rounded(value: Any) -> Any:
    """`value` with every float in it, inside dicts, lists and tuples too, rounded to `DECIMALS`;
    anything else (a MetadataValue) as it is."""
    if isinstance(value, float):
        return round(value, DECIMALS)
    if type(value) is dict:
        return {k: rounded(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(rounded(v) for v in value)
    return value


def label_table(columns: Mapping[str, Mapping[str, int]]) -> MetadataValue:
    """Span counts per label, one column per split or sample."""
    labels = sorted({label for counts in columns.values() for label in counts})
    rows = [[label, *(counts.get(label, 0) for counts in columns.values())] for label in labels]
    return MetadataValue.md(table(["label", *columns], rows, [False, *[True] * len(columns)]))


def per_label_table(per_label: Mapping[str, Mapping[str, float]]) -> MetadataValue:
    rows = [
        [label, v["precision"], v["recall"], v["f1"], int(v["support"])]
        for label, v in sorted(per_label.items())
    ]
    header = ["label", "precision", "recall", "F1", "support"]
    return MetadataValue.md(table(header, rows, [False, True, True, True, True]))


def rows_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> MetadataValue:
    """A table the UI renders inline (markdown metadata sits behind a "Show Markdown" button)."""
    kinds = [
        "float" if rows and all(isinstance(r[i], float) for r in rows) else "string"
        for i in range(len(header))
    ]
    records = [
        TableRecord(
            {
                name: rounded(value) if kind == "float" else str(value)
                for name, kind, value in zip(header, kinds, row, strict=True)
            }
        )
        for row in rows
    ]
    columns = [TableColumn(name, kind) for name, kind in zip(header, kinds, strict=True)]
    return MetadataValue.table(records, schema=TableSchema(columns))
