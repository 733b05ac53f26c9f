"""The deployment configurations under deploy/ load and say what the README says."""

import yaml
from dagster._core.instance.config import dagster_instance_config  # no public loader of a

# dagster.yaml that validates it without starting an instance
from deid_platform.plumbing.compute import gpu_pod_spec
from deid_platform.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


def test_instance_configs_validate():
    for folder in ("postgres", "k8s"):
        config, _ = dagster_instance_config(str(DEPLOY / folder))
        assert config["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
    config, _ = dagster_instance_config(str(DEPLOY / "k8s"))
    assert config["run_launcher"]["class"] == "K8sRunLauncher"
    launcher = config["run_launcher"]
    from dagster_k8s import K8sRunLauncher

    assert set(launcher["config"]) <= set(K8sRunLauncher.config_type())


def test_helm_values_and_gpu_pod_spec():
    values = yaml.safe_load((DEPLOY / "k8s/values.yaml").read_text())
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "deid_platform.definitions"]
    spec = gpu_pod_spec()
    limits = spec["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/gpu"] == 1
    assert spec["volumes"][0]["persistentVolumeClaim"]["claimName"] == "deid-storage"


def test_launcher_is_configured_by_environment(monkeypatch):

    from deid_platform.definitions import platform_resources

    monkeypatch.setenv("DEID_PIPES_BACKEND", "k8s")
    monkeypatch.setenv("DEID_PIPES_IMAGE", "registry.example/deid:1")
    launcher = platform_resources()["launcher"]
    resolved = launcher.process_config_and_initialize()
    assert (resolved.backend, resolved.image) == ("k8s", "registry.example/deid:1")
