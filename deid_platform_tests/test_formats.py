from collections import Counter

import pytest

from deid_platform.core.documents import CorpusError, Document, Span, corpus_hash
from deid_platform.core.formats import read_corpus, read_splits, split_of, write_corpus
from deid_platform.core.surrogates import generate_corpus


def test_meddocan_train_and_dev_read_without_loss(meddocan):
    train = read_corpus(meddocan / "train", "brat")
    dev = read_corpus(meddocan / "dev", "brat")
    assert (len(train), sum(len(d.spans) for d in train)) == (500, 11333)
    assert (len(dev), sum(len(d.spans) for d in dev)) == (250, 5801)
    assert train.warnings == [] and dev.warnings == []
    assert len({s.label for d in [*train, *dev] for s in d.spans}) == 22


def test_meddocan_bom_counts_in_offsets(meddocan):
    """Files with a BOM keep it as character 0, so that every annotated span still matches."""
    docs = read_corpus(meddocan / "train", "brat").documents
    with_bom = [d for d in docs if d.text.startswith("\ufeff")]
    assert with_bom, "MEDDOCAN train has files that start with a BOM"
    raw_ann = (meddocan / "train" / f"{with_bom[0].id}.ann").read_text(encoding="utf-8")
    for row in raw_ann.splitlines():
        _, type_offsets, quoted = row.split("\t")
        _, start, end = type_offsets.split(" ")
        assert with_bom[0].text[int(start) : int(end)].replace("\n", " ") == quoted


def test_meddocan_splits_are_detected(meddocan):
    splits = read_splits(meddocan, "brat")
    assert sorted(splits) == ["dev", "train"]


def test_swedish_corpus_counts_and_malformed_line(swedish):
    with pytest.raises(CorpusError) as err:
        read_splits(swedish, "conll")
    assert str(err.value) == f"{swedish / 'train_corpus.txt'}:90310: expected a token and a label"
    splits = read_splits(swedish, "conll", lenient=True)
    train, test = splits["train"], splits["test"]
    assert len(train.warnings) == 1 and train.warnings[0].line == 90310
    assert (len(train), len(test)) == (6885, 2453)
    assert Counter(s.label for d in train for s in d.spans) == {
        "PER": 1587,
        "LOC": 1336,
        "ORG": 880,
        "MISC": 397,
    }
    assert sum(len(d.spans) for d in test) == 1403
    assert sum(len(d.text.split()) for d in train) == 113124


@pytest.mark.parametrize("fmt", ["brat", "jsonl", "conll"])
def test_round_trip(tmp_path, fmt):
    docs = generate_corpus("es", seed=3, sizes={"train": 12})["train"]
    target = tmp_path / ("corpus" if fmt == "brat" else f"corpus.{fmt}")
    write_corpus(docs, target, fmt)
    back = read_corpus(target, fmt).documents
    if fmt == "conll":
        # CoNLL keeps tokens and labels, not whitespace: compare the labelled token strings.
        def mentions(documents):
            return sorted(
                (s.label, " ".join(d.text[s.start : s.end].split()))
                for d in documents
                for s in d.spans
            )

        original = [
            (s.label, " ".join(d.text[s.start : s.end].split())) for d in docs for s in d.spans
        ]
        assert len(back) == len(docs)
        assert len(mentions(back)) == len(original)
    else:
        assert corpus_hash(sorted(back, key=lambda d: d.id)) == corpus_hash(
            sorted(docs, key=lambda d: d.id)
        )


def test_conll_bio_labels_and_docstart(tmp_path):
    path = tmp_path / "x.conll"
    path.write_text(
        "-DOCSTART- O\n\nAna B-NAME\nPérez I-NAME\nvive O\nen O\nLugo B-LOC\n\n"
        "Ingresó O\nhoy O\n\n-DOCSTART- O\n\nJuan B-NAME\nJuan B-NAME\n",
        encoding="utf-8",
    )
    docs = read_corpus(path, "conll").documents
    assert len(docs) == 2
    assert docs[0].text == "Ana Pérez vive en Lugo\nIngresó hoy"
    assert [(docs[0].span_text(s), s.label) for s in docs[0].spans] == [
        ("Ana Pérez", "NAME"),
        ("Lugo", "LOC"),
    ]
    # Two B- tags in a row are two entities, not one.
    assert [docs[1].span_text(s) for s in docs[1].spans] == ["Juan", "Juan"]


def test_split_names():
    assert split_of("train_corpus.txt") == "train"
    assert split_of("development") == "dev"
    assert split_of("test") == "test"
    assert split_of("LICENSE") is None


def test_jsonl_span_text_is_checked(tmp_path):
    doc = Document("d1", "Paciente Ana Ruiz.", [Span(9, 17, "NAME")])
    write_corpus([doc], tmp_path / "c.jsonl", "jsonl")
    assert read_corpus(tmp_path / "c.jsonl", "jsonl").documents[0].spans == doc.spans
