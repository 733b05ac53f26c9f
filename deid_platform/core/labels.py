"""Per-corpus label maps and the coarse taxonomy shared across languages.

Each corpus keeps its own labels for training (MEDDOCAN's 22 types, the Stockholm EPR PHI types of
the Swedish demo corpus, PER/LOC/ORG/MISC of Swedish news); the coarse taxonomy makes results
comparable across languages."""

from __future__ import annotations

from collections.abc import Iterable

from deid_platform.core.documents import Document, Span

COARSE = (
    "NAME",
    "DATE",
    "AGE",
    "LOCATION",
    "ID",
    "CONTACT",
    "PROFESSION",
    "ORGANIZATION",
    "OTHER",
)

MEDDOCAN = {
    "NOMBRE_SUJETO_ASISTENCIA": "NAME",
    "NOMBRE_PERSONAL_SANITARIO": "NAME",
    "FAMILIARES_SUJETO_ASISTENCIA": "NAME",
    "FECHAS": "DATE",
    "EDAD_SUJETO_ASISTENCIA": "AGE",
    "CALLE": "LOCATION",
    "TERRITORIO": "LOCATION",
    "PAIS": "LOCATION",
    "ID_SUJETO_ASISTENCIA": "ID",
    "ID_ASEGURAMIENTO": "ID",
    "ID_CONTACTO_ASISTENCIAL": "ID",
    "ID_TITULACION_PERSONAL_SANITARIO": "ID",
    "ID_EMPLEO_PERSONAL_SANITARIO": "ID",
    "IDENTIF_VEHICULOS_NRSERIE_PLACAS": "ID",
    "IDENTIF_DISPOSITIVOS_NRSERIE": "ID",
    "IDENTIF_BIOMETRICOS": "ID",
    "NUMERO_IDENTIF": "ID",
    "NUMERO_TELEFONO": "CONTACT",
    "NUMERO_FAX": "CONTACT",
    "CORREO_ELECTRONICO": "CONTACT",
    "URL_WEB": "CONTACT",
    "DIREC_PROT_INTERNET": "CONTACT",
    "PROFESION": "PROFESSION",
    "HOSPITAL": "ORGANIZATION",
    "INSTITUCION": "ORGANIZATION",
    "CENTRO_SALUD": "ORGANIZATION",
    "SEXO_SUJETO_ASISTENCIA": "OTHER",
    "OTROS_SUJETO_ASISTENCIA": "OTHER",
}

STOCKHOLM_EPR = {
    "First_Name": "NAME",
    "Last_Name": "NAME",
    "Full_Date": "DATE",
    "Date_Part": "DATE",
    "Age": "AGE",
    "Location": "LOCATION",
    "Personal_ID": "ID",
    "Phone_Number": "CONTACT",
    "Email": "CONTACT",
    "Profession": "PROFESSION",
    "Health_Care_Unit": "ORGANIZATION",
    "Organization": "ORGANIZATION",
}

NEWS_NER = {"PER": "NAME", "LOC": "LOCATION", "ORG": "ORGANIZATION", "MISC": "OTHER"}

LABEL_MAPS: dict[str, dict[str, str]] = {
    "meddocan": MEDDOCAN,
    "stockholm_epr": STOCKHOLM_EPR,
    "news_ner": NEWS_NER,
}


def coarse_label(label: str, mapping: dict[str, str] | None = None) -> str:
    """Maps a corpus label to the coarse taxonomy: through `mapping` when given, else through any
    known map; a label that is already coarse stays; anything else is OTHER."""
    if mapping is not None and label in mapping:
        return mapping[label]
    if label in COARSE:
        return label
    for known in LABEL_MAPS.values():
        if label in known:
            return known[label]
    return "OTHER"


def to_coarse(
    documents: Iterable[Document], mapping: dict[str, str] | None = None
) -> list[Document]:
    return [
        Document(
            doc.id,
            doc.text,
            [Span(s.start, s.end, coarse_label(s.label, mapping)) for s in doc.spans],
            dict(doc.metadata),
        )
        for doc in documents
    ]


def label_set(documents: Iterable[Document]) -> list[str]:
    return sorted({span.label for doc in documents for span in doc.spans})
