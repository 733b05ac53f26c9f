"""Structured decoding of word tags: IOB2 transition statistics from the training data, and
Viterbi over the encoder's per-word log-probabilities.

A small encoder trained from scratch often tags every word of a multi-word name B- (argmax looks at
one word at a time). In real data a B-X right after an X word is rare (2.8 % of MEDDOCAN's
mentions), and I-X after O is impossible in IOB2; the transition statistics carry exactly that.

The encoder's posteriors P(tag | words) already hold the tag prior, and so do the transitions
P(tag | previous tag): adding both counts the prior twice and pushes rare PHI types towards O,
which costs recall. Decoding therefore divides the prior out of the posteriors first (the hybrid
HMM rule: P(words | tag) is proportional to P(tag | words) / P(tag))."""

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
    unigrams = np.ones(n)
    for seq in sequences:
        if seq:
            start[index[seq[0]]] += 1
        for a, b in zip(seq, seq[1:], strict=False):
            pairs[index[a], index[b]] += 1
        for tag in seq:
            unigrams[index[tag]] += 1
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
        "prior": np.log(unigrams / unigrams.sum()).tolist(),
    }


DECODINGS = ("viterbi", "viterbi_prior", "constrained", "argmax")


def decode(emissions: np.ndarray, transitions: dict[str, list] | None, decoding: str) -> list[int]:
    """Tag ids for per-word log-probabilities `emissions` [words, tags]:
    - viterbi: learned transitions, the tag prior divided out of the emissions;
    - viterbi_prior: learned transitions on the raw posteriors (the prior counted twice);
    - constrained: only IOB2's hard rule (no I-X after anything but X), no learned statistics;
    - argmax: each word on its own."""
    if decoding not in DECODINGS:
        raise ValueError(f"decoding must be one of {DECODINGS}, got {decoding!r}")
    if decoding == "argmax" or transitions is None:
        return emissions.argmax(-1).tolist()
    start = np.asarray(transitions["start"])
    pairs = np.asarray(transitions["pairs"])
    if decoding == "constrained":
        start = np.where(start > NEG_INF / 2, 0.0, NEG_INF)
        pairs = np.where(pairs > NEG_INF / 2, 0.0, NEG_INF)
    elif decoding == "viterbi":
        emissions = emissions - np.asarray(transitions["prior"])[None, :]
    return viterbi(emissions, start, pairs)


def viterbi(emissions: np.ndarray, start: np.ndarray, pairs: np.ndarray) -> list[int]:
    """The best tag sequence under per-word scores `emissions` [words, tags], start scores and
    pairwise transition scores (all in log space)."""
    if len(emissions) == 0:
        return []
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
