"""Which registered models may leave the hospital, as MLflow's model list tells them apart."""

from dagster import AssetKey
from mlflow.tracking import MlflowClient

from deid_platform.plumbing.publishing import shareable
from deid_platform.plumbing.tracking import SHAREABLE, tag_shareable


def test_only_models_trained_on_synthetic_text_alone_are_shareable():
    for real in ("annotator_model", "base_llm", "adapted_llm"):
        assert not shareable(AssetKey(real))
    assert shareable(AssetKey("synthetic_ner_model"))
    assert shareable(AssetKey(["llm_only", "synthetic_ner_model"]))
    assert shareable(AssetKey("synthetic_ner_model"), verdict=True)
    assert not shareable(AssetKey("synthetic_ner_model"), verdict=False)


def test_the_model_and_its_version_carry_the_tag(tmp_path):
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    client.create_registered_model("m")
    version = client.create_model_version("m", source=tmp_path.as_uri())
    tag_shareable(client, "m", version.version, True)
    tag_shareable(client, "m", version.version, False)  # a later verdict overrides
    assert client.get_registered_model("m").tags[SHAREABLE] == "false"
    assert client.get_model_version("m", version.version).tags[SHAREABLE] == "false"
