"""What NER and LM presets share: named, frozen settings with overrides from configuration."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any, TypeVar

P = TypeVar("P", bound="Preset")


class Preset:
    """Base of the preset dataclasses (which are frozen: overrides make a copy)."""

    def with_overrides(self: P, **overrides: Any) -> P:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pick(presets: dict[str, P], name: str, kind: str, overrides: dict[str, Any]) -> P:
    if name not in presets:
        raise ValueError(f"unknown {kind} preset {name!r}; expected one of {sorted(presets)}")
    return presets[name].with_overrides(**overrides)
