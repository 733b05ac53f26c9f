"""The attacks on what is shared and the baselines beside every privacy figure, on planted cases."""

import random
import re

import numpy as np
import pytest

from deid_platform.core.attacks.membership import (
    MembershipSets,
    attack_figures,
    membership_sets,
)
from deid_platform.core.attacks.overlap import ngram_baseline, run_baseline
from deid_platform.core.attacks.replay import matched_strings, phi_replay
from deid_platform.core.attacks.resampling import with_interval
from deid_platform.core.attacks.synthetic_text import WittenBellLM, data_only_scores
from deid_platform.core.documents import Document, Span
from deid_platform.core.surrogates import generate_corpus

WORDS = [f"w{i}" for i in range(400)]


def notes(count: int, seed: int, length: int = 40) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=length)) for _ in range(count)]


def test_attack_figures_separate_planted_members_and_not_shuffled_ones():
    rng = np.random.default_rng(0)
    members, others = rng.normal(3, 1, 100), rng.normal(0, 1, 100)
    planted = attack_figures("x", members, others)
    assert planted["x_auc"] > 0.97 and planted["x_auc_low"] > 0.9
    assert planted["x_auc_low"] <= planted["x_auc"] <= planted["x_auc_high"]
    assert planted["x_tpr_at_1pct_fpr_low"] <= planted["x_tpr_at_1pct_fpr"]
    assert planted["x_members"] == 100.0
    pooled = rng.permutation(np.concatenate([members, others]))
    shuffled = attack_figures("x", pooled[:100], pooled[100:])
    assert shuffled["x_auc_low"] < 0.5 < shuffled["x_auc_high"]


def documents(texts: list[str], prefix: str) -> list[Document]:
    return [Document(f"{prefix}{i}", text) for i, text in enumerate(texts)]


def test_data_only_attack_finds_notes_copied_into_the_synthetic_text():
    members, others = notes(30, 1), notes(30, 2)
    sets = MembershipSets(
        documents(members, "m"), documents(others, "n"), documents(notes(60, 3), "r"), True
    )
    # A memorizer writes its training notes back; an honest generator writes other notes.
    memorized = members * 2 + notes(20, 4)
    figures = attack_figures("synthetic_mia", *data_only_scores(memorized, sets))
    assert figures["synthetic_mia_auc"] > 0.95 and figures["synthetic_mia_auc_low"] > 0.6
    figures = attack_figures("synthetic_mia", *data_only_scores(notes(80, 5), sets))
    assert figures["synthetic_mia_auc_low"] < 0.6


def test_data_only_scores_come_back_in_the_sets_order_and_no_note_calibrates_itself():
    sets = MembershipSets(
        documents(notes(7, 1), "m"), documents(notes(7, 2), "n"), documents(notes(4, 3), "r"), True
    )
    # One member and one non-member (an odd and an even position) copied into the text.
    copied = [sets.members[3].text, sets.nonmembers[4].text] * 5 + notes(20, 4)
    members, nonmembers = data_only_scores(copied, sets)
    assert int(np.argmax(members)) == 3 and int(np.argmax(nonmembers)) == 4
    for half in (0, 1):
        calibration = {d.id for d in sets.calibration(half)}
        assert {d.id for d in sets.reference} <= calibration
        assert not calibration & {d.id for d in sets.nonmembers[half::2]}
        assert {d.id for d in sets.nonmembers[1 - half :: 2]} <= calibration


def test_witten_bell_lm_prefers_what_it_saw_and_gives_unseen_words_mass():
    lm = WittenBellLM(["el paciente refiere dolor", "el paciente niega fiebre"])
    assert lm.mean_log_probability("el paciente refiere dolor") > lm.mean_log_probability(
        "dolor refiere paciente el"
    )
    assert np.isfinite(lm.mean_log_probability("palabras nunca vistas"))


def test_membership_sets_prefer_unused_training_notes_and_balance():
    train = [Document(f"t{i}", "x") for i in range(40)]
    splits = {"train": train, "dev": [Document(f"d{i}", "x") for i in range(10)]}
    sets = membership_sets(train[:10], splits, 200, seed=0)
    assert sets.unused_train and len(sets.members) == len(sets.nonmembers) == 10
    assert {d.id for d in sets.nonmembers + sets.reference} == {f"t{i}" for i in range(10, 40)}
    # Every note of a small pool is scored: cross-fitting calibrates without holding any back.
    full = membership_sets(train, splits, 200, seed=0)
    assert not full.unused_train and len(full.members) == len(full.nonmembers) == 10
    assert {d.id for d in full.nonmembers} == {f"d{i}" for i in range(10)} and not full.reference
    assert len(membership_sets(train, splits, 6, seed=0).members) == 6


def doc(doc_id: str, text: str, *phi: str) -> Document:
    spans = [Span(text.index(v), text.index(v) + len(v), "NAME") for v in phi]
    return Document(doc_id, text, spans)


def test_phi_replay_whole_words_exclusive_sets_and_interval():
    seen = [
        doc(f"s{i}", f"Nombre: Ana{i} Ruiz vive en Lugo", f"Ana{i} Ruiz", "Lugo") for i in range(20)
    ]
    unseen = [
        doc(f"u{i}", f"Nombre: Eva{i} Gil vive en Lugo", f"Eva{i} Gil", "Lugo") for i in range(20)
    ]
    a, b = matched_strings(seen, unseen)
    # "Lugo" is in both sets of notes: in neither side. The rest is matched one to one.
    assert len(a) == len(b) == 20 and "lugo" not in {v for _, v in a + b}
    # The synthetic text holds ten seen names, one unseen name, and "ana3" only inside a word.
    synthetic = [f"vino ana{i} ruiz hoy" for i in range(10)] + ["Eva1 Gil", "Ana3 Ruizz"]
    replay = phi_replay(synthetic, seen, unseen)["all"]
    assert replay["seen"] == pytest.approx(10 / 20) and replay["unseen"] == pytest.approx(1 / 20)
    assert replay["excess_low"] <= replay["excess"] <= replay["excess_high"]
    assert replay["excess_low"] > 0.1


def test_overlap_and_runs_beside_the_real_baseline():
    training = notes(20, 1, 60)
    copied, fresh = training[:5], notes(5, 9, 60)
    figures = ngram_baseline(copied, fresh, training, 5)
    assert figures["ngram_overlap_5"] == 1.0 and figures["ngram_overlap_5_real_unseen"] < 0.05
    assert figures["ngram_overlap_5_real_unseen_low"] <= figures["ngram_overlap_5_real_unseen"]
    runs = run_baseline([60, 60, 60], [2, 3, 4])
    assert runs["median_verbatim_run"] == 60 and runs["median_verbatim_run_real_unseen"] == 3
    assert runs["longest_verbatim_run_real_unseen"] == 4.0
    assert with_interval("m", np.array([]), np.mean)["m_low"] != 0  # nan: no rows, no interval


def test_no_real_phi_in_the_prompts():
    from deid_platform.core.prompts import phi_strings, prompt_of, safe_prompt

    dev = generate_corpus("es", seed=3, sizes={"dev": 60})["dev"]
    # Every PHI string of the prompt words of any dev note: a surrogate may equal none of them.
    real = {d.span_text(s) for d in dev for s in d.spans if s.start < len(prompt_of(d.text, 3))}
    replaced = 0
    for d in dev:
        prompt, count = safe_prompt(d, 3, "es", avoid=phi_strings(dev))
        replaced += count
        assert len(prompt.split()) >= 1
        assert not [v for v in real if re.search(rf"(?<!\w){re.escape(v)}(?!\w)", prompt)]
    assert replaced > 0


def audit_with(**figures):
    from deid_platform.core.records import LeakAudit

    base = {
        "phi_replay_excess.all": 0.02,
        "phi_replay_excess_low": -0.01,
        "documents_over_run_threshold": 0,
        "run_threshold": 40,
        "synthetic_mia_auc": 0.52,
        "synthetic_mia_auc_low": 0.45,
        "synthetic_mia_auc_high": 0.6,
        "synthetic_mia_members": 30,
        "synthetic_mia_nonmembers": 30,
    }
    return LeakAudit(0.05, 40, 0, 0.6, figures={**base, **figures})


def test_gate_blocks_on_each_calibrated_bound_and_reads_absent_canaries_as_none():
    from deid_platform.core.privacy import leak_gate, share_verdict

    assert leak_gate(audit_with()) == (True, [])
    passed, reasons = leak_gate(audit_with(canary_secrets_extracted=2))
    assert not passed and reasons == ["2 canary secrets appear verbatim in the synthetic text"]
    assert (
        "data-only membership inference" in leak_gate(audit_with(synthetic_mia_auc_low=0.7))[1][0]
    )
    # The excess's interval must clear the margin, not its point value.
    assert leak_gate(audit_with(**{"phi_replay_excess.all": 0.08}))[0]
    assert "phi_replay_excess" in leak_gate(audit_with(phi_replay_excess_low=0.06))[1][0]
    ner = {"ner_mia_auc": 0.9, "ner_mia_auc_low": 0.8, "ner_mia_auc_high": 1}
    ok, reasons = share_verdict([], {**ner, "ner_mia_members": 20, "ner_mia_nonmembers": 20}, 0.6)
    assert not ok and "synthetic NER model" in reasons[0]
    assert share_verdict([], {"ner_mia_auc_low": 0.5}, 0.6) == (True, [])
