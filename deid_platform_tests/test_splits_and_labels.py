import pytest

from deid_platform.core.documents import Corpus, CorpusError, Document
from deid_platform.core.labels import COARSE, MEDDOCAN, coarse_label
from deid_platform.core.splits import assign_splits, nested_sample, subset_size


def docs(n, prefix="d"):
    return [Document(f"{prefix}{i:04d}", f"text {i}") for i in range(n)]


def test_nested_samples_are_nested_and_deterministic():
    pool = docs(200)
    samples = {f: {d.id for d in nested_sample(pool, f, seed=1)} for f in (0.05, 0.25, 0.5, 1.0)}
    assert [len(samples[f]) for f in (0.05, 0.25, 0.5, 1.0)] == [10, 50, 100, 200]
    assert samples[0.05] < samples[0.25] < samples[0.5] < samples[1.0]
    assert {d.id for d in nested_sample(list(reversed(pool)), 0.25, seed=1)} == samples[0.25]
    assert {d.id for d in nested_sample(pool, 0.25, seed=2)} != samples[0.25]


def test_subset_size_rounds_up_and_never_empty():
    assert subset_size(3, 0.05) == 1
    assert subset_size(500, 0.05) == 25
    with pytest.raises(ValueError):
        subset_size(10, 0)


def test_given_splits_are_kept_and_test_is_carved_from_dev():
    given = {"train": Corpus(docs(8, "t")), "dev": Corpus(docs(7, "v"))}
    splits, derived = assign_splits(given, seed=3)
    assert [len(splits[s]) for s in ("train", "dev", "test")] == [8, 3, 4]
    assert derived == {"dev_from_train": False, "test_from_dev": True, "split_by_hash": False}
    # Dev prompts the generator: the carved test split shares no document with it.
    assert not {d.id for d in splits["dev"]} & {d.id for d in splits["test"]}
    assert {d.id for d in splits["dev"] + splits["test"]} == {d.id for d in given["dev"]}
    again, _ = assign_splits({"train": Corpus(docs(8, "t")), "dev": Corpus(docs(7, "v"))}, seed=3)
    assert [d.id for d in again["test"]] == [d.id for d in splits["test"]]


def test_a_single_dev_document_cannot_be_split():
    with pytest.raises(CorpusError, match="too few dev documents"):
        assign_splits({"train": Corpus(docs(8, "t")), "dev": Corpus(docs(1, "v"))})


def test_dev_is_carved_from_train_when_missing():
    splits, derived = assign_splits({"train": Corpus(docs(50)), "test": Corpus(docs(5, "x"))})
    assert [len(splits[s]) for s in ("train", "dev", "test")] == [45, 5, 5]
    assert derived["dev_from_train"] and not derived["test_from_dev"]
    assert not {d.id for d in splits["dev"]} & {d.id for d in splits["train"]}


def test_unsplit_corpus_is_split_by_hash():
    splits, derived = assign_splits({"all": Corpus(docs(100))}, seed=5)
    again, _ = assign_splits({"all": Corpus(list(reversed(docs(100))))}, seed=5)
    assert [len(splits[s]) for s in ("train", "dev", "test")] == [80, 10, 10]
    assert derived["split_by_hash"]
    assert [d.id for d in splits["test"]] == [d.id for d in again["test"]]


def test_no_training_documents_is_an_error():
    with pytest.raises(CorpusError):
        assign_splits({"test": Corpus(docs(3))})


def test_coarse_taxonomy():
    assert set(MEDDOCAN.values()) <= set(COARSE)
    assert coarse_label("NOMBRE_SUJETO_ASISTENCIA") == "NAME"
    assert coarse_label("Personal_ID") == "ID"
    assert coarse_label("PER") == "NAME"
    assert coarse_label("DATE") == "DATE"
    assert coarse_label("SOMETHING_ELSE") == "OTHER"
    assert coarse_label("PER", {"PER": "ORGANIZATION"}) == "ORGANIZATION"
