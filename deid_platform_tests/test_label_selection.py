from deid_platform.core.documents import Document, Span
from deid_platform.core.label_selection import (
    label_count_table,
    label_counts,
    label_targets,
    select_by_labels,
    whitespace_tokens,
)


def note(doc_id: str, labels: list[str], words: int = 10) -> Document:
    """A note of `words` words whose first words are PHI of the given labels."""
    text = " ".join(f"w{i}" for i in range(words))
    # "w0 ", "w1 "...: three characters each
    return Document(doc_id, text, [Span(i * 3, i * 3 + 2, lab) for i, lab in enumerate(labels)])


REAL = [note("r0", ["FECHAS", "FECHAS", "NUMERO_FAX"], 20), note("r1", ["FECHAS"], 20)]


def test_targets_are_the_real_density_scaled_to_the_budget():
    targets = label_targets(REAL, budget=80)
    assert targets == {"FECHAS": 6.0, "NUMERO_FAX": 2.0}
    assert label_targets([], budget=80) == {}


def test_selection_serves_the_rare_label_the_plan_order_under_serves():
    pool = [note(f"d{i}", ["FECHAS", "FECHAS"]) for i in range(8)]
    pool += [note("fax1", ["NUMERO_FAX"]), note("fax2", ["NUMERO_FAX", "FECHAS"])]
    targets = label_targets(REAL, budget=80)
    chosen = select_by_labels(pool, targets, budget=80)
    assert label_counts(chosen)["NUMERO_FAX"] == 2
    assert label_counts(pool[:8])["NUMERO_FAX"] == 0  # what the first 80 tokens would hold
    # The budget is met without running past it by a note, and the given order is kept.
    assert 80 <= sum(whitespace_tokens(d) for d in chosen) < 80 + 10
    assert [d.id for d in chosen] == [d.id for d in pool if d in chosen]
    assert chosen == select_by_labels(pool, targets, budget=80)


def test_once_targets_are_filled_the_rest_comes_in_order():
    pool = [note(f"d{i}", []) for i in range(5)] + [note("fax", ["NUMERO_FAX"])]
    chosen = select_by_labels(pool, {"NUMERO_FAX": 1.0}, budget=30)
    assert [d.id for d in chosen] == ["d0", "d1", "fax"]
    # Without any PHI to match, it is the prefix `select_tokens` would take.
    assert select_by_labels(pool[:5], {"NUMERO_FAX": 1.0}, budget=30) == pool[:3]
    # A budget beyond the pool keeps everything.
    assert select_by_labels(pool, {}, budget=10_000) == pool


def test_count_table_holds_counts_and_densities_only():
    table = label_count_table(REAL, {"synthetic": [note("s", ["FECHAS", "HOSPITAL"], 100)]})
    lines = table.splitlines()
    assert lines[0] == "| label | real n | real /10k tok | synthetic n | synthetic /10k tok |"
    assert "| FECHAS | 3 | 750.0 | 1 | 100.0 |" in lines
    assert "| NUMERO_FAX | 1 | 250.0 | 0 | 0.0 |" in lines
    assert lines[-1] == "| HOSPITAL | 0 | 0.0 | 1 | 100.0 |"
    assert "w0" not in table


def test_a_note_that_overshoots_a_filled_label_loses_to_one_that_does_not():
    dense = note("dense", ["NUMERO_FAX", "FECHAS", "FECHAS", "FECHAS", "FECHAS"])
    lean = note("lean", ["NUMERO_FAX"])
    chosen = select_by_labels([dense, lean], {"NUMERO_FAX": 1.0, "FECHAS": 1.0}, budget=10)
    assert [d.id for d in chosen] == ["lean"]


def test_a_pool_denser_than_the_real_notes_is_brought_down_to_their_density():
    """Every generated note carries more dates than the real density: once the target is met, the
    budget goes to the notes that add the fewest (a date-free note before a dense one that comes
    first in the given order)."""
    pool = [note(f"dense{i}", ["FECHAS"] * 4) for i in range(4)]
    pool += [note(f"lean{i}", ["FECHAS"]) for i in range(2)] + [note("none", [])]
    chosen = select_by_labels(pool, {"FECHAS": 2.0}, budget=30)
    assert [d.id for d in chosen] == ["lean0", "lean1", "none"]
    assert label_counts(chosen)["FECHAS"] == 2 < label_counts(pool[:3])["FECHAS"]
