"""A snapshot of the asset graph: keys, partitions, groups, owners, kinds, deps, code versions.
Regenerate with UPDATE_SNAPSHOTS=1 after an intended change, and review the diff."""

import json
import os
from pathlib import Path

from dagster import MultiPartitionMapping

from deid_platform.definitions import build

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def describe_graph() -> dict:
    graph = build().resolve_asset_graph()
    out = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        partitions = node.partitions_def
        dims = getattr(partitions, "partitions_defs", None)
        out[key.to_user_string()] = {
            "materializable": node.is_materializable,
            "observable": node.is_observable,
            "group": node.group_name,
            "owners": sorted(node.owners),
            "kinds": sorted(node.kinds),
            "code_version": node.code_version,
            # A dependency and the partitions it reads: "default" unless the asset declares a
            # mapping (the ablations read another fraction, the reports every fraction).
            "deps": {
                k.to_user_string(): _mapping(node.partition_mappings.get(k))
                for k in sorted(node.parent_keys, key=lambda k: k.to_user_string())
            },
            "partitions": (
                {d.name: d.partitions_def.get_partition_keys() for d in dims}
                if dims
                else partitions.get_partition_keys()
                if partitions
                else None
            ),
            "checks": sorted(c.name for c in node.check_keys),
            "automation": (node.automation_condition.get_label() or node.automation_condition.name)
            if node.automation_condition
            else None,
        }
    return out


def _mapping(mapping) -> str:  # noqa: ANN001
    if mapping is None:
        return "default"
    if isinstance(mapping, MultiPartitionMapping):
        return (
            "fraction: "
            + type(
                mapping.downstream_mappings_by_upstream_dimension["fraction"].partition_mapping
            ).__name__
        )
    return type(mapping).__name__


def test_asset_graph_matches_snapshot():
    current = describe_graph()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())


def test_every_asset_is_documented_and_owned():
    graph = build().resolve_asset_graph()
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        assert node.description, key
        assert node.owners and node.group_name and node.kinds and node.code_version, key


def test_every_asset_is_built_by_a_named_job():
    """An asset no job selects is never built by `deid demo`, the benchmarks or a job launch."""
    graph = build()
    selected = set()
    for job in graph.resolve_all_job_defs():
        if not job.name.startswith("__"):
            selected |= set(job.asset_layer.selected_asset_keys)
    assert set(graph.resolve_asset_graph().materializable_asset_keys) <= selected
