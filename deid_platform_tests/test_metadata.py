"""The platform's floats, as metadata and MLflow show them."""

from dagster import MetadataValue

from deid_platform.plumbing.metadata import rounded, rows_table


def test_every_float_is_rounded_to_four_decimals_wherever_it_sits():
    kept = MetadataValue.json({"x": 1.23456789})
    value = {"f1": 0.8000000000000002, "preset": {"epochs": 24.598790968790297}, "n": 3}
    out = rounded({**value, "runs": [0.123456, (1, 2.000049)], "flag": True, "json": kept})
    assert out == {
        "f1": 0.8,
        "preset": {"epochs": 24.5988},
        "n": 3,
        "runs": [0.1235, (1, 2.0)],
        "flag": True,
        "json": kept,
    }


def test_table_metadata_uses_the_same_rounding():
    table = rows_table(["mode", "F1"], [["total", 0.912345678]])
    assert table.records[0].data == {"mode": "total", "F1": 0.9123}
