"""Resources: where assets write their files, and MLflow tracking with one run per asset
partition materialization."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, ConfigurableResource
from mlflow.entities import Metric, Param, RunStatus, RunTag
from mlflow.tracking import MlflowClient

from deid_platform import settings
from deid_platform.defs.lineage import input_data_versions


class Compute(ConfigurableResource):
    """Where models train: the device and how many CPU threads torch may use. On a 2-core machine
    two threads collapse as soon as anything else runs, so the default follows OMP_NUM_THREADS."""

    device: str = "auto"
    threads: int | None = None

    def apply(self) -> str:
        import os

        import torch

        threads = self.threads or int(os.environ.get("OMP_NUM_THREADS") or 0)
        if threads:
            torch.set_num_threads(threads)
        if self.device != "auto":
            return self.device
        return "cuda" if torch.cuda.is_available() else "cpu"


class ArtifactStorage(ConfigurableResource):
    """The artifact store that real data never leaves: corpora, subsets and models, as files."""

    root: str

    def path(self, *parts: str) -> Path:
        return Path(self.root).joinpath(*parts)


@dataclass
class TrackedRun:
    client: MlflowClient
    run_id: str
    url: str

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.client.log_batch(self.run_id, params=[Param(k, str(v)) for k, v in params.items()])

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        import time

        now = int(time.time() * 1000)
        self.client.log_batch(
            self.run_id,
            metrics=[Metric(k, float(v), now, step) for k, v in metrics.items()],
        )

    def set_tags(self, tags: Mapping[str, str]) -> None:
        self.client.log_batch(self.run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        self.client.log_artifact(self.run_id, str(path), artifact_path)

    def register_model(self, name: str, directory: str | Path, tags: Mapping[str, str]) -> str:
        """Registers a model directory by reference. The weights stay in the artifact store: a
        tokenizer trained on real text holds real strings in its vocabulary, so copying the model
        into MLflow would carry PHI out of the store."""
        if not self.client.search_registered_models(f"name = '{name}'"):
            self.client.create_registered_model(name)
        version = self.client.create_model_version(
            name, source=Path(directory).resolve().as_uri(), run_id=self.run_id, tags=dict(tags)
        )
        return str(version.version)


class MlflowTracking(ConfigurableResource):
    """Opens one MLflow run per asset partition, tagged with the Dagster run id, asset key,
    partition keys, code version and input data versions, so that a reviewer can go from an MLflow
    run to the Dagster run and the exact data version, and back.

    Unlike dagster-mlflow's legacy resource (one MLflow run per Dagster run, named after the job
    and left RUNNING), each run here ends FINISHED or FAILED with its step."""

    tracking_uri: str
    artifact_location: str | None = None
    """Where a new experiment keeps its artifacts; by default the platform's MLflow folder, never
    MLflow's own default of ./mlruns under whatever directory the process runs in."""
    experiment: str = "deid-platform"
    ui_url: str = "http://127.0.0.1:5000"

    def _experiment_id(self, client: MlflowClient) -> str:
        found = client.get_experiment_by_name(self.experiment)
        if found is not None:
            return found.experiment_id
        location = self.artifact_location or settings.mlflow_artifact_location()
        return client.create_experiment(self.experiment, artifact_location=location)

    @contextmanager
    def start_run(self, context: AssetExecutionContext) -> Iterator[TrackedRun]:
        client = MlflowClient(tracking_uri=self.tracking_uri)
        experiment_id = self._experiment_id(client)
        asset_key = context.asset_key.to_user_string()
        tags = {
            "dagster.run_id": context.run.run_id,
            "dagster.asset_key": asset_key,
            "dagster.code_version": context.assets_def.code_versions_by_key.get(context.asset_key)
            or "",
        }
        name = asset_key
        if context.has_partition_key:
            tags["dagster.partition_key"] = str(context.partition_key)
            keys = getattr(context.partition_key, "keys_by_dimension", None) or {}
            for dimension, value in keys.items():
                tags[f"dagster.partition.{dimension}"] = value
            name = f"{asset_key}[{context.partition_key}]"
        for upstream, version in input_data_versions(context).items():
            tags[f"dagster.input_data_version.{upstream}"] = version
        run = client.create_run(experiment_id, run_name=name, tags=tags)
        run_id = run.info.run_id
        tracked = TrackedRun(
            client, run_id, f"{self.ui_url}/#/experiments/{experiment_id}/runs/{run_id}"
        )
        try:
            yield tracked
        except BaseException:
            client.set_terminated(run_id, RunStatus.to_string(RunStatus.FAILED))
            raise
        client.set_terminated(run_id, RunStatus.to_string(RunStatus.FINISHED))


def gpu_pod_spec() -> dict[str, Any]:
    """The base pod spec of GPU training steps on Kubernetes (deploy/k8s/pipes-gpu-pod.yaml)."""
    import yaml

    return yaml.safe_load((settings.PROJECT_ROOT / "deploy/k8s/pipes-gpu-pod.yaml").read_text())


def pipes_client() -> Any:
    """Where `execution: pipes` steps run: a local subprocess, or with DEID_PIPES_BACKEND=k8s a pod
    started by PipesK8sClient from inside the cluster."""
    import os

    if os.environ.get("DEID_PIPES_BACKEND") == "k8s":
        from dagster_k8s import PipesK8sClient

        return PipesK8sClient(load_incluster_config=True)
    from dagster import PipesSubprocessClient

    return PipesSubprocessClient()


def default_resources() -> dict[str, Any]:
    return {
        "pipes": pipes_client(),
        "compute": Compute(),
        "storage": ArtifactStorage(root=str(settings.storage_root())),
        "mlflow": MlflowTracking(
            tracking_uri=settings.mlflow_tracking_uri(),
            artifact_location=settings.mlflow_artifact_location(),
            ui_url=settings.mlflow_ui_url(),
        ),
    }
