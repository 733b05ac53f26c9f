"""The generator: a base LM that never saw real data, and its adaptation to a fraction of the real
text."""

from dagster import AssetExecutionContext, MaterializeResult

from deid_platform import settings
from deid_platform.core.canaries import make_canaries, plant, write_canaries
from deid_platform.core.lm.adaptation import adapt
from deid_platform.core.lm.execution import load_for_adaptation
from deid_platform.core.lm.model import load_lm, save_lm
from deid_platform.core.lm.presets import LmPreset, get_lm_preset
from deid_platform.core.lm.private import DpSettings, adapt_private, refuse_unsupported
from deid_platform.core.lm.scratch import surrogate_notes, train_from_scratch
from deid_platform.core.lm.training import perplexity
from deid_platform.core.preset import overrides
from deid_platform.partitions import Partition
from deid_platform.plumbing.assets import fraction_asset, language_asset
from deid_platform.plumbing.compute import Compute
from deid_platform.plumbing.publishing import asset_run
from deid_platform.plumbing.store import ArtifactStore
from deid_platform.plumbing.tracking import MlflowTracking
from deid_platform.study.configs import AdaptedLlmConfig, BaseLlmConfig


@language_asset(
    group_name="generator",
    kinds={"pytorch", "mlflow"},
    code_version="1",
    pool="training",
)
def base_llm(
    context: AssetExecutionContext,
    config: BaseLlmConfig,
    store: ArtifactStore,
    tracking: MlflowTracking,
    compute: Compute,
) -> MaterializeResult:
    """The base causal LM of a language. The embedded and gpu presets pre-train a small Llama and
    its tokenizer on the project's surrogate notes, which hold no real data, so that adaptation to
    the real text means what it means in the paper; the pretrained preset references a local
    directory or hub id. No real data flows into this asset."""
    with asset_run(context, store, tracking, config) as run:
        preset = get_lm_preset(config.preset, **overrides(config, LmPreset))
        stats = None
        if preset.model_name_or_path:
            # Copied into the store as stored (a 6B model in half precision stays so).
            model, tokenizer = load_lm(preset.model_name_or_path)
        else:
            notes_seed = settings.BASE_CORPUS_SEED + config.seed
            texts = surrogate_notes(run.partition.language, config.surrogate_documents, notes_seed)
            run.log(f"pre-training on {len(texts)} surrogate notes")
            model, tokenizer, stats = train_from_scratch(
                texts,
                preset,
                preset.pretrain_epochs,
                preset.pretrain_learning_rate,
                config.seed,
                run.log,
                compute.apply(),
            )
        with run.write() as files:
            save_lm(model, tokenizer, files.path("model"))
            preset.write(files.path("preset"))
        return run.result(
            {
                "preset": preset.name,
                "parameters": sum(p.numel() for p in model.parameters()),
                "pretrained_from": preset.model_name_or_path or "surrogate notes",
                "train_loss": stats.final_loss if stats else None,
                "train_seconds": round(stats.seconds, 1) if stats else None,
                "train_precision": stats.precision if stats else None,
                "stored_dtype": str(next(model.parameters()).dtype).removeprefix("torch."),
            },
            data_version=run.register_model(),
            params={f"preset.{k}": v for k, v in preset.to_dict().items()},
        )


@fraction_asset(
    deps=["base_llm", "training_subset", "real_corpus"],
    group_name="generator",
    kinds={"pytorch", "mlflow"},
    code_version="3",
    pool="training",
)
def adapted_llm(
    context: AssetExecutionContext,
    config: AdaptedLlmConfig,
    store: ArtifactStore,
    tracking: MlflowTracking,
    compute: Compute,
) -> MaterializeResult:
    """The base LM adapted to the clinical text of the training subset: LoRA (paper: r=8,
    alpha=32, plain next-token loss), on a 4-bit base with `qlora` where CUDA and bitsandbytes
    are, or full fine-tuning. Perplexity on the real dev text before and after adaptation, the
    precision and what fell back on this machine are metadata; the adapter is registered in MLflow
    by reference. With `dp_epsilon`, adaptation is DP-SGD with the note as the privacy unit and
    the guarantee reached (`dp_*` metadata, privacy_guarantee.json); with `canaries`, fake
    PHI-shaped records are planted in the training text (canaries.json, never shown)."""
    with asset_run(context, store, tracking, config) as run:
        language = run.partition.language
        base = Partition(language)
        preset = store.lm_preset("base_llm", base).with_overrides(**overrides(config, LmPreset))
        if config.dp_epsilon is not None:
            refuse_unsupported(preset)
        device = compute.apply()
        model, tokenizer, execution = load_for_adaptation(
            store.model_dir("base_llm", base), preset, device, run.log
        )
        train = [d.text for d in store.read_subset(run.partition)]
        canaries = make_canaries(language, config.seed) if config.canaries else []
        if canaries:
            train = plant(train, canaries, config.seed)
            run.log(f"planted {len(canaries)} canaries")
        dev = [d.text for d in store.read_split(language, "dev")]
        before = perplexity(model, tokenizer, dev, preset.context)
        run.log(f"adapting on {len(train)} documents ({device}); dev perplexity {before:.2f}")
        guarantee = None
        if config.dp_epsilon is None:
            model, stats, trainable = adapt(
                model, tokenizer, train, preset, config.seed, run.log, device
            )
        else:
            dp = DpSettings(
                config.dp_epsilon, config.dp_delta, config.dp_max_grad_norm, config.dp_batch_notes
            )
            model, stats, trainable, guarantee = adapt_private(
                model, tokenizer, train, preset, dp, config.seed, run.log, device
            )
            run.log(f"privacy guarantee: {guarantee.statement()}")
        after = perplexity(model, tokenizer, dev, preset.context)
        with run.write() as files:
            save_lm(model, tokenizer, files.path("model"))
            # What generation and the audit read: the base's preset as adaptation overrode it.
            preset.write(files.path("preset"))
            if guarantee:
                guarantee.write(files.path("privacy_guarantee"))
            if canaries:
                write_canaries(canaries, files.path("canaries"))
        if guarantee:
            run.mlflow.log_artifact(run.files.path("privacy_guarantee"))
        return run.result(
            {
                # dp_epsilon as the accountant computed it; null without DP (no formal guarantee).
                **(guarantee.metadata() if guarantee else {"dp_epsilon": None}),
                "canaries": len(canaries),
                "method": "full" if preset.full_finetune else "lora",
                "lora_targets": "all" if preset.full_finetune else preset.lora_targets,
                **execution.metadata(),
                "trainable_parameters": trainable,
                "train_documents": len(train),
                "dev_perplexity_base": round(before, 3),
                "dev_perplexity": round(after, 3),
                "train_loss": stats.final_loss,
                "train_seconds": round(stats.seconds, 1),
            },
            data_version=run.register_model(),
            params={f"preset.{k}": v for k, v in preset.to_dict().items()},
        )
