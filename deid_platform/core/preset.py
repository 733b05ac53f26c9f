"""What NER and LM presets share: named, frozen settings with overrides from configuration, each
field documented once (`help` metadata) for the Dagster config, the command line and the README."""

from __future__ import annotations

import argparse
import types
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, Self, TypeVar, Union, get_args, get_origin, get_type_hints

from deid_platform.core.records import JsonRecord

# The presets every model asset offers, NER and LM alike (a test checks both registries hold them).
PresetName = Literal["embedded", "gpu", "pretrained", "paper"]
PRESET_NAMES: tuple[str, ...] = get_args(PresetName)


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


def overrides(config: Any, preset: type[Preset]) -> dict[str, Any]:
    """The settings a Dagster config or a parsed command line sets (None: keep the preset's)."""
    return {name: getattr(config, name, None) for name in preset.tunable() if hasattr(config, name)}


def add_flags(
    parser: argparse.ArgumentParser, preset: type[Preset], skip: Sequence[str] = ()
) -> None:
    """One `--flag` per preset setting (but those in `skip`), each defaulting to the preset's
    value, as the transformers examples do with HfArgumentParser."""
    group = parser.add_argument_group("preset overrides (default: the preset's value)")
    for name, (annotation, help) in preset.tunable().items():
        if name in skip:
            continue
        flag = "--" + name.replace("_", "-")
        kind = base_type(annotation)
        if kind is bool:
            group.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help)
        else:
            group.add_argument(flag, type=kind, default=None, help=help)


def base_type(annotation: Any) -> type:
    """`int` for `int` and for `int | None`."""
    if get_origin(annotation) in (Union, types.UnionType):
        return next(arg for arg in get_args(annotation) if arg is not type(None))
    return annotation
