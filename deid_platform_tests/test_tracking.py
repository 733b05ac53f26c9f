"""MLflow tracking: the store created once whatever starts first, the experiment's artifacts in the
platform folder."""

import multiprocessing

from mlflow.tracking import MlflowClient

from deid_platform.plumbing.tracking import MlflowTracking, ensure_experiment


def test_experiment_artifacts_default_to_the_platform_folder(tmp_path, monkeypatch):
    """Never MLflow's ./mlruns under the working directory."""
    monkeypatch.setenv("DEID_VAR", str(tmp_path / "var"))
    tracking = MlflowTracking(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = MlflowClient(tracking.tracking_uri).get_experiment(tracking.experiment_id())
    assert experiment.artifact_location == (tmp_path / "var/mlflow/artifacts").as_uri()


def _create(uri: str, results) -> None:  # noqa: ANN001
    results.put(ensure_experiment(uri, "deid-platform"))


def test_several_processes_create_one_store_on_an_empty_folder(tmp_path):
    uri = f"sqlite:///{tmp_path / 'fresh' / 'mlflow.db'}"
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=_create, args=(uri, results)) for _ in range(6)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [p.exitcode for p in processes] == [0] * 6
    ids = {results.get(timeout=5) for _ in processes}
    assert len(ids) == 1
    assert len(MlflowClient(uri).search_experiments()) == 2  # Default and deid-platform
