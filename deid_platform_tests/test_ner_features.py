"""Word shapes and fixed-shape PHI recognizers beside the NER encoder."""

import pytest

from deid_platform.core.documents import Document, Span
from deid_platform.core.errors import UserError
from deid_platform.core.ner.model import WordShapeBert, load_model
from deid_platform.core.ner.predict import predict_documents
from deid_platform.core.ner.presets import get_preset
from deid_platform.core.ner.recognizers import merge_spans, parse_recognizers, recognize
from deid_platform.core.ner.shapes import UNKNOWN, document_shapes, shape_ids, word_shape
from deid_platform.core.ner.training import train_ner
from deid_platform.core.surrogates import generate_corpus
from deid_platform.core.text import word_offsets

MEDDOCAN = ["CORREO_ELECTRONICO", "NUMERO_FAX", "NUMERO_TELEFONO", "NOMBRE_SUJETO_ASISTENCIA"]
CLOSING = "Dra. Ana Ruiz\nTel.: 91 336 87 85. Fax: 913368786\nE-mail: ana.ruiz@hospital.es\n"


def found(text: str, names: str, labels: list[str]) -> list[tuple[str, str]]:
    return [
        (s.label, text[s.start : s.end]) for s in recognize(text, parse_recognizers(names), labels)
    ]


def test_recognizers_find_whole_mentions_after_their_cues():
    assert found(CLOSING, "email,phone,fax", MEDDOCAN) == [
        ("CORREO_ELECTRONICO", "ana.ruiz@hospital.es"),
        ("NUMERO_TELEFONO", "91 336 87 85"),
        ("NUMERO_FAX", "913368786"),
    ]
    # A number without its cue, or too short to be a phone, is left to the model.
    assert found("NHC: 913368786. Tel: 112.", "phone,fax", MEDDOCAN) == []
    # A model without the label (news NER) gets no recognizer spans; other label names do.
    assert found(CLOSING, "email,phone,fax", ["PER", "LOC"]) == []
    assert found("mail: a@b.se", "email", ["EMAIL"]) == [("EMAIL", "a@b.se")]
    assert found("Telefon 08-123 456 78", "phone", ["PHONE"]) == [("PHONE", "08-123 456 78")]


def test_recognized_spans_replace_the_model_spans_they_overlap():
    model = [Span(0, 4, "NOMBRE_SUJETO_ASISTENCIA"), Span(10, 14, "CALLE"), Span(20, 30, "X")]
    recognized = [Span(12, 25, "CORREO_ELECTRONICO")]
    assert merge_spans(model, recognized) == [model[0], recognized[0]]
    with pytest.raises(UserError):
        parse_recognizers("email,iban")
    with pytest.raises(UserError):
        get_preset("embedded", recognizers="iban")


def test_word_shapes_hold_classes_length_and_line_starts():
    assert word_shape("Ruiz", False) == "Xx3"
    assert word_shape("28041", False) == "d4"
    assert word_shape("17039psg", True) == "^dx5"
    assert word_shape("@", False) == "@0"
    text = "Ana Ruiz\nc/ Mayor 5"
    shapes = document_shapes(text, word_offsets(text))
    assert shapes == ["^Xx2", "Xx3", "^x0", "/0", "Xx4", "d0"]
    assert shape_ids(["Xx3", "never"], ["d0", "Xx3"]) == [3, UNKNOWN]


def test_shape_model_trains_saves_and_loads_with_its_recognizers(tmp_path):
    corpus = generate_corpus("es", seed=5, sizes={"train": 12, "test": 4})
    preset = get_preset(
        "embedded",
        epochs=1,
        min_steps=0,
        vocab_size=300,
        hidden_size=32,
        intermediate_size=64,
        heads=2,
        word_shapes=True,
        recognizers="email",
    )
    ner = train_ner(preset, corpus["train"], seed=3).ner
    assert isinstance(ner.model, WordShapeBert) and ner.shapes and ner.recognizers == ["email"]
    ner.save(tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert isinstance(loaded.model, WordShapeBert)
    assert (loaded.shapes, loaded.recognizers) == (ner.shapes, ner.recognizers)
    mail = Document("m", "Correo: ana.ruiz@hospital.es\n" + corpus["test"][0].text)
    a = predict_documents(ner, [mail, *corpus["test"]])
    b = predict_documents(loaded, [mail, *corpus["test"]])
    assert [d.spans for d in a] == [d.spans for d in b]
    assert Span(8, 28, "CORREO_ELECTRONICO") in a[0].spans
