"""Privacy measures against cases computed by hand."""

import pytest

from deid_platform.core.documents import Document, Span
from deid_platform.core.privacy import (
    longest_shared_runs,
    masked_preview,
    membership_scores,
    ngram_recall,
    phi_replay,
    roc_auc,
    text_audit,
    tpr_at_fpr,
)


def test_ngram_recall():
    training = ["a b c d e f"]
    # synthetic 3-grams: (a b c) (b c d) (c d x) -> 2 of 3 in training
    assert ngram_recall(["a b c d x"], training, 3) == pytest.approx(2 / 3)
    assert ngram_recall(["x y z"], training, 3) == 0.0
    assert ngram_recall(["a b"], training, 3) == 0.0


def test_phi_replay_excess_per_type():
    seen = [Document("s", "Ana Ruiz vive en Lugo", [Span(0, 8, "NAME"), Span(17, 21, "LOC")])]
    unseen = [
        Document(
            "u",
            "Eva Gil vive en Lugo y Soria",
            [Span(0, 7, "NAME"), Span(16, 20, "LOC"), Span(23, 28, "LOC")],
        )
    ]
    replay = phi_replay(["hoy vino Ana Ruiz desde Soria"], seen, unseen)
    # NAME: seen {Ana Ruiz} 1/1 replayed; its match, unseen {Eva Gil}, 0/1.
    assert {k: replay["NAME"][k] for k in ("seen", "unseen", "excess", "seen_strings")} == {
        "seen": 1.0,
        "unseen": 0.0,
        "excess": 1.0,
        "seen_strings": 1,
    }
    # LOC: Lugo is in both sets of notes, so in neither side; Soria has no seen match.
    assert "LOC" not in replay
    assert replay["all"]["excess"] == pytest.approx(1.0)


def test_longest_shared_runs():
    training = ["uno dos tres cuatro cinco seis siete ocho nueve diez once doce"]
    synthetic = [
        "x uno dos tres cuatro cinco seis siete ocho nueve diez y",  # 10-word run
        "cinco seis siete",  # 3-word run, found without the 8-gram index
        "nada que ver",
    ]
    assert longest_shared_runs(synthetic, training) == [10, 3, 0]


def test_roc_auc_and_tpr_by_hand():
    assert roc_auc([3, 4], [1, 2]) == 1.0
    assert roc_auc([1, 2], [3, 4]) == 0.0
    assert roc_auc([1, 3], [2, 2]) == pytest.approx(0.5)
    others = list(range(100))  # threshold at 1 % FPR: the 2nd highest non-member score, 98
    assert tpr_at_fpr([98.5, 99.5, 50], others, 0.01) == pytest.approx(2 / 3)


def test_membership_scores_prefer_low_loss():
    scores = membership_scores([(10.0, 10), (40.0, 10)], ["aaaa", "abcd"])
    assert scores["loss"] == [-1.0, -4.0]
    assert scores["zlib"][0] > scores["zlib"][1]


def test_text_audit_flat_numbers():
    seen = [Document("s", "uno dos tres cuatro cinco seis siete ocho nueve", [Span(0, 3, "N")])]
    unseen = [Document("u", "diez once doce trece catorce", [Span(0, 4, "N")])]
    audit = text_audit(["uno dos tres cuatro cinco seis siete ocho nueve"], seen, unseen, 5)
    assert audit["ngram_recall_5"] == 1.0
    assert audit["longest_verbatim_run"] == 9 and audit["documents_over_run_threshold"] == 1
    assert audit["phi_replay_seen.N"] == 1.0 and audit["phi_replay_unseen.N"] == 0.0
    # Beside it, the baseline: the unseen note shares no 5-gram with the training note.
    assert audit["ngram_overlap_5"] == 1.0 and audit["ngram_overlap_5_real_unseen"] == 0.0
    assert all(isinstance(v, int | float) for v in audit.values())


def test_preview_masks_whole_words_outside_placeholders_and_cuts_between_words():
    text = "Signerad av Per Olsson.  Personal_ID 1234\n\n    Signe kom tillbaka igen"
    doc = Document("d", text, [Span(37, 41, "ID")])
    phi = ["Per", "Signe", "Olsson", "ID"]
    shown = masked_preview(doc, phi, 200)
    assert shown == "Signerad av [PHI] [PHI]. Personal_ID [ID] [PHI] kom tillbaka igen"
    assert masked_preview(doc, phi, 41) == "Signerad av [PHI] [PHI]. Personal_ID [ID] …"
    assert masked_preview(doc, phi, 40) == "Signerad av [PHI] [PHI]. Personal_ID …"
