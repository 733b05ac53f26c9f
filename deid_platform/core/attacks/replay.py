"""PHI replay: how many of the PHI strings of the LLM's training notes the synthetic text contains,
against the baseline of PHI strings of real notes it never saw, in the same text.

The two string sets come from as many notes on each side, are mutually exclusive (a string of both
is in neither: it tells nothing about memorization, and dropping it from one side only inflates the
excess) and frequency-matched (per PHI type and band of document frequency, as many strings of each
side: a common string is likelier in any text). A string is found when its words and symbols
appear whole and in order, case aside: "Ana" is not found inside "Anaya"."""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from deid_platform.core.attacks.resampling import bootstrap_interval
from deid_platform.core.documents import Document

_TOKEN = re.compile(r"\w+|[^\w\s]")


def phi_strings(documents: Sequence[Document], min_chars: int = 1) -> dict[str, set[str]]:
    """Distinct PHI strings per label."""
    out: dict[str, set[str]] = defaultdict(set)
    for doc in documents:
        for span in doc.spans:
            value = doc.span_text(span).strip()
            if len(value) >= min_chars:
                out[span.label].add(value)
    return out


def _key(value: str) -> str:
    return " ".join(_TOKEN.findall(value.casefold()))


def _document_frequency(
    documents: Sequence[Document], min_chars: int
) -> dict[tuple[str, str], int]:
    """(label, normalized string) -> how many documents hold it as a PHI span."""
    counts: Counter[tuple[str, str]] = Counter()
    for doc in documents:
        counts.update(
            {
                (span.label, _key(doc.span_text(span)))
                for span in doc.spans
                if len(doc.span_text(span).strip()) >= min_chars
            }
        )
    return counts


def matched_strings(
    seen: Sequence[Document], unseen: Sequence[Document], min_chars: int = 3, seed: int = 0
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(label, normalized string) of each side: from as many notes of each (a seeded sample of
    the larger), mutually exclusive, matched per label and band of document frequency (1, 2-3,
    4-7, ...)."""
    rng = random.Random(seed)
    count = min(len(seen), len(unseen))
    seen, unseen = rng.sample(list(seen), count), rng.sample(list(unseen), count)
    own, other = _document_frequency(seen, min_chars), _document_frequency(unseen, min_chars)
    shared = {value for _, value in own} & {value for _, value in other}
    strata: dict[tuple[str, int], tuple[list, list]] = defaultdict(lambda: ([], []))
    for side, counts in ((0, own), (1, other)):
        for (label, value), frequency in sorted(counts.items()):
            if value and value not in shared:
                strata[label, int(math.log2(frequency))][side].append((label, value))
    seen_out, unseen_out = [], []
    for key in sorted(strata):
        a, b = strata[key]
        take = min(len(a), len(b))
        seen_out += rng.sample(a, take)
        unseen_out += rng.sample(b, take)
    return seen_out, unseen_out


def found(values: Sequence[tuple[str, str]], synthetic: Sequence[str]) -> np.ndarray:
    """1 for each normalized string that appears as whole words in the synthetic text."""
    haystack = " " + " \n ".join(_key(text) for text in synthetic) + " "
    return np.array([f" {value} " in haystack for _, value in values], dtype=float)


def phi_replay(
    synthetic: Sequence[str],
    seen: Sequence[Document],
    unseen: Sequence[Document],
    min_chars: int = 3,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Per label and overall ("all"): the share of the training notes' PHI strings found in the
    synthetic text (`seen`), the share of the matched strings of notes the LLM never saw
    (`unseen`, the baseline), their difference (`excess`) and how many strings each side holds;
    overall also the excess's bootstrap interval over strings (`excess_low`, `excess_high`)."""
    seen_values, unseen_values = matched_strings(seen, unseen, min_chars, seed)
    hits_seen, hits_unseen = found(seen_values, synthetic), found(unseen_values, synthetic)
    result: dict[str, dict[str, float]] = {}
    labels = sorted({label for label, _ in seen_values})
    for label in [*labels, "all"]:
        a = _of_label(label, seen_values, hits_seen)
        b = _of_label(label, unseen_values, hits_unseen)
        share_a = float(a.mean()) if len(a) else 0.0
        share_b = float(b.mean()) if len(b) else 0.0
        result[label] = {
            "seen": share_a,
            "unseen": share_b,
            "excess": share_a - share_b,
            "seen_strings": float(len(a)),
        }
    # Both sides have the same length: resampling pairs of strings resamples each side.
    pairs = np.stack([hits_seen, hits_unseen], axis=1) if len(hits_seen) else np.zeros((0, 2))
    low, high = bootstrap_interval(pairs, _excess, seed=seed)
    result["all"] |= {"excess_low": low, "excess_high": high}
    return result


def _excess(pairs: np.ndarray) -> float:
    return float(pairs[:, 0].mean() - pairs[:, 1].mean())


def _of_label(label: str, values: Sequence[tuple[str, str]], hits: np.ndarray) -> np.ndarray:
    return np.array([h for (of, _), h in zip(values, hits, strict=True) if label in (of, "all")])
