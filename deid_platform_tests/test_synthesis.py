import math
import random

import pytest

from deid_platform.core.documents import Document, Span
from deid_platform.core.errors import UserError
from deid_platform.core.synthesis import (
    clean,
    distinct_n,
    generate_documents,
    jensen_shannon,
    label_distribution,
    plan_samples,
    printable,
    prompt_of,
    select_tokens,
    token_lengths,
    under_represented,
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
    # Lengths are not capped by any context: the generator writes past it.
    long = plan_samples(docs, [2000], target_tokens=4000, seed=1)
    assert [p.max_new_tokens for p in long] == [2000, 2000]
    # A smaller volume plans a prefix of a larger one.
    assert (
        plan_samples(docs, [10, 20, 30], 80, seed=1)
        == plan[: len(plan_samples(docs, [10, 20, 30], 80, seed=1))]
    )
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


def test_select_tokens_takes_the_prefix_that_reaches_the_tokens():
    docs = [Document(f"s{i}", "x", metadata={"tokens": 10}) for i in range(10)]
    assert [d.id for d in select_tokens(docs, 25)] == ["s0", "s1", "s2"]
    assert [d.id for d in select_tokens(docs, 30)] == ["s0", "s1", "s2"]
    assert select_tokens(docs, 0) == []
    assert len(select_tokens(docs, 10_000)) == 10


@pytest.mark.parametrize("pool", [1.0, 1.5])
def test_generation_goes_on_in_rounds_until_the_produced_tokens_reach_the_target(monkeypatch, pool):
    """Samples that end at EOS after a third of their planned length: the first round produces
    about a third of the target, later rounds plan what is missing, and the corpus is cut to it;
    with a pool, to that multiple of the volume's target."""
    import torch

    from deid_platform.core.lm import generation
    from deid_platform.core.lm.model import train_lm_tokenizer
    from deid_platform.core.records import Sampling

    def early_eos(model, tokenizer, prompts, budgets, seed, **kwargs):
        rng = random.Random(seed)
        texts = [
            p + "".join(f" nota{rng.randrange(10**6)}" for _ in range(max(1, b // 15)))
            for p, b in zip(prompts, budgets, strict=True)
        ]
        return [
            generation.Generated(i, t, b // 3, True)
            for i, (t, b) in enumerate(zip(texts, budgets, strict=True))
        ], 1.0

    monkeypatch.setattr(generation, "generate_batched", early_eos)
    notes = [Document(f"d{i}", f"Paciente {i} ingresa por dolor toracico " * 6) for i in range(20)]
    tokenizer = train_lm_tokenizer([d.text for d in notes], 300, 64)
    sampling = Sampling(2.0, "corpus", 0.95, 1.0, 3, seed=5)

    def generate():
        return generate_documents(
            torch.nn.Linear(1, 1),
            tokenizer,
            train=notes[:5],
            reference=notes,
            prompt_docs=notes,
            sampling=sampling,
            language="es",
            pool=pool,
        )

    docs, stats = generate()
    real = sum(token_lengths(tokenizer, [d.text for d in notes]))
    assert stats["tokens_target"] == int(2.0 * real)
    assert stats["tokens_pool_target"] == int(pool * stats["tokens_target"])
    assert stats["generation_rounds"] > 1
    assert stats["tokens_produced"] == sum(d.metadata["tokens"] for d in docs)
    assert 1.0 <= stats["tokens_produced"] / stats["tokens_pool_target"] <= 1.05
    assert stats["volume_tokens"] == pytest.approx(stats["tokens_produced"] / real, abs=1e-3)
    assert stats["dropped_over_volume"] >= 0 and stats["documents"] == len(docs)
    assert token_lengths(tokenizer, [d.text for d in docs]) == [d.metadata["tokens"] for d in docs]
    again, _ = generate()
    assert [d.text for d in again] == [d.text for d in docs]
    with pytest.raises(UserError, match="pool must be at least 1"):
        generate_documents(
            torch.nn.Linear(1, 1),
            tokenizer,
            train=notes,
            reference=notes,
            prompt_docs=notes,
            sampling=sampling,
            language="es",
            pool=0.5,
        )


def test_under_represented_labels():
    real = {"NAME": 0.5, "ID": 0.3, "PHONE": 0.2}
    assert under_represented({"NAME": 0.7, "ID": 0.29, "PHONE": 0.01}, real) == ["PHONE"]


def test_label_distribution():
    docs = [Document("d", "Ana Lugo Eva", [Span(0, 3, "N"), Span(4, 8, "L"), Span(9, 12, "N")])]
    assert label_distribution(docs) == {"L": pytest.approx(1 / 3), "N": pytest.approx(2 / 3)}


def test_printable_leaves_one_kind_of_line_break():
    text = printable("Nota\x0cuno\u2028dos\r\ntres\x85cuatro\tcinco\nseis\u00a0siete")
    assert text == "Nota uno dos \ntres cuatro\tcinco\nseis\u00a0siete"
    assert text.splitlines() == text.split("\n")
