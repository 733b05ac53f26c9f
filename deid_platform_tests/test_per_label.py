"""The per-label table: F1 of both models over seeds, the ratio of the means, the support."""

import pytest

from deid_platform.core.per_label import compare_labels


def test_labels_come_most_mentions_first_with_means_spreads_and_ratio():
    real = [
        {"NOMBRE": {"f1": 0.9, "support": 50}, "FAX": {"f1": 0.5, "support": 4}},
        {"NOMBRE": {"f1": 0.7, "support": 50}, "FAX": {"f1": 0.5, "support": 4}},
    ]
    synthetic = [
        {"NOMBRE": {"f1": 0.6, "support": 50}, "ID": {"f1": 0.0, "support": 0}},
        {"NOMBRE": {"f1": 0.6, "support": 50}},
    ]
    rows = compare_labels(real, synthetic)
    assert [r["label"] for r in rows] == ["NOMBRE", "FAX", "ID"]
    name, fax, spurious = rows
    assert name["real_f1"] == pytest.approx(0.8)
    assert name["real_f1_std"] == pytest.approx(0.1414, abs=1e-4)
    assert name["synthetic_f1_std"] == 0.0
    assert name["ratio"] == pytest.approx(0.75)
    assert name["ratio_std"] == pytest.approx(0.1347, abs=1e-4)  # 0.667 and 0.857
    assert (fax["synthetic_f1"], fax["ratio"], fax["support"]) == (0.0, 0.0, 4)
    assert (spurious["support"], spurious["ratio"]) == (0, 0.0)


def test_each_model_needs_a_score_per_seed():
    with pytest.raises(ValueError, match="per seed"):
        compare_labels([{}], [])
