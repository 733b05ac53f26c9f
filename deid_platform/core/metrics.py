"""Evaluation of predicted PHI spans against gold spans, as the paper and MEDDOCAN do.

Token-level measures work on the words of `core.text.word_offsets`: a word carries the label of the
span it overlaps. Entity measures: strict (seqeval, mode strict, IOB2 over those words) and relaxed
(same type, overlapping character span)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from seqeval.metrics import classification_report, f1_score
from seqeval.scheme import IOB2
from sklearn.metrics import precision_recall_fscore_support

from deid_platform.core.documents import Document, Span
from deid_platform.core.tagging import word_tags

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def token_scores(gold: list[list[str]], pred: list[list[str]]) -> dict[str, float]:
    """Micro precision/recall/F1 over words, by PHI type (B/I ignored, O not scored), and the
    binary recall of PHI words (any type predicted counts)."""
    g_types = [g[2:] if g != "O" else "O" for seq in gold for g in seq]
    p_types = [p[2:] if p != "O" else "O" for seq in pred for p in seq]
    phi_types = sorted((set(g_types) | set(p_types)) - {"O"})
    if not phi_types:
        return {"token_precision": 0.0, "token_recall": 0.0, "token_f1": 0.0, "binary_recall": 0.0}
    precision, recall, f1, _ = precision_recall_fscore_support(
        g_types, p_types, labels=phi_types, average="micro", zero_division=0
    )
    found = [p != "O" for g, p in zip(g_types, p_types, strict=True) if g != "O"]
    return {
        "token_precision": float(precision),
        "token_recall": float(recall),
        "token_f1": float(f1),
        "binary_recall": sum(found) / len(found) if found else 0.0,
    }


def relaxed_scores(
    gold_docs: Sequence[Document], pred_docs: Sequence[Document]
) -> dict[str, float]:
    """A predicted span is right if it overlaps a gold span of the same type, and vice versa."""

    def matched(a: list[Span], b: list[Span]) -> int:
        return sum(
            any(x.label == y.label and x.start < y.end and y.start < x.end for y in b) for x in a
        )

    n_pred = n_gold = tp_pred = tp_gold = 0
    for gold, pred in zip(gold_docs, pred_docs, strict=True):
        n_pred += len(pred.spans)
        n_gold += len(gold.spans)
        tp_pred += matched(pred.spans, gold.spans)
        tp_gold += matched(gold.spans, pred.spans)
    precision = tp_pred / n_pred if n_pred else 0.0
    recall = tp_gold / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"relaxed_precision": precision, "relaxed_recall": recall, "relaxed_f1": f1}


def sentence_count(text: str) -> int:
    return sum(1 for part in _SENTENCE_END.split(text) if part.strip())


def leak_score(gold_docs: Sequence[Document], pred_docs: Sequence[Document]) -> float:
    """MEDDOCAN's leak score: gold PHI mentions not found exactly (same offsets and type) per
    sentence. Lower is better."""
    missed = sentences = 0
    for gold, pred in zip(gold_docs, pred_docs, strict=True):
        predicted = set(pred.spans)
        missed += sum(span not in predicted for span in gold.spans)
        sentences += sentence_count(gold.text)
    return missed / sentences if sentences else 0.0


def evaluate(gold_docs: Sequence[Document], pred_docs: Sequence[Document]) -> dict[str, Any]:
    """All measures for documents paired by position (same ids and texts)."""
    for gold, pred in zip(gold_docs, pred_docs, strict=True):
        if gold.id != pred.id or gold.text != pred.text:
            raise ValueError(f"gold and predicted documents differ at {gold.id!r}")
    gold_tags = [word_tags(doc.text, doc.spans)[1] for doc in gold_docs]
    pred_tags = [word_tags(doc.text, doc.spans)[1] for doc in pred_docs]
    report = classification_report(
        gold_tags, pred_tags, mode="strict", scheme=IOB2, output_dict=True, zero_division=0
    )
    per_label = {
        label: {
            "precision": values["precision"],
            "recall": values["recall"],
            "f1": values["f1-score"],
            "support": int(values["support"]),
        }
        for label, values in report.items()
        if not label.endswith(" avg")
    }
    return {
        **token_scores(gold_tags, pred_tags),
        "strict_f1": f1_score(gold_tags, pred_tags, mode="strict", scheme=IOB2, zero_division=0),
        **relaxed_scores(gold_docs, pred_docs),
        "leak_score": leak_score(gold_docs, pred_docs),
        "per_label": per_label,
    }
