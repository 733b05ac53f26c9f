"""MLflow tracking: the store created once, however many step processes start together, and one
MLflow run per asset partition that spans the work it records, tagged with Dagster's run id,
asset key, partition, code version and the data versions it read."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, ConfigurableResource
from mlflow.entities import Metric, Param, RunStatus, RunTag
from mlflow.tracking import MlflowClient
from pydantic import Field

from deid_platform import settings
from deid_platform.plumbing.lineage import Parent
from deid_platform.plumbing.metadata import rounded

# MLflow 3 opens experiments in its GenAI view unless told they hold classic model training.
EXPERIMENT_KIND = {"mlflow.experimentKind": "custom_model_development"}
CLASSIC_VIEW = "workflowType=machine_learning"


@contextmanager
def _store_lock(uri: str) -> Iterator[None]:
    """An exclusive lock beside a SQLite store (or in the platform's MLflow folder otherwise)."""
    if uri.startswith("sqlite:///"):
        lock = Path(uri.removeprefix("sqlite:///")).with_suffix(".lock")
    else:
        lock = settings.mlflow_dir() / "store.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_experiment(uri: str, name: str, artifact_location: str | None = None) -> str:
    """The experiment's id, creating the store and the experiment first if need be. MLflow creates
    and migrates a new store when the first client touches it; two step processes that do so at
    once race (alembic: "Online migration expected to match one row", "table ... already
    exists"), and so do two that create the same experiment. Under the lock, the first process
    creates both and the others find them."""
    with _store_lock(uri):
        client = MlflowClient(tracking_uri=uri)
        found = client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        location = artifact_location or settings.mlflow_artifact_location()
        return client.create_experiment(name, artifact_location=location, tags=EXPERIMENT_KIND)


SHAREABLE = "shareable"


def tag_shareable(client: MlflowClient, name: str, version: str, shareable: bool) -> None:
    """Tags a registered model version, and the model (MLflow's model list shows its tags),
    `shareable` true or false: the model list then tells the models trained on real text from
    those that may leave the hospital. Called again when a later privacy verdict changes it."""
    value = str(shareable).lower()
    client.set_model_version_tag(name, version, SHAREABLE, value)
    client.set_registered_model_tag(name, SHAREABLE, value)


@dataclass
class TrackedRun:
    client: MlflowClient
    run_id: str
    url: str

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.client.log_batch(
            self.run_id, params=[Param(k, str(v)) for k, v in rounded(dict(params)).items()]
        )

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        now = int(time.time() * 1000)
        self.client.log_batch(
            self.run_id,
            metrics=[Metric(k, rounded(float(v)), now, step) for k, v in metrics.items()],
        )

    def set_tags(self, tags: Mapping[str, str]) -> None:
        self.client.log_batch(self.run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        self.client.log_artifact(self.run_id, str(path), artifact_path)

    def register_model(
        self, name: str, directory: str | Path, tags: Mapping[str, str], shareable: bool
    ) -> str:
        """Registers a model directory by reference, the model and the version tagged
        `shareable` true or false. The weights stay in the artifact store: a tokenizer trained
        on real text holds real strings in its vocabulary, so copying the model into MLflow
        would carry PHI out of the store."""
        if not self.client.search_registered_models(f"name = '{name}'"):
            self.client.create_registered_model(name)
        version = self.client.create_model_version(
            name, source=Path(directory).resolve().as_uri(), run_id=self.run_id, tags=dict(tags)
        )
        tag_shareable(self.client, name, str(version.version), shareable)
        return str(version.version)


class MlflowTracking(ConfigurableResource):
    """Opens one MLflow run per asset partition, so that a reviewer can go from an MLflow run to
    the Dagster run and the exact data versions it read, and back. Unlike dagster-mlflow's legacy
    resource (one MLflow run per Dagster run, named after the job and left RUNNING), each run here
    starts with its step's work and ends FINISHED or FAILED with it."""

    tracking_uri: str = Field(description="MLflow tracking store (DEID_MLFLOW_URI).")
    artifact_location: str | None = Field(
        default=None,
        description="Where a new experiment keeps its artifacts (DEID_MLFLOW_ARTIFACTS); by "
        "default the platform's MLflow folder, never ./mlruns under the working directory.",
    )
    experiment: str = "deid-platform"
    ui_url: str = Field(
        default="http://127.0.0.1:5000", description="MLflow UI for links (DEID_MLFLOW_UI)."
    )

    def experiment_id(self) -> str:
        return ensure_experiment(self.tracking_uri, self.experiment, self.artifact_location)

    @contextmanager
    def start_run(
        self, context: AssetExecutionContext, parents: Mapping[str, Parent]
    ) -> Iterator[TrackedRun]:
        experiment_id = self.experiment_id()
        client = MlflowClient(tracking_uri=self.tracking_uri)
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
        for parent in parents.values():
            if parent.data_version is not None:
                tags[f"dagster.input_data_version.{parent.asset}"] = parent.data_version
            if parent.partition is not None:
                tags[f"dagster.input_partition.{parent.asset}"] = parent.partition
        run_id = client.create_run(experiment_id, run_name=name, tags=tags).info.run_id
        # The classic run page: MLflow 3 otherwise opens its GenAI layout and assistant.
        url = f"{self.ui_url}/#/experiments/{experiment_id}/runs/{run_id}?{CLASSIC_VIEW}"
        try:
            yield TrackedRun(client, run_id, url)
        except BaseException:
            client.set_terminated(run_id, RunStatus.to_string(RunStatus.FAILED))
            raise
        client.set_terminated(run_id, RunStatus.to_string(RunStatus.FINISHED))
