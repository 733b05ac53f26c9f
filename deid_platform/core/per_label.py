"""Per label, what a synthetic model keeps of its real annotator: strict entity F1 of both, over
seeds, beside the number of test mentions, so that a label's ratio is read with its support (a
label with seven mentions moves by 0.14 with one of them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from deid_platform.core.intervals import seed_spread

# One seed's `per_label` of `core.metrics.evaluate`: label -> {"f1": ..., "support": ...}.
PerLabel = Mapping[str, Mapping[str, float]]


def compare_labels(real: Sequence[PerLabel], synthetic: Sequence[PerLabel]) -> list[dict]:
    """One entry per label of either model or the gold, most test mentions first: the real and
    synthetic models' F1 (mean and sample standard deviation over seeds, one `per_label` per seed
    and model, seeds in the same order), the ratio of the means with the spread of the seeds'
    own ratios, and the test mentions."""
    if len(real) != len(synthetic) or not real:
        raise ValueError("one per-label score of each model per seed")
    labels = sorted({label for seed in (*real, *synthetic) for label in seed})
    rows = []
    for label in labels:
        real_f1 = np.array([seed.get(label, {}).get("f1", 0.0) for seed in real])
        syn_f1 = np.array([seed.get(label, {}).get("f1", 0.0) for seed in synthetic])
        # Support counts gold mentions: the same for every model and seed of one test split.
        support = max(int(seed.get(label, {}).get("support", 0)) for seed in real)
        rows.append(
            {
                "label": label,
                "support": support,
                "real_f1": float(real_f1.mean()),
                "real_f1_std": seed_spread(real_f1),
                "synthetic_f1": float(syn_f1.mean()),
                "synthetic_f1_std": seed_spread(syn_f1),
                "ratio": float(syn_f1.mean() / real_f1.mean()) if real_f1.mean() else 0.0,
                "ratio_std": seed_spread(
                    np.divide(syn_f1, real_f1, out=np.zeros(len(real_f1)), where=real_f1 > 0)
                ),
            }
        )
    return sorted(rows, key=lambda row: (-row["support"], row["label"]))
