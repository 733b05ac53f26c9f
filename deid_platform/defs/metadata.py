"""Metadata helpers: counts and hashes rendered for the UI. Never text."""

from __future__ import annotations

from collections.abc import Mapping

from dagster import MetadataValue


def label_table(columns: Mapping[str, Mapping[str, int]]) -> MetadataValue:
    """A markdown table of span counts per label, one column per split or sample."""
    labels = sorted({label for counts in columns.values() for label in counts})
    header = "| label | " + " | ".join(columns) + " |"
    rule = "|---|" + "---:|" * len(columns)
    rows = [
        f"| {label} | " + " | ".join(str(c.get(label, 0)) for c in columns.values()) + " |"
        for label in labels
    ]
    return MetadataValue.md("\n".join([header, rule, *rows]))


def per_label_table(per_label: Mapping[str, Mapping[str, float]]) -> MetadataValue:
    rows = [
        f"| {label} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |"
        for label, v in sorted(per_label.items())
    ]
    return MetadataValue.md(
        "\n".join(
            ["| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|", *rows]
        )
    )
