"""The privacy audit of a synthetic text and its LLM, and the reviewer's lineage chain."""

import json

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
)

from deid_platform.core.attacks.membership import attack_figures, membership_sets
from deid_platform.core.attacks.ner_model import gold_label_scores
from deid_platform.core.canaries import exposure
from deid_platform.core.lm.model import load_adapted_lm
from deid_platform.core.lm.training import document_nll
from deid_platform.core.markdown import table
from deid_platform.core.ner.model import load_model
from deid_platform.core.privacy import (
    TEXT_FIGURES,
    leak_gate,
    membership_inference,
    replay_rows,
    share_verdict,
)
from deid_platform.core.records import PrivacyAudit
from deid_platform.partitions import Partition, language_fraction_partitions
from deid_platform.plumbing.assets import fraction_asset
from deid_platform.plumbing.compute import Compute
from deid_platform.plumbing.metadata import rows_table
from deid_platform.plumbing.publishing import asset_run
from deid_platform.plumbing.store import ArtifactStore
from deid_platform.plumbing.tracking import MlflowTracking
from deid_platform.study.configs import PrivacyAuditConfig
from deid_platform.study.modes import MAIN
from deid_platform.study.review import build_review, compact_review, render_markdown


@fraction_asset(
    deps=[
        "synthetic_text",
        MAIN.key("synthetic_ner_model"),
        "adapted_llm",
        "base_llm",
        "training_subset",
        "real_corpus",
    ],
    group_name="privacy",
    kinds={"python", "mlflow"},
    code_version="3",
)
def privacy_audit(
    context: AssetExecutionContext,
    config: PrivacyAuditConfig,
    store: ArtifactStore,
    tracking: MlflowTracking,
    compute: Compute,
) -> MaterializeResult:
    """What the shared synthetic text and NER model and the LLM behind them give away, in numbers
    only, each beside its baseline: the synthetic text's audit (n-gram overlap, PHI replay against
    real notes the LLM never saw, verbatim runs, data-only membership inference; see
    `synthetic_text`), membership inference against the synthetic NER model (gold-label loss)
    and against the adapted LLM (loss and zlib-normalized), each as ROC-AUC and TPR at 1 % FPR
    with bootstrap intervals; and the verdict: `shareable`, with every reason against it."""
    with asset_run(context, store, tracking, config) as run:
        language = run.partition.language
        text = store.leak_audit(run.partition)
        seen = store.read_subset(run.partition)
        sets = membership_sets(seen, store.read_splits(language), config.mia_documents, config.seed)
        members, others = sets.members, sets.nonmembers
        model, tokenizer = load_adapted_lm(
            store.model_dir("base_llm", Partition(language)),
            store.model_dir("adapted_llm", run.partition),
        )
        device = compute.apply()
        model.to(device)
        context_length = store.lm_preset("adapted_llm", run.partition).context
        source = "unused training notes" if sets.unused_train else "notes of the other splits"
        run.log(f"membership inference on {len(members)} members, {len(others)} {source}")

        def nll(texts: list[str]) -> list[tuple[float, int]]:
            return document_nll(model, tokenizer, texts, context_length)

        mia = membership_inference(nll, members, others, config.seed)
        canaries = store.canaries(run.partition)
        if canaries:
            run.log(f"exposure of {len(canaries)} canaries")
            mia.update(exposure(nll, canaries, language, seed=config.seed))
        ner = load_model(store.model_dir(MAIN.key("synthetic_ner_model"), run.partition), device)
        scores = gold_label_scores(ner, [*members, *others])
        mia |= attack_figures(
            "ner_mia", scores[: len(members)], scores[len(members) :], seed=config.seed
        )
        passed, gate_reasons = leak_gate(text)
        figures = {**text.figures, **mia}
        shareable, reasons = share_verdict(gate_reasons, figures, config.max_ner_mia_auc)
        audit = PrivacyAudit(passed, reasons, figures, shareable)
        with run.write() as files:
            audit.write(files.path("audit"))
        run.mlflow.log_metrics({**audit.figures, "shareable": float(shareable)})
        run.mlflow.set_tags({"leak_gate": "passed" if passed else "blocked"})
        run.tag_verdict(MAIN.key("synthetic_ner_model"), shareable)
        header = ["PHI type", "seen", "unseen", "excess"]
        return run.result(
            {
                "shareable": shareable,
                "reasons": "; ".join(reasons) or "none",
                "leak_gate": "passed" if passed else f"BLOCKED: {'; '.join(gate_reasons)}",
                **{
                    f"ngram_recall_{n}": round(figures[f"ngram_recall_{n}"], 4) for n in range(3, 9)
                },
                "phi_replay_excess": round(figures["phi_replay_excess.all"], 4),
                "phi_replay": MetadataValue.md(
                    table(header, replay_rows(figures), [False, True, True, True])
                ),
                "longest_verbatim_run": int(figures["longest_verbatim_run"]),
                "documents_over_run": int(figures["documents_over_run_threshold"]),
                "mia_nonmembers_from": source,
                **{k: round(float(figures[k]), 4) for k in [*TEXT_FIGURES, *mia] if k in figures},
                # Counted by synthetic_text (secrets are fake PHI, never shown); null without
                # canaries.
                "canary_secrets_extracted": (
                    int(figures["canary_secrets_extracted"])
                    if "canary_secrets_extracted" in figures
                    else None
                ),
            }
        )


@fraction_asset(
    deps=["synthetic_ner_model", "privacy_audit"],
    group_name="privacy",
    kinds={"python"},
    code_version="3",
    check_specs=[
        AssetCheckSpec(
            "lineage_verified",
            asset="privacy_review",
            partitions_def=language_fraction_partitions,
            blocking=True,
            description="Every link from the shareable synthetic NER model down to the real "
            "corpus files is the materialization its child recorded reading, with the data "
            "version it recorded.",
        )
    ],
)
def privacy_review(
    context: AssetExecutionContext, store: ArtifactStore, tracking: MlflowTracking
) -> MaterializeResult:
    """For a privacy reviewer: the chain from the shareable synthetic NER model through the
    synthetic corpus and text, the annotator, the adapted and base LLMs and the training subset
    (document ids only) to the real corpus version (content hashes), in lineage order, with code
    versions, Dagster and MLflow run ids, times and the audit results; each link checked against
    the input data version Dagster recorded. Markdown for people, JSON for machines."""
    with asset_run(context, store, tracking) as run:
        review = build_review(
            context.instance,
            AssetKey("synthetic_ner_model"),
            run.partition,
            store,
            tracking.tracking_uri,
        )
        markdown = render_markdown(review)
        with run.write() as files:
            files.path("markdown").write_text(markdown)
            files.path("json").write_text(json.dumps(review, indent=1, default=str))
        # The review holds ids, hashes and numbers only, so it may go to MLflow as it is.
        verified = review["all_links_verified"]
        run.mlflow.log_metrics({"all_links_verified": float(verified)})
        run.mlflow.log_artifact(run.files.path("markdown"))
        run.mlflow.log_artifact(run.files.path("json"))
        unverified = [link["asset"] for link in review["chain"] if not link["verified"]]
        model = review["chain"][0]
        return run.result(
            {
                "all_links_verified": verified,
                "links": len(review["chain"]),
                # Inline on the asset's page, the latest partition's; the markdown links runs.
                "review_table": rows_table(*compact_review(review)),
                "model_dagster_run": MetadataValue.url(f"/runs/{model['dagster_run_id']}"),
                "model_mlflow_run": MetadataValue.url(model.get("mlflow_url") or ""),
                "review": MetadataValue.md(markdown),
            },
            check_results=[
                AssetCheckResult(
                    passed=verified,
                    description="all links verified"
                    if verified
                    else f"not verified: {', '.join(unverified)}",
                    metadata={"links": len(review["chain"]), "unverified": len(unverified)},
                )
            ],
        )
