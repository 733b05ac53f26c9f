"""Canaries: planting, exposure, extraction and the drop of notes that carry one."""

import math

import pytest
import torch

from deid_platform.core.canaries import (
    KINDS,
    REPETITIONS,
    drop_canary_documents,
    exposure,
    extracted,
    make_canaries,
    plant,
    read_canaries,
    write_canaries,
)
from deid_platform.core.documents import Document
from deid_platform.core.errors import UserError
from deid_platform.core.lm.model import build_lm, train_lm_tokenizer
from deid_platform.core.lm.presets import get_lm_preset
from deid_platform.core.lm.training import document_nll, train_causal_lm
from deid_platform.core.surrogates import generate_corpus


@pytest.fixture(scope="module")
def notes():
    return [d.text for d in generate_corpus("es", seed=3, sizes={"train": 40})["train"]]


def test_canaries_are_planted_as_often_as_their_repetition(notes, tmp_path):
    canaries = make_canaries("es", seed=1)
    assert len(canaries) == len(REPETITIONS) * len(KINDS)
    assert len({c.secret for c in canaries}) == len(canaries)
    assert make_canaries("es", seed=1) == canaries and make_canaries("es", seed=2) != canaries
    planted = plant(notes, canaries, seed=0)
    assert len(planted) == len(notes)
    for canary in canaries:
        assert not any(canary.secret in n or canary.prefix in n for n in notes)
        assert sum(n.count(canary.record) for n in planted) == canary.repetitions
        # Distinct notes while there are enough of them.
        assert sum(canary.record in n for n in planted) == canary.repetitions
    write_canaries(canaries, tmp_path / "canaries.json")
    assert read_canaries(tmp_path / "canaries.json") == canaries
    assert read_canaries(tmp_path / "none.json") == []
    with pytest.raises(UserError, match="canary"):
        make_canaries("fi", seed=1)


def test_swedish_canaries_and_more_repetitions_than_notes():
    canaries = make_canaries("sv", seed=1)
    phone = next(c for c in canaries if c.kind == "phone")
    assert phone.secret.startswith("07") and phone.prefix.startswith("Studiens")
    planted = plant(["a\nb", "c"], canaries, seed=0)
    assert sum(n.count(c.record) for n in planted for c in canaries if c.repetitions == 16) == 48


def test_exposure_is_the_rank_of_the_secret_in_bits():
    canaries = make_canaries("es", seed=1, repetitions=(1, 4))
    secrets = {c.secret for c in canaries}

    def memorized(texts):  # the true record scores best
        return [(0.0 if any(t.endswith(s) for s in secrets) else 5.0, 1) for t in texts]

    top = exposure(memorized, canaries, "es", candidates=63)
    assert top["canary_exposure_max_bits"] == 6.0
    assert top["canary_exposure_r1"] == top["canary_exposure_r4"] == 6.0

    def worst(texts):
        return [(9.0 if any(t.endswith(s) for s in secrets) else 1.0, 1) for t in texts]

    bottom = exposure(worst, canaries, "es", candidates=63)
    assert bottom["canary_exposure_r1"] == pytest.approx(0.0)
    # A model that cannot tell the secret apart ties it with every candidate: the middle rank.
    blind = exposure(lambda texts: [(1.0, 1)] * len(texts), canaries, "es", candidates=63)
    assert blind["canary_exposure_r4"] == pytest.approx(6.0 - math.log2(32.5))


def test_extraction_counts_secrets_and_drop_removes_every_carrier():
    canaries = make_canaries("sv", seed=4)
    r16 = next(c for c in canaries if c.repetitions == 16)
    r1 = next(c for c in canaries if c.repetitions == 1)
    texts = [f"Anteckning. {r16.secret} skrevs ut.", "Ingen kanariefågel.", f"{r1.prefix}okänd"]
    counts = extracted(texts, canaries)
    assert counts["canary_secrets_extracted"] == 1
    assert (
        counts["canary_secrets_extracted_r16"] == 1 and counts["canary_secrets_extracted_r1"] == 0
    )
    docs = [Document(str(i), t) for i, t in enumerate(texts)]
    kept, dropped = drop_canary_documents(docs, canaries)
    assert dropped == 2 and [d.id for d in kept] == ["1"]


def test_a_memorizing_lm_exposes_its_repeated_canaries(notes):
    """An LM trained many epochs on a few notes ranks the canaries it saw 16 times far above
    chance; one it never saw stays near chance (the control)."""
    preset = get_lm_preset(
        "embedded", vocab_size=400, hidden_size=48, intermediate_size=96, heads=2, context=64
    )
    canaries = make_canaries("es", seed=5, repetitions=(16,))
    control = make_canaries("es", seed=6, repetitions=(1,))
    planted = plant(notes[:8], canaries, seed=0)
    tokenizer = train_lm_tokenizer(planted, preset.vocab_size, preset.context)
    torch.manual_seed(0)
    model = build_lm(preset, tokenizer)
    train_causal_lm(model, tokenizer, planted, preset, epochs=30, learning_rate=3e-3, seed=0)

    def nll(texts):
        return document_nll(model, tokenizer, texts, preset.context)

    seen = exposure(nll, canaries, "es", candidates=100)
    unseen = exposure(nll, control, "es", candidates=100)
    assert seen["canary_exposure_r16"] > 4.0 > unseen["canary_exposure_r1"]
    assert math.isclose(seen["canary_exposure_max_bits"], math.log2(101))
