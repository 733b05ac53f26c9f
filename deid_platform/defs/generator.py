"""The generator: a base LM that never saw real data, its adaptation on a fraction of the real
text, and the synthetic corpus it writes, machine-annotated by the annotator."""

import json

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    DataVersion,
    MaterializeResult,
    MetadataValue,
    asset,
)

from deid_platform.core.atomic import atomic_directory
from deid_platform.core.documents import corpus_hash, summarize
from deid_platform.core.formats.brat import write_brat
from deid_platform.core.formats.jsonl import read_jsonl, write_jsonl
from deid_platform.core.hashing import directory_sha256
from deid_platform.core.lm.adaptation import adapt
from deid_platform.core.lm.model import (
    build_lm,
    load_adapted_lm,
    load_lm,
    save_lm,
    train_lm_tokenizer,
)
from deid_platform.core.lm.presets import get_lm_preset
from deid_platform.core.lm.training import perplexity, train_causal_lm
from deid_platform.core.privacy import text_audit, unseen_documents
from deid_platform.core.surrogates import LANGUAGE_PACKS, generate_corpus
from deid_platform.core.synthesis import annotate_documents, generate_documents
from deid_platform.defs.annotator import annotator_model
from deid_platform.defs.corpora import OWNERS, real_corpus, training_subset
from deid_platform.defs.metadata import label_table
from deid_platform.partitions import (
    full_fraction,
    language_fraction_partitions,
    language_partitions,
)
from deid_platform.resources import ArtifactStorage, Compute, MlflowTracking

# Far from the seeds of the demo corpora, which stand for real data: the base model must not
# have seen the notes it is later adapted on.
BASE_CORPUS_SEED = 1_000_003


class BaseLlmConfig(Config):
    preset: str = "embedded"
    """embedded (CPU), gpu (from scratch on an H100) or pretrained (model_name_or_path)."""
    model_name_or_path: str | None = None
    seed: int = 13
    surrogate_documents: int = 600
    """How many generated surrogate notes the embedded and gpu presets pre-train on."""
    epochs: float | None = None


@asset(
    partitions_def=language_partitions,
    group_name="generator",
    owners=OWNERS,
    kinds={"pytorch", "mlflow"},
    code_version="1",
    pool="training",
)
def base_llm(
    context: AssetExecutionContext,
    config: BaseLlmConfig,
    storage: ArtifactStorage,
    compute: Compute,
    mlflow: MlflowTracking,
) -> MaterializeResult:
    """The base causal LM of a language. The embedded and gpu presets pre-train a small Llama and
    its tokenizer on the project's surrogate notes, which hold no real data, so that adaptation to
    the real text means what it means in the paper; the pretrained preset references a local
    directory or hub id. No real data flows into this asset."""
    lang = context.partition_key
    preset = get_lm_preset(
        config.preset,
        model_name_or_path=config.model_name_or_path,
        pretrain_epochs=config.epochs,
    )
    device = compute.apply()
    out = storage.path("base_llm", lang)
    params = {f"preset.{k}": v for k, v in preset.to_dict().items()} | {"seed": config.seed}
    with atomic_directory(out) as staging:
        if preset.model_name_or_path:
            model, tokenizer = load_lm(preset.model_name_or_path)
            stats = None
        else:
            if lang not in LANGUAGE_PACKS:
                raise ValueError(
                    f"no surrogate notes for language {lang!r} to pre-train on; use the "
                    "pretrained preset with a model for it"
                )
            texts = [
                d.text
                for d in generate_corpus(
                    lang,
                    BASE_CORPUS_SEED + config.seed,
                    {"pretrain": config.surrogate_documents},
                )["pretrain"]
            ]
            tokenizer = train_lm_tokenizer(texts, preset.vocab_size, preset.context)
            model = build_lm(preset, tokenizer)
            context.log.info(f"pre-training on {len(texts)} surrogate notes ({device})")
            stats = train_causal_lm(
                model,
                tokenizer,
                texts,
                preset.context,
                preset.pretrain_epochs,
                preset.pretrain_learning_rate,
                preset.batch_size,
                config.seed,
                context.log.info,
                use_cpu=device == "cpu",
            )
        save_lm(model, tokenizer, staging / "model")
        (staging / "preset.json").write_text(json.dumps(preset.to_dict(), indent=1))
    model_sha = directory_sha256(out / "model")
    parameters = sum(p.numel() for p in model.parameters())
    with mlflow.start_run(context) as run:
        run.log_params(params | {"model_sha256": model_sha, "parameters": parameters})
        if stats:
            run.log_metrics({"train_loss": stats.final_loss, "train_seconds": stats.seconds})
        version = run.register_model(f"base_llm-{lang}", out / "model", {"model_sha256": model_sha})
    return MaterializeResult(
        metadata={
            "preset": preset.name,
            "parameters": parameters,
            "pretrained_from": preset.model_name_or_path or "surrogate notes",
            "train_loss": stats.final_loss if stats else None,
            "train_seconds": round(stats.seconds, 1) if stats else None,
            "model_path": MetadataValue.path(str(out / "model")),
            "model_sha256": model_sha,
            "mlflow_run_id": run.run_id,
            "mlflow_url": MetadataValue.url(run.url),
            "registered_model_version": version,
        },
        data_version=DataVersion(model_sha),
    )


ABLATION_MODES = ("total", "llm_only", "annotator_only")


class SyntheticCorpusConfig(Config):
    mode: str = "total"
    """The paper's ablations: `total` (LLM and annotator both get the fraction), `llm_only` (the
    LLM gets the fraction, the annotator all data), `annotator_only` (the annotator gets the
    fraction, the LLM all data)."""
    volume: float = 4.0
    """Synthetic tokens as a multiple of the training subset's (paper: 4x; the volume ablation
    varies it, e.g. 0.05, 1, 4)."""
    top_p: float = 0.95
    temperature: float = 1.0
    prompt_words: int = 3
    """Prompts are the first words of each real dev document (paper: three)."""
    max_excess_phi_replay: float = 0.1
    """Leak gate: the largest share of the LLM's training PHI strings that may appear in the
    synthetic text beyond the share of PHI strings of real documents it never saw."""
    max_verbatim_run: int = 40
    """Leak gate: a synthetic document may share at most this many consecutive words with a
    training document..."""
    max_documents_over_run: int = 0
    """...except for this many documents."""
    preview_documents: int = 2
    """Synthetic documents shown in metadata once the leak gate passed."""
    seed: int = 13

    def fractions(self, fraction: str, full: str) -> tuple[str, str]:
        """(LLM fraction, annotator fraction) of a partition under this mode."""
        if self.mode not in ABLATION_MODES:
            raise ValueError(f"mode must be one of {ABLATION_MODES}, got {self.mode!r}")
        llm = full if self.mode == "annotator_only" else fraction
        annotator = full if self.mode == "llm_only" else fraction
        return llm, annotator


class AdaptedLlmConfig(Config):
    epochs: float | None = None
    learning_rate: float | None = None
    full_finetune: bool = False
    """Fine-tune every weight instead of LoRA."""
    lora_r: int | None = None
    lora_alpha: int | None = None
    seed: int = 13


@asset(
    partitions_def=language_fraction_partitions,
    deps=[base_llm, training_subset, real_corpus],
    group_name="generator",
    owners=OWNERS,
    kinds={"pytorch", "mlflow"},
    code_version="1",
    pool="training",
)
def adapted_llm(
    context: AssetExecutionContext,
    config: AdaptedLlmConfig,
    storage: ArtifactStorage,
    compute: Compute,
    mlflow: MlflowTracking,
) -> MaterializeResult:
    """The base LM adapted to the clinical text of the training subset: LoRA (paper: r=8,
    alpha=32, plain next-token loss) or full fine-tuning. Perplexity on the real dev text before and
    after adaptation is metadata; the adapter is registered in MLflow by reference."""
    keys = context.partition_key.keys_by_dimension
    lang, fraction = keys["language"], keys["fraction"]
    base_preset = json.loads(storage.path("base_llm", lang, "preset.json").read_text())
    preset = get_lm_preset(
        base_preset["name"], **{k: v for k, v in base_preset.items() if k != "name"}
    ).with_overrides(
        adapt_epochs=config.epochs,
        adapt_learning_rate=config.learning_rate,
        full_finetune=config.full_finetune or None,
        lora_r=config.lora_r,
        lora_alpha=config.lora_alpha,
    )
    device = compute.apply()
    model, tokenizer = load_lm(storage.path("base_llm", lang, "model"))
    model.to(device)
    train = [
        d.text
        for d in read_jsonl(
            storage.path("training_subset", lang, fraction, "train.jsonl")
        ).documents
    ]
    dev = [d.text for d in read_jsonl(storage.path("real_corpus", lang, "dev.jsonl")).documents]
    before = perplexity(model, tokenizer, dev, preset.context)
    context.log.info(f"adapting on {len(train)} documents ({device}); dev perplexity {before:.2f}")
    model, stats, trainable = adapt(
        model, tokenizer, train, preset, config.seed, context.log.info, use_cpu=device == "cpu"
    )
    after = perplexity(model, tokenizer, dev, preset.context)
    out = storage.path("adapted_llm", lang, fraction)
    with atomic_directory(out) as staging:
        save_lm(model, tokenizer, staging / "model")
    model_sha = directory_sha256(out / "model")
    method = "full" if preset.full_finetune else "lora"
    with mlflow.start_run(context) as run:
        run.log_params(
            {
                "language": lang,
                "fraction": fraction,
                "method": method,
                "seed": config.seed,
                "lora_r": preset.lora_r,
                "lora_alpha": preset.lora_alpha,
                "epochs": preset.adapt_epochs,
                "learning_rate": preset.adapt_learning_rate,
                "train_documents": len(train),
                "model_sha256": model_sha,
            }
        )
        run.log_metrics(
            {
                "dev_perplexity_base": before,
                "dev_perplexity": after,
                "train_loss": stats.final_loss,
                "train_seconds": stats.seconds,
                "trainable_parameters": trainable,
            }
        )
        version = run.register_model(
            f"adapted_llm-{lang}-{fraction}", out / "model", {"model_sha256": model_sha}
        )
    return MaterializeResult(
        metadata={
            "method": method,
            "trainable_parameters": trainable,
            "train_documents": len(train),
            "dev_perplexity_base": round(before, 3),
            "dev_perplexity": round(after, 3),
            "train_seconds": round(stats.seconds, 1),
            "model_path": MetadataValue.path(str(out / "model")),
            "model_sha256": model_sha,
            "mlflow_run_id": run.run_id,
            "mlflow_url": MetadataValue.url(run.url),
            "registered_model_version": version,
        },
        data_version=DataVersion(model_sha),
    )


@asset(
    partitions_def=language_fraction_partitions,
    deps=[adapted_llm, annotator_model, real_corpus, training_subset],
    group_name="synthetic",
    owners=OWNERS,
    kinds={"pytorch", "jsonl"},
    code_version="1",
    check_specs=[AssetCheckSpec("leak_gate", asset="synthetic_corpus", blocking=True)],
)
def synthetic_corpus(
    context: AssetExecutionContext,
    config: SyntheticCorpusConfig,
    storage: ArtifactStorage,
    compute: Compute,
    mlflow: MlflowTracking,
) -> MaterializeResult:
    """Synthetic clinical text: the adapted LM prompted with the first words of real dev
    documents, sampled (nucleus p=0.95, temperature 1.0) to `volume` times the training subset,
    with lengths drawn from the real length distribution; duplicates and empty texts removed; then
    PHI-annotated by the annotator. Stored as BRAT and JSONL with provenance per document.
    The blocking `leak_gate` check (excess PHI replay and long verbatim runs against the LLM's
    training documents) keeps a failing corpus from training anything downstream. Metadata holds
    numbers only, and a preview of the text once the gate passed."""
    keys = context.partition_key.keys_by_dimension
    lang, fraction = keys["language"], keys["fraction"]
    llm_fraction, annotator_fraction = config.fractions(fraction, full_fraction())
    device = compute.apply()
    model, tokenizer = load_adapted_lm(
        storage.path("base_llm", lang, "model"),
        storage.path("adapted_llm", lang, llm_fraction, "model"),
    )
    model.to(device)
    preset = json.loads(storage.path("base_llm", lang, "preset.json").read_text())
    adapted_sha = directory_sha256(storage.path("adapted_llm", lang, llm_fraction, "model"))
    annotator_dir = storage.path("annotator_model", lang, annotator_fraction, "model")
    train = read_jsonl(storage.path("training_subset", lang, llm_fraction, "train.jsonl")).documents
    real = real_splits(storage, lang)
    generated, stats = generate_documents(
        model,
        tokenizer,
        # The volume is relative to the data the LLM was adapted on.
        train=train,
        prompt_docs=real["dev"],
        volume=config.volume,
        seed=config.seed,
        top_p=config.top_p,
        temperature=config.temperature,
        prompt_words=config.prompt_words,
        batch_size=preset["generation_batch_size"],
        provenance={
            "adapted_llm_sha256": adapted_sha,
            "annotator_sha256": directory_sha256(annotator_dir),
            "annotator_fraction": annotator_fraction,
            "llm_fraction": llm_fraction,
        },
        log=context.log.info,
    )
    docs, annotation = annotate_documents(
        generated, annotator_dir, train, device=device, log=context.log.info
    )
    stats = {**stats, **annotation}
    audit = text_audit(
        [d.text for d in docs],
        train,
        unseen_documents(real, train, config.prompt_words),
        config.max_verbatim_run,
    )
    passed = (
        audit["phi_replay_excess.all"] <= config.max_excess_phi_replay
        and audit["documents_over_run_threshold"] <= config.max_documents_over_run
    )
    out = storage.path("synthetic_corpus", lang, fraction)
    with atomic_directory(out) as staging:
        write_brat(docs, staging / "brat")
        write_jsonl(docs, staging / "corpus.jsonl")
        (staging / "audit.json").write_text(json.dumps({**audit, "passed": passed}, indent=1))
        (staging / "stats.json").write_text(
            json.dumps(
                {
                    **stats,
                    "mode": config.mode,
                    "volume": config.volume,
                    "prompt_words": config.prompt_words,
                    "llm_fraction": llm_fraction,
                    "annotator_fraction": annotator_fraction,
                },
                indent=1,
            )
        )
    summary = summarize(docs)
    content = corpus_hash(docs)
    with mlflow.start_run(context) as run:
        run.log_params(
            {
                "language": lang,
                "fraction": fraction,
                "annotator_fraction": annotator_fraction,
                "volume": config.volume,
                "top_p": config.top_p,
                "temperature": config.temperature,
                "prompt_words": config.prompt_words,
                "seed": config.seed,
                "corpus_sha256": content,
            }
        )
        run.log_metrics({k: v for k, v in stats.items() if isinstance(v, int | float)})
        run.log_metrics({f"audit.{k}": v for k, v in audit.items()})
        run.set_tags({"leak_gate": "passed" if passed else "failed"})
    if passed:
        preview = MetadataValue.md(
            "\n\n---\n\n".join(
                f"`{d.id}`\n\n{d.text[:600]}" for d in docs[: config.preview_documents]
            )
        )
    else:
        preview = MetadataValue.text("withheld: the leak gate failed")
    gate = {
        "phi_replay_excess": audit["phi_replay_excess.all"],
        "max_excess_phi_replay": config.max_excess_phi_replay,
        "longest_verbatim_run": audit["longest_verbatim_run"],
        "documents_over_run_threshold": audit["documents_over_run_threshold"],
        "max_verbatim_run": config.max_verbatim_run,
    }
    return MaterializeResult(
        metadata={
            **{k: v for k, v in stats.items() if isinstance(v, int | float)},
            "mode": config.mode,
            "llm_fraction": llm_fraction,
            "annotator_fraction": annotator_fraction,
            "labels": label_table(
                {"synthetic": summary["labels"], "real": summarize(train)["labels"]}
            ),
            "corpus_sha256": content,
            "ngram_recall_5": round(audit["ngram_recall_5"], 4),
            **{k: round(v, 4) if isinstance(v, float) else v for k, v in gate.items()},
            "preview": preview,
            "path": MetadataValue.path(str(out)),
            "mlflow_run_id": run.run_id,
            "mlflow_url": MetadataValue.url(run.url),
        },
        data_version=DataVersion(content),
        check_results=[
            AssetCheckResult(
                check_name="leak_gate",
                passed=passed,
                severity=AssetCheckSeverity.ERROR,
                metadata={k: float(v) for k, v in gate.items()},
            )
        ],
    )


def real_splits(storage: ArtifactStorage, lang: str) -> dict[str, list]:
    return {
        split: read_jsonl(storage.path("real_corpus", lang, f"{split}.jsonl")).documents
        for split in ("train", "dev", "test")
    }
