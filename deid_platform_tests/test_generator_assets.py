"""base_llm, adapted_llm and synthetic_corpus through dagster.materialize."""

import json

from dagster import AssetKey, AssetRecordsFilter, DagsterInstance, materialize
from mlflow.tracking import MlflowClient

from deid_platform.core.formats import read_corpus
from deid_platform.core.formats.jsonl import read_jsonl
from deid_platform.definitions import assets, defs, source_assets
from deid_platform_tests.conftest import FAST


def latest(instance, asset, partition):
    return (
        instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[partition]), limit=1
        )
        .records[0]
        .asset_materialization
    )


def values(materialization):
    return {k: v.value for k, v in materialization.metadata.items()}


def test_base_llm_never_depends_on_real_data(platform):
    root, instance, _, uri = platform
    graph = defs.resolve_asset_graph()
    assert graph.get(AssetKey("base_llm")).parent_keys == set()
    meta = values(latest(instance, "base_llm", "es"))
    assert meta["parameters"] > 10_000 and meta["pretrained_from"] == "surrogate notes"
    assert (root / "storage/base_llm/es/model/config.json").exists()
    version = MlflowClient(uri).get_model_version("base_llm-es", meta["registered_model_version"])
    assert version.source.endswith("/storage/base_llm/es/model")


def test_adapted_llm_is_a_lora_adapter_with_perplexities(platform):
    root, instance, _, uri = platform
    meta = values(latest(instance, "adapted_llm", "1.0|sv"))
    assert meta["method"] == "lora" and meta["trainable_parameters"] > 0
    assert meta["dev_perplexity"] > 1 and meta["dev_perplexity_base"] > 1
    assert (root / "storage/adapted_llm/sv/1.0/model/adapter_config.json").exists()
    run = MlflowClient(uri).get_run(meta["mlflow_run_id"])
    assert run.data.params["lora_r"] == "8" and run.data.params["lora_alpha"] == "32"


def test_synthetic_corpus_files_provenance_and_stats(platform):
    root, instance, _, _ = platform
    materialization = latest(instance, "synthetic_corpus", "1.0|es")
    meta = values(materialization)
    out = root / "storage/synthetic_corpus/es/1.0"
    docs = read_jsonl(out / "corpus.jsonl").documents
    assert meta["documents"] == len(docs) > 0
    assert len(read_corpus(out / "brat", "brat").documents) == len(docs)
    dev_ids = set(
        json.loads((root / "storage/real_corpus/es/manifest.json").read_text())["splits"]["dev"]
    )
    adapted_sha = values(latest(instance, "adapted_llm", "1.0|es"))["model_sha256"]
    for doc in docs:
        assert doc.metadata["prompt_doc"] in dev_ids
        assert doc.metadata["adapted_llm_sha256"] == adapted_sha
        assert doc.metadata["annotator_fraction"] == "1.0"
    assert meta["tokens_generated"] > 0 and meta["generation_tokens_per_second"] > 0
    assert 0 <= meta["label_jsd_vs_real"] <= 1 and 0 < meta["distinct_2"] <= 1
    assert materialization.tags["dagster/data_version"] == meta["corpus_sha256"]
    # No text in metadata: not even the real prompts.
    dev = read_jsonl(root / "storage/real_corpus/es/dev.jsonl").documents
    rendered = json.dumps({k: str(v) for k, v in meta.items()})
    assert not any(doc.text[:40] in rendered for doc in dev)


def test_same_seed_gives_the_same_synthetic_corpus(platform):
    root, instance, resources, _ = platform
    before = values(latest(instance, "synthetic_corpus", "0.05|sv"))["corpus_sha256"]
    synthetic = [a for a in assets if a.key == AssetKey("synthetic_corpus")]
    materialize(
        [*assets, *source_assets],
        selection=synthetic,
        partition_key="0.05|sv",
        instance=DagsterInstance.ephemeral(),
        resources=resources,
        run_config={"ops": {"synthetic_corpus": FAST["ops"]["synthetic_corpus"]}},
    )
    after = json.loads((root / "storage/synthetic_corpus/sv/0.05/stats.json").read_text())
    assert after["documents"] > 0
    rerun = read_jsonl(root / "storage/synthetic_corpus/sv/0.05/corpus.jsonl").documents
    from deid_platform.core.documents import corpus_hash

    assert corpus_hash(rerun) == before
