"""Structured decoding of word tags: IOB2 transition statistics from the training data, and
Viterbi over the encoder's per-word log-probabilities.

A small encoder trained from scratch often tags every word of a multi-word name B- (argmax looks at
one word at a time). In real data a B-X right after an X word is rare (2.8 % of MEDDOCAN's
mentions), and I-X after O is impossible in IOB2; the transition prior carries exactly that."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NEG_INF = -1e9


def _allowed(previous: str | None, tag: str) -> bool:
    if not tag.startswith("I-"):
        return True
    return previous is not None and previous != "O" and previous[2:] == tag[2:]


def estimate_transitions(
    sequences: Sequence[Sequence[str]], tags: Sequence[str]
) -> dict[str, list]:
    """Add-one smoothed log P(first tag) and log P(tag | previous tag) over the allowed IOB2
    transitions. Counts of tags only: nothing of the text."""
    index = {tag: i for i, tag in enumerate(tags)}
    n = len(tags)
    start = np.ones(n)
    pairs = np.ones((n, n))
    for seq in sequences:
        if seq:
            start[index[seq[0]]] += 1
        for a, b in zip(seq, seq[1:], strict=False):
            pairs[index[a], index[b]] += 1
    for j, tag in enumerate(tags):
        if not _allowed(None, tag):
            start[j] = 0
        for i, previous in enumerate(tags):
            if not _allowed(previous, tag):
                pairs[i, j] = 0
    with np.errstate(divide="ignore"):
        log_start = np.log(start / start.sum())
        log_pairs = np.log(pairs / pairs.sum(axis=1, keepdims=True))
    return {
        "start": np.maximum(log_start, NEG_INF).tolist(),
        "pairs": np.maximum(log_pairs, NEG_INF).tolist(),
    }


def viterbi(emissions: np.ndarray, transitions: dict[str, list]) -> list[int]:
    """The most likely tag sequence for per-word log-probabilities `emissions` [words, tags]."""
    if len(emissions) == 0:
        return []
    start = np.asarray(transitions["start"])
    pairs = np.asarray(transitions["pairs"])
    score = start + emissions[0]
    back = np.zeros(emissions.shape, dtype=np.int64)
    for k in range(1, len(emissions)):
        candidates = score[:, None] + pairs
        back[k] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + emissions[k]
    path = [int(score.argmax())]
    for k in range(len(emissions) - 1, 0, -1):
        path.append(int(back[k, path[-1]]))
    return path[::-1]
