import json
import subprocess
import sys
from collections import Counter

import pytest

from deid_platform.core.documents import CorpusError, Document, Span, corpus_hash
from deid_platform.core.formats import (
    read_corpus,
    read_splits,
    split_of,
    validate_corpus,
    write_corpus,
)
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
    assert str(err.value) == (
        f"{swedish / 'train_corpus.txt'}:90310: expected 2 columns (token and label), found 1"
    )
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


def test_jsonl_text_keeps_unicode_line_separators(tmp_path):
    """Only "\n" ends a JSONL line: U+2028 and U+0085, which json.dumps writes raw, stay text."""
    doc = Document("d1", "Ana\u2028Ruiz\x85vive.", [Span(0, 8, "NAME")])
    write_corpus([doc], tmp_path / "c.jsonl", "jsonl")
    assert read_corpus(tmp_path / "c.jsonl", "jsonl").documents[0].text == doc.text


def test_bom_is_skipped_in_ann_and_jsonl_but_counts_in_txt(tmp_path):
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "a.txt").write_text("\ufeffAna Ruiz vive.", encoding="utf-8")
    (folder / "a.ann").write_text("\ufeffT1\tNAME 1 9\tAna Ruiz\n", encoding="utf-8")
    doc = read_corpus(folder, "brat").documents[0]
    assert doc.span_text(doc.spans[0]) == "Ana Ruiz"
    line = json.dumps(
        {"id": "a", "text": "Ana Ruiz", "spans": [{"start": 0, "end": 3, "label": "N"}]}
    )
    (tmp_path / "c.jsonl").write_text("\ufeff" + line + "\n", encoding="utf-8")
    assert read_corpus(tmp_path / "c.jsonl", "jsonl").documents[0].id == "a"


def test_legal_brat_lines_are_counted_not_errors(tmp_path):
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "a.txt").write_text("Ana Ruiz vive en Lugo.", encoding="utf-8")
    (folder / "a.ann").write_text(
        "T1\tNAME 0 8\tAna Ruiz\nT2\tLOC 17 21\tLugo\nR1\tLives Arg1:T1 Arg2:T2\n"
        "A1\tNegated T1\nM2\tSure T2\n#1\tAnnotatorNotes T1\tchecked\nE1\tMove:T1\n"
        "N1\tReference T2 Wiki:123\tLugo\n*\tAlias T1 T2\n",
        encoding="utf-8",
    )
    corpus = read_corpus(folder, "brat")
    assert len(corpus.documents[0].spans) == 2 and corpus.warnings == []
    assert corpus.ignored == {
        "relation": 1,
        "attribute": 2,
        "note": 1,
        "event": 1,
        "normalization": 1,
        "equivalence": 1,
    }
    assert validate_corpus(folder, "brat")[0]["ignored_annotations"]["attribute"] == 2


def test_lenient_drops_a_note_whose_spans_were_all_dropped(tmp_path):
    """A note whose annotations no longer fit (CRLF-converted, BOM stripped) would teach a model
    that its PHI is not PHI: lenient mode drops it and says so."""
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "a.txt").write_text("Ana Ruiz vive.", encoding="utf-8")
    (folder / "a.ann").write_text("T1\tNAME 0 8\tAna Ruiz\n", encoding="utf-8")
    (folder / "b.txt").write_text("Eva Gil vive.", encoding="utf-8")
    (folder / "b.ann").write_text("T1\tNAME 1 8\tEva Gil\n", encoding="utf-8")
    corpus = read_corpus(folder, "brat", lenient=True)
    assert [d.id for d in corpus.documents] == ["a"]
    assert [w.message for w in corpus.warnings] == [
        "T1 text does not match the document at [1, 8)",
        "document 'b' dropped: all 1 of its spans were invalid",
    ]
    assert corpus.dropped_spans == 1


def test_conll_errors_never_quote_tokens_or_labels(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("Macarena B-PER\nOjeda PER\nvive O\n", encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        read_corpus(path, "conll", lenient=True)
    assert str(err.value) == f"{path}:2: label is not IOB2 (O, B-TYPE or I-TYPE) like the rest"


@pytest.mark.parametrize(
    "content, line, fragment",
    [
        ("Macarena NNP B-PER\nvive VB O\n", 1, "expected 2 columns (token and label), found 3"),
        ("B-PER Macarena\nO vive\nO en\n", 2, "not a type name"),  # swapped: "vive" as label
        ("B-PER Macarena\nI-PER Ojeda\n", 1, "no token is outside"),  # swapped, capitalised
        ("Ana PER\nvive 0\nen LOC2\n", 3, "not a type name"),  # a type has no digits
        ("", 1, "no tokens"),
        ("-DOCSTART- O\n\n", 1, "no tokens"),
    ],
    ids=["pos-column", "swapped", "swapped-capitalised", "digits", "empty", "bare"],
)
def test_conll_shape_errors(tmp_path, content, line, fragment):
    path = tmp_path / "c.conll"
    path.write_text(content, encoding="utf-8")
    for lenient in (False, True):
        with pytest.raises(CorpusError) as err:
            read_corpus(path, "conll", lenient=lenient)
        assert str(err.value).startswith(f"{path}:{line}: ") and fragment in str(err.value)
        for word in ("Macarena", "Ojeda", "vive", "Juan", "LOC2", "extra"):
            assert word not in str(err.value)


def test_conll_more_than_50_labels_is_text_not_a_scheme(tmp_path):
    path = tmp_path / "c.conll"
    rows = [f"w {chr(65 + i // 26)}{chr(97 + i % 26)}" for i in range(51)]
    path.write_text("x O\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"c\.conll:52: more than 50 distinct labels"):
        read_corpus(path, "conll", lenient=True)
    path.write_text("x O\n" + "\n".join(rows[:50]) + "\n", encoding="utf-8")
    assert len(read_corpus(path, "conll").documents) == 1


@pytest.mark.parametrize("fmt", ["brat", "conll", "jsonl"])
def test_validation_streams(tmp_path, fmt):
    """Validating holds one document at a time: a corpus 100x larger costs about no more memory
    (benchmarks/validation_memory.py measures 50 MB)."""
    docs = generate_corpus("es", seed=5, sizes={"train": 20})["train"]
    peaks = []
    for copies in (1, 100):
        many = [Document(f"{d.id}-{k}", d.text, d.spans) for k in range(copies) for d in docs]
        target = tmp_path / f"{copies}" / ("corpus" if fmt == "brat" else f"c.{fmt}")
        target.parent.mkdir()
        write_corpus(many, target, fmt)
        code = (
            "import resource, sys; from deid_platform.core.formats import validate_corpus; "
            f"validate_corpus(sys.argv[1], {fmt!r}); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
        )
        run = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True)
        peaks.append(int(run.stdout))
    assert peaks[1] < peaks[0] * 1.1 + 2048, peaks  # KiB
