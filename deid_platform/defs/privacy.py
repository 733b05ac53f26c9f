"""The privacy audit of a synthetic corpus and the LLM that wrote it."""

import json
import random

from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset

from deid_platform.core.atomic import atomic_directory
from deid_platform.core.formats.jsonl import read_jsonl
from deid_platform.core.lm.model import load_adapted_lm
from deid_platform.core.lm.training import document_nll
from deid_platform.core.privacy import membership_scores, roc_auc, tpr_at_fpr, unseen_documents
from deid_platform.defs.corpora import OWNERS, real_corpus, training_subset
from deid_platform.defs.generator import adapted_llm, real_splits, synthetic_corpus
from deid_platform.defs.synthetic_ner import synthetic_ner_model
from deid_platform.partitions import language_fraction_partitions
from deid_platform.resources import ArtifactStorage, Compute, MlflowTracking
from deid_platform.review import build_review, render_markdown


class PrivacyAuditConfig(Config):
    mia_documents: int = 200
    """Members and non-members sampled for membership inference (each)."""
    seed: int = 13


@asset(
    partitions_def=language_fraction_partitions,
    deps=[synthetic_corpus, adapted_llm, training_subset, real_corpus],
    group_name="privacy",
    owners=OWNERS,
    kinds={"python", "mlflow"},
    code_version="1",
)
def privacy_audit(
    context: AssetExecutionContext,
    config: PrivacyAuditConfig,
    storage: ArtifactStorage,
    compute: Compute,
    mlflow: MlflowTracking,
) -> MaterializeResult:
    """What the synthetic corpus and its LLM give away, in numbers only: the paper's n-gram
    overlap (recall of synthetic n-grams in the LLM's training text, n = 3..8), PHI replay of the
    training documents against documents the LLM never saw and its excess, per PHI type, the
    longest verbatim word run shared with a training document, and loss-based and zlib-normalized
    membership inference against the adapted LLM (ROC-AUC, TPR at 1 % FPR)."""
    keys = context.partition_key.keys_by_dimension
    lang, fraction = keys["language"], keys["fraction"]
    corpus_dir = storage.path("synthetic_corpus", lang, fraction)
    text = json.loads((corpus_dir / "audit.json").read_text())
    llm_fraction = json.loads((corpus_dir / "stats.json").read_text())["llm_fraction"]
    seen = read_jsonl(storage.path("training_subset", lang, llm_fraction, "train.jsonl")).documents
    prompt_words = json.loads((corpus_dir / "stats.json").read_text())["prompt_words"]
    unseen = unseen_documents(real_splits(storage, lang), seen, prompt_words)
    rng = random.Random(config.seed)
    members = rng.sample(seen, min(config.mia_documents, len(seen)))
    others = rng.sample(unseen, min(config.mia_documents, len(unseen)))
    device = compute.apply()
    model, tokenizer = load_adapted_lm(
        storage.path("base_llm", lang, "model"),
        storage.path("adapted_llm", lang, llm_fraction, "model"),
    )
    model.to(device)
    context_length = getattr(model.config, "max_position_embeddings", 512)
    context.log.info(f"membership inference on {len(members)} members, {len(others)} non-members")
    member_texts, other_texts = [d.text for d in members], [d.text for d in others]
    scored = {
        "members": membership_scores(
            document_nll(model, tokenizer, member_texts, context_length), member_texts
        ),
        "others": membership_scores(
            document_nll(model, tokenizer, other_texts, context_length), other_texts
        ),
    }
    mia = {"mia_members": len(members), "mia_nonmembers": len(others)}
    for attack in ("loss", "zlib"):
        m, o = scored["members"][attack], scored["others"][attack]
        mia[f"mia_{attack}_auc"] = roc_auc(m, o)
        mia[f"mia_{attack}_tpr_at_1pct_fpr"] = tpr_at_fpr(m, o, 0.01)
    audit = {**text, **mia}
    out = storage.path("privacy_audit", lang, fraction)
    with atomic_directory(out) as staging:
        (staging / "audit.json").write_text(json.dumps(audit, indent=1))
    numeric = {k: float(v) for k, v in audit.items() if isinstance(v, int | float)}
    with mlflow.start_run(context) as run:
        run.log_params(
            {
                "language": lang,
                "fraction": fraction,
                "llm_fraction": llm_fraction,
                "mia_documents": config.mia_documents,
                "seed": config.seed,
            }
        )
        run.log_metrics(numeric)
        run.set_tags({"leak_gate": "passed" if text["passed"] else "failed"})
    replay_rows = sorted({k.split(".", 1)[1] for k in audit if k.startswith("phi_replay_excess.")})
    table = "\n".join(
        ["| PHI type | seen | unseen | excess |", "|---|---:|---:|---:|"]
        + [
            f"| {label} | {audit[f'phi_replay_seen.{label}']:.3f} | "
            f"{audit[f'phi_replay_unseen.{label}']:.3f} | "
            f"{audit[f'phi_replay_excess.{label}']:.3f} |"
            for label in replay_rows
        ]
    )
    return MaterializeResult(
        metadata={
            "leak_gate_passed": bool(text["passed"]),
            **{f"ngram_recall_{n}": round(audit[f"ngram_recall_{n}"], 4) for n in range(3, 9)},
            "phi_replay_excess": round(audit["phi_replay_excess.all"], 4),
            "phi_replay": MetadataValue.md(table),
            "longest_verbatim_run": int(audit["longest_verbatim_run"]),
            "documents_over_run_threshold": int(audit["documents_over_run_threshold"]),
            **{k: round(float(v), 4) for k, v in mia.items()},
            "mlflow_run_id": run.run_id,
            "mlflow_url": MetadataValue.url(run.url),
        }
    )


@asset(
    partitions_def=language_fraction_partitions,
    deps=[synthetic_ner_model, privacy_audit],
    group_name="privacy",
    owners=OWNERS,
    kinds={"python"},
    code_version="1",
)
def privacy_review(
    context: AssetExecutionContext, storage: ArtifactStorage, mlflow: MlflowTracking
) -> MaterializeResult:
    """For a privacy reviewer: the chain from the shareable synthetic NER model through the
    synthetic corpus, the adapted LLM and the annotator, the training subset (document ids only)
    and the real corpus version (content hashes), with code versions, Dagster and MLflow run ids,
    times and the audit results; each link checked against the input data version Dagster
    recorded. Markdown for people, JSON for machines."""
    keys = context.partition_key.keys_by_dimension
    review = build_review(
        context.instance, keys["language"], keys["fraction"], storage.root, mlflow.tracking_uri
    )
    markdown = render_markdown(review)
    out = storage.path("privacy_review", keys["language"], keys["fraction"])
    with atomic_directory(out) as staging:
        (staging / "review.md").write_text(markdown)
        (staging / "review.json").write_text(json.dumps(review, indent=1, default=str))
    # The review holds ids, hashes and numbers only, so it may go to MLflow as it is.
    with mlflow.start_run(context) as run:
        run.log_metrics(
            {
                "all_links_verified": float(review["all_links_verified"]),
                "links": len(review["chain"]),
            }
        )
        run.log_artifact(out / "review.md")
        run.log_artifact(out / "review.json")
    return MaterializeResult(
        metadata={
            "all_links_verified": review["all_links_verified"],
            "links": len(review["chain"]),
            "review": MetadataValue.md(markdown),
            "path": MetadataValue.path(str(out)),
            "mlflow_run_id": run.run_id,
            "mlflow_url": MetadataValue.url(run.url),
        }
    )
