"""What NER and LM presets share: named, frozen settings with overrides from configuration, each
field documented once (`help` metadata) for the Dagster config, the command line and the README."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Self, TypeVar, get_type_hints

from deid_platform.core.records import JsonRecord


def setting(default: Any, help: str) -> Any:  # noqa: A002 - the name argparse and HF use
    """A preset field with its documentation."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Preset(JsonRecord):
    """Base of the preset dataclasses (frozen: overrides make a copy)."""

    name: str

    def with_overrides(self, **overrides: Any) -> Self:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @classmethod
    def tunable(cls) -> dict[str, tuple[Any, str]]:
        """Every setting but the name: its type and its help."""
        hints = get_type_hints(cls)
        return {f.name: (hints[f.name], f.metadata.get("help", "")) for f in fields(cls)[1:]}


P = TypeVar("P", bound=Preset)


def pick(presets: dict[str, P], name: str, kind: str, overrides: dict[str, Any]) -> P:
    if name not in presets:
        raise ValueError(f"unknown {kind} preset {name!r}; expected one of {sorted(presets)}")
    return presets[name].with_overrides(**overrides)
