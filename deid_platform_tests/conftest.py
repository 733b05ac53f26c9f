import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from deid_platform.settings import PROJECT_ROOT  # noqa: E402

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
MEDDOCAN = SHARED_DATA / "meddocan"
SWEDISH = SHARED_DATA / "swedish_ner"


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not here: the real corpora live in ../shared/data beside the clone")
    return path


@pytest.fixture
def meddocan() -> Path:
    return require(MEDDOCAN)


@pytest.fixture
def swedish() -> Path:
    return require(SWEDISH)


@pytest.fixture
def project_env(tmp_path, monkeypatch):
    """An isolated platform: its own storage, MLflow store and DAGSTER_HOME, demo corpora small."""
    var = tmp_path / "var"
    monkeypatch.setenv("DEID_VAR", str(var))
    monkeypatch.setenv("DAGSTER_HOME", str(var / "dagster"))
    return var


PLATFORM_SIZES = {"train": 20, "dev": 5, "test": 5}


def fast_run_config() -> dict:
    """The test suite's run config: the `test-fast` recipe."""
    from deid_platform.study.recipes import load_recipe

    return load_recipe("test-fast").run_config()


def op_config(asset: str) -> dict:
    """One asset's op config in the test-fast recipe (`{"config": ...}`)."""
    from dagster import AssetKey

    return fast_run_config()["ops"][AssetKey.from_user_string(asset).to_python_identifier()]


ABLATED = "0.25|es"


def temporary_resources(root: Path) -> dict:
    """The platform's resources on temporary stores under `root`, one CPU thread."""
    from deid_platform.plumbing.compute import Compute, TrainingLauncher
    from deid_platform.plumbing.store import ArtifactStore
    from deid_platform.plumbing.tracking import MlflowTracking

    return {
        "store": ArtifactStore(root=str(root / "storage")),
        "tracking": MlflowTracking(
            tracking_uri=f"sqlite:///{root / 'mlflow.db'}",
            artifact_location=str(root / "artifacts"),
        ),
        "compute": Compute(device="cpu", threads=1),
        "launcher": TrainingLauncher(),
    }


def artifact(root: Path, asset: str, partition: str, role: str) -> Path:
    """The file of `role` of one asset partition (`0.25|es` or `es`) in the store under `root`,
    by the store's layout."""
    from deid_platform.partitions import Partition
    from deid_platform.plumbing.store import ArtifactStore

    fraction, _, language = partition.rpartition("|")
    store = ArtifactStore(root=str(root / "storage"))
    return store.path(asset, Partition(language, fraction or None), role)


def latest(instance, asset: str, partition: str):
    """The latest materialization record of one asset partition (`0.25|es` or `es`), or None."""
    from dagster import AssetKey, AssetRecordsFilter

    records = instance.fetch_materializations(
        AssetRecordsFilter(
            asset_key=AssetKey.from_user_string(asset), asset_partitions=[partition]
        ),
        limit=1,
    ).records
    return records[0] if records else None


def metadata(instance, asset: str, partition: str) -> dict:
    """The metadata values of the latest materialization of one asset partition."""
    record = latest(instance, asset, partition)
    return {k: v.value for k, v in record.asset_materialization.metadata.items()}


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    """The whole graph materialized once, in process through the code location's named jobs, on
    small demo corpora, with MLflow writing to a temporary sqlite store, the ablations at one
    fraction included. Yields (root, instance, resources, mlflow uri)."""
    from dagster import DagsterInstance

    from deid_platform.core.surrogates import write_demo_corpus
    from deid_platform.runners.pipeline import run_pipeline

    root = tmp_path_factory.mktemp("platform")
    patch = pytest.MonkeyPatch()
    for lang in ("es", "sv"):
        write_demo_corpus(lang, root / "corpora" / lang, seed=1, sizes=PLATFORM_SIZES)
        patch.setenv(f"DEID_CORPUS_{lang.upper()}", str(root / "corpora" / lang))
    resources = temporary_resources(root)
    # On disk, so that the privacy invariant can scan the event log, runs and compute logs.
    (root / "dagster_home").mkdir()
    instance = DagsterInstance.local_temp(str(root / "dagster_home"))
    outcome = run_pipeline(
        instance,
        resources=resources,
        log=lambda _: None,
        run_config=fast_run_config(),
        ablations=["0.25"],
        launched_by="test",
    )
    assert not outcome.blocked, outcome.blocked
    yield root, instance, resources, resources["tracking"].tracking_uri
    instance.dispose()
    patch.undo()


def check_evaluations(instance, run_id: str) -> list:
    """The asset check evaluations a run recorded (AssetCheckEvaluation objects)."""
    from dagster import DagsterEventType

    return [
        entry.dagster_event.event_specific_data
        for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    ]


def copy_platform(platform, dest: Path):
    """A copy of the materialized platform under `dest` (artifact store, Dagster instance, MLflow
    store): (dest, instance, resources, mlflow uri)."""
    import shutil

    from dagster import DagsterInstance

    root = platform[0]
    for name in ("storage", "dagster_home"):
        shutil.copytree(root / name, dest / name)
    shutil.copy(root / "mlflow.db", dest / "mlflow.db")
    resources = temporary_resources(dest)
    instance = DagsterInstance.local_temp(str(dest / "dagster_home"))
    return dest, instance, resources, resources["tracking"].tracking_uri


@pytest.fixture
def platform_copy(platform, tmp_path):
    """A copy of the platform for a test that materializes again without changing what the other
    tests read."""
    copy = copy_platform(platform, tmp_path)
    yield copy
    copy[1].dispose()


def materialize_assets(graph, instance, selection, partition, run_config=None, **kwargs):
    """Materializes `selection` (asset keys, their checks included) of one partition of the
    platform's definitions `graph` (`definitions.build`)."""
    from dagster import AssetSelection, materialize

    return materialize(
        [*graph.assets, *graph.asset_checks],
        selection=AssetSelection.assets(*selection),
        partition_key=partition.key,
        instance=instance,
        resources=graph.resources,
        run_config=run_config,
        **kwargs,
    )
