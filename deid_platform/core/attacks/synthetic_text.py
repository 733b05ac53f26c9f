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

from deid_platform.core.attacks.membership import MembershipSets

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
    synthetic: Sequence[str], sets: MembershipSets, order: int = 3
) -> tuple[list[float], list[float]]:
    """Per member and per non-member of `sets`: its mean log-likelihood under an LM of the
    synthetic text minus that under a reference LM of real notes outside its own half
    (`MembershipSets.calibration`; no such notes: uncalibrated). Higher means more likely a
    member."""
    attacker = WittenBellLM(synthetic, order)
    members = [0.0] * len(sets.members)
    nonmembers = [0.0] * len(sets.nonmembers)
    for half in (0, 1):
        notes = sets.calibration(half)
        reference = WittenBellLM([d.text for d in notes], order) if notes else None
        for scores, docs in ((members, sets.members), (nonmembers, sets.nonmembers)):
            scores[half::2] = [
                attacker.mean_log_probability(doc.text)
                - (reference.mean_log_probability(doc.text) if reference else 0.0)
                for doc in docs[half::2]
            ]
    return members, nonmembers
