"""base_llm, adapted_llm and synthetic_text through the platform's jobs."""

from dagster import AssetKey
from mlflow.tracking import MlflowClient

from deid_platform.core.documents import corpus_hash
from deid_platform.core.formats import read_corpus
from deid_platform.core.formats.jsonl import read_jsonl
from deid_platform.definitions import build
from deid_platform.partitions import Partition
from deid_platform.study.modes import MAIN
from deid_platform_tests.conftest import (
    artifact,
    latest,
    materialize_assets,
    metadata,
    op_config,
)


def test_base_llm_never_depends_on_real_data(platform):
    root, instance, resources, uri = platform
    graph = build(resources).resolve_asset_graph()
    assert graph.get(AssetKey("base_llm")).parent_keys == set()
    meta = metadata(instance, "base_llm", "es")
    assert meta["parameters"] > 10_000 and meta["pretrained_from"] == "surrogate notes"
    assert (artifact(root, "base_llm", "es", "model") / "config.json").exists()
    version = MlflowClient(uri).get_model_version("base_llm-es", meta["registered_model_version"])
    assert version.source.endswith("/storage/base_llm/es/model")


def test_adapted_llm_is_fully_fine_tuned_with_perplexities(platform):
    """The embedded preset adapts every weight (LoRA, the paper's method, is tested through the
    pretrained and paper presets in test_lm_architectures)."""
    root, instance, _, uri = platform
    meta = metadata(instance, "adapted_llm", "1.0|sv")
    assert meta["method"] == "full" and meta["trainable_parameters"] > 10_000
    assert meta["dev_perplexity"] < meta["dev_perplexity_base"]
    model = artifact(root, "adapted_llm", "1.0|sv", "model")
    assert (model / "config.json").exists() and not (model / "adapter_config.json").exists()
    run = MlflowClient(uri).get_run(meta["mlflow_run_id"])
    assert run.data.params["preset.full_finetune"] == "True"


def test_synthetic_text_and_corpus_files_provenance_and_stats(platform):
    root, instance, _, _ = platform
    text_meta = metadata(instance, "synthetic_text", "1.0|es")
    meta = metadata(instance, "synthetic_corpus", "1.0|es")
    docs = read_jsonl(artifact(root, "synthetic_corpus", "1.0|es", "documents")).documents
    assert meta["documents"] == len(docs) > 0
    brat = artifact(root, "synthetic_corpus", "1.0|es", "brat")
    assert len(read_corpus(brat, "brat").documents) == len(docs)
    dev_ids = {d.id for d in read_jsonl(artifact(root, "real_corpus", "es", "dev")).documents}
    adapted = latest(instance, "adapted_llm", "1.0|es").asset_materialization
    annotator = latest(instance, "annotator_model", "1.0|es").asset_materialization
    for doc in docs:
        assert doc.metadata["prompt_doc"] in dev_ids
        assert doc.metadata["adapted_llm"] == adapted.tags["dagster/data_version"]
        assert doc.metadata["annotator"] == annotator.tags["dagster/data_version"]
    assert text_meta["tokens_generated"] > 0 and text_meta["generation_tokens_per_second"] > 0
    assert 0 <= text_meta["ended_with_eos"] <= 1 and 0 < text_meta["distinct_2"] <= 1
    assert 0 <= meta["label_jsd_vs_real"] <= 1
    assert meta["mode"] == MAIN.name and meta["annotator_fraction"] == "1.0"
    record = latest(instance, "synthetic_corpus", "1.0|es").asset_materialization
    assert record.tags["dagster/data_version"] == corpus_hash(docs)
    # No text in metadata: not even the real prompts.
    dev = read_jsonl(artifact(root, "real_corpus", "es", "dev")).documents
    rendered = str(text_meta) + str({k: v for k, v in meta.items() if k != "preview"})
    assert not any(doc.text[:40] in rendered for doc in dev)


def test_same_seed_gives_the_same_synthetic_text(platform_copy):
    root, instance, resources, _ = platform_copy
    before = latest(instance, "synthetic_text", "0.05|sv").asset_materialization
    graph = build(resources)
    config = {"ops": {"synthetic_text": op_config("synthetic_text")}}
    materialize_assets(graph, instance, ["synthetic_text"], Partition("sv", "0.05"), config)
    rerun = read_jsonl(artifact(root, "synthetic_text", "0.05|sv", "text")).documents
    assert rerun and corpus_hash(rerun) == before.tags["dagster/data_version"]


def test_corpus_chooses_its_notes_by_labels_out_of_a_pool(platform_copy):
    """synthetic_text with a pool twice the volume, synthetic_corpus with select_by_labels: the
    corpus holds the volume, chosen out of the whole annotated pool by `select_by_labels`."""
    from deid_platform.core.synthesis import annotate_documents
    from deid_platform.defs.synthetic import by_labels
    from deid_platform.plumbing.store import ArtifactStore

    root, instance, resources, _ = platform_copy
    text_config = op_config("synthetic_text")
    text_config["config"] = {**text_config["config"], "pool": 2.0}
    config = {
        "ops": {
            "synthetic_text": text_config,
            "synthetic_corpus": {"config": {"select_by_labels": True}},
        }
    }
    partition = Partition("es", "1.0")
    materialize_assets(
        build(resources), instance, ["synthetic_text", "synthetic_corpus"], partition, config
    )
    text_meta = metadata(instance, "synthetic_text", partition.key)
    meta = metadata(instance, "synthetic_corpus", partition.key)
    assert text_meta["tokens_pool_target"] == int(2.0 * text_meta["tokens_target"])
    assert meta["tokens_target"] == text_meta["tokens_target"] <= meta["tokens_produced"]
    assert meta["tokens_produced"] < text_meta["tokens_produced"]
    assert meta["volume_tokens"] < text_meta["volume_tokens"]

    pool, _ = annotate_documents(
        read_jsonl(artifact(root, "synthetic_text", partition.key, "text")).documents,
        artifact(root, "annotator_model", partition.key, "model"),
        [],
    )
    assert meta["pool_documents"] == len(pool) > meta["documents"]
    subset = read_jsonl(artifact(root, "training_subset", partition.key, "documents")).documents
    store = ArtifactStore(root=str(root / "storage"))
    expected = by_labels(store, partition, pool, subset, meta["tokens_target"])
    chosen = read_jsonl(artifact(root, "synthetic_corpus", partition.key, "documents")).documents
    assert [d.id for d in chosen] == [d.id for d in expected]
    # Not the text's first notes: the labels chose.
    assert [d.id for d in chosen] != [d.id for d in pool[: len(chosen)]]
