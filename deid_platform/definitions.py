"""The code location: every definition under `deid_platform/defs`, loaded the `dg` way."""

from pathlib import Path

from dagster import Definitions, definitions
from dagster.components import load_from_defs_folder


@definitions
def defs() -> Definitions:
    return load_from_defs_folder(path_within_project=Path(__file__).resolve().parent)
