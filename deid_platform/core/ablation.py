"""The ablation table: the real annotator against the synthetic NER models, fraction by fraction
and mode by mode, with the reason for every partition that is left out."""

from __future__ import annotations

import io
from collections.abc import Sequence
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


# The table in two halves that each fit beside the partition list of a 1,400 px page: the
# columns of each, by header index, under short names (the half's name says which F1).
HALVES = {
    "token": {0: "fraction", 1: "mode", 2: "real", 3: "synthetic", 4: "ratio", 8: "recall ratio"},
    "strict": {0: "fraction", 1: "mode", 5: "real", 6: "synthetic", 7: "ratio", 9: "volume"},
}


def summary_half(rows: list[AblationRow], half: str) -> tuple[list[str], list[list[object]]]:
    """One half of the ablation table (`HALVES`): token F1 with binary PHI recall, or strict
    entity F1 with the synthetic volume."""
    _, cells = summary(rows)
    columns = HALVES[half]
    return list(columns.values()), [[row[i] for i in columns] for row in cells]


def markdown_table(rows: list[AblationRow]) -> str:
    return table(*summary(rows), [False, False, *[True] * 9])


def per_label(rows: list[AblationRow]) -> tuple[list[str], list[list[object]]]:
    """Strict F1 per label of the real annotator ("real") and the synthetic model ("synthetic"),
    one row per label and model pair: as narrow with ten fractions as with one."""
    rows = ordered(rows)
    labels = sorted({label for r in rows for label in r.real.per_label})
    header = ["label", "fraction", "mode", "real", "synthetic"]
    cells = [
        [label, r.fraction, r.mode]
        + [side.per_label.get(label, {}).get("f1", 0.0) for side in (r.real, r.synthetic)]
        for label in labels
        for r in rows
    ]
    return header, cells


# Each series its own colour, line and marker: real and synthetic apart by colour, token and
# strict F1 apart by line and marker.
SERIES = {
    ("real", "token_f1"): ("tab:blue", "-", "o"),
    ("real", "strict_f1"): ("tab:cyan", "--", "^"),
    ("synthetic", "token_f1"): ("tab:orange", "-", "s"),
    ("synthetic", "strict_f1"): ("tab:red", "--", "D"),
}


def plot_png(rows: list[AblationRow], title: str, left_out: Sequence[str] = ()) -> bytes:
    """F1 against fraction, real and synthetic, token and strict entity level (the main mode; the
    other modes as single points with their markers); the fractions in `left_out` (no model:
    blocked or not built) marked by a dotted line, so that a gap reads as one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # About 580 px wide: it fits the metadata column of the report's page, legend included.
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=90)
    main = [r for r in ordered(rows) if r.rank == 0]
    xs = [float(r.fraction) for r in main]
    for (side, measure), (colour, style, marker) in SERIES.items():
        ys = [getattr(getattr(r, side), measure) for r in main]
        label = f"{side} {measure.replace('_f1', '')} F1"
        ax.plot(xs, ys, style, marker=marker, color=colour, label=label)
    for mode in dict.fromkeys(r.mode for r in ordered(rows) if r.rank > 0):
        points = [r for r in rows if r.mode == mode]
        ax.scatter(
            [float(r.fraction) for r in points],
            [r.synthetic.token_f1 for r in points],
            marker=points[0].marker,
            color="tab:green",
            label=f"synthetic token F1, {mode}",
        )
    missing = sorted({float(f) for f in left_out})
    for i, fraction in enumerate(missing):
        ax.axvline(fraction, color="grey", linestyle=":", label="left out" if i == 0 else None)
    ax.set_xscale("log")
    ax.minorticks_off()  # only the fractions themselves label the log axis
    fractions = sorted({float(r.fraction) for r in rows} | set(missing))
    ax.set_xticks(fractions, [f"{f:g}" for f in fractions])
    ax.set_xlabel("fraction of real training data")
    ax.set_ylabel("F1 on real test data")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", bbox_inches="tight")  # the legend below the axes too
    plt.close(fig)
    return buffer.getvalue()
