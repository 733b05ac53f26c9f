"""The PostgreSQL profile: a private cluster on 127.0.0.1 (initdb as the postgres user, its own
port and PGDATA) holding both the Dagster instance and the MLflow tracking store."""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from dagster import AssetKey, AssetRecordsFilter, DagsterInstance
from mlflow.tracking import MlflowClient

from deid_platform.core.surrogates import write_demo_corpus
from deid_platform.definitions import build
from deid_platform.partitions import Partition
from deid_platform.plumbing.tracking import MlflowTracking
from deid_platform.settings import PROJECT_ROOT
from deid_platform_tests.conftest import materialize_assets, temporary_resources

BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(*args: str) -> None:
    subprocess.run(
        ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(args)],
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def postgres():
    if not (BIN / "initdb").exists() or os.geteuid() != 0:
        pytest.skip("needs Debian's postgresql 15 and root (.ci/run installs it when missing)")
    base = Path(tempfile.mkdtemp(prefix="deid-pg-"))
    base.chmod(0o755)
    shutil.chown(base, "postgres")
    data, port = base / "data", _free_port()
    _as_postgres(str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    _as_postgres(
        str(BIN / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(base / "log"),
        "-w",
        "-o",
        f"'-p {port} -k {base} -c listen_addresses=127.0.0.1'",
        "start",
    )
    try:
        for db in ("dagster", "mlflow"):
            _as_postgres(str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), db)
        yield port
    finally:
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def test_dagster_and_mlflow_on_postgres(postgres, tmp_path, monkeypatch):
    port = postgres
    for lang in ("es", "sv"):
        write_demo_corpus(lang, tmp_path / lang, seed=4, sizes={"train": 6, "dev": 2, "test": 2})
        monkeypatch.setenv(f"DEID_CORPUS_{lang.upper()}", str(tmp_path / lang))
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy/postgres/dagster.yaml", home / "dagster.yaml")
    for key, value in {
        "DEID_PG_HOST": "127.0.0.1",
        "DEID_PG_PORT": str(port),
        "DEID_PG_USER": "postgres",
        "DEID_PG_PASSWORD": "",
        "DEID_PG_DB": "dagster",
    }.items():
        monkeypatch.setenv(key, value)
    uri = f"postgresql+psycopg2://postgres@127.0.0.1:{port}/mlflow"
    resources = temporary_resources(tmp_path)
    resources["tracking"] = MlflowTracking(tracking_uri=uri, artifact_location=str(tmp_path))
    graph = build(resources)
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        graph.resolve_job_def("observe_corpora").execute_in_process(
            instance=instance, partition_key="sv"
        )
        # Only the corpus assets: the point is the storage, not the models.
        for asset, partition in (
            ("real_corpus", Partition("sv")),
            ("training_subset", Partition("sv", "0.5")),
        ):
            materialize_assets(graph, instance, [asset], partition)
        records = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey("training_subset")), limit=5
        ).records
        assert [r.asset_materialization.partition for r in records] == ["0.5|sv"]
        assert len(instance.get_runs()) == 3  # observation, real_corpus, training_subset
    client = MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name("deid-platform").experiment_id])
    assert {r.data.tags["dagster.asset_key"] for r in runs} == {"real_corpus", "training_subset"}
