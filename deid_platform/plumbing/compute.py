"""Where models compute (device, CPU threads), and where a training step runs when it runs outside
the Dagster process (Dagster Pipes)."""

from __future__ import annotations

import os
import sys
from typing import Any

import yaml
from dagster import (
    AssetExecutionContext,
    ConfigurableResource,
    PipesSubprocessClient,
)
from pydantic import Field

from deid_platform import settings

PIPES_ENTRY = "deid_platform.runners.pipes_entry"


class Compute(ConfigurableResource):
    """Where models train: the device and how many CPU threads torch may use. On a 2-core machine
    two threads collapse as soon as anything else runs, so the default follows OMP_NUM_THREADS."""

    device: str = Field(default="auto", description="auto (CUDA when present), cpu or cuda.")
    threads: int | None = Field(default=None, description="torch CPU threads (OMP_NUM_THREADS).")

    def apply(self) -> str:
        import torch

        threads = self.threads or int(os.environ.get("OMP_NUM_THREADS") or 0)
        if threads:
            torch.set_num_threads(threads)
        if self.device != "auto":
            return self.device
        return "cuda" if torch.cuda.is_available() else "cpu"


def gpu_pod_spec() -> dict[str, Any]:
    """The base pod spec of GPU training steps on Kubernetes (deploy/k8s/pipes-gpu-pod.yaml)."""
    return yaml.safe_load((settings.PROJECT_ROOT / "deploy/k8s/pipes-gpu-pod.yaml").read_text())


class TrainingLauncher(ConfigurableResource):
    """Runs a training step through Dagster Pipes: in a local subprocess, or with backend `k8s` in
    a GPU pod of `image` started by PipesK8sClient from inside the cluster, with the artifact
    volume mounted where the code location has it (deploy/k8s). Either way the step runs
    `python -m deid_platform.runners.pipes_entry`, which needs only dagster-pipes and `core`."""

    backend: str = Field(default="subprocess", description="subprocess or k8s.")
    image: str = Field(default="deid-platform:latest", description="Image of the GPU pod (k8s).")

    def run(self, context: AssetExecutionContext, extras: dict[str, Any]) -> dict[str, Any]:
        """Runs one task of the entry point; returns the last message it reported."""
        # Checked here, not by a validator: an EnvVar field is resolved only at run time.
        if self.backend not in ("subprocess", "k8s"):
            raise ValueError(
                f"the launcher backend must be subprocess or k8s, not {self.backend!r}"
            )
        if self.backend == "k8s":
            from dagster_k8s import PipesK8sClient

            invocation = PipesK8sClient(load_incluster_config=True).run(
                context=context.op_execution_context,
                image=self.image,
                command=["python", "-m", PIPES_ENTRY],
                extras=extras,
                base_pod_spec=gpu_pod_spec(),
            )
        else:
            invocation = PipesSubprocessClient().run(
                context=context.op_execution_context,
                command=[sys.executable, "-m", PIPES_ENTRY],
                extras=extras,
            )
        return invocation.get_custom_messages()[-1]
