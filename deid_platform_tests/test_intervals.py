"""Per-document counts reproduce the corpus-level scores; the paired bootstrap brackets them."""

import numpy as np
import pytest

from deid_platform.core.documents import Document, Span
from deid_platform.core.intervals import (
    corpus_counts,
    paired_bootstrap,
    scores,
    summarize_seeds,
)
from deid_platform.core.metrics import evaluate

TEXT = "Paciente Ana Ruiz, fecha 12/03/2010, correo ana@h.es y NHC 123."


def doc(i: int, spans: list[Span]) -> Document:
    return Document(f"d{i}", TEXT, spans)


GOLD = [
    Span(9, 17, "NOMBRE"),
    Span(25, 35, "FECHAS"),
    Span(44, 51, "CORREO"),
    Span(58, 61, "ID"),
]


def test_summed_counts_give_the_scores_of_evaluate():
    golds = [doc(i, GOLD) for i in range(3)]
    preds = [
        doc(0, GOLD),
        doc(1, [Span(9, 12, "NOMBRE"), Span(25, 35, "ID")]),  # half a name, a date as an ID
        doc(2, [Span(0, 8, "NOMBRE"), *GOLD[2:]]),  # a spurious name, the name and date missed
    ]
    ours = scores(corpus_counts(golds, preds).sum(0))
    reference = evaluate(golds, preds)
    for measure in ("token_f1", "strict_f1", "binary_recall"):
        assert float(ours[measure]) == pytest.approx(reference[measure])
    # Whitespace words: "12/03/2010," is one word, against five \w+|symbol words.
    assert float(ours["ws_token_f1"]) != pytest.approx(float(ours["token_f1"]))
    assert 0 < float(ours["binary_precision"]) < 1


def test_paired_bootstrap_brackets_the_point_and_a_perfect_copy_has_ratio_one():
    rng = np.random.default_rng(0)
    golds = [doc(i, GOLD) for i in range(40)]
    preds = [doc(i, GOLD if rng.random() < 0.7 else GOLD[:2]) for i in range(40)]
    real = corpus_counts(golds, golds)
    synthetic = corpus_counts(golds, preds)
    out = paired_bootstrap(real, synthetic, replicates=500, seed=1)
    recall = out["binary_recall"]
    assert recall["real"] == 1.0 and recall["real_low"] == 1.0
    assert recall["ratio_low"] < recall["ratio"] < recall["ratio_high"] <= 1.0
    same = paired_bootstrap(synthetic, synthetic, replicates=200)["token_f1"]
    assert same["ratio_low"] == same["ratio_high"] == 1.0  # paired: no spread at all


def test_seed_summary():
    assert summarize_seeds({1: 0.8, 2: 0.9, 3: 1.0}) == pytest.approx(
        {"mean": 0.9, "std": 0.1, "seeds": 3.0}
    )
    assert summarize_seeds({7: 0.5})["std"] == 0.0


def test_the_weighted_resampling_sums_the_documents_each_replicate_drew():
    rng = np.random.default_rng(3)
    golds = [doc(i, GOLD) for i in range(30)]
    preds = [doc(i, GOLD if rng.random() < 0.6 else GOLD[1:]) for i in range(30)]
    real, synthetic = corpus_counts(golds, golds), corpus_counts(golds, preds)
    out = paired_bootstrap(real, synthetic, replicates=300, seed=5)["token_f1"]
    # The same draws indexed directly: percentiles of the synthetic model's resampled F1.
    draws = np.random.default_rng(5).integers(0, 30, size=(300, 30))
    direct = scores(synthetic[draws].sum(1))["token_f1"]
    assert out["synthetic_low"] == pytest.approx(np.percentile(direct, 2.5))
    assert out["synthetic_high"] == pytest.approx(np.percentile(direct, 97.5))


def test_over_seeds_the_ratio_is_of_the_means_and_the_spread_is_the_seeds():
    rng = np.random.default_rng(2)
    golds = [doc(i, GOLD) for i in range(40)]
    good = corpus_counts(golds, [doc(i, GOLD if rng.random() < 0.9 else []) for i in range(40)])
    poor = corpus_counts(golds, [doc(i, GOLD if rng.random() < 0.5 else []) for i in range(40)])
    real = corpus_counts(golds, golds)
    one = paired_bootstrap(real, good, replicates=200)
    # A stack of one seed is the single-seed call; two identical seeds change no figure.
    assert paired_bootstrap(real[None], good[None], replicates=200) == one
    twice = paired_bootstrap(np.stack([real, real]), np.stack([good, good]), replicates=200)
    assert twice["binary_recall"]["ratio"] == pytest.approx(one["binary_recall"]["ratio"])
    assert twice["binary_recall"]["ratio_std"] == 0.0
    both = paired_bootstrap(np.stack([real, real]), np.stack([good, poor]), replicates=500)
    recall = both["binary_recall"]
    separate = [float(scores(c.sum(0))["binary_recall"]) for c in (good, poor)]
    assert recall["synthetic"] == pytest.approx(np.mean(separate))
    assert recall["ratio"] == pytest.approx(np.mean(separate))  # the real recall is 1
    assert recall["ratio_std"] == pytest.approx(np.std(separate, ddof=1))
    assert recall["ratio_low"] < recall["ratio"] < recall["ratio_high"]
    with pytest.raises(ValueError, match="same documents and seeds"):
        paired_bootstrap(np.stack([real, real]), good[None])


def test_a_ratio_over_a_real_model_that_found_nothing_is_zero_not_infinite():
    golds = [doc(i, GOLD) for i in range(10)]
    nothing = corpus_counts(golds, [doc(i, []) for i in range(10)])
    out = paired_bootstrap(
        np.stack([nothing, nothing]), np.stack([corpus_counts(golds, golds)] * 2)
    )
    strict = out["strict_f1"]
    assert (strict["real"], strict["synthetic"]) == (0.0, 1.0)
    assert strict["ratio"] == strict["ratio_high"] == strict["ratio_std"] == 0.0
