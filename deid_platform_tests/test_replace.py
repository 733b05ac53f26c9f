import codecs
import random
import string

import pytest

from deid_platform.core.documents import Document, Span
from deid_platform.core.formats import read_corpus
from deid_platform.core.labels import COARSE, MEDDOCAN, NEWS_NER, STOCKHOLM_EPR
from deid_platform.core.replace import redact, surrogate

TEXT = "Ana Ruiz (NHC 123456) vive en Lugo. Ana Ruiz llamó al 600 123 456."
DOC = Document(
    "d1",
    TEXT,
    [
        Span(0, 8, "NOMBRE_SUJETO_ASISTENCIA"),
        Span(14, 20, "ID_SUJETO_ASISTENCIA"),
        Span(30, 34, "TERRITORIO"),
        Span(36, 44, "NOMBRE_SUJETO_ASISTENCIA"),
        Span(54, 65, "NUMERO_TELEFONO"),
    ],
)


def test_redact_masks_every_span_with_its_label():
    assert redact(DOC) == (
        "[NOMBRE_SUJETO_ASISTENCIA] (NHC [ID_SUJETO_ASISTENCIA]) vive en [TERRITORIO]. "
        "[NOMBRE_SUJETO_ASISTENCIA] llamó al [NUMERO_TELEFONO]."
    )


def test_surrogates_are_consistent_within_a_document_and_remove_the_phi():
    out = surrogate(DOC, "es", seed=1)
    for original in ("Ana Ruiz", "123456", "Lugo", "600 123 456"):
        assert original not in out
    first_name = out.split(" (NHC")[0]
    assert out.count(first_name) == 2
    assert out == surrogate(DOC, "es", seed=1)
    assert out != surrogate(DOC, "es", seed=2)
    nhc = out.split("(NHC ")[1].split(")")[0]
    assert len(nhc) == 6 and nhc.isdigit()


# Property tests: a surrogate takes only the shape of the PHI it replaces (a name or a full name,
# words or digits, character classes), never its characters. Two checks prove it without relying
# on chance: (1) text whose PHI is replaced by another PHI of the same shape (letters rotated,
# digits shifted) gets exactly the same surrogates; (2) PHI written in characters no surrogate
# produces (other scripts, other digits, rare separators) leaves none of them in the output.
# Failures name labels and counts only: the real corpora's PHI must not reach the test log.

ALL_LABELS = sorted({*MEDDOCAN, *STOCKHOLM_EPR, *NEWS_NER, *COARSE, "A_TYPE_NO_MAP_KNOWS"})
CANARY = "ЖжΩωλ漢字歳٢٧٣٤٥２７¹²³⁴Ⅻ·‧／–"
SHAPES = [
    "27 2226350 05",
    "dos años",
    "1 año y 3 meses",
    "veintisiete años",
    "27a",
    "Жанна Ωμέγα",
    "٢٧ سنة",
    "２７歳",
    "NHC·٣٤٥‧Ⅻ",
    "¹²³ ⁴⁵",
    "ana.ruiz@hospital.es",
    "www.hospital.es／ana",
    "c/ del Abedul 5-7, 3º B",
    "Dra. María José Ruiz–Gómez",
    "12 de marzo de 2016",
    "M",
    "Ana\nRuiz",
]
NUMBER_WORDS = ["uno", "dos", "tres", "veinte", "cuarenta", "två", "tjugo", "sjuttio"]


def odd_shapes(rng: random.Random, count: int) -> list[str]:
    """Seeded odd PHI shapes: spaced digit groups, numbers in words, mixed scripts."""
    makers = [
        lambda: " ".join(str(rng.randint(0, 10**k)) for k in rng.sample(range(1, 8), 3)),
        lambda: f"{rng.choice(NUMBER_WORDS)} {rng.choice(['años', 'meses', 'år'])}",
        lambda: "".join(rng.choice(CANARY + "ab 12") for _ in range(rng.randint(1, 12))),
        lambda: f"{rng.randint(1, 99)}{rng.choice(CANARY)}{rng.choice(string.ascii_letters)}",
    ]
    return [rng.choice(makers)() for _ in range(count)]


def marked_document(doc_id: str, phi: list[tuple[str, str]]) -> Document:
    """Each PHI between numbered markers, so that its surrogate can be cut out of the output."""
    text, spans = "", []
    for index, (label, value) in enumerate(phi):
        text += f" §{index}§ "
        spans.append(Span(len(text), len(text) + len(value), label))
        text += value
    return Document(doc_id, text + f" §{len(phi)}§", spans)


def surrogates_of(doc: Document, lang: str) -> list[str] | None:
    """The surrogate of each span, or None when the text around the spans changed."""
    out = surrogate(doc, lang, seed=7)
    pieces = [out.split(f"§{i}§", 1) for i in range(len(doc.spans) + 1)]
    if any(len(p) != 2 for p in pieces):
        return None
    return [out.split(f"§{i}§ ", 1)[1].split(f" §{i + 1}§", 1)[0] for i in range(len(doc.spans))]


def rotate(value: str) -> str:
    """Another PHI of the same shape: ASCII letters rotated by 13, digits shifted by 5."""
    digits = str.maketrans(string.digits, "5678901234")
    return codecs.encode(value, "rot13").translate(digits)


def check(docs: list[Document], lang: str) -> list[str]:
    """Labels whose surrogates depend on the PHI's characters or keep any of them."""
    bad = set()
    for doc in docs:
        rotated = marked_document(doc.id, [(s.label, rotate(doc.span_text(s))) for s in doc.spans])
        first, second = surrogates_of(doc, lang), surrogates_of(rotated, lang)
        if first is None or second is None:
            bad.add("text around the spans changed")
            continue
        for span, one, other in zip(doc.spans, first, second, strict=True):
            if one != other or set(one) & set(CANARY):
                bad.add(span.label)
    return sorted(bad)


@pytest.mark.parametrize("lang", ["es", "sv"])
def test_surrogates_take_only_the_shape_of_generated_odd_phi(lang):
    rng = random.Random(11)
    docs = [
        marked_document(f"{lang}-{label}", [(label, v) for v in SHAPES + odd_shapes(rng, 30)])
        for label in ALL_LABELS
    ]
    assert check(docs, lang) == []
    assert not set(surrogate(docs[0], lang)) & set(CANARY)


def real_phi(documents: list[Document], per_label: int) -> list[Document]:
    by_label: dict[str, list[str]] = {}
    for doc in documents:
        for span in doc.spans:
            by_label.setdefault(span.label, []).append(doc.span_text(span))
    rng = random.Random(3)
    docs = []
    for label, values in sorted(by_label.items()):
        chosen = rng.sample(values, min(per_label, len(values)))
        docs.append(marked_document(label, [(label, v) for v in chosen]))
    return docs


# With real PHI, assertions compare only counts and label names, never documents.


def test_surrogates_take_only_the_shape_of_every_meddocan_label(meddocan):
    real = [*read_corpus(meddocan / "train", "brat"), *read_corpus(meddocan / "dev", "brat")]
    docs = real_phi(real, per_label=40)
    labels = len(docs)
    assert labels == 22
    assert check(docs, "es") == []


def test_surrogates_take_only_the_shape_of_every_swedish_label(swedish):
    train = read_corpus(swedish / "train_corpus.txt", "conll", lenient=True).documents
    docs = real_phi(train, per_label=40)
    labels = [d.id for d in docs]
    assert labels == ["LOC", "MISC", "ORG", "PER"]
    assert check(docs, "sv") == []


def test_nested_and_overlapping_spans_leave_nothing_of_either():
    text = "Zqxwv Jkvbn Plmok."
    nested = Document("d", text, [Span(0, 17, "PER"), Span(6, 11, "PER")])
    overlapping = Document("d", text, [Span(0, 11, "PER"), Span(6, 17, "PER")])
    for case in (nested, overlapping):
        for out in (redact(case), surrogate(case, "es")):
            assert not {"Zqxwv", "Jkvbn", "Plmok"} & set(out.replace(".", " ").split())
