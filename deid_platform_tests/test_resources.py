from mlflow.tracking import MlflowClient

from deid_platform.resources import MlflowTracking


def test_experiment_artifacts_default_to_the_platform_folder(tmp_path, monkeypatch):
    """Never MLflow's ./mlruns under the working directory."""
    monkeypatch.setenv("DEID_VAR", str(tmp_path / "var"))
    tracking = MlflowTracking(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    client = MlflowClient(tracking.tracking_uri)
    experiment = client.get_experiment(tracking._experiment_id(client))
    assert experiment.artifact_location == (tmp_path / "var/mlflow/artifacts").as_uri()
