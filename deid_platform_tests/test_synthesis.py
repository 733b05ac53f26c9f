import math

import pytest

from deid_platform.core.documents import Document, Span
from deid_platform.core.synthesis import (
    clean,
    distinct_n,
    jensen_shannon,
    label_distribution,
    plan_samples,
    prompt_of,
)


def test_prompt_is_the_first_three_words_as_written():
    assert prompt_of("Datos del paciente.\nNombre: Ana.") == "Datos del paciente."
    assert prompt_of("  Uno\tdos\n\ntres cuatro") == "  Uno\tdos\n\ntres"
    assert prompt_of("Solo dos") == "Solo dos"


def test_plan_reaches_the_volume_and_cycles_prompts():
    docs = [Document(f"d{i}", f"Nota {i} de alta hoy") for i in range(3)]
    plan = plan_samples(docs, [10, 20, 30], target_tokens=200, seed=1)
    assert sum(min(p.max_new_tokens, 30) for p in plan) >= 200
    assert {p.prompt_doc for p in plan} == {"d0", "d1", "d2"}
    assert plan == plan_samples(docs, [10, 20, 30], target_tokens=200, seed=1)
    capped = plan_samples(docs, [500], target_tokens=1000, seed=1, max_tokens=100)
    assert all(p.max_new_tokens == 100 for p in capped) and len(capped) == 10
    with pytest.raises(ValueError):
        plan_samples([], [10], 10, seed=0)


def test_clean_drops_empty_prompt_only_and_duplicates():
    texts = ["Nota uno", "  ", "Nota", "Nota uno", "Nota dos"]
    prompts = ["Nota", "Nota", "Nota", "Nota", "Nota"]
    assert clean(texts, prompts) == [0, 4]


def test_distinct_n_by_hand():
    # tokens: a b a b -> bigrams ab, ba, ab: 2 distinct of 3
    assert distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)
    assert distinct_n(["a b a b"], 1) == pytest.approx(2 / 4)
    assert distinct_n([""], 2) == 0.0


def test_jensen_shannon_by_hand():
    assert jensen_shannon({"A": 1.0}, {"A": 1.0}) == 0.0
    assert jensen_shannon({"A": 1.0}, {"B": 1.0}) == pytest.approx(1.0)
    # p = (1/2, 1/2), q = (1, 0): m = (3/4, 1/4)
    expected = 0.5 * (0.5 * math.log2(0.5 / 0.75) + 0.5 * math.log2(0.5 / 0.25)) + 0.5 * (
        math.log2(1 / 0.75)
    )
    assert jensen_shannon({"A": 0.5, "B": 0.5}, {"A": 1.0}) == pytest.approx(expected)


def test_label_distribution():
    docs = [Document("d", "Ana Lugo Eva", [Span(0, 3, "N"), Span(4, 8, "L"), Span(9, 12, "N")])]
    assert label_distribution(docs) == {"L": pytest.approx(1 / 3), "N": pytest.approx(2 / 3)}
