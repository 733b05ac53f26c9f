"""The privacy audit, the leak gate, the masked preview, the reviewer's chain and the privacy
invariant: no real text in MLflow, Dagster's storage or logs."""

import json
import re
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey, DagsterInstance
from mlflow.tracking import MlflowClient

import deid_platform.defs.synthetic as synthetic
from deid_platform.core.documents import Document
from deid_platform.core.formats.jsonl import read_jsonl
from deid_platform.core.markdown import parse
from deid_platform.definitions import build
from deid_platform.partitions import Partition
from deid_platform.plumbing.metadata import rounded
from deid_platform.study.review import build_review, render_markdown
from deid_platform_tests.conftest import (
    artifact,
    check_evaluations,
    latest,
    materialize_assets,
    metadata,
    op_config,
)


def test_privacy_audit_numbers(platform):
    _, instance, _, _ = platform
    meta = metadata(instance, "privacy_audit", "1.0|es")
    for n in range(3, 9):
        assert 0.0 <= meta[f"ngram_recall_{n}"] <= 1.0
    assert meta["ngram_recall_3"] >= meta["ngram_recall_8"]
    assert -1.0 <= meta["phi_replay_excess"] <= 1.0
    assert 0.0 <= meta["mia_loss_auc"] <= 1.0 and 0.0 <= meta["mia_zlib_tpr_at_1pct_fpr"] <= 1.0
    # All 20 training notes are members at 1.0: no unused training note, so the 10 notes of the
    # other splits are the pool, every one scored (balanced: 10 of the 20 members).
    assert meta["mia_members"] == meta["mia_nonmembers"] == 10
    assert meta["mia_nonmembers_from"] == "notes of the other splits"
    for attack in ("synthetic_mia", "ner_mia", "mia_loss"):
        assert meta[f"{attack}_auc_low"] <= meta[f"{attack}_auc"] <= meta[f"{attack}_auc_high"]
        assert 0.0 <= meta[f"{attack}_tpr_at_1pct_fpr"] <= 1.0
    assert 0.0 <= meta["ngram_overlap_5_real_unseen"] <= 1.0
    assert (
        meta["phi_replay_excess_low"] <= meta["phi_replay_excess"] <= meta["phi_replay_excess_high"]
    )
    assert isinstance(meta["shareable"], bool) and (meta["reasons"] == "none") == meta["shareable"]
    assert parse(meta["phi_replay"])[0] == ["PHI type", "seen", "unseen", "excess"]


def test_gate_passes_per_partition_and_the_corpus_shows_a_masked_preview(platform):
    _, instance, _, _ = platform
    run_id = latest(instance, "synthetic_text", "0.5|sv").run_id
    (gate,) = [e for e in check_evaluations(instance, run_id) if e.check_name == "leak_gate"]
    assert gate.passed and gate.partition == "0.5|sv"
    meta = metadata(instance, "synthetic_text", "0.5|sv")
    assert next(iter(meta)) == "leak_gate" and meta["leak_gate"] == "passed"
    assert metadata(instance, "synthetic_corpus", "0.5|sv")["preview"].startswith("`")


def planted_run(platform_copy, monkeypatch, **text_config):
    """synthetic_text and what is built from it, at 1.0|es, with real training notes copied into
    the synthetic text: real PHI and long verbatim runs."""
    _, instance, resources, _ = platform_copy
    store = resources["store"]
    real = store.read_subset(Partition("es", "1.0"))
    original = synthetic.generate_documents

    def planted(*args, **kwargs):
        documents, stats = original(*args, **kwargs)
        planted = [Document(d.id, d.text, metadata={"tokens": 1}) for d in real[:5]]
        return planted + documents, stats

    monkeypatch.setattr(synthetic, "generate_documents", planted)
    graph = build(resources)
    result = materialize_assets(
        graph,
        instance,
        ["synthetic_text", "synthetic_corpus", "synthetic_ner_model"],
        Partition("es", "1.0"),
        {
            "ops": {
                "synthetic_text": {"config": {"volume": 0.3, **text_config}},
                "synthetic_ner_model": op_config("synthetic_ner_model"),
            }
        },
        raise_on_error=False,
    )
    return result, instance, store, real


def test_planted_real_phi_blocks_the_synthetic_model(platform_copy, monkeypatch):
    result, instance, store, _ = planted_run(platform_copy, monkeypatch)
    checks = {e.check_name: (e.passed, e.description) for e in result.get_asset_check_evaluations()}
    passed, reason = checks["leak_gate"]
    assert not passed and "documents share over" in reason and "verbatim words" in reason
    before = {
        asset: latest(instance, asset, "1.0|es").run_id
        for asset in ("synthetic_corpus", "synthetic_ner_model")
    }
    assert result.run_id not in before.values()  # nothing downstream of the gate was built
    meta = metadata(instance, "synthetic_text", "1.0|es")
    assert meta["leak_gate"].startswith("BLOCKED: ") and meta["documents_over_run"] >= 5
    # Skipped, not failed: the run succeeds and builds nothing below the gate.
    assert result.success
    skipped = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"}
    assert skipped == {"synthetic_ner_model"}
    # A later run that reads the blocked text skips it as well.
    graph = build(platform_copy[2])
    later = materialize_assets(
        graph, instance, ["synthetic_corpus"], Partition("es", "1.0"), raise_on_error=False
    )
    assert later.success and not later.get_asset_materialization_events()
    assert latest(instance, "synthetic_corpus", "1.0|es").run_id == before["synthetic_corpus"]


def test_a_blocked_partition_reads_blocked_below_it_and_in_the_audit(
    platform_copy, monkeypatch, capsys
):
    from deid_platform.cli import AUDIT_BLOCKED, main
    from deid_platform.plumbing.blocking import BLOCKED, BLOCKED_BY

    result, instance, _, _ = planted_run(platform_copy, monkeypatch)
    tags = instance.get_run_by_id(result.run_id).tags
    assert tags[BLOCKED_BY] == "leak gate" and tags[BLOCKED] == "synthetic_text 1.0|es"
    said = "blocked by the leak gate of synthetic_text[1.0|es]: "
    observed = {
        e.asset_key.to_user_string(): e.asset_observation_data.asset_observation
        for e in result.all_events
        if e.event_type_value == "ASSET_OBSERVATION"
    }
    # Every asset below the gate that the run was to build.
    assert set(observed) == {"synthetic_corpus", "synthetic_ner_model"}
    assert all(
        o.partition == "1.0|es" and o.description.startswith(said) for o in observed.values()
    )
    # The checks below never ran: a warning that says why, never a red failure.
    below_checks = [
        e for e in check_evaluations(instance, result.run_id) if e.check_name != "leak_gate"
    ]
    assert {e.check_name for e in below_checks} == {"f1_above_floor"}
    assert all(
        e.severity.value == "WARN" and e.description.startswith(f"not run: {said}")
        for e in below_checks
    )
    root = platform_copy[0]
    monkeypatch.setenv("DEID_STORAGE", str(root / "storage"))
    assert main(["audit", "--language", "es", "--fraction", "1.0"]) == AUDIT_BLOCKED
    err = capsys.readouterr().err.strip().splitlines()[-1]  # after the run's own log lines
    assert err.startswith(f"deid audit: synthetic_ner_model[1.0|es] was never built: {said}")


def test_preview_masks_every_real_phi_string(platform_copy, monkeypatch):
    """The gate's thresholds raised so that planted real notes pass it: the synthetic corpus's
    preview, which now shows real training notes, still holds no real PHI string."""
    from deid_platform.core.privacy import phi_strings

    result, instance, store, real = planted_run(
        platform_copy,
        monkeypatch,
        max_excess_phi_replay=1.0,
        max_documents_over_run=100,
        max_synthetic_mia_auc=1.0,
    )
    assert result.success
    preview = metadata(instance, "synthetic_corpus", "1.0|es")["preview"]
    assert preview.count("---") == 1  # two notes, the first of them planted
    phi = {p for values in phi_strings(real, min_chars=3).values() for p in values}
    # Whole words: "Per" inside "Personal" is not the name.
    shown = [p for p in phi if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", preview)]
    assert "[" in preview and not shown


def test_no_dev_phi_reaches_the_synthetic_text_through_a_prompt(platform):
    """Each synthetic note opens with its prompt: the first words of a dev note with surrogates in
    place of their PHI, none of which is a PHI string of any dev note's prompt words. (The Swedish
    demo's dev notes all open with PHI.)"""
    from deid_platform.core.prompts import phi_strings, prompt_of, safe_prompt

    _, instance, resources, _ = platform
    store = resources["store"]
    partition = Partition("sv", "0.5")
    dev = {d.id: d for d in store.read_split("sv", "dev")}
    generation = store.generation(partition)
    words, seed = generation.prompt_words, generation.seed
    avoid = phi_strings(list(dev.values()))
    prompts = {i: safe_prompt(d, words, "sv", seed, avoid) for i, d in dev.items()}
    prompt_phi = {
        d.span_text(s).strip()
        for d in dev.values()
        for s in d.spans
        if s.start < len(prompt_of(d.text, words))
    }
    replaced = 0
    for doc in store.read_text(partition):
        source = dev[doc.metadata["prompt_doc"]]
        prompt, count = prompts[source.id]
        replaced += count
        assert doc.text.startswith(prompt)
        assert not [p for p in prompt_phi if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", prompt)]
    assert replaced > 0
    meta = metadata(instance, "synthetic_text", "0.5|sv")
    assert meta["prompt_phi_replaced"] == sum(count for _, count in prompts.values())


def test_review_chain_reaches_the_real_corpus_version_in_lineage_order(platform):
    root, instance, resources, uri = platform
    review = build_review(
        instance, AssetKey("synthetic_ner_model"), Partition("es", "0.25"), resources["store"], uri
    )
    chain = [link["asset"] for link in review["chain"]]
    assert chain[0] == "synthetic_ner_model" and chain[-1] == "real_corpus_files"
    for child, parent in (
        ("synthetic_ner_model", "synthetic_corpus"),
        ("synthetic_corpus", "synthetic_text"),
        ("synthetic_text", "adapted_llm"),
        ("adapted_llm", "base_llm"),
        ("training_subset", "real_corpus"),
        ("annotator_model", "training_subset"),
    ):
        assert chain.index(child) < chain.index(parent)
    assert review["all_links_verified"], [(x["asset"], x["note"]) for x in review["chain"]]
    corpus = metadata(instance, "real_corpus", "es")
    assert review["real_corpus"]["files_sha256"] == corpus["files_sha256"]
    subset = review["training_subsets"]["0.25|es"]
    assert subset["documents"] == 5 and all(
        i.startswith("es-train-") for i in subset["document_ids"]
    )
    assert all(link.get("mlflow_status", "FINISHED") == "FINISHED" for link in review["chain"])
    # The table parses back into its columns: `0.25|es` stays one cell.
    rows = parse(render_markdown(review).split("\n\n")[3])
    assert rows[0][-1] == "verified" and all(len(row) == len(rows[0]) for row in rows)
    assert [row[0] for row in rows[1:]] == chain
    assert {row[1] for row in rows[1:]} == {"0.25|es", "es"}
    meta = metadata(instance, "privacy_review", "0.25|es")
    assert meta["all_links_verified"] and meta["review"] == render_markdown(review)


def test_ablation_models_are_reviewed_with_their_true_parents(platform):
    _, instance, resources, uri = platform
    review = build_review(
        instance,
        AssetKey(["llm_only", "synthetic_ner_model"]),
        Partition("es", "0.25"),
        resources["store"],
        uri,
    )
    annotators = [link for link in review["chain"] if link["asset"] == "annotator_model"]
    # The all-data annotator annotated the corpus; the fraction's stands beside it for the ratio.
    assert {link["partition"] for link in annotators} == {"1.0|es", "0.25|es"}
    texts = [link for link in review["chain"] if link["asset"] == "synthetic_text"]
    assert [link["partition"] for link in texts] == ["0.25|es"]
    assert review["all_links_verified"]


def test_audit_cli_prints_markdown_and_json(platform, tmp_path):
    root, _, _, uri = platform
    env = {
        "DAGSTER_HOME": str(root / "dagster_home"),
        "DEID_STORAGE": str(root / "storage"),
        "DEID_MLFLOW_URI": uri,
        "PATH": "/usr/bin:/bin",
        # The checkout under test, not whichever one the `deid` script was installed from.
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    deid = str(Path(sys.executable).with_name("deid"))
    md = subprocess.run(
        [deid, "audit", "--language", "sv", "--fraction", "0.5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert md.stdout.startswith("# Privacy review: synthetic_ner_model [0.5|sv]"), md.stderr
    js = subprocess.run(
        [deid, "audit", "--language", "sv", "--fraction", "0.5", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    review = json.loads(js.stdout)
    assert review["all_links_verified"] and review["audit"]["passed"] in (True, False)
    # One verdict, with its reasons; not shareable exits non-zero, in both outputs.
    assert review["shareable"] is review["audit"]["shareable"] and isinstance(
        review["reasons"], list
    )
    assert bool(review["reasons"]) is not review["shareable"]
    assert md.returncode == js.returncode == (0 if review["shareable"] else 4)
    assert f"Shareable: **{'yes' if review['shareable'] else 'no'}**" in md.stdout
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
            for doc in read_jsonl(artifact(root, "real_corpus", lang, split)).documents:
                for span in doc.spans:
                    value = doc.span_text(span)
                    if len(value) >= 6:
                        needles.add(value)
                    needles.add(doc.text[max(0, span.start - 15) : span.end + 15])
    return needles


def haystacks(root: Path, instance: DagsterInstance):
    """Every place real text must not reach: the MLflow database and artifacts, Dagster's run
    storage, compute logs and event log, the masked previews of synthetic text included."""
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
                shown = {k: str(v.value) for k, v in metadata.items()}
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


def test_dp_adaptation_with_canaries_through_the_assets(platform_copy):
    """adapted_llm with dp_epsilon and canaries, then synthetic_text and privacy_audit: the
    guarantee in metadata, MLflow, its artifact and the review; canaries counted, never shown."""
    root, instance, resources, uri = platform_copy
    part = Partition("es", "0.25")
    result = materialize_assets(
        build(resources),
        instance,
        ["adapted_llm", "synthetic_text", "privacy_audit"],
        part,
        {
            "ops": {
                "adapted_llm": {
                    "config": {
                        **op_config("adapted_llm")["config"],
                        "dp_epsilon": 8.0,
                        "dp_batch_notes": 2,
                        "canaries": True,
                    }
                },
                "synthetic_text": op_config("synthetic_text"),
            }
        },
    )
    assert result.success
    meta = metadata(instance, "adapted_llm", "0.25|es")
    assert 0 < meta["dp_epsilon"] <= 8.0 * 1.01 and meta["dp_units"] == 5
    assert meta["dp_delta"] == 1 / 50 and meta["dp_steps"] > 0 and meta["canaries"] == 9
    guarantee = json.loads(
        artifact(root, "adapted_llm", "0.25|es", "privacy_guarantee").read_text()
    )
    assert rounded(guarantee["epsilon"]) == meta["dp_epsilon"]  # metadata shows 4 decimals
    run = MlflowClient(uri).get_run(meta["mlflow_run_id"])
    assert run.data.metrics["dp_epsilon"] == meta["dp_epsilon"]
    assert run.data.metrics["dp_noise_multiplier"] == meta["dp_noise_multiplier"]
    text = metadata(instance, "synthetic_text", "0.25|es")
    assert text["canary_documents_dropped"] >= 0 and text["canary_secrets_extracted"] >= 0
    audit = metadata(instance, "privacy_audit", "0.25|es")
    assert audit["canary_secrets_extracted"] == text["canary_secrets_extracted"]
    for count in (1, 4, 16):
        assert 0 <= audit[f"canary_exposure_r{count}"] <= audit["canary_exposure_max_bits"]
    secrets = [
        c["secret"]
        for c in json.loads(artifact(root, "adapted_llm", "0.25|es", "canaries").read_text())
    ]
    corpus = read_jsonl(artifact(root, "synthetic_text", "0.25|es", "text")).documents
    assert not any(s in d.text for s in secrets for d in corpus)
    shown = str(meta) + str(text) + str(audit) + json.dumps(run.data.to_dictionary())
    assert not any(s in shown for s in secrets)
    review = render_markdown(
        build_review(instance, AssetKey("adapted_llm"), part, resources["store"])
    )
    assert "-differential privacy per note" in review
    plain = render_markdown(
        build_review(instance, AssetKey("adapted_llm"), Partition("es", "1.0"), resources["store"])
    )
    assert "no formal guarantee" in plain
