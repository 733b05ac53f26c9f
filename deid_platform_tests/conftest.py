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
FAST = {
    "ops": {
        "annotator_model": {"config": {"epochs": 1, "min_steps": 0}},
        "base_llm": {"config": {"surrogate_documents": 40, "epochs": 1}},
        "adapted_llm": {"config": {"epochs": 1}},
        "synthetic_corpus": {"config": {"volume": 0.3}},
        "synthetic_ner_model": {"config": {"epochs": 1, "min_steps": 0}},
    }
}


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    """The whole graph materialized once, in process, on small demo corpora, with MLflow writing
    to a temporary sqlite store. Yields (root, instance, resources, mlflow uri)."""
    from dagster import DagsterInstance, PipesSubprocessClient

    from deid_platform.core.surrogates import write_demo_corpus
    from deid_platform.pipeline import run_pipeline
    from deid_platform.resources import ArtifactStorage, Compute, MlflowTracking

    root = tmp_path_factory.mktemp("platform")
    patch = pytest.MonkeyPatch()
    for lang in ("es", "sv"):
        write_demo_corpus(lang, root / "corpora" / lang, seed=1, sizes=PLATFORM_SIZES)
        patch.setenv(f"DEID_CORPUS_{lang.upper()}", str(root / "corpora" / lang))
    uri = f"sqlite:///{root / 'mlflow.db'}"
    resources = {
        "storage": ArtifactStorage(root=str(root / "storage")),
        "mlflow": MlflowTracking(tracking_uri=uri, artifact_location=str(root / "artifacts")),
        "compute": Compute(device="cpu", threads=1),
        "pipes": PipesSubprocessClient(),
    }
    # On disk, so that the privacy invariant can scan the event log, runs and compute logs.
    (root / "dagster_home").mkdir()
    instance = DagsterInstance.local_temp(str(root / "dagster_home"))
    run_pipeline(instance, resources=resources, log=lambda _: None, run_config=FAST)
    yield root, instance, resources, uri
    instance.dispose()
    patch.undo()
