"""Assembles a note from templates whose `{slot}`s are PHI, recording exact gold spans."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from deid_platform.core.documents import Span

# A slot value is a sequence of pieces; a piece with a label becomes a span. Names in the
# Stockholm EPR scheme are two spans (First_Name, Last_Name) joined by an unlabelled space.
Piece = tuple[str, str | None]
Slots = dict[str, list[Piece]]

_SLOT = re.compile(r"\{(\w+)\}")


def phi(text: str, label: str) -> list[Piece]:
    return [(text, label)]


@dataclass
class NoteBuilder:
    parts: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    length: int = 0

    def add(self, text: str, label: str | None = None) -> None:
        if label is not None and text:
            self.spans.append(Span(self.length, self.length + len(text), label))
        self.parts.append(text)
        self.length += len(text)

    def render(self, template: str, slots: Slots) -> None:
        position = 0
        for match in _SLOT.finditer(template):
            self.add(template[position : match.start()])
            for text, label in slots[match.group(1)]:
                self.add(text, label)
            position = match.end()
        self.add(template[position:])

    @property
    def text(self) -> str:
        return "".join(self.parts)
