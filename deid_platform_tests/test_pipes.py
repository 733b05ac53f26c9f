"""Training through Dagster Pipes: the same asset, its training step in a separate process."""

import json

from deid_platform.pipeline import definitions
from deid_platform.store import Partition
from deid_platform_tests.conftest import materialize_assets


def test_annotator_trains_through_pipes_subprocess(platform_copy):
    tmp_path, instance, resources, _ = platform_copy
    graph = definitions(resources)
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
    out = tmp_path / "storage/annotator_model/sv/0.25"
    assert (out / "model/config.json").exists()
    assert not (out / "inputs").exists()  # real text handed to the process does not linger
    metrics = json.loads((out / "metrics.json").read_text())
    assert meta["token_f1"].value == metrics["token_f1"]
    logs = [e.message for e in instance.all_logs(result.run_id) if e.message]
    assert any("remote task ner-train" in message for message in logs)
