"""The leak gate, the privacy audit, the reviewer's chain, and the privacy invariant: no real text
or PHI string in MLflow, Dagster storage or logs."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from dagster import AssetCheckKey, AssetKey, AssetRecordsFilter, DagsterInstance, materialize

import deid_platform.defs.generator as generator
from deid_platform.core.documents import Document
from deid_platform.core.formats.jsonl import read_jsonl
from deid_platform.definitions import assets, source_assets
from deid_platform.resources import ArtifactStorage
from deid_platform.review import build_review
from deid_platform_tests.conftest import FAST


def latest(instance, asset, partition):
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[partition]), limit=1
    ).records
    return records[0].asset_materialization if records else None


def test_privacy_audit_numbers(platform):
    root, instance, _, _ = platform
    meta = {k: v.value for k, v in latest(instance, "privacy_audit", "1.0|es").metadata.items()}
    for n in range(3, 9):
        assert 0.0 <= meta[f"ngram_recall_{n}"] <= 1.0
    assert meta["ngram_recall_3"] >= meta["ngram_recall_8"]
    assert -1.0 <= meta["phi_replay_excess"] <= 1.0
    assert 0.0 <= meta["mia_loss_auc"] <= 1.0 and 0.0 <= meta["mia_zlib_tpr_at_1pct_fpr"] <= 1.0
    assert meta["mia_members"] == 20 and meta["mia_nonmembers"] > 0
    assert "| PHI type | seen | unseen | excess |" in meta["phi_replay"]


def test_gate_passes_on_the_generated_corpus_and_shows_a_preview(platform):
    _, instance, _, _ = platform
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [AssetCheckKey(AssetKey("synthetic_corpus"), "leak_gate")]
    )[AssetCheckKey(AssetKey("synthetic_corpus"), "leak_gate")]
    assert check.status.value == "SUCCEEDED"
    assert latest(instance, "synthetic_corpus", "0.5|sv").metadata["preview"].value.startswith("`")


def test_planted_real_phi_blocks_the_synthetic_model(platform, tmp_path, monkeypatch):
    root, _, resources, _ = platform
    shutil.copytree(root / "storage", tmp_path / "storage")
    real = read_jsonl(tmp_path / "storage/training_subset/es/1.0/train.jsonl").documents
    original = generator.generate_documents

    def planted(*args, **kwargs):
        documents, stats = original(*args, **kwargs)
        # Real training notes copied verbatim into the synthetic corpus: real PHI and long runs.
        return documents + [Document(d.id, d.text) for d in real[:5]], stats

    monkeypatch.setattr(generator, "generate_documents", planted)
    instance = DagsterInstance.ephemeral()
    selection = [a for a in assets if a.key.path[0] in ("synthetic_corpus", "synthetic_ner_model")]
    result = materialize(
        [*assets, *source_assets],
        selection=selection,
        partition_key="1.0|es",
        instance=instance,
        resources={**resources, "storage": ArtifactStorage(root=str(tmp_path / "storage"))},
        run_config={
            "ops": {k: FAST["ops"][k] for k in ("synthetic_corpus", "synthetic_ner_model")}
        },
        raise_on_error=False,
    )
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"leak_gate": False}
    assert latest(instance, "synthetic_ner_model", "1.0|es") is None
    assert not (tmp_path / "storage/synthetic_ner_model/es/1.0").exists() or (
        (tmp_path / "storage/synthetic_ner_model/es/1.0/metrics.json").read_bytes()
        == (root / "storage/synthetic_ner_model/es/1.0/metrics.json").read_bytes()
    )
    meta = latest(instance, "synthetic_corpus", "1.0|es").metadata
    assert meta["preview"].value == "withheld: the leak gate failed"
    assert meta["documents_over_run_threshold"].value >= 5


def test_review_chain_reaches_the_real_corpus_version(platform):
    root, instance, resources, uri = platform
    review = build_review(instance, "es", "0.25", root / "storage", uri)
    assets_in_chain = [link["asset"] for link in review["chain"]]
    for asset in (
        "synthetic_ner_model",
        "synthetic_corpus",
        "adapted_llm",
        "annotator_model",
        "base_llm",
        "training_subset",
        "real_corpus",
        "real_corpus_files",
    ):
        assert asset in assets_in_chain
    assert review["all_links_verified"], [(x["asset"], x["verified"]) for x in review["chain"]]
    files = json.loads((root / "storage/real_corpus/es/manifest.json").read_text())
    assert review["real_corpus"]["files_sha256"] == files["files_sha256"]
    subset = review["training_subsets"]["0.25|es"]
    assert subset["documents"] == 5 and all(
        i.startswith("es-train-") for i in subset["document_ids"]
    )
    assert all(link.get("mlflow_tagged_dagster_run", True) for link in review["chain"])
    assert latest(instance, "privacy_review", "0.25|es").metadata["all_links_verified"].value


def test_audit_cli_prints_markdown_and_json(platform, tmp_path):
    root, _, _, uri = platform
    env = {
        "DAGSTER_HOME": str(root / "dagster_home"),
        "DEID_STORAGE": str(root / "storage"),
        "DEID_MLFLOW_URI": uri,
        "PATH": "/usr/bin:/bin",
    }
    deid = str(Path(sys.executable).with_name("deid"))
    md = subprocess.run(
        [deid, "audit", "--language", "sv", "--fraction", "0.5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("# Privacy review: synthetic_ner_model [sv, fraction 0.5]")
    js = subprocess.run(
        [deid, "audit", "--language", "sv", "--fraction", "0.5", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    review = json.loads(js.stdout)
    assert review["all_links_verified"] and review["audit"]["passed"] in (True, False)
    missing = subprocess.run(
        [deid, "audit", "--language", "xx", "--fraction", "0.5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1 and "has not been materialized" in missing.stderr


def real_needles(root: Path) -> set[str]:
    """Distinct PHI strings of at least 6 characters, and each PHI mention with 15 characters of
    context on both sides, from the corpora that stand for real data."""
    needles = set()
    for lang in ("es", "sv"):
        for split in ("train", "dev", "test"):
            for doc in read_jsonl(root / f"storage/real_corpus/{lang}/{split}.jsonl").documents:
                for span in doc.spans:
                    value = doc.span_text(span)
                    if len(value) >= 6:
                        needles.add(value)
                    needles.add(doc.text[max(0, span.start - 15) : span.end + 15])
    return needles


def haystacks(root: Path, instance: DagsterInstance):
    """Every place real text must not reach: the MLflow database and artifacts, Dagster's run
    storage, compute logs and event log (whose synthetic-text previews are left out: they are
    synthetic, shown only after the leak gate passed)."""
    for path in [root / "mlflow.db", *(root / "artifacts").rglob("*")]:
        if path.is_file():
            yield str(path), path.read_bytes().decode("utf-8", "ignore")
    for path in (root / "dagster_home").rglob("*"):
        if path.is_file() and "event_log" not in str(path) and not path.name.endswith(".db"):
            yield str(path), path.read_bytes().decode("utf-8", "ignore")
    for run in instance.get_runs():
        yield f"run {run.run_id}", json.dumps(run.run_config) + json.dumps(dict(run.tags))
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            data = event.event_specific_data if event else None
            # Materializations and step outputs both carry the asset's metadata.
            holder = getattr(data, "materialization", None) or data
            metadata = getattr(holder, "metadata", None)
            if metadata is not None:
                shown = {k: str(v.value) for k, v in metadata.items() if k != "preview"}
                text = entry.user_message + json.dumps(shown, ensure_ascii=False)
            else:
                text = entry.user_message + (str(data) if data else "")
            yield f"event {run.run_id}", text


def test_privacy_invariant_no_real_text_anywhere(platform):
    root, instance, _, _ = platform
    needles = real_needles(root)
    assert len(needles) > 500
    hits = []
    for where, text in haystacks(root, instance):
        for needle in needles:
            if needle in text or json.dumps(needle)[1:-1] in text:
                hits.append((where, len(needle)))
    assert hits == []
