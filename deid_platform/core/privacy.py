"""Privacy measures of a synthetic corpus against the real text its LLM was trained on, and the
verdicts built from them: the leak gate on the synthetic text and whether what is shared is
shareable. The attacks and baselines themselves live in `core.attacks`.

Every function returns numbers only: these results go to metadata and MLflow, which real text must
never reach."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from deid_platform.core.attacks.membership import (
    MembershipSets,
    attack_figures,
    roc_auc,
    tpr_at_fpr,
)
from deid_platform.core.attacks.overlap import (
    longest_shared_runs,
    ngram_baseline,
    ngram_recall,
    run_baseline,
)
from deid_platform.core.attacks.replay import phi_replay, phi_strings
from deid_platform.core.attacks.synthetic_text import data_only_scores
from deid_platform.core.documents import Document
from deid_platform.core.records import LeakAudit, LeakThresholds

__all__ = [
    "leak_audit",
    "leak_gate",
    "longest_shared_runs",
    "membership_inference",
    "membership_scores",
    "ngram_recall",
    "phi_replay",
    "phi_strings",
    "TEXT_FIGURES",
    "roc_auc",
    "share_verdict",
    "text_audit",
    "tpr_at_fpr",
    "unseen_documents",
]


# The text audit's figures a reader is shown: what the leak gate reads, each beside its baseline.
TEXT_FIGURES = (
    "canary_secrets_extracted",
    "synthetic_mia_auc",
    "synthetic_mia_auc_low",
    "synthetic_mia_auc_high",
    "synthetic_mia_tpr_at_1pct_fpr",
    "ngram_overlap_5",
    "ngram_overlap_5_real_unseen",
    "phi_replay_seen.all",
    "phi_replay_unseen.all",
    "phi_replay_excess.all",
    "phi_replay_excess_low",
    "phi_replay_excess_high",
    "phi_replay_strings",
    "longest_verbatim_run",
    "longest_verbatim_run_real_unseen",
    "median_verbatim_run",
    "median_verbatim_run_real_unseen",
    "run_threshold",
    "documents_over_run_threshold",
)


# Fewer members or non-members than this and a bootstrap interval of an AUC says nothing (one of
# each gives the interval 1.000-1.000 half the time): the figure is reported, not judged.
MIN_ATTACK_NOTES = 10


def _judged(figures: Mapping[str, float], attack: str) -> bool:
    return min(figures.get(f"{attack}_members", 0), figures.get(f"{attack}_nonmembers", 0)) >= (
        MIN_ATTACK_NOTES
    )


def unseen_documents(
    splits: Mapping[str, Sequence[Document]], seen: Sequence[Document]
) -> list[Document]:
    """Real documents the LLM never saw: every split's documents outside its training subset. The
    dev notes that open the prompts keep all their PHI: prompts carry surrogates in its place."""
    seen_ids = {doc.id for doc in seen}
    out = {doc.id: doc for docs in splits.values() for doc in docs if doc.id not in seen_ids}
    return list(out.values())


def membership_scores(nll: Sequence[tuple[float, int]], texts: Sequence[str]) -> dict[str, list]:
    """Per document: `loss` (negative mean token loss, higher means more likely a member) and
    `zlib` (the loss relative to the text's zlib entropy, which discounts texts that are simply
    easy, as in Carlini et al. 2021)."""
    loss = [-(total / n) if n else 0.0 for total, n in nll]
    zlib_scores = [
        -(total / max(1, len(zlib.compress(text.encode("utf-8")))))
        for (total, _), text in zip(nll, texts, strict=True)
    ]
    return {"loss": loss, "zlib": zlib_scores}


def text_audit(
    synthetic: Sequence[str],
    seen: Sequence[Document],
    unseen: Sequence[Document],
    run_threshold: int,
    sets: MembershipSets | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """The measures that need only text, each beside its baseline: n-gram recall (n = 3..8) and
    per-note 5-gram overlap, PHI replay of the training notes against notes the LLM never saw,
    verbatim runs, and, given membership `sets`, data-only membership inference against the
    synthetic text. The baseline notes are the non-members' pool of `sets` (else `unseen`): real
    notes no model saw, of the members' own split where there are enough of them. A note
    is over the run threshold when its run is longer than both `run_threshold` and the longest run
    of a baseline note. Flat numbers, ready for metadata and MLflow."""
    training = [doc.text for doc in seen]
    out: dict[str, float] = {
        f"ngram_recall_{n}": ngram_recall(synthetic, training, n) for n in range(3, 9)
    }
    baseline_docs = sets.nonmembers + sets.reference if sets else list(unseen)
    baseline = [doc.text for doc in baseline_docs]
    out |= ngram_baseline(synthetic, baseline, training, 5, seed)
    replay = phi_replay(synthetic, seen, baseline_docs, seed=seed)
    for label, values in replay.items():
        out[f"phi_replay_seen.{label}"] = values["seen"]
        out[f"phi_replay_unseen.{label}"] = values["unseen"]
        out[f"phi_replay_excess.{label}"] = values["excess"]
    out["phi_replay_strings"] = replay["all"]["seen_strings"]
    out["phi_replay_excess_low"] = replay["all"]["excess_low"]
    out["phi_replay_excess_high"] = replay["all"]["excess_high"]
    runs = longest_shared_runs(synthetic, training)
    out |= run_baseline(runs, longest_shared_runs(baseline, training), seed)
    threshold = max(run_threshold, int(out["longest_verbatim_run_real_unseen"]))
    out["longest_verbatim_run"] = max(runs, default=0)
    out["median_verbatim_run"] = float(np.median(runs)) if runs else 0.0
    out["documents_over_run_threshold"] = sum(run > threshold for run in runs)
    out["run_threshold"] = threshold
    if sets and sets.members and sets.nonmembers:
        members, nonmembers = data_only_scores(synthetic, sets)
        out |= attack_figures("synthetic_mia", members, nonmembers, seed=seed)
        out["synthetic_mia_nonmembers_unused_train"] = float(sets.unused_train)
    return out


def leak_gate(audit: LeakAudit) -> tuple[bool, list[str]]:
    """The leak gate's policy, each limit relative to a baseline: the synthetic text passes when
    no planted canary secret appears in it (`canary_secrets_extracted`, absent: none planted), the
    lower bound of the data-only membership inference AUC lies at or below
    `max_synthetic_mia_auc` (judged from `MIN_ATTACK_NOTES` members on), the lower bound of the
    PHI replay excess over notes the LLM never saw at or below `max_excess_phi_replay`, and at
    most `max_documents_over_run` notes share a verbatim run longer than the run threshold
    (`max_verbatim_run`, or the longest run a real unseen note shares, whichever is longer).
    Returns the verdict and, for a failure, its reasons in numbers. Audits written before a figure
    existed are judged on the figures they hold."""
    figures = audit.figures
    reasons = []
    canaries = int(figures.get("canary_secrets_extracted", 0))
    if canaries > 0:
        reasons.append(f"{canaries} canary secrets appear verbatim in the synthetic text")
    low = figures.get("synthetic_mia_auc_low", float("nan"))
    if _judged(figures, "synthetic_mia") and low > audit.max_synthetic_mia_auc:
        reasons.append(
            f"data-only membership inference AUC {figures['synthetic_mia_auc']:.3f} (95 % interval "
            f"{low:.3f}-{figures['synthetic_mia_auc_high']:.3f}) lies above "
            f"{audit.max_synthetic_mia_auc}"
        )
    excess = figures["phi_replay_excess.all"]
    low = figures.get("phi_replay_excess_low", excess)
    if low > audit.max_excess_phi_replay:
        reasons.append(
            f"phi_replay_excess {excess:.3f} (95 % interval from {low:.3f}) > "
            f"{audit.max_excess_phi_replay} over the unseen notes' replay"
        )
    over = int(figures["documents_over_run_threshold"])
    if over > audit.max_documents_over_run:
        threshold = int(figures.get("run_threshold", audit.max_verbatim_run))
        reasons.append(
            f"{over} documents share over {threshold} verbatim words with a training "
            f"document (at most {audit.max_documents_over_run} allowed)"
        )
    return not reasons, reasons


def share_verdict(
    gate_reasons: Sequence[str], figures: Mapping[str, float], max_ner_mia_auc: float
) -> tuple[bool, list[str]]:
    """Whether the synthetic corpus and its NER model may be shared: the leak gate passed and the
    lower bound of the membership inference AUC against the synthetic NER model lies at or below
    `max_ner_mia_auc` (judged from `MIN_ATTACK_NOTES` members on). Returns the verdict and every
    reason against it."""
    reasons = list(gate_reasons)
    low = figures.get("ner_mia_auc_low", float("nan"))
    if _judged(figures, "ner_mia") and low > max_ner_mia_auc:
        reasons.append(
            f"membership inference against the synthetic NER model: AUC "
            f"{figures['ner_mia_auc']:.3f} (95 % interval {low:.3f}-"
            f"{figures['ner_mia_auc_high']:.3f}) lies above {max_ner_mia_auc}"
        )
    return not reasons, reasons


def masked_preview(doc: Document, phi: Sequence[str], characters: int) -> str:
    """The beginning of a synthetic document for display, on one line, with its annotated PHI
    spans replaced by `[LABEL]` and, whatever the annotator missed, every whole-word occurrence
    of a given real PHI string replaced by `[PHI]`: a preview never shows a real PHI string as a
    word. A PHI string inside a longer word ("Per" in "Personal") is not that string, and a
    placeholder is never masked again. Cut at a word boundary, so that no word or placeholder is
    shown in part."""
    pieces, cursor = [], 0
    for span in sorted(doc.spans):
        pieces += [_mask_words(doc.text[cursor : span.start], phi), f"[{span.label}]"]
        cursor = span.end
    text = " ".join("".join([*pieces, _mask_words(doc.text[cursor:], phi)]).split())
    if len(text) <= characters:
        return text
    cut = text.rfind(" ", 0, characters + 1)
    return f"{text[: cut if cut > 0 else characters]} …"


def _mask_words(text: str, phi: Sequence[str]) -> str:
    values = sorted({p.strip() for p in phi if p.strip()}, key=len, reverse=True)
    if not values:
        return text
    # Longest first, so that a name is masked whole rather than around a shorter PHI inside it.
    pattern = "|".join(re.escape(value) for value in values)
    return re.sub(rf"(?<!\w)(?:{pattern})(?!\w)", "[PHI]", text)


def leak_audit(
    synthetic: Sequence[str],
    seen: Sequence[Document],
    unseen: Sequence[Document],
    thresholds: LeakThresholds,
    sets: MembershipSets | None = None,
    seed: int = 0,
) -> LeakAudit:
    """The text audit of a synthetic text, with the thresholds the leak gate will apply."""
    figures = text_audit(synthetic, seen, unseen, thresholds.max_verbatim_run, sets, seed)
    return LeakAudit(**thresholds.to_dict(), figures=figures)


def membership_inference(
    nll: Callable[[list[str]], list[tuple[float, int]]],
    members: Sequence[Document],
    others: Sequence[Document],
    seed: int = 0,
) -> dict[str, float]:
    """Loss-based and zlib-normalized membership inference against an LM: ROC-AUC and TPR at
    1 % FPR, with bootstrap intervals, of telling its training documents (`members`) from
    documents it never saw. `nll` scores texts with the LM (see
    `core.lm.training.document_nll`)."""
    scored = []
    for docs in (members, others):
        texts = [d.text for d in docs]
        scored.append(membership_scores(nll(texts), texts))
    out = {"mia_members": float(len(members)), "mia_nonmembers": float(len(others))}
    for attack in ("loss", "zlib"):
        figures = attack_figures(f"mia_{attack}", scored[0][attack], scored[1][attack], seed=seed)
        out |= {k: v for k, v in figures.items() if not k.endswith("members")}
    return out


def replay_rows(figures: dict[str, float]) -> list[list[object]]:
    """PHI type, seen, unseen and excess replay, one row per type (and "all")."""
    types = sorted({k.split(".", 1)[1] for k in figures if k.startswith("phi_replay_excess.")})
    return [
        [t, *(figures[f"phi_replay_{side}.{t}"] for side in ("seen", "unseen", "excess"))]
        for t in types
    ]


def preview(
    synthetic: Sequence[Document], real: Sequence[Document], count: int, characters: int = 600
) -> str:
    """Markdown preview of the first `count` synthetic notes, masked (see `masked_preview`) with
    every PHI string of `real`, whoever wrote the note."""
    phi = [value for values in phi_strings(real, min_chars=3).values() for value in values]
    return "\n\n---\n\n".join(
        f"`{doc.id}`\n\n{masked_preview(doc, phi, characters)}" for doc in synthetic[:count]
    )
