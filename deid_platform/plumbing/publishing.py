"""The one way an asset publishes a materialization: its files written atomically where the store
says, the MLflow run that spans the work, models hashed and registered by reference, and the
metadata every asset reports. Assets keep only their science and their own metadata."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    Config,
    DataVersion,
    MaterializeResult,
    MetadataValue,
)

from deid_platform.core.atomic import atomic_directory
from deid_platform.core.hashing import directory_sha256
from deid_platform.partitions import Partition
from deid_platform.plumbing import lineage
from deid_platform.plumbing.metadata import rounded
from deid_platform.plumbing.store import ArtifactStore, Files
from deid_platform.plumbing.tracking import MlflowTracking, TrackedRun, tag_shareable


def shareable(asset: AssetKey, verdict: bool | None = None) -> bool:
    """Whether a registered model may leave the hospital: a model trained on synthetic text
    only (`synthetic_ner_model`, an ablation's included) may, unless the privacy audit's
    `verdict` says it may not; a model trained on real text (the annotator, the LLMs) never."""
    return asset.path[-1] == "synthetic_ner_model" and verdict is not False


def registered_name(asset: AssetKey, partition: Partition) -> str:
    """The MLflow registered model of one asset partition."""
    return "-".join([asset.to_python_identifier(), *partition])


class AssetRun:
    """One materialization of one asset partition, from its inputs to its MaterializeResult."""

    def __init__(
        self,
        context: AssetExecutionContext,
        store: ArtifactStore,
        mlflow: TrackedRun,
        parents: Mapping[str, lineage.Parent],
    ):
        self.context = context
        self.store = store
        self.mlflow = mlflow
        self.parents = parents
        self.partition = Partition.of(context)
        self.dir = store.dir(context.asset_key, self.partition)
        # This partition's files as published (after `write`), addressed by role.
        self.files = Files(context.asset_key, self.dir)
        self.log = context.log.info
        self._metadata: dict[str, Any] = {}

    @contextmanager
    def write(self) -> Iterator[Files]:
        """This partition's files in a staging folder that replaces the partition's folder when
        the block succeeds and vanishes when it fails: nothing half-written is ever read
        downstream."""
        with atomic_directory(self.dir) as staging:
            yield Files(self.context.asset_key, staging)

    def parent_version(self, asset: str) -> str:
        """The data version of a dependency as this step read it (for a model: its hash)."""
        version = self.parents[asset].data_version
        if version is None:
            raise LookupError(f"{asset} has no data version: materialize it first")
        return version

    def register_model(self, verdict: bool | None = None) -> str:
        """Hashes this partition's model directory and registers it in MLflow by reference,
        tagged `shareable` (see `shareable`; `verdict`: the privacy audit's, where known);
        returns the hash, which is the asset's data version."""
        directory = self.files.path("model")
        sha = directory_sha256(directory)
        name = registered_name(self.context.asset_key, self.partition)
        version = self.mlflow.register_model(
            name,
            directory,
            {"model_sha256": sha, "dagster.run_id": self.context.run.run_id},
            shareable(self.context.asset_key, verdict),
        )
        self.mlflow.log_params({"model_sha256": sha})
        self._metadata.update(
            model_path=MetadataValue.path(str(directory)),
            model_sha256=sha,
            registered_model_version=version,
        )
        return sha

    def tag_verdict(self, asset: AssetKey, verdict: bool) -> None:
        """Tags the latest registered version of `asset`'s model of this partition with the
        privacy audit's verdict, which comes after the model was registered."""
        name = registered_name(asset, self.partition)
        versions = self.mlflow.client.search_model_versions(f"name='{name}'")
        if versions:
            latest = max(versions, key=lambda v: int(v.version))
            tag_shareable(self.mlflow.client, name, latest.version, shareable(asset, verdict))

    def result(
        self,
        metadata: Mapping[str, Any],
        data_version: str | None = None,
        check_results: Sequence[AssetCheckResult] = (),
        params: Mapping[str, Any] | None = None,
    ) -> MaterializeResult:
        """The asset's own metadata first, then what every asset reports. The numbers among the
        metadata are the MLflow run's metrics; `params` join the config among its params."""
        metadata = rounded(dict(metadata))
        numbers = {
            k: float(v)
            for k, v in metadata.items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        }
        self.mlflow.log_metrics(numbers)
        if params:
            self.mlflow.log_params(params)
        if data_version is not None:
            self.mlflow.set_tags({"dagster.data_version": data_version})
        return MaterializeResult(
            metadata={
                **metadata,
                **self._metadata,
                lineage.INPUT_PARTITIONS: MetadataValue.json(
                    lineage.input_partitions(self.parents)
                ),
                "path": MetadataValue.path(str(self.dir)),
                "mlflow_run_id": self.mlflow.run_id,
                "mlflow_url": MetadataValue.url(self.mlflow.url),
            },
            data_version=DataVersion(data_version) if data_version is not None else None,
            check_results=list(check_results),
        )


@contextmanager
def asset_run(
    context: AssetExecutionContext,
    store: ArtifactStore,
    tracking: MlflowTracking,
    config: Config | None = None,
) -> Iterator[AssetRun]:
    """Wraps an asset's body: the MLflow run starts before the work, with the asset's config as
    its params, and ends after it."""
    parents = lineage.parents(context)
    with tracking.start_run(context, parents) as mlflow:
        if config is not None:
            mlflow.log_params({k: v for k, v in config.model_dump().items() if v is not None})
        yield AssetRun(context, store, mlflow, parents)
