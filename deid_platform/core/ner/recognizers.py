"""Recognizers for PHI of a fixed shape, whose spans merge with the model's predictions.

The encoder reads an e-mail address as many words ("ana", ".", "garcia", "@", "comb", ".", "es")
and must tag every one of them right for the mention to count; a pattern finds the whole address
at once. Phone and fax numbers look alike and differ only by the word before them, which a
pattern can read even when the model, trained on a few dozen of each, cannot.

A recognizer serves a PHI type under the label names corpora give it, and runs only for a model
that has one of them, so that a news NER model (PER, LOC, ORG, MISC) is left alone. Its span wins
over any model span it overlaps. The cue words of every language sit in `CUES`, the one place
to add a language."""

from __future__ import annotations

import re
from dataclasses import dataclass

from deid_platform.core.documents import Span
from deid_platform.core.errors import UserError

# Words that announce a phone or fax number, by language (lower case; a trailing "." or ":" and
# a "nº" may follow them).
CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "phone": ("tel", "teléfono", "telefono", "telf", "tlf", "tfno", "móvil", "movil"),
        "fax": ("fax",),
    },
    "en": {"phone": ("tel", "phone", "telephone", "mobile"), "fax": ("fax",)},
    "sv": {"phone": ("tel", "telefon", "mobil", "mobiltelefon"), "fax": ("fax", "telefax")},
}


def _cue_words(kind: str) -> str:
    words = sorted({w for cues in CUES.values() for w in cues[kind]}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in words)


# A number grouped by spaces, dots, dashes or brackets, starting and ending on a digit (so that
# the span covers whole words), right after its cue.
_NUMBER = r"\d(?:[\d\s().-]{4,18})\d"


def _after_cue(kind: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?i)\b(?:{_cue_words(kind)})\b[.:]?\s*(?:n[º°o]\.?\s*)?[:.]?\s*(?P<phi>{_NUMBER})"
    )


@dataclass(frozen=True)
class Recognizer:
    name: str
    labels: tuple[str, ...]  # the names corpora give this PHI type, first match wins
    pattern: re.Pattern[str]  # the PHI is the group "phi", or the whole match without one
    digits: tuple[int, int] | None = None  # how many digits a match must hold, if any

    def find(self, text: str, label: str) -> list[Span]:
        group = "phi" if "phi" in self.pattern.groupindex else 0
        out = []
        for match in self.pattern.finditer(text):
            value = match.group(group)
            if (
                self.digits is None
                or self.digits[0] <= sum(c.isdigit() for c in value) <= self.digits[1]
            ):
                out.append(Span(*match.span(group), label))
        return out


# Phone and fax numbers: 6 to 15 digits (an extension or a country code included).
PHONE_DIGITS = (6, 15)

RECOGNIZERS = {
    r.name: r
    for r in (
        Recognizer(
            "email",
            ("CORREO_ELECTRONICO", "EMAIL", "E-MAIL"),
            re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
        ),
        Recognizer(
            "phone", ("NUMERO_TELEFONO", "PHONE", "TELEPHONE"), _after_cue("phone"), PHONE_DIGITS
        ),
        Recognizer("fax", ("NUMERO_FAX", "FAX"), _after_cue("fax"), PHONE_DIGITS),
    )
}


def parse_recognizers(names: str) -> list[str]:
    """ "email,fax" -> ["email", "fax"]; the empty string is none."""
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = sorted(set(chosen) - set(RECOGNIZERS))
    if unknown:
        raise UserError(f"unknown recognizers {unknown}; expected some of {sorted(RECOGNIZERS)}")
    return chosen


def recognize(text: str, names: list[str], labels: list[str]) -> list[Span]:
    """The spans of the named recognizers whose PHI type the label set has."""
    out = []
    for name in names:
        recognizer = RECOGNIZERS[name]
        label = next((lab for lab in recognizer.labels if lab in labels), None)
        if label is not None:
            out.extend(recognizer.find(text, label))
    return out


def merge_spans(model: list[Span], recognized: list[Span]) -> list[Span]:
    """The recognized spans, and the model's spans that overlap none of them."""
    kept = [s for s in model if not any(s.start < r.end and r.start < s.end for r in recognized)]
    return sorted(kept + recognized, key=lambda s: (s.start, s.end))
