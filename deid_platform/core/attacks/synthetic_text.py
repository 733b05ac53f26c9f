"""Data-only membership inference against a synthetic corpus: the attacker holds only the shared
synthetic text (and, as any attacker of the domain may, some real notes of their own). They fit a
smoothed word n-gram LM on the synthetic text and score a real note by how much likelier it is
under that LM than under a reference LM fitted on their own notes: a note the generator trained on
leaves its words and phrases in the text it writes."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


class WittenBellLM:
    """An interpolated Witten-Bell word n-gram LM over lower-cased words and symbols, backing off
    to a uniform distribution over the vocabulary plus one unknown word: every word, seen or not,
    gets a probability above zero."""

    def __init__(self, texts: Sequence[str], order: int = 3):
        self.order = order
        self.counts: list[dict[tuple[str, ...], Counter[str]]] = [
            defaultdict(Counter) for _ in range(order)
        ]
        vocabulary: set[str] = set()
        for text in texts:
            words = ["<s>"] * (order - 1) + tokens(text) + ["</s>"]
            vocabulary.update(words)
            for i in range(order - 1, len(words)):
                for n in range(order):
                    self.counts[n][tuple(words[i - n : i])][words[i]] += 1
        self.totals = [{h: sum(c.values()) for h, c in level.items()} for level in self.counts]
        self.uniform = 1.0 / (len(vocabulary) + 1)

    def probability(self, history: tuple[str, ...], word: str) -> float:
        p = self.uniform
        for n in range(self.order):
            context = history[len(history) - n :] if n else ()
            followers = self.counts[n].get(context)
            if not followers:
                continue
            total, types = self.totals[n][context], len(followers)
            p = (followers[word] + types * p) / (total + types)
        return p

    def mean_log_probability(self, text: str) -> float:
        """Per word, natural log: comparable between notes of different lengths."""
        words = ["<s>"] * (self.order - 1) + tokens(text) + ["</s>"]
        logs = [
            math.log(self.probability(tuple(words[i - self.order + 1 : i]), words[i]))
            for i in range(self.order - 1, len(words))
        ]
        return sum(logs) / len(logs)


def data_only_scores(
    synthetic: Sequence[str],
    targets: Sequence[str],
    reference: Sequence[str],
    order: int = 3,
) -> list[float]:
    """Per target note: its mean log-likelihood under an LM of the synthetic text minus that under
    an LM of the `reference` notes (none: uncalibrated). Higher means more likely a member."""
    attacker = WittenBellLM(synthetic, order)
    calibration = WittenBellLM(reference, order) if reference else None
    return [
        attacker.mean_log_probability(text)
        - (calibration.mean_log_probability(text) if calibration else 0.0)
        for text in targets
    ]
