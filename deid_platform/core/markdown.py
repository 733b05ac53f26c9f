"""Markdown tables for reports, metadata and MLflow: cells escaped, so that a partition key such as
`0.25|es` stays in its column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def cell(value: Any) -> str:
    """A value as one table cell: floats to three decimals, `|` escaped, no line breaks."""
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def table(
    header: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[bool] = ()
) -> str:
    """A markdown table; columns flagged in `numeric` are right-aligned."""
    align = ["---:" if i < len(numeric) and numeric[i] else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def parse(markdown: str) -> list[list[str]]:
    """The cells of a markdown table, unescaped, header first (for tests and round trips)."""
    rows = []
    for line in markdown.strip().splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells, current, escaped = [], "", False
        for char in line.strip()[1:-1]:
            if escaped:
                current, escaped = current + char, False
            elif char == "\\":
                escaped = True
            elif char == "|":
                cells.append(current.strip())
                current = ""
            else:
                current += char
        rows.append([*cells, current.strip()])
    return rows
