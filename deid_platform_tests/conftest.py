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
