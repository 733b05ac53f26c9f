"""The ablation table: real annotator against synthetic NER model, fraction by fraction."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

MEASURES = ("token_f1", "strict_f1")


def ablation_rows(
    real: Mapping[str, Mapping[str, Any]],
    synthetic: Mapping[str, Mapping[str, Any]],
    settings: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """One row per fraction that has both models, ordered by fraction."""
    rows = []
    for fraction in sorted(set(real) & set(synthetic), key=float):
        row: dict[str, Any] = {"fraction": fraction}
        for measure in MEASURES:
            r, s = float(real[fraction][measure]), float(synthetic[fraction][measure])
            row[f"real_{measure}"] = r
            row[f"synthetic_{measure}"] = s
            row[f"{measure}_ratio"] = s / r if r else 0.0
        for key in ("mode", "volume", "llm_fraction", "annotator_fraction", "documents"):
            row[key] = settings.get(fraction, {}).get(key)
        rows.append(row)
    return rows


def markdown_table(rows: list[dict[str, Any]]) -> str:
    header = (
        "| fraction | real token F1 | synthetic token F1 | ratio | real strict F1 | "
        "synthetic strict F1 | ratio | mode | volume | synthetic docs |"
    )
    lines = [header, "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['fraction']} | {r['real_token_f1']:.3f} | {r['synthetic_token_f1']:.3f} | "
            f"{r['token_f1_ratio']:.3f} | {r['real_strict_f1']:.3f} | "
            f"{r['synthetic_strict_f1']:.3f} | {r['strict_f1_ratio']:.3f} | {r['mode']} | "
            f"{r['volume']} | {r['documents']} |"
        )
    return "\n".join(lines)


def per_label_table(
    real: Mapping[str, Mapping[str, Any]], synthetic: Mapping[str, Mapping[str, Any]]
) -> str:
    """Strict F1 per label, real and synthetic, for each fraction."""
    fractions = sorted(set(real) & set(synthetic), key=float)
    labels = sorted({label for f in fractions for label in real[f]["per_label"]})
    header = "| label | " + " | ".join(f"{f} real | {f} synthetic" for f in fractions) + " |"
    lines = [header, "|---|" + "---:|---:|" * len(fractions)]
    for label in labels:
        cells = []
        for f in fractions:
            for side in (real, synthetic):
                cells.append(f"{side[f]['per_label'].get(label, {}).get('f1', 0.0):.3f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_png(rows: list[dict[str, Any]], title: str) -> bytes:
    """F1 against fraction, real and synthetic, token and strict entity level."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    xs = [float(r["fraction"]) for r in rows]
    for measure, style in (("token_f1", "-"), ("strict_f1", "--")):
        ax.plot(
            xs,
            [r[f"real_{measure}"] for r in rows],
            style,
            marker="o",
            color="tab:blue",
            label=f"real {measure.replace('_', ' ')}",
        )
        ax.plot(
            xs,
            [r[f"synthetic_{measure}"] for r in rows],
            style,
            marker="s",
            color="tab:orange",
            label=f"synthetic {measure.replace('_', ' ')}",
        )
    ax.set_xscale("log")
    ax.minorticks_off()  # only the fractions themselves label the log axis
    ax.set_xticks(xs, [r["fraction"] for r in rows])
    ax.set_xlabel("fraction of real training data")
    ax.set_ylabel("F1 on real test data")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
