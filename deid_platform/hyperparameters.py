"""Hyperparameters are declared once, as the fields of the preset dataclasses
(`core/ner/presets.py`, `core/lm/presets.py`), with their help. This module turns them into
Dagster config (every field an optional override of the chosen preset, described in the Launchpad)
and into command-line flags, as the transformers examples do with HfArgumentParser."""

from __future__ import annotations

import argparse
import types
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

from dagster import Config
from pydantic import Field, create_model

from deid_platform.core.preset import Preset


def config_class(
    name: str, base: type[Config], preset: type[Preset], only: Sequence[str] | None = None
) -> type[Config]:
    """`base` with one optional field per preset setting (or per setting in `only`): unset keeps
    the preset's value."""
    fields: dict[str, Any] = {
        field: (
            _optional(annotation),
            Field(default=None, description=f"{help} Unset: the preset's value."),
        )
        for field, (annotation, help) in preset.tunable().items()
        if only is None or field in only
    }
    return create_model(name, __base__=base, __module__=base.__module__, **fields)


def overrides(config: Config | argparse.Namespace, preset: type[Preset]) -> dict[str, Any]:
    """The settings a config or a parsed command line sets (None: keep the preset's)."""
    return {
        field: getattr(config, field, None) for field in preset.tunable() if hasattr(config, field)
    }


def add_flags(parser: argparse.ArgumentParser, preset: type[Preset]) -> None:
    """One `--flag` per preset setting, each defaulting to the preset's value."""
    group = parser.add_argument_group("preset overrides (default: the preset's value)")
    for field, (annotation, help) in preset.tunable().items():
        flag = "--" + field.replace("_", "-")
        kind = _base(annotation)
        if kind is bool:
            group.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help)
        else:
            group.add_argument(flag, type=kind, default=None, help=help)


def _base(annotation: Any) -> type:
    """`int` for `int` and for `int | None`."""
    if get_origin(annotation) in (Union, types.UnionType):
        return next(arg for arg in get_args(annotation) if arg is not type(None))
    return annotation


def _optional(annotation: Any) -> Any:
    return _base(annotation) | None
