"""Membership inference, scored the same way whatever the attack: who the members and non-members
are, ROC-AUC and TPR at a low FPR, and their bootstrap intervals."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from deid_platform.core.attacks.resampling import REPLICATES, percentile_interval
from deid_platform.core.documents import Document


@dataclass(frozen=True)
class MembershipSets:
    """Balanced members and non-members to score, and the real notes of the non-member pool left
    over (never scored; they calibrate an attack's reference model). `unused_train` says where
    the non-members come from."""

    members: list[Document]
    nonmembers: list[Document]
    reference: list[Document]
    unused_train: bool

    def calibration(self, half: int) -> list[Document]:
        """Cross-fitting for an attack with a reference model: the members and non-members at
        positions `half`, `half` + 2, ... (half 0 or 1) are calibrated on the leftover pool and
        the other half's non-members, so that every non-member is scored and none calibrates its
        own score; members and non-members of one half share one calibration."""
        return self.reference + self.nonmembers[1 - half :: 2]


def membership_sets(
    seen: Sequence[Document], splits: Mapping[str, Sequence[Document]], wanted: int, seed: int
) -> MembershipSets:
    """Members: the LLM's training notes. Non-members: training notes outside the subset where
    there are enough of them (the same distribution as the members), otherwise the other splits'
    notes (no model trained on them; dev opens the prompts, whose PHI is replaced). As many of
    each as the smaller side allows, `wanted` at most; the pool's rest is `reference`."""
    seen_ids = {doc.id for doc in seen}
    unused = [doc for doc in splits.get("train", ()) if doc.id not in seen_ids]
    count = min(wanted, len(seen))
    unused_train = len(unused) >= count
    pool = (
        unused
        if unused_train
        else [d for s, docs in splits.items() if s != "train" for d in docs if d.id not in seen_ids]
    )
    count = min(count, len(pool))
    rng = random.Random(seed)
    members = rng.sample(list(seen), count)
    shuffled = rng.sample(pool, len(pool))
    return MembershipSets(members, shuffled[:count], shuffled[count:], unused_train)


def _wins(members: np.ndarray, others: np.ndarray) -> np.ndarray:
    """wins[i, j]: 1 where member i scores above non-member j, 1/2 for a tie."""
    return (members[:, None] > others[None, :]) + 0.5 * (members[:, None] == others[None, :])


def _tpr(members: np.ndarray, sorted_others: np.ndarray, fpr: float) -> np.ndarray:
    """Per row: the share of members above the non-member score that at most `fpr` of the
    non-members (sorted descending along the last axis) exceed; what the best threshold at that
    FPR lets through."""
    allowed = int(np.floor(fpr * sorted_others.shape[-1]))
    if allowed >= sorted_others.shape[-1]:
        return np.ones(members.shape[:-1])
    return (members > sorted_others[..., allowed, None]).mean(-1)


def roc_auc(member_scores: Sequence[float], nonmember_scores: Sequence[float]) -> float:
    """The probability that a random member scores above a random non-member (ties count half)."""
    if not len(member_scores) or not len(nonmember_scores):
        return float("nan")
    return float(_wins(np.asarray(member_scores), np.asarray(nonmember_scores)).mean())


def tpr_at_fpr(
    member_scores: Sequence[float], nonmember_scores: Sequence[float], fpr: float = 0.01
) -> float:
    """True-positive rate at the best threshold that lets at most `fpr` of the non-members
    through."""
    if not len(member_scores) or not len(nonmember_scores):
        return float("nan")
    others = -np.sort(-np.asarray(nonmember_scores, dtype=float))
    return float(_tpr(np.asarray(member_scores, dtype=float), others, fpr))


def attack_figures(
    prefix: str,
    member_scores: Sequence[float],
    nonmember_scores: Sequence[float],
    replicates: int = REPLICATES,
    seed: int = 0,
) -> dict[str, float]:
    """`<prefix>_auc` and `<prefix>_tpr_at_1pct_fpr`, each with `_low`/`_high`: a 95 % percentile
    interval from resampling members and non-members (separately, with replacement); and how many
    of each were scored. Higher scores must mean "more likely a member"."""
    members = np.asarray(member_scores, dtype=float)
    others = np.asarray(nonmember_scores, dtype=float)
    out = {f"{prefix}_members": float(len(members)), f"{prefix}_nonmembers": float(len(others))}
    if not len(members) or not len(others):
        return out
    rng = np.random.default_rng(seed)
    pick_m = rng.integers(0, len(members), (replicates, len(members)))
    pick_o = rng.integers(0, len(others), (replicates, len(others)))
    # A replicate's AUC from how often it drew each member and non-member: no re-sorting.
    count_m = np.apply_along_axis(np.bincount, 1, pick_m, minlength=len(members))
    count_o = np.apply_along_axis(np.bincount, 1, pick_o, minlength=len(others))
    auc = ((count_m @ _wins(members, others)) * count_o).sum(1) / (len(members) * len(others))
    tpr = _tpr(members[pick_m], -np.sort(-others[pick_o], axis=1), 0.01)
    points = {"auc": roc_auc(members, others), "tpr_at_1pct_fpr": tpr_at_fpr(members, others)}
    for name, boot in (("auc", auc), ("tpr_at_1pct_fpr", tpr)):
        low, high = percentile_interval(boot)
        out |= {
            f"{prefix}_{name}": points[name],
            f"{prefix}_{name}_low": low,
            f"{prefix}_{name}_high": high,
        }
    return out
