"""The generator: a base LM that never saw real data, and its adaptation to a fraction of the real
text."""

from dagster import AssetExecutionContext, MaterializeResult

from deid_platform import settings
from deid_platform.configs import AdaptedLlmConfig, BaseLlmConfig
from deid_platform.conventions import fraction_asset, language_asset
from deid_platform.core.lm.adaptation import adapt
from deid_platform.core.lm.model import load_lm, save_lm
from deid_platform.core.lm.presets import LmPreset, get_lm_preset
from deid_platform.core.lm.pretraining import pretrain_on_surrogates
from deid_platform.core.lm.training import perplexity
from deid_platform.hyperparameters import overrides
from deid_platform.publishing import asset_run
from deid_platform.resources import Compute
from deid_platform.store import ArtifactStore, Partition
from deid_platform.tracking import MlflowTracking


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
            model, tokenizer = load_lm(preset.model_name_or_path)
        else:
            model, tokenizer, stats = pretrain_on_surrogates(
                run.partition.language,
                preset,
                config.surrogate_documents,
                settings.BASE_CORPUS_SEED + config.seed,
                config.seed,
                run.log,
                compute.apply(),
            )
        with run.write() as staging:
            save_lm(model, tokenizer, staging / "model")
            preset.write(staging / "preset.json")
        return run.result(
            {
                "preset": preset.name,
                "parameters": sum(p.numel() for p in model.parameters()),
                "pretrained_from": preset.model_name_or_path or "surrogate notes",
                "train_loss": stats.final_loss if stats else None,
                "train_seconds": round(stats.seconds, 1) if stats else None,
            },
            data_version=run.register_model(run.dir / "model"),
            params={f"preset.{k}": v for k, v in preset.to_dict().items()},
        )


@fraction_asset(
    deps=["base_llm", "training_subset", "real_corpus"],
    group_name="generator",
    kinds={"pytorch", "mlflow"},
    code_version="1",
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
    alpha=32, plain next-token loss) or full fine-tuning. Perplexity on the real dev text before and
    after adaptation is metadata; the adapter is registered in MLflow by reference."""
    with asset_run(context, store, tracking, config) as run:
        language = run.partition.language
        preset = store.lm_preset(language).with_overrides(**overrides(config, LmPreset))
        device = compute.apply()
        model, tokenizer = load_lm(store.model_dir("base_llm", Partition(language)))
        model.to(device)
        train = [d.text for d in store.read_subset(run.partition)]
        dev = [d.text for d in store.read_split(language, "dev")]
        before = perplexity(model, tokenizer, dev, preset.context)
        run.log(f"adapting on {len(train)} documents ({device}); dev perplexity {before:.2f}")
        model, stats, trainable = adapt(
            model, tokenizer, train, preset, config.seed, run.log, device
        )
        after = perplexity(model, tokenizer, dev, preset.context)
        with run.write() as staging:
            save_lm(model, tokenizer, staging / "model")
        return run.result(
            {
                "method": "full" if preset.full_finetune else "lora",
                "trainable_parameters": trainable,
                "train_documents": len(train),
                "dev_perplexity_base": round(before, 3),
                "dev_perplexity": round(after, 3),
                "train_loss": stats.final_loss,
                "train_seconds": round(stats.seconds, 1),
            },
            data_version=run.register_model(run.dir / "model"),
            params={f"preset.{k}": v for k, v in preset.to_dict().items()},
        )
