"""Privacy measures of a synthetic corpus against the real text its LLM was trained on.

Every function returns numbers only: these results go to metadata and MLflow, which real text must
never reach."""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

from deid_platform.core.documents import Document
from deid_platform.core.records import LeakAudit, LeakThresholds
from deid_platform.core.synthesis import prompt_of


def unseen_documents(
    splits: Mapping[str, Sequence[Document]], seen: Sequence[Document], prompt_words: int
) -> list[Document]:
    """Real documents the LLM never saw: every split's documents outside its training subset.
    Dev documents lose the PHI inside their prompt words, which the synthetic text contains by
    construction (prompts are the first words of dev notes)."""
    seen_ids = {doc.id for doc in seen}
    out: dict[str, Document] = {}
    for split, documents in splits.items():
        for doc in documents:
            if doc.id in seen_ids:
                continue
            if split == "dev":
                start = len(prompt_of(doc.text, prompt_words))
                doc = Document(doc.id, doc.text, [sp for sp in doc.spans if sp.start >= start])
            out[doc.id] = doc
    return list(out.values())


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


def phi_strings(documents: Sequence[Document], min_chars: int = 1) -> dict[str, set[str]]:
    """Distinct PHI strings per label."""
    out: dict[str, set[str]] = defaultdict(set)
    for doc in documents:
        for span in doc.spans:
            value = doc.span_text(span).strip()
            if len(value) >= min_chars:
                out[span.label].add(value)
    return out


def phi_replay(
    synthetic: Sequence[str],
    seen: Sequence[Document],
    unseen: Sequence[Document],
    min_chars: int = 3,
) -> dict[str, dict[str, float]]:
    """Share of the distinct PHI strings of the LLM's training documents (`seen`) that appear
    verbatim anywhere in the synthetic text (a string search, not only annotated spans), the same
    share for real documents the LLM never saw (`unseen`, minus strings that are also seen), and
    the excess: what the LLM replays beyond what any text of the domain would contain. Per label
    and overall ("all")."""
    haystack = "\n".join(synthetic)
    seen_phi, unseen_phi = phi_strings(seen, min_chars), phi_strings(unseen, min_chars)
    result: dict[str, dict[str, float]] = {}
    totals = {"seen": [0, 0], "unseen": [0, 0]}
    for label in sorted(set(seen_phi) | set(unseen_phi)):
        own = seen_phi.get(label, set())
        other = unseen_phi.get(label, set()) - own
        hits_seen = sum(value in haystack for value in own)
        hits_unseen = sum(value in haystack for value in other)
        totals["seen"][0] += hits_seen
        totals["seen"][1] += len(own)
        totals["unseen"][0] += hits_unseen
        totals["unseen"][1] += len(other)
        seen_share = hits_seen / len(own) if own else 0.0
        unseen_share = hits_unseen / len(other) if other else 0.0
        result[label] = {
            "seen": seen_share,
            "unseen": unseen_share,
            "excess": seen_share - unseen_share,
            "seen_strings": len(own),
        }
    seen_all = totals["seen"][0] / totals["seen"][1] if totals["seen"][1] else 0.0
    unseen_all = totals["unseen"][0] / totals["unseen"][1] if totals["unseen"][1] else 0.0
    result["all"] = {
        "seen": seen_all,
        "unseen": unseen_all,
        "excess": seen_all - unseen_all,
        "seen_strings": totals["seen"][1],
    }
    return result


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


def _scores(members: Sequence[float], others: Sequence[float]) -> tuple[list[int], list[float]]:
    return [1] * len(members) + [0] * len(others), [*members, *others]


def roc_auc(member_scores: Sequence[float], nonmember_scores: Sequence[float]) -> float:
    """The probability that a random member scores above a random non-member (ties count half)."""
    if not len(member_scores) or not len(nonmember_scores):
        return float("nan")
    return float(roc_auc_score(*_scores(member_scores, nonmember_scores)))


def tpr_at_fpr(
    member_scores: Sequence[float], nonmember_scores: Sequence[float], fpr: float = 0.01
) -> float:
    """True-positive rate at the best threshold that lets at most `fpr` of the non-members
    through."""
    if not len(member_scores) or not len(nonmember_scores):
        return float("nan")
    fprs, tprs, _ = roc_curve(*_scores(member_scores, nonmember_scores), drop_intermediate=False)
    return float(tprs[fprs <= fpr].max())


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
) -> dict[str, float]:
    """The measures that need only text: n-gram recall (n = 3..8), PHI replay and verbatim runs.
    Flat numbers, ready for metadata and MLflow."""
    training = [doc.text for doc in seen]
    out: dict[str, float] = {
        f"ngram_recall_{n}": ngram_recall(synthetic, training, n) for n in range(3, 9)
    }
    replay = phi_replay(synthetic, seen, unseen)
    for label, values in replay.items():
        out[f"phi_replay_seen.{label}"] = values["seen"]
        out[f"phi_replay_unseen.{label}"] = values["unseen"]
        out[f"phi_replay_excess.{label}"] = values["excess"]
    runs = longest_shared_runs(synthetic, training)
    out["longest_verbatim_run"] = max(runs, default=0)
    out["median_verbatim_run"] = float(np.median(runs)) if runs else 0.0
    out["documents_over_run_threshold"] = sum(run > run_threshold for run in runs)
    out["run_threshold"] = run_threshold
    return out


def leak_gate(audit: LeakAudit) -> tuple[bool, list[str]]:
    """The leak gate's policy: a synthetic text passes when the LLM replays no more of its training
    PHI than real text it never saw contains, up to `max_excess_phi_replay`, and at most
    `max_documents_over_run` documents share more than `max_verbatim_run` consecutive words with a
    training document. Returns the verdict and, for a failure, its reasons in numbers."""
    figures = audit.figures
    reasons = []
    excess = figures["phi_replay_excess.all"]
    if excess > audit.max_excess_phi_replay:
        reasons.append(f"phi_replay_excess {excess:.3f} > {audit.max_excess_phi_replay}")
    over = int(figures["documents_over_run_threshold"])
    if over > audit.max_documents_over_run:
        reasons.append(
            f"{over} documents share over {audit.max_verbatim_run} verbatim words with a training "
            f"document (at most {audit.max_documents_over_run} allowed)"
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
) -> LeakAudit:
    """The text audit of a synthetic text, with the thresholds the leak gate will apply."""
    figures = text_audit(synthetic, seen, unseen, thresholds.max_verbatim_run)
    return LeakAudit(**thresholds.to_dict(), figures=figures)


def membership_inference(
    nll: Callable[[list[str]], list[tuple[float, int]]],
    members: Sequence[Document],
    others: Sequence[Document],
) -> dict[str, float]:
    """Loss-based and zlib-normalized membership inference against an LM: ROC-AUC and TPR at
    1 % FPR of telling its training documents (`members`) from documents it never saw. `nll`
    scores texts with the LM (see `core.lm.training.document_nll`)."""
    scored = []
    for docs in (members, others):
        texts = [d.text for d in docs]
        scored.append(membership_scores(nll(texts), texts))
    out = {"mia_members": float(len(members)), "mia_nonmembers": float(len(others))}
    for attack in ("loss", "zlib"):
        m, o = scored[0][attack], scored[1][attack]
        out[f"mia_{attack}_auc"] = roc_auc(m, o)
        out[f"mia_{attack}_tpr_at_1pct_fpr"] = tpr_at_fpr(m, o, 0.01)
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
