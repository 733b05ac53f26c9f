"""Synthetic clinical text and what is trained on it: the text the adapted LLM writes, its leak
gate, the corpus an annotator makes of it, and the NER model trained only on that corpus.

The paper's ablations change one thing each, and each is its own pair of assets with the
partitions it really reads, so that lineage, staleness and the privacy review name the true parents:
- `synthetic_corpus`, `synthetic_ner_model` (mode total): text and annotator of the same fraction;
- `llm_only/...`: the fraction's text, annotated by the all-data annotator;
- `annotator_only/...`: text of the all-data LLM, annotated by the fraction's annotator.
Every mode selects the same number of generator tokens of its text (`token_target`,
`select_tokens`), so that the ablations change the text or the annotator, not the volume.
"""

import dataclasses
from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset_check,
)

from deid_platform.core.attacks.membership import membership_sets
from deid_platform.core.canaries import drop_canary_documents, extracted
from deid_platform.core.documents import Document, corpus_hash, summarize
from deid_platform.core.formats.brat import write_brat
from deid_platform.core.formats.jsonl import write_jsonl
from deid_platform.core.label_selection import label_targets, select_by_labels
from deid_platform.core.labels import label_set
from deid_platform.core.lm.model import load_adapted_lm, load_tokenizer
from deid_platform.core.privacy import (
    TEXT_FIGURES,
    leak_audit,
    leak_gate,
    preview,
    unseen_documents,
)
from deid_platform.core.records import Annotation, SyntheticText
from deid_platform.core.synthesis import (
    annotate_documents,
    generate_documents,
    generation_sources,
    label_stats,
    select_tokens,
    token_lengths,
)
from deid_platform.partitions import Partition, language_fraction_partitions
from deid_platform.plumbing.assets import REFRESH, fraction_asset
from deid_platform.plumbing.blocking import LEAK_GATE, blocked_message, report_blocked
from deid_platform.plumbing.compute import Compute, TrainingLauncher
from deid_platform.plumbing.metadata import label_table, rounded
from deid_platform.plumbing.publishing import asset_run
from deid_platform.plumbing.store import ArtifactStore
from deid_platform.plumbing.tracking import MlflowTracking
from deid_platform.study.configs import (
    SyntheticCorpusConfig,
    SyntheticNerConfig,
    SyntheticTextConfig,
)
from deid_platform.study.modes import MODES, Mode
from deid_platform.study.ner_step import f1_floor_check, f1_floor_result, train_ner_model


@fraction_asset(
    deps=["adapted_llm", "base_llm", "training_subset", "real_corpus"],
    group_name="synthetic",
    kinds={"pytorch", "jsonl"},
    # 2: rounds until the produced tokens reach the target, volume_of; 3: canary notes dropped;
    # 4: surrogate prompts, data-only membership inference and baselines in the audit; 5: no
    # surrogate equals a PHI string of any prompt note.
    code_version="5",
)
def synthetic_text(
    context: AssetExecutionContext,
    config: SyntheticTextConfig,
    store: ArtifactStore,
    tracking: MlflowTracking,
    compute: Compute,
) -> MaterializeResult:
    """Synthetic clinical notes, not yet annotated: the adapted LM prompted with the first words of
    real dev notes, sampled (nucleus p=0.95, temperature 1.0), each note as long as one drawn
    from the real length distribution or until EOS, in rounds until the produced tokens reach
    `volume` times the real text `volume_of` names (by default the whole training corpus, as in
    the paper), then cut to that target; duplicates and empty notes removed, the PHI inside the
    prompt words replaced by surrogates (`prompt_phi_replaced` counts them), and notes that carry
    a canary of the adapted LLM dropped (counted). The text is audited against the LLM's training
    notes, each figure beside its baseline of real notes the LLM never saw (n-gram overlap, PHI
    replay, verbatim runs, data-only membership inference), for the `leak_gate` check.
    Metadata holds numbers only."""
    with asset_run(context, store, tracking, config) as run:
        language = run.partition.language
        model, tokenizer = load_adapted_lm(
            store.model_dir("base_llm", Partition(language)),
            store.model_dir("adapted_llm", run.partition),
        )
        model.to(compute.apply())
        train, real = store.read_subset(run.partition), store.read_splits(language)
        docs, stats = generate_documents(
            model,
            tokenizer,
            **generation_sources(train, real, config.volume_of),
            sampling=config.sampling(),
            language=language,
            batch_size=config.batch_size
            or store.lm_preset("adapted_llm", run.partition).generation_batch_size,
            pool=config.pool,
            provenance={"adapted_llm": run.parent_version("adapted_llm")},
            log=run.log,
        )
        # Extraction is counted on the text as the LLM wrote it; a note that carries a canary
        # (its secret or its prefix) is then dropped: canary text never reaches the corpus.
        canaries = store.canaries(run.partition)
        found = extracted([d.text for d in docs], canaries) if canaries else {}
        docs, dropped = drop_canary_documents(docs, canaries)
        stats["documents"] = len(docs)
        sets = membership_sets(train, real, config.mia_documents, config.seed)
        audit = leak_audit(
            [d.text for d in docs],
            train,
            unseen_documents(real, train),
            config.thresholds(),
            sets,
            config.seed,
        )
        if canaries:
            figures = {**audit.figures, **found, "canary_documents_dropped": dropped}
            audit = dataclasses.replace(audit, figures=figures)
        with run.write() as files:
            write_jsonl(docs, files.path("text"))
            SyntheticText(**config.sampling().to_dict(), stats=stats).write(
                files.path("generation")
            )
            audit.write(files.path("leak_audit"))
        passed, reasons = leak_gate(audit)
        run.mlflow.log_metrics({f"audit.{k}": v for k, v in audit.figures.items()})
        run.mlflow.set_tags({"leak_gate": "passed" if passed else "blocked"})
        return run.result(
            {
                # A blocked partition says so first: nothing downstream is built from it.
                "leak_gate": "passed" if passed else f"BLOCKED: {'; '.join(reasons)}",
                **stats,
                "ngram_recall_5": audit.figures["ngram_recall_5"],
                "phi_replay_excess": audit.figures["phi_replay_excess.all"],
                "longest_verbatim_run": int(audit.figures["longest_verbatim_run"]),
                "documents_over_run": int(audit.figures["documents_over_run_threshold"]),
                **{k: v for k, v in audit.figures.items() if k in TEXT_FIGURES},
                # Counts only: canary secrets are fake PHI, never shown. Null without canaries.
                "canary_documents_dropped": dropped if canaries else None,
                "canary_secrets_extracted": found.get("canary_secrets_extracted"),
            },
            data_version=corpus_hash(docs),
        )


# Interval bounds the gate compares (absent from audits written before they existed).
GATE_BOUNDS = ("phi_replay_excess_low", "synthetic_mia_auc_low")


@asset_check(
    asset=synthetic_text,
    name=LEAK_GATE,
    partitions_def=language_fraction_partitions,
    description="Leak gate: no planted canary secret in the synthetic text; the data-only "
    "membership inference AUC's interval not above max_synthetic_mia_auc; the synthetic text "
    "replays no more of the LLM's training PHI than of real notes it never saw (the excess's "
    "interval not above max_excess_phi_replay); no note copies a verbatim run of a training note "
    "longer than real unseen notes do. A blocked partition trains nothing downstream: its "
    "synthetic corpus is skipped, and with it every asset below.",
)
def leak_gate_check(context: AssetCheckExecutionContext, store: ArtifactStore) -> AssetCheckResult:
    audit = store.leak_audit(Partition.from_key(context.partition_key))
    passed, reasons = leak_gate(audit)
    if not passed:
        report_blocked(context, "leak gate", reasons)
    return AssetCheckResult(
        passed=passed,
        description="passed" if passed else f"BLOCKED: {'; '.join(reasons)}",
        metadata=rounded(
            {
                "phi_replay_excess": audit.figures["phi_replay_excess.all"],
                "max_excess_phi_replay": audit.max_excess_phi_replay,
                "longest_verbatim_run": audit.figures["longest_verbatim_run"],
                "documents_over_run_threshold": audit.figures["documents_over_run_threshold"],
                "max_verbatim_run": audit.max_verbatim_run,
                "max_synthetic_mia_auc": audit.max_synthetic_mia_auc,
                # Absent until canaries are planted: 0 then.
                "canary_secrets_extracted": audit.figures.get("canary_secrets_extracted", 0.0),
                **{k: audit.figures[k] for k in GATE_BOUNDS if k in audit.figures},
            }
        ),
    )


def token_target(store: ArtifactStore, partition: Partition, generation: SyntheticText) -> int:
    """The generator tokens every mode's corpus at `partition` holds: the target of the synthetic
    text of the same fraction, whichever fraction's text a mode reads. A volume of the whole
    corpus is the same at every fraction; a volume of the fraction's subset is counted here with
    the generator's tokenizer (one per language)."""
    if generation.volume_of == "corpus":
        return int(generation.stats["tokens_target"])
    tokenizer = load_tokenizer(store.model_dir("base_llm", Partition(partition.language)))
    subset = store.read_subset(partition)
    return int(generation.volume * sum(token_lengths(tokenizer, [d.text for d in subset])))


def by_labels(
    store: ArtifactStore,
    partition: Partition,
    pool: list[Document],
    subset: list[Document],
    target: int,
) -> list[Document]:
    """Notes of the annotated `pool` adding up to `target` generator tokens whose per-label PHI
    counts fill the real subset's densities, both counted in the generator's tokens."""
    tokenizer = load_tokenizer(store.model_dir("base_llm", Partition(partition.language)))
    lengths = token_lengths(tokenizer, [d.text for d in subset])
    real_tokens = {doc.id: n for doc, n in zip(subset, lengths, strict=True)}
    targets = label_targets(subset, target, lambda doc: real_tokens[doc.id])
    return select_by_labels(pool, targets, target, lambda doc: doc.metadata["tokens"])


def corpus_asset(mode: Mode) -> AssetsDefinition:
    @fraction_asset(
        key=mode.key("synthetic_corpus"),
        deps=[
            mode.dep("synthetic_text", "text"),
            mode.dep("annotator_model", "annotator"),
            "base_llm",
            "training_subset",
            "real_corpus",
        ],
        group_name=mode.group,
        kinds=mode.kinds("pytorch", "jsonl"),
        # 2: every mode selects the same generator token count.
        code_version="2",
        # The ablations run on demand: nothing retrains them by itself.
        automation_condition=REFRESH if mode.automated else None,
        # Nothing is yielded from text the leak gate blocked: Dagster skips every step below.
        output_required=False,
        description=f"The synthetic text machine-annotated by an annotator ({mode.name}: "
        f"{mode.description}), skipped when the leak gate blocked that text. Stored as BRAT and "
        "JSONL with provenance per note; metadata holds counts, the label distribution against "
        "the real one, and a masked preview.",
    )
    def _corpus(
        context: AssetExecutionContext,
        config: SyntheticCorpusConfig,
        store: ArtifactStore,
        tracking: MlflowTracking,
        compute: Compute,
    ) -> Iterator[MaterializeResult]:
        text_part = mode.reads(Partition.from_key(context.partition_key), "text")
        passed, reasons = leak_gate(store.leak_audit(text_part))
        if not passed:
            # In the run the gate failed in and in any later one: skipped, not failed.
            message = blocked_message("leak gate", "synthetic_text", str(text_part), reasons)
            context.log.warning(f"{message}; skipped, with everything below it")
            return
        with asset_run(context, store, tracking, config) as run:
            subset = store.read_subset(run.partition)
            generation = store.generation(text_part)
            volume = generation.volume
            target = token_target(store, run.partition, generation)
            annotator_part = mode.reads(run.partition, "annotator")
            annotator = store.model_dir("annotator_model", annotator_part)
            device = compute.apply()
            if config.select_by_labels:
                # The whole pool is annotated: the labels decide which notes are kept.
                pool, stats = annotate_documents(
                    store.read_text(text_part), annotator, subset, device=device, log=run.log
                )
                docs = by_labels(store, run.partition, pool, subset, target)
                stats |= label_stats(docs, subset) | {"pool_documents": len(pool)}
            else:
                docs, stats = annotate_documents(
                    select_tokens(store.read_text(text_part), target),
                    annotator,
                    subset,
                    device=device,
                    log=run.log,
                )
            selected = sum(d.metadata["tokens"] for d in docs)
            stats |= {
                "tokens_produced": selected,
                "volume_tokens": round(volume * selected / max(1, target), 3),
            }
            for doc in docs:
                doc.metadata["annotator"] = run.parent_version("annotator_model")
            annotation = Annotation(
                mode.name, str(text_part.fraction), str(annotator_part.fraction), volume, stats
            )
            with run.write() as files:
                write_brat(docs, files.path("brat"))
                write_jsonl(docs, files.path("documents"))
                annotation.write(files.path("annotation"))
            # Masked with every real PHI string the store holds, not only the LLM's training notes'.
            real = store.read_real(run.partition.language)
            labels = {"synthetic": summarize(docs)["labels"], "real": summarize(subset)["labels"]}
            yield run.result(
                {
                    "mode": mode.name,
                    "text_fraction": annotation.text_fraction,
                    "annotator_fraction": annotation.annotator_fraction,
                    "tokens_target": target,
                    **{k: v for k, v in stats.items() if isinstance(v, int | float)},
                    "under_represented_labels": ", ".join(stats["under_represented_labels"]),
                    "labels": label_table(labels),
                    "preview": MetadataValue.md(preview(docs, real, config.preview_documents)),
                },
                data_version=corpus_hash(docs),
            )

    return _corpus


def ner_asset(mode: Mode) -> AssetsDefinition:
    corpus = mode.key("synthetic_corpus")

    @fraction_asset(
        key=mode.key("synthetic_ner_model"),
        deps=[corpus, "annotator_model", "real_corpus"],
        group_name=mode.group,
        kinds=mode.kinds("pytorch", "mlflow"),
        # 2: the embedded preset adds word shapes and fixed-shape PHI recognizers.
        code_version="2",
        pool="training",
        automation_condition=REFRESH if mode.automated else None,
        check_specs=[f1_floor_check(mode.key("synthetic_ner_model"))],
        description=f"An NER model trained only on the synthetic corpus ({mode.name}: "
        f"{mode.description}), with the annotator's trainer, evaluated on the real test split "
        "beside the real annotator of the same fraction: what de-identification loses when it "
        "learns from synthetic instead of real data. This is the model a hospital may share.",
    )
    def _ner(
        context: AssetExecutionContext,
        config: SyntheticNerConfig,
        store: ArtifactStore,
        tracking: MlflowTracking,
        compute: Compute,
        launcher: TrainingLauncher,
    ) -> MaterializeResult:
        with asset_run(context, store, tracking, config) as run:
            language = run.partition.language
            synthetic = store.read_corpus(corpus, run.partition)
            real = sum(len(d.text) for d in store.read_subset(run.partition))
            scale = real / max(1, sum(len(d.text) for d in synthetic))
            scores, sha, metadata = train_ner_model(
                run,
                config,
                compute,
                launcher,
                synthetic,
                store.read_split(language, "test"),
                label_set(store.read_split(language, "train")),
                scale if config.match_annotator_updates else 1.0,
            )
            real = store.scores("annotator_model", run.partition)
            comparison = {}
            for measure in ("token_f1", "strict_f1", "relaxed_f1", "binary_recall"):
                ours, theirs = getattr(scores, measure), getattr(real, measure)
                comparison[f"real_{measure}"] = theirs
                comparison[f"{measure}_ratio"] = ours / theirs if theirs else 0.0
            return run.result(
                {**metadata, **comparison},
                data_version=sha,
                check_results=[f1_floor_result(scores, config.f1_floor)],
            )

    return _ner


synthetic_corpora = [corpus_asset(mode) for mode in MODES]
synthetic_ner_models = [ner_asset(mode) for mode in MODES]
