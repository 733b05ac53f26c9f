"""Per-document counts behind every corpus-level score, and paired document-bootstrap intervals.

Each measure of `core.metrics` is a micro average, so it is a function of counts summed over
documents: resampling documents and summing their counts recomputes it exactly. Two models scored
on the same documents are resampled together (paired), so the interval of their ratio keeps the
correlation between them: a hard note is hard for both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from seqeval.scheme import IOB2, Entities

from deid_platform.core.documents import Document
from deid_platform.core.tagging import word_tags
from deid_platform.core.text import whitespace_offsets

# The additive counts of one document, in this order.
COUNTS = (
    "token_tp",  # words (\w+ or one symbol) whose PHI type is right
    "token_fp",
    "token_fn",
    "ws_tp",  # the same over whitespace-separated words
    "ws_fp",
    "ws_fn",
    "strict_tp",  # entities with exact words and type (seqeval strict, IOB2)
    "strict_pred",
    "strict_gold",
    "binary_tp",  # PHI words found as PHI, whatever the type
    "binary_pred",
    "binary_gold",
)
MEASURES = (
    "token_f1",
    "ws_token_f1",
    "strict_f1",
    "binary_precision",
    "binary_recall",
    "binary_f1",
)


def _typed(gold: Sequence[str], pred: Sequence[str]) -> tuple[int, int, int]:
    g = [t[2:] if t != "O" else "O" for t in gold]
    p = [t[2:] if t != "O" else "O" for t in pred]
    tp = sum(a == b != "O" for a, b in zip(g, p, strict=True))
    fp = sum(b != "O" and b != a for a, b in zip(g, p, strict=True))
    fn = sum(a != "O" and a != b for a, b in zip(g, p, strict=True))
    return tp, fp, fn


def _entities(tags: list[str]) -> set[tuple]:
    return set(Entities([tags], IOB2).entities[0]) if tags else set()


def document_counts(gold: Document, pred: Document) -> np.ndarray:
    """The counts of `COUNTS` for one document and its prediction (same text)."""
    _, gold_tags = word_tags(gold.text, gold.spans)
    _, pred_tags = word_tags(pred.text, pred.spans)
    words = whitespace_offsets(gold.text)
    _, gold_ws = word_tags(gold.text, gold.spans, words)
    _, pred_ws = word_tags(pred.text, pred.spans, words)
    gold_entities, pred_entities = _entities(gold_tags), _entities(pred_tags)
    is_gold = [t != "O" for t in gold_tags]
    is_pred = [t != "O" for t in pred_tags]
    return np.array(
        [
            *_typed(gold_tags, pred_tags),
            *_typed(gold_ws, pred_ws),
            len(gold_entities & pred_entities),
            len(pred_entities),
            len(gold_entities),
            sum(g and p for g, p in zip(is_gold, is_pred, strict=True)),
            sum(is_pred),
            sum(is_gold),
        ],
        dtype=np.int64,
    )


def corpus_counts(gold_docs: Sequence[Document], pred_docs: Sequence[Document]) -> np.ndarray:
    """One row of counts per document (documents paired by position, same ids)."""
    for gold, pred in zip(gold_docs, pred_docs, strict=True):
        if gold.id != pred.id:
            raise ValueError(f"gold and predicted documents differ at {gold.id!r}")
    return np.stack([document_counts(g, p) for g, p in zip(gold_docs, pred_docs, strict=True)])


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(2 * tp / (2 * tp + fp + fn))


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b, and 0 where b is 0 (a model that finds nothing divides nothing)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b != 0)


def scores(sums: np.ndarray) -> dict[str, np.ndarray]:
    """Every measure from summed counts (the last axis holds `COUNTS`; any leading axes, e.g.
    bootstrap replicates, are kept)."""
    c = {name: sums[..., i].astype(float) for i, name in enumerate(COUNTS)}
    precision = _ratio(c["binary_tp"], c["binary_pred"])
    recall = _ratio(c["binary_tp"], c["binary_gold"])
    return {
        "token_f1": _f1(c["token_tp"], c["token_fp"], c["token_fn"]),
        "ws_token_f1": _f1(c["ws_tp"], c["ws_fp"], c["ws_fn"]),
        "strict_f1": _f1(
            c["strict_tp"], c["strict_pred"] - c["strict_tp"], c["strict_gold"] - c["strict_tp"]
        ),
        "binary_precision": precision,
        "binary_recall": recall,
        "binary_f1": _ratio(2 * precision * recall, precision + recall),
    }


def paired_bootstrap(
    real: np.ndarray,
    synthetic: np.ndarray,
    replicates: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, dict[str, float]]:
    """For each measure: the real and synthetic models' scores and the synthetic/real ratio, each
    with a percentile interval from resampling documents with replacement, the same documents for
    both models. `real` and `synthetic` are `corpus_counts` of the same documents, or stacks of
    them with one per seed (seeds x documents x counts): every replicate then draws the same
    documents for every seed, so the interval holds the document and the seed variation together.
    Over seeds a score is the mean of the seeds' scores and the ratio the ratio of those means;
    `*_std` is the standard deviation of the seeds' own figures (0 with one seed)."""
    real, synthetic = np.asarray(real), np.asarray(synthetic)
    if real.ndim == 2:
        real, synthetic = real[None], synthetic[None]
    if real.shape != synthetic.shape:
        raise ValueError("the two models must be scored on the same documents and seeds")
    n_docs = real.shape[1]
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_docs, size=(replicates, n_docs))
    # How often each replicate drew each document: summing counts through these weights keeps
    # memory at replicates x documents, whatever the number of seeds.
    offsets = draws + n_docs * np.arange(replicates)[:, None]
    weights = np.bincount(offsets.ravel(), minlength=replicates * n_docs)
    weights = weights.reshape(replicates, n_docs)
    boot_real = scores(np.einsum("rd,sdc->rsc", weights, real))
    boot_syn = scores(np.einsum("rd,sdc->rsc", weights, synthetic))
    point_real, point_syn = scores(real.sum(1)), scores(synthetic.sum(1))
    tail = (1 - level) / 2 * 100
    out: dict[str, dict[str, float]] = {}
    for measure in MEASURES:
        seeds_real, seeds_syn = point_real[measure], point_syn[measure]
        real_boot, syn_boot = boot_real[measure].mean(1), boot_syn[measure].mean(1)
        values = {
            "real": (seeds_real.mean(), real_boot, seeds_real),
            "synthetic": (seeds_syn.mean(), syn_boot, seeds_syn),
            "ratio": (
                _ratio(seeds_syn.mean(), seeds_real.mean()),
                _ratio(syn_boot, real_boot),
                _ratio(seeds_syn, seeds_real),
            ),
        }
        out[measure] = {}
        for name, (point, boot, per_seed) in values.items():
            low, high = np.percentile(boot, [tail, 100 - tail])
            out[measure] |= {
                name: float(point),
                f"{name}_low": float(low),
                f"{name}_high": float(high),
                f"{name}_std": seed_spread(per_seed),
            }
    return out


def seed_spread(values: Sequence[float] | np.ndarray) -> float:
    """Sample standard deviation over seeds (0 with one seed)."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def summarize_seeds(values: Mapping[int, float]) -> dict[str, float]:
    """Mean and sample standard deviation over seeds (0 with one seed)."""
    array = np.array(list(values.values()), dtype=float)
    return {"mean": float(array.mean()), "std": seed_spread(array), "seeds": float(len(array))}
