"""How much of the LLM's training text a text repeats: n-gram overlap and verbatim word runs, for
the synthetic text and, as the baseline, for real notes the LLM never saw, against the same
training text. Real notes of one hospital share forms and phrases, so a figure means something only
beside its baseline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from deid_platform.core.attacks.resampling import with_interval


def words(text: str) -> list[str]:
    return text.split()


def ngrams(tokens: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def ngram_recall(synthetic: Sequence[str], training: Sequence[str], n: int) -> float:
    """The paper's overlap: the share of the synthetic text's distinct n-grams (whitespace tokens)
    that also occur in the LLM's training text."""
    reference: set[tuple[str, ...]] = set()
    for text in training:
        reference |= ngrams(words(text), n)
    produced: set[tuple[str, ...]] = set()
    for text in synthetic:
        produced |= ngrams(words(text), n)
    return len(produced & reference) / len(produced) if produced else 0.0


def ngram_hits(texts: Sequence[str], training: Sequence[str], n: int) -> np.ndarray:
    """Per text: its distinct n-grams found in the training text, and its distinct n-grams (rows
    of two counts, so that the pooled share can be resampled by text)."""
    reference: set[tuple[str, ...]] = set()
    for text in training:
        reference |= ngrams(words(text), n)
    rows = [(len(grams & reference), len(grams)) for grams in (ngrams(words(t), n) for t in texts)]
    return np.array(rows, dtype=float).reshape(-1, 2)


def _pooled(rows: np.ndarray) -> float:
    return float(rows[:, 0].sum() / rows[:, 1].sum()) if rows[:, 1].sum() else 0.0


def longest_shared_runs(
    synthetic: Sequence[str], training: Sequence[str], anchor: int = 8, max_candidates: int = 64
) -> list[int]:
    """For each synthetic text, the longest run of whitespace tokens it shares verbatim with any
    training text. Runs of at least `anchor` tokens are found from an index of training
    `anchor`-grams and extended; shorter ones from n-gram sets."""
    train_tokens = [words(t) for t in training]
    index: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
    short: dict[int, set[tuple[str, ...]]] = {n: set() for n in range(1, anchor)}
    for d, tokens in enumerate(train_tokens):
        for i in range(len(tokens) - anchor + 1):
            bucket = index[tuple(tokens[i : i + anchor])]
            if len(bucket) < max_candidates:
                bucket.append((d, i))
        for n in short:
            short[n] |= ngrams(tokens, n)
    runs = []
    for text in synthetic:
        tokens = words(text)
        best = 0
        for i in range(len(tokens) - anchor + 1):
            for d, j in index.get(tuple(tokens[i : i + anchor]), ()):
                other = train_tokens[d]
                length = anchor
                while (
                    i + length < len(tokens)
                    and j + length < len(other)
                    and tokens[i + length] == other[j + length]
                ):
                    length += 1
                best = max(best, length)
        if best == 0:
            best = next((n for n in range(anchor - 1, 0, -1) if ngrams(tokens, n) & short[n]), 0)
        runs.append(best)
    return runs


def ngram_baseline(
    synthetic: Sequence[str],
    real_unseen: Sequence[str],
    training: Sequence[str],
    n: int = 5,
    seed: int = 0,
) -> dict[str, float]:
    """`ngram_overlap_<n>`: the pooled share of each note's distinct n-grams found in the training
    text, with a bootstrap interval over notes, for the synthetic text and beside it (suffix
    `_real_unseen`) for real notes the LLM never saw."""
    out: dict[str, float] = {}
    for suffix, texts in (("", synthetic), ("_real_unseen", real_unseen)):
        hits = ngram_hits(texts, training, n)
        out |= with_interval(f"ngram_overlap_{n}{suffix}", hits, _pooled, seed)
    return out


def run_baseline(runs: Sequence[int], real_runs: Sequence[int], seed: int = 0) -> dict[str, float]:
    """The median longest verbatim run of a note, with a bootstrap interval over notes, for the
    synthetic text and for real unseen notes (`_real_unseen`); and the longest run of a real
    unseen note, the length any note of the domain may share."""
    out: dict[str, float] = {}
    for suffix, values in (("", runs), ("_real_unseen", real_runs)):
        array = np.array(values, dtype=float)
        out |= with_interval(f"median_verbatim_run{suffix}", array, _median, seed)
    out["longest_verbatim_run_real_unseen"] = float(max(real_runs, default=0))
    return out


def _median(values: np.ndarray) -> float:
    return float(np.median(values))
