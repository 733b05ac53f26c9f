"""Bootstrap intervals over documents (or strings): the unit the figures are averages of."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

REPLICATES = 1000


def percentile_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    tail = (1 - level) / 2 * 100
    low, high = np.nanpercentile(np.asarray(values, dtype=float), [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_interval(
    rows: np.ndarray,
    statistic: Callable[[np.ndarray], float],
    replicates: int = REPLICATES,
    seed: int = 0,
) -> tuple[float, float]:
    """A 95 % percentile interval of `statistic` over `rows` resampled with replacement (rows
    along the first axis). No rows: (nan, nan)."""
    if not len(rows):
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(rows), size=(replicates, len(rows)))
    return percentile_interval([statistic(rows[d]) for d in draws])


def with_interval(
    name: str, rows: np.ndarray, statistic: Callable[[np.ndarray], float], seed: int = 0
) -> dict[str, float]:
    """`name`, `name_low`, `name_high`: the statistic and its bootstrap interval."""
    low, high = bootstrap_interval(rows, statistic, seed=seed)
    point = statistic(rows) if len(rows) else float("nan")
    return {name: float(point), f"{name}_low": low, f"{name}_high": high}
