from deid_platform.core.documents import Document, Span
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
