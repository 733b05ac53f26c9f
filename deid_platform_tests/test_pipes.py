"""Training through Dagster Pipes: the same asset, its training step in a separate process."""

import json

from deid_platform.definitions import build
from deid_platform.partitions import Partition
from deid_platform_tests.conftest import artifact, materialize_assets


def test_annotator_trains_through_pipes_subprocess(platform_copy):
    tmp_path, instance, resources, _ = platform_copy
    graph = build(resources)
    config = {"epochs": 1, "min_steps": 0, "execution": "pipes"}
    result = materialize_assets(
        graph,
        instance,
        ["annotator_model"],
        Partition("sv", "0.25"),
        {"ops": {"annotator_model": {"config": config}}},
    )
    meta = result.asset_materializations_for_node("annotator_model")[0].metadata
    assert meta["execution"].value == "pipes"
    model = artifact(tmp_path, "annotator_model", "0.25|sv", "model")
    assert (model / "config.json").exists()
    # The real text handed to the process does not linger beside the published folder.
    assert not [p for p in model.parent.parent.iterdir() if p.name.endswith("-inputs")]
    metrics = json.loads(artifact(tmp_path, "annotator_model", "0.25|sv", "scores").read_text())
    assert meta["token_f1"].value == metrics["token_f1"]
    logs = [e.message for e in instance.all_logs(result.run_id) if e.message]
    assert any("remote task ner-train" in message for message in logs)
