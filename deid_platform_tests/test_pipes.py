"""Training through Dagster Pipes: the same asset, its training step in a separate process."""

import json
import shutil

from dagster import AssetKey, DagsterInstance, materialize

from deid_platform.definitions import assets, source_assets
from deid_platform.resources import ArtifactStorage


def test_annotator_trains_through_pipes_subprocess(platform, tmp_path):
    root, _, resources, _ = platform
    shutil.copytree(root / "storage", tmp_path / "storage")
    annotator = [a for a in assets if a.key == AssetKey("annotator_model")]
    instance = DagsterInstance.ephemeral()
    result = materialize(
        [*assets, *source_assets],
        selection=annotator,
        partition_key="0.25|sv",
        instance=instance,
        resources={**resources, "storage": ArtifactStorage(root=str(tmp_path / "storage"))},
        run_config={
            "ops": {
                "annotator_model": {"config": {"epochs": 1, "min_steps": 0, "execution": "pipes"}}
            }
        },
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
