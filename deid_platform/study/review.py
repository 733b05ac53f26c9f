"""The privacy reviewer's chain, from a shareable model back to the exact real data version.

Each link is a materialization Dagster recorded. Its parents are the materializations whose data
versions are the input data versions Dagster recorded for it (`dagster/input_data_version/<asset>`),
in the partition it read of each (metadata `input_partitions`, recorded from Dagster's own
partition mapping as the step ran); then come the training subsets (document ids) and the privacy
audit. Dagster's lineage, read through its public API: no parallel bookkeeping that could drift."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from dagster import AssetKey, AssetRecordsFilter, DagsterInstance, EventLogRecord

from deid_platform.core.markdown import table
from deid_platform.core.privacy import TEXT_FIGURES
from deid_platform.core.records import PrivacyGuarantee
from deid_platform.partitions import Partition
from deid_platform.plumbing.lineage import DATA_VERSION_TAG, INPUT_PARTITIONS
from deid_platform.plumbing.store import ArtifactStore

INPUT_VERSION = "dagster/input_data_version/"
SOURCE = AssetKey("real_corpus_files")
KEPT = (
    "mlflow_run_id",
    "mlflow_url",
    "token_f1",
    "strict_f1",
    "method",
    "preset",
    "mode",
    "documents",
    "files_sha256",
    "document_ids_sha256",
    "registered_model_version",
)


def _parent(
    instance: DagsterInstance, key: AssetKey, partition: str | None, recorded: str | None
) -> EventLogRecord | None:
    """The materialization of `key[partition]` whose data version the child recorded reading."""
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=key, asset_partitions=[partition] if partition else None),
        limit=100,
    ).records
    return next(
        (r for r in records if _matches(recorded, (_event(r).tags or {}).get(DATA_VERSION_TAG))),
        None,
    )


def _observation(
    instance: DagsterInstance, corpus: dict[str, Any], read_at: int
) -> EventLogRecord | None:
    """The observation of the corpus files that real_corpus read. For a partitioned observable
    source, Dagster 1.13 records neither the observation's event pointer nor its data version
    (the input version it records is the sha256 of nothing), so the link is verified by the
    content hash of the files that real_corpus computed itself as it read them: the link is the
    latest observation of that hash before the read."""
    observations = instance.fetch_observations(
        AssetRecordsFilter(
            asset_key=SOURCE, asset_partitions=[corpus["language"]], before_storage_id=read_at
        ),
        limit=100,
    ).records
    wanted = corpus.get("files_sha256")
    return next(
        (o for o in observations if (_event(o).tags or {}).get(DATA_VERSION_TAG) == wanted), None
    )


def _event(record: EventLogRecord) -> Any:
    return record.asset_materialization or record.asset_observation


def _matches(recorded: str | None, version: str | None) -> bool:
    """Dagster records a partitioned input's data version as its sha256."""
    if recorded is None or version is None:
        return False
    return recorded in (version, hashlib.sha256(version.encode()).hexdigest())


def _depths(root: int, edges: dict[int, list[int]]) -> dict[int, int]:
    """The longest path from the root to each link (Kahn's order over the lineage DAG): sorting
    by it puts every link below all the links that read it."""
    waiting = Counter(parent for parents in edges.values() for parent in parents)
    depth, ready = {root: 0}, [root]
    while ready:
        node = ready.pop()
        for parent in edges.get(node, []):
            depth[parent] = max(depth.get(parent, 0), depth[node] + 1)
            waiting[parent] -= 1
            if not waiting[parent]:
                ready.append(parent)
    return depth


def _link(key: AssetKey, record: EventLogRecord) -> dict[str, Any]:
    event = _event(record)
    tags = event.tags or {}
    metadata = {k: v.value for k, v in event.metadata.items() if k in KEPT}
    return {
        "asset": key.to_user_string(),
        "partition": event.partition,
        # Dagster tags each dimension of a multi-partition key: no key string is ever split here.
        "language": tags.get("dagster/partition/language", event.partition),
        "fraction": tags.get("dagster/partition/fraction"),
        "data_version": tags.get(DATA_VERSION_TAG),
        "code_version": tags.get("dagster/code_version"),
        "dagster_run_id": record.run_id,
        "time": datetime.fromtimestamp(record.timestamp, UTC).isoformat(timespec="seconds"),
        "verified": True,
        "note": "",
        "parents": [],
        **metadata,
    }


def build_review(
    instance: DagsterInstance,
    subject: AssetKey,
    partition: Partition,
    store: ArtifactStore,
    mlflow_uri: str | None = None,
) -> dict[str, Any]:
    """The chain from the latest materialization of `subject[partition]` down to the real corpus
    files, each link verified; the subsets' document ids; the audit."""
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=subject, asset_partitions=[str(partition.key)]), limit=1
    ).records
    if not records:
        raise LookupError(f"{subject.to_user_string()}[{partition}] has not been materialized")
    links: dict[int, dict[str, Any]] = {}
    edges: dict[int, list[int]] = {}
    queue = [(subject, records[0])]
    while queue:
        key, record = queue.pop(0)
        if record.storage_id in links:
            continue
        link = links[record.storage_id] = _link(key, record)
        edges[record.storage_id] = []
        tags = _event(record).tags or {}
        read = _event(record).metadata.get(INPUT_PARTITIONS)
        partitions = read.value if read is not None else {}
        for tag, recorded in sorted(tags.items()):
            if not tag.startswith(INPUT_VERSION):
                continue
            parent_key = AssetKey.from_user_string(tag.removeprefix(INPUT_VERSION))
            link["parents"].append(parent_key.to_user_string())
            if parent_key == SOURCE:
                parent = _observation(instance, link, record.storage_id)
                missing = "no observation of the corpus files it read"
            else:
                read_partition = partitions.get(parent_key.to_user_string())
                parent = _parent(instance, parent_key, read_partition, recorded)
                missing = (
                    f"no {parent_key.to_user_string()} materialization has the version it read"
                )
            if parent is None:
                link["verified"], link["note"] = False, missing
                continue
            edges[record.storage_id].append(parent.storage_id)
            queue.append((parent_key, parent))
    depth = _depths(records[0].storage_id, edges)
    chain = [links[i] for i in sorted(links, key=lambda i: (depth[i], links[i]["asset"]))]
    if mlflow_uri:
        _check_mlflow(chain, mlflow_uri)
    subsets = {
        link["partition"]: store.subset_ids(Partition(link["language"], link["fraction"]))
        for link in chain
        if link["asset"] == "training_subset"
    }
    corpus = next((link for link in chain if link["asset"] == "real_corpus"), {})
    audit_path = store.path("privacy_audit", partition, "audit")
    guarantee = store.privacy_guarantee(partition)
    audit = store.privacy_audit(partition) if audit_path.exists() else None
    return {
        # One verdict per partition: may its synthetic corpus and NER model be shared, and why not.
        "shareable": bool(audit and audit.shareable),
        "reasons": audit.reasons if audit else ["privacy_audit not materialized"],
        "subject": {"asset": subject.to_user_string(), "partition": str(partition)},
        "chain": chain,
        "training_subsets": {
            part: {
                "documents": len(ids),
                "document_ids": ids,
                "document_ids_sha256": hashlib.sha256("\n".join(ids).encode()).hexdigest(),
            }
            for part, ids in subsets.items()
        },
        "real_corpus": {
            "files_sha256": corpus.get("files_sha256"),
            "corpus_sha256": corpus.get("data_version"),
        },
        "audit": audit.to_dict() if audit else None,
        "privacy_guarantee": guarantee.to_dict() if guarantee else None,
        "all_links_verified": all(link["verified"] for link in chain),
    }


def _check_mlflow(chain: list[dict[str, Any]], uri: str) -> None:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    for link in chain:
        if link.get("mlflow_run_id"):
            run = client.get_run(link["mlflow_run_id"])
            link["mlflow_status"] = run.info.status
            if run.data.tags.get("dagster.run_id") != link["dagster_run_id"]:
                link["verified"] = False
                link["note"] = "its MLflow run names another Dagster run"


REVIEW_HEADER = [
    "asset",
    "partition",
    "data version",
    "code",
    "Dagster run",
    "MLflow run",
    "time",
    "verified",
]


def review_rows(review: dict[str, Any], links: bool = True) -> list[list[str]]:
    """One row per link of the chain (see `REVIEW_HEADER`); with `links`, the run ids are
    markdown links to the Dagster run page and the MLflow run."""
    rows = []
    for link in review["chain"]:
        dagster, mlflow = link["dagster_run_id"], str(link.get("mlflow_run_id", ""))
        if links:
            dagster = f"[{dagster[:8]}](/runs/{dagster})"
            mlflow = f"[{mlflow[:8]}]({link['mlflow_url']})" if link.get("mlflow_url") else ""
        else:
            dagster, mlflow = dagster[:8], mlflow[:8]
        rows.append(
            [
                link["asset"],
                link["partition"] or "",
                str(link["data_version"])[:12],
                link["code_version"] or "",
                dagster,
                mlflow,
                link["time"],
                "yes" if link["verified"] else f"NO: {link['note']}",
            ]
        )
    return rows


def compact_review(review: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Asset, partition, data version and verdict of each link of the chain: the review as a
    table narrow enough for the metadata column of the asset's overview (the markdown review
    has every column, the runs linked)."""
    header = ["asset", "partition", "version", "verified"]
    rows = [[row[0], row[1], row[2][:8], row[7]] for row in review_rows(review, links=False)]
    return header, rows


def render_markdown(review: dict[str, Any]) -> str:
    """The review for people: the same text in the UI, on the command line and in MLflow."""
    subject = review["subject"]
    lines = [
        f"# Privacy review: {subject['asset']} [{subject['partition']}]",
        "",
        f"Shareable: **{'yes' if review['shareable'] else 'no'}**",
        *[f"- {reason}" for reason in review["reasons"]],
        "",
        f"All lineage links verified: **{review['all_links_verified']}**",
        "",
        table(REVIEW_HEADER, review_rows(review)),
        "",
        "## Real data",
        "",
        f"- corpus files sha256: `{review['real_corpus']['files_sha256']}`",
        f"- parsed corpus sha256: `{review['real_corpus']['corpus_sha256']}`",
    ]
    for part, subset in review["training_subsets"].items():
        ids = ", ".join(subset["document_ids"][:10])
        more = " ..." if subset["documents"] > 10 else ""
        lines.append(f"- training subset {part}: {subset['documents']} documents ({ids}{more})")
    lines += ["", "## Formal guarantee", "", f"- {guarantee_line(review['privacy_guarantee'])}"]
    lines += ["", "## Privacy audit", ""]
    audit = review["audit"]
    if audit is None:
        lines.append("not materialized")
    else:
        lines.append(f"- leak gate: {'passed' if audit['passed'] else 'BLOCKED'}")
        figures = audit["figures"]
        if "canary_secrets_extracted" not in figures:
            lines.append("- canary_secrets_extracted: no canaries planted (counted as 0)")
        for key in AUDIT_FIGURES:
            if key in figures:
                value = figures[key]
                shown = f"{value:.0f}" if float(value).is_integer() else f"{value:.4f}"
                lines.append(f"- {key}: {shown}")
    return "\n".join(lines) + "\n"


def guarantee_line(guarantee: dict[str, Any] | None) -> str:
    if guarantee is None:
        return (
            "no formal guarantee: the generator was adapted without differential privacy "
            "(the audit figures below are measurements, not bounds)"
        )
    return f"adapted LLM: {PrivacyGuarantee.from_dict(guarantee).statement()}"


AUDIT_FIGURES = (
    *TEXT_FIGURES,
    "ngram_recall_5",
    "ner_mia_auc",
    "ner_mia_auc_low",
    "ner_mia_auc_high",
    "ner_mia_tpr_at_1pct_fpr",
    "mia_loss_auc",
    "mia_loss_tpr_at_1pct_fpr",
    "mia_zlib_auc",
    "mia_zlib_tpr_at_1pct_fpr",
    "canary_exposure_r1",
    "canary_exposure_r4",
    "canary_exposure_r16",
    "canary_exposure_max_bits",
    "canary_secrets_extracted",
    "canary_documents_dropped",
)
