"""Privacy measures of a synthetic corpus against the real text its LLM was trained on.

Every function returns numbers only: these results go to metadata and MLflow, which real text must
never reach."""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from deid_platform.core.documents import Document
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


def roc_auc(member_scores: Sequence[float], nonmember_scores: Sequence[float]) -> float:
    """The probability that a random member scores above a random non-member (ties count half)."""
    members = np.asarray(member_scores, dtype=float)
    others = np.asarray(nonmember_scores, dtype=float)
    if not len(members) or not len(others):
        return float("nan")
    greater = (members[:, None] > others[None, :]).sum()
    ties = (members[:, None] == others[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(members) * len(others)))


def tpr_at_fpr(
    member_scores: Sequence[float], nonmember_scores: Sequence[float], fpr: float = 0.01
) -> float:
    """True-positive rate at the threshold that lets at most `fpr` of the non-members through."""
    others = np.sort(np.asarray(nonmember_scores, dtype=float))[::-1]
    if not len(others) or not len(member_scores):
        return float("nan")
    allowed = int(np.floor(fpr * len(others)))
    threshold = others[allowed] if allowed < len(others) else -np.inf
    return float(np.mean(np.asarray(member_scores, dtype=float) > threshold))


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
