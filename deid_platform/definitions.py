"""The code location: every definition under `deid_platform/defs`, loaded the `dg` way, and the
resources, bound from the environment."""

import os
from pathlib import Path
from typing import Any

from dagster import Definitions, EnvVar, definitions
from dagster.components import load_from_defs_folder

from deid_platform import settings
from deid_platform.plumbing.compute import Compute, TrainingLauncher
from deid_platform.plumbing.store import ArtifactStore
from deid_platform.plumbing.tracking import MlflowTracking


def _from_env(name: str, default: str) -> Any:
    """The variable as an EnvVar when it is set (the UI then names it and resolves it at run
    time), the default otherwise."""
    return EnvVar(name) if os.environ.get(name) else default


def platform_resources() -> dict[str, Any]:
    """The resources of the code location, configured from the environment (see settings)."""
    return {
        "store": ArtifactStore(root=_from_env("DEID_STORAGE", str(settings.storage_root()))),
        "tracking": MlflowTracking(
            tracking_uri=_from_env("DEID_MLFLOW_URI", settings.mlflow_tracking_uri()),
            artifact_location=_from_env(
                "DEID_MLFLOW_ARTIFACTS", settings.mlflow_artifact_location()
            ),
            ui_url=_from_env("DEID_MLFLOW_UI", settings.mlflow_ui_url()),
        ),
        "compute": Compute(),
        "launcher": TrainingLauncher(
            backend=_from_env("DEID_PIPES_BACKEND", "subprocess"),
            image=_from_env("DEID_PIPES_IMAGE", "deid-platform:latest"),
        ),
    }


def build(resources: dict[str, Any] | None = None) -> Definitions:
    """Everything `defs/` declares, merged (never rebuilt field by field, so nothing it declares
    can be dropped) with the resources, some of them replaced (tests use temporary stores)."""
    return Definitions.merge(
        load_from_defs_folder(path_within_project=Path(__file__).resolve().parent),
        Definitions(resources={**platform_resources(), **(resources or {})}),
    )


@definitions
def defs() -> Definitions:
    return build()
