"""The code location as the UI loads it (workspace.yaml), so that the runs the runners start
belong to it, as the runs `dg launch` and the Launchpad start do: the Overview timeline, the job
pages and the run list show them with their origin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from dagster import AssetKey, DagsterInstance, DagsterRun, JobDefinition
from dagster._core.execution.execute_in_process import merge_run_tags
from dagster._core.remote_origin import (
    InProcessCodeLocationOrigin,
    RemoteJobOrigin,
    RemoteRepositoryOrigin,
)
from dagster._core.workspace.load import location_origins_from_yaml_paths

from deid_platform import settings

# Which command started a run: `deid demo`, a benchmark, a test.
LAUNCHED_BY = "deid/launched_by"


@dataclass
class CodeLocation:
    """The workspace's one code location, loaded in this process for the origins of its jobs."""

    workspace: str = str(settings.PROJECT_ROOT / "workspace.yaml")

    @cached_property
    def origin(self):  # noqa: ANN201 (a private Dagster type)
        (origin,) = location_origins_from_yaml_paths([self.workspace])
        return origin

    @cached_property
    def _repository(self):  # noqa: ANN202
        target = self.origin.loadable_target_origin._replace(
            working_directory=str(settings.PROJECT_ROOT)
        )
        local = InProcessCodeLocationOrigin(target, location_name=self.origin.location_name)
        location = local.create_location(DagsterInstance.ephemeral())
        (repository,) = location.get_repositories().values()
        return repository

    def create_run(
        self,
        instance: DagsterInstance,
        job: JobDefinition,
        partition_key: str,
        run_config: Mapping[str, object],
        launched_by: str,
        assets: Sequence[AssetKey] | None = None,
    ) -> DagsterRun:
        """A run of `job` (the code location's job, its resources possibly replaced) created as
        the UI creates one: with the location's origin and the partition's tags; `assets` selects
        some of the job's assets, as the UI's "Materialize selected" does."""
        remote = self._repository.get_full_job(job.name)
        origin = RemoteJobOrigin(
            RemoteRepositoryOrigin(self.origin, self._repository.name), job.name
        )
        # The run list's "Launched by" column names the `user` tag's value.
        launcher = {LAUNCHED_BY: launched_by, "user": f"deid {launched_by}"}
        tags = merge_run_tags(job, partition_key, launcher, None, instance, run_config)
        return instance.create_run_for_job(
            job_def=job,
            run_config=run_config,
            tags=tags,
            remote_job_origin=origin,
            job_code_origin=remote.get_python_origin(),
            asset_selection=frozenset(assets) if assets else None,
        )
