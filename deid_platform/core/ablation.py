"""The ablation table: the real annotator against the synthetic NER models, fraction by fraction
and mode by mode, with the reason for every partition that is left out."""

from __future__ import annotations

import io
from dataclasses import dataclass

from deid_platform.core.markdown import table
from deid_platform.core.records import NerScores

MEASURES = ("token_f1", "strict_f1", "binary_recall")
HEADER = [
    "fraction",
    "mode",
    "real token F1",
    "synthetic token F1",
    "token F1 ratio",
    "real strict F1",
    "synthetic strict F1",
    "strict F1 ratio",
    "binary recall ratio",
    "volume",
    "synthetic notes",
]


@dataclass(frozen=True)
class AblationRow:
    fraction: str
    mode: str
    real: NerScores
    synthetic: NerScores
    volume: float
    documents: int
    # The mode's place in the registry (0: the main mode, drawn as lines) and its plot marker.
    rank: int = 0
    marker: str = "o"

    def ratio(self, measure: str) -> float:
        real = getattr(self.real, measure)
        return getattr(self.synthetic, measure) / real if real else 0.0

    def cells(self) -> list[object]:
        return [
            self.fraction,
            self.mode,
            self.real.token_f1,
            self.synthetic.token_f1,
            self.ratio("token_f1"),
            self.real.strict_f1,
            self.synthetic.strict_f1,
            self.ratio("strict_f1"),
            self.ratio("binary_recall"),
            self.volume,
            self.documents,
        ]

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"fraction": self.fraction, "mode": self.mode}
        for measure in MEASURES:
            out[f"real_{measure}"] = getattr(self.real, measure)
            out[f"synthetic_{measure}"] = getattr(self.synthetic, measure)
            out[f"{measure}_ratio"] = self.ratio(measure)
        return out | {"volume": self.volume, "documents": self.documents}


def ordered(rows: list[AblationRow]) -> list[AblationRow]:
    return sorted(rows, key=lambda r: (float(r.fraction), r.rank))


def summary(rows: list[AblationRow]) -> tuple[list[str], list[list[object]]]:
    """The ablation table: a header and one row of cells per model pair."""
    return HEADER, [r.cells() for r in ordered(rows)]


def markdown_table(rows: list[AblationRow]) -> str:
    return table(*summary(rows), [False, False, *[True] * 9])


def per_label(rows: list[AblationRow]) -> tuple[list[str], list[list[object]]]:
    """Strict F1 per label of the real annotator and the synthetic model, in each row."""
    rows = ordered(rows)
    labels = sorted({label for r in rows for label in r.real.per_label})
    header = ["label"]
    for r in rows:
        name = r.fraction if r.rank == 0 else f"{r.fraction} {r.mode}"
        header += [f"{name} real", f"{name} synthetic"]
    cells = [
        [label]
        + [
            side.per_label.get(label, {}).get("f1", 0.0)
            for r in rows
            for side in (r.real, r.synthetic)
        ]
        for label in labels
    ]
    return header, cells


def plot_png(rows: list[AblationRow], title: str) -> bytes:
    """F1 against fraction, real and synthetic, token and strict entity level (the main mode; the
    other modes as single points with their markers)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    main = [r for r in ordered(rows) if r.rank == 0]
    xs = [float(r.fraction) for r in main]
    for measure, style in (("token_f1", "-"), ("strict_f1", "--")):
        label = measure.replace("_", " ")
        real = [getattr(r.real, measure) for r in main]
        synthetic = [getattr(r.synthetic, measure) for r in main]
        ax.plot(xs, real, style, marker="o", color="tab:blue", label=f"real {label}")
        ax.plot(xs, synthetic, style, marker="s", color="tab:orange", label=f"synthetic {label}")
    for mode in dict.fromkeys(r.mode for r in ordered(rows) if r.rank > 0):
        points = [r for r in rows if r.mode == mode]
        ax.scatter(
            [float(r.fraction) for r in points],
            [r.synthetic.token_f1 for r in points],
            marker=points[0].marker,
            color="tab:green",
            label=f"synthetic token F1, {mode}",
        )
    ax.set_xscale("log")
    ax.minorticks_off()  # only the fractions themselves label the log axis
    fractions = sorted({float(r.fraction) for r in rows})
    ax.set_xticks(fractions, [f"{f:g}" for f in fractions])
    ax.set_xlabel("fraction of real training data")
    ax.set_ylabel("F1 on real test data")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="lower right")
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
