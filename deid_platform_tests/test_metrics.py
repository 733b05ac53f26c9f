"""Each measure against a case computed by hand.

Text words: Ana Ruiz vive en Lugo con Eva . / Ingresó hoy .
gold: NAME "Ana Ruiz", LOC "Lugo", NAME "Eva"
pred: NAME "Ana" (too short), LOC "Lugo" (exact), LOC "Eva" (wrong type)
"""

import pytest

from deid_platform.core.documents import Document, Span
from deid_platform.core.metrics import evaluate, sentence_count

TEXT = "Ana Ruiz vive en Lugo con Eva.\nIngresó hoy."
GOLD = Document("d", TEXT, [Span(0, 8, "NAME"), Span(17, 21, "LOC"), Span(26, 29, "NAME")])
PRED = Document("d", TEXT, [Span(0, 3, "NAME"), Span(17, 21, "LOC"), Span(26, 29, "LOC")])


def test_hand_computed_case():
    m = evaluate([GOLD], [PRED])
    # Words with a PHI type: gold Ana/NAME Ruiz/NAME Lugo/LOC Eva/NAME; pred Ana/NAME Lugo/LOC
    # Eva/LOC. TP = Ana, Lugo; FP = Eva; FN = Ruiz, Eva.
    assert m["token_precision"] == pytest.approx(2 / 3)
    assert m["token_recall"] == pytest.approx(2 / 4)
    assert m["token_f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    # Any type counts for binary recall: Ana, Lugo, Eva of 4 PHI words.
    assert m["binary_recall"] == pytest.approx(3 / 4)
    # Strict entities: only LOC "Lugo" is exact, of 3 predicted and 3 gold.
    assert m["strict_f1"] == pytest.approx(1 / 3)
    # Relaxed: "Ana" overlaps "Ana Ruiz" (same type), "Lugo" matches, "Eva" has the wrong type.
    assert m["relaxed_precision"] == pytest.approx(2 / 3)
    assert m["relaxed_recall"] == pytest.approx(2 / 3)
    assert m["relaxed_f1"] == pytest.approx(2 / 3)
    # Leak: "Ana Ruiz" and "Eva" are not found exactly; 2 sentences.
    assert m["leak_score"] == pytest.approx(2 / 2)
    assert m["per_label"]["NAME"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2}
    assert m["per_label"]["LOC"]["precision"] == pytest.approx(0.5)
    assert m["per_label"]["LOC"]["recall"] == pytest.approx(1.0)
    assert m["per_label"]["LOC"]["f1"] == pytest.approx(2 / 3)


def test_perfect_prediction():
    m = evaluate([GOLD], [GOLD])
    for key in ("token_f1", "strict_f1", "relaxed_f1", "binary_recall"):
        assert m[key] == pytest.approx(1.0)
    assert m["leak_score"] == 0.0


def test_nothing_predicted():
    m = evaluate([GOLD], [Document("d", TEXT)])
    assert m["token_f1"] == 0.0 and m["strict_f1"] == 0.0 and m["binary_recall"] == 0.0
    assert m["leak_score"] == pytest.approx(3 / 2)


def test_documents_must_pair_up():
    with pytest.raises(ValueError):
        evaluate([GOLD], [Document("other", TEXT)])


def test_sentence_count():
    assert sentence_count("Uno. Dos!\n\nTres") == 3
    assert sentence_count("   ") == 0
