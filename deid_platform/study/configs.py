"""Everything a user can set when launching an asset (the Launchpad), with descriptions and the
choices the UI offers. Model hyperparameters are declared once, as the fields of the preset
dataclasses (`core/ner/presets.py`, `core/lm/presets.py`) with their help: `config_class` turns them
into Dagster config (every field an optional override of the chosen preset, described in the
Launchpad), as `core.preset.add_flags` turns them into command-line flags."""

from collections.abc import Sequence
from typing import Any, Literal

from dagster import Config
from pydantic import Field, create_model

from deid_platform import settings
from deid_platform.core.lm.presets import ADAPTATION, TRAINING, LmPreset
from deid_platform.core.ner.presets import NerPreset
from deid_platform.core.preset import Preset, PresetName, base_type
from deid_platform.core.records import LeakThresholds, Sampling


def config_class(
    name: str, base: type[Config], preset: type[Preset], only: Sequence[str] | None = None
) -> type[Config]:
    """`base` with one optional field per preset setting (or per setting in `only`): unset keeps
    the preset's value."""
    fields: dict[str, Any] = {
        field: (
            _optional(annotation),
            Field(default=None, description=f"{help} Unset: the preset's value."),
        )
        for field, (annotation, help) in preset.tunable().items()
        if only is None or field in only
    }
    return create_model(name, __base__=base, __module__=base.__module__, **fields)


def _optional(annotation: Any) -> Any:
    return base_type(annotation) | None


SEED = Field(default=settings.DEFAULT_SEED, description="Seeds every random choice of the step.")


class RealCorpusConfig(Config):
    lenient: bool = Field(
        default=False,
        description="Turn malformed spans and documents into counted warnings instead of failing.",
    )
    max_dropped_span_share: float = Field(
        default=0.01,
        description="With lenient reading, the largest share of annotated spans that may be "
        "dropped as malformed before the corpus is refused: a model trained on a corpus that lost "
        "its PHI annotations learns that PHI is not PHI.",
    )
    seed: int = Field(
        default=settings.DEFAULT_SEED,
        description="Seeds the document-level split when the corpus comes without one.",
    )


class TrainingSubsetConfig(Config):
    seed: int = Field(
        default=settings.DEFAULT_SEED,
        description="Seeds the permutation whose prefixes are the nested samples.",
    )


class _NerTraining(Config):
    preset: PresetName = Field(
        default="embedded",
        description="embedded: a small encoder from scratch, sized for a 2-core CPU; gpu: a larger "
        "one for a GPU; pretrained: fine-tune model_name_or_path; paper: the paper's annotator "
        "(a pretrained RoBERTa, 6 epochs, batch 16).",
    )
    seed: int = SEED
    f1_floor: float = Field(
        default=0.5,
        description="The f1_above_floor check warns when token F1 on the real test split is lower.",
    )
    execution: Literal["in_process", "pipes"] = Field(
        default="in_process",
        description="pipes: train in a separate process, or a GPU pod on Kubernetes, through "
        "Dagster Pipes (the launcher resource).",
    )


NerTrainingConfig = config_class("NerTrainingConfig", _NerTraining, NerPreset)


class _SyntheticNer(_NerTraining):
    match_annotator_updates: bool = Field(
        default=False,
        description="With epochs unset: false (the paper's schedule) trains for the preset's "
        "epochs, as many as the real annotator, so 4x text takes four times its updates; true "
        "trains for as many updates as the annotator of the fraction (the epochs times the "
        "fraction's real text over the synthetic text: at 4x the whole corpus and fraction f, "
        "f/4 of the epochs and of the time). On MEDDOCAN dev (benchmarks/RESULTS.md) true lost "
        "0.03x of the token F1 ratio at full data and 0.10x at 25 %.",
    )


SyntheticNerConfig = config_class("SyntheticNerConfig", _SyntheticNer, NerPreset)


class _BaseLlm(Config):
    preset: PresetName = Field(
        default="embedded",
        description="embedded: a small Llama pre-trained on surrogate notes on the CPU; gpu: a "
        "larger one for a GPU; pretrained: model_name_or_path; paper: FLOR-6.3B (or "
        "model_name_or_path) with QLoRA r=8, alpha=32, bf16 and gradient checkpointing on a GPU.",
    )
    seed: int = SEED
    surrogate_documents: int = Field(
        default=600, description="Surrogate notes the embedded and gpu presets pre-train on."
    )


BaseLlmConfig = config_class(
    "BaseLlmConfig", _BaseLlm, LmPreset, only=[f for f in LmPreset.tunable() if f not in ADAPTATION]
)


class _AdaptedLlm(Config):
    seed: int = SEED
    dp_epsilon: float | None = Field(
        default=None,
        description="Differentially private adaptation (DP-SGD through Opacus) to this epsilon "
        "per note: all windows of a note give one clipped gradient. Unset: no DP, and no formal "
        "guarantee.",
    )
    dp_delta: float | None = Field(
        default=None,
        description="The delta of the DP guarantee. Unset: a tenth of one over the number of "
        "training notes.",
    )
    dp_max_grad_norm: float = Field(
        default=1.0, description="DP: the norm each note's gradient is clipped to."
    )
    dp_batch_notes: int = Field(
        default=16,
        description="DP: notes per step, expected (Poisson sampling). On 250 MEDDOCAN notes, 16 "
        "(48 steps in 3 epochs) adapted better than 64 (12 steps) at the same epsilon. Epochs and "
        "learning rate are adapt_epochs and adapt_learning_rate.",
    )
    canaries: bool = Field(
        default=False,
        description="Plant fake PHI-shaped canaries (a made-up name, ID and phone after an "
        "in-distribution prefix) in the training text at 1, 4 and 16 repetitions, to measure "
        "their exposure and extraction. Notes that carry one never reach the synthetic corpus.",
    )


# Adaptation settings override the preset base_llm stored, so changing one retrains the adapted
# LMs only.
AdaptedLlmConfig = config_class(
    "AdaptedLlmConfig", _AdaptedLlm, LmPreset, only=[*ADAPTATION, *TRAINING]
)


class SyntheticTextConfig(Config):
    volume: float = Field(
        default=4.0,
        description="Synthetic tokens produced, as a multiple of the real text named by "
        "volume_of, in the generator's tokens (paper: 4; the volume ablation varies it, e.g. "
        "0.05, 1, 4). Samples that end early at EOS are made up for in further rounds until the "
        "target is reached; the text is then cut to it. `make demo` runs 1 "
        "(recipes/demo.yaml) to finish in about ten minutes on two cores, so its report reads "
        "volume 1.",
    )
    volume_of: Literal["corpus", "fraction"] = Field(
        default="corpus",
        description="The real text the volume is a multiple of. corpus: the WHOLE training "
        "corpus, the same target at every fraction, as in the paper, which samples a fixed "
        "number of notes per prompt from a fixed validation set whatever the fraction the "
        "generator learned from; fraction: the fraction's training subset.",
    )
    top_p: float = Field(default=0.95, description="Nucleus sampling (paper: 0.95; top-k off).")
    temperature: float = Field(default=1.0, description="Sampling temperature (paper: 1.0).")
    prompt_words: int = Field(
        default=3, description="Prompts are the first words of real dev notes (paper: three)."
    )
    batch_size: int | None = Field(
        default=None, description="Samples generated together. Unset: the LM preset's."
    )
    pool: float = Field(
        default=1.0,
        description="Text generated, as a multiple of the volume (at least 1): above 1, a "
        "synthetic corpus with select_by_labels chooses its notes out of the surplus; every "
        "corpus still holds the volume. The leak audit reads all of it.",
    )
    max_excess_phi_replay: float = Field(
        default=0.1,
        description="Leak gate: blocks when the lower bound of the 95 % interval of the PHI "
        "replay excess (the share of the LLM's training PHI strings in the synthetic text beyond "
        "the share of frequency-matched PHI strings of real notes it never saw) lies above this.",
    )
    max_verbatim_run: int = Field(
        default=40,
        description="Leak gate: a synthetic note may share at most this many consecutive words "
        "with a training note, or as many as a real note the LLM never saw shares, if more...",
    )
    max_documents_over_run: int = Field(
        default=0, description="...except for this many notes (leak gate)."
    )
    max_synthetic_mia_auc: float = Field(
        default=0.6,
        description="Leak gate: blocks when the lower bound of the 95 % interval of the data-only "
        "membership inference AUC against the synthetic text lies above this (0.5: chance).",
    )
    mia_documents: int = Field(
        default=250,
        description="Members and non-members scored by the data-only membership inference "
        "(each, at most): each half of them is calibrated on the other half's non-members and "
        "the rest of the non-member pool.",
    )
    seed: int = SEED

    def sampling(self) -> Sampling:
        return Sampling(
            self.volume,
            self.volume_of,
            self.top_p,
            self.temperature,
            self.prompt_words,
            self.seed,
        )

    def thresholds(self) -> LeakThresholds:
        return LeakThresholds(
            self.max_excess_phi_replay,
            self.max_verbatim_run,
            self.max_documents_over_run,
            self.max_synthetic_mia_auc,
        )


class SyntheticCorpusConfig(Config):
    select_by_labels: bool = Field(
        default=False,
        description="Choose the annotated notes so that each PHI label's count matches its "
        "density per token in the real training subset (rare labels first: phones, faxes, "
        "relatives), out of the synthetic text's pool (synthetic_text pool above 1); off: the "
        "text's first notes.",
    )
    preview_documents: int = Field(
        default=2,
        description="Synthetic notes previewed in metadata, PHI masked (annotated spans and every "
        "real PHI string of the corpus).",
    )


class PrivacyAuditConfig(Config):
    mia_documents: int = Field(
        default=250,
        description="Members and non-members sampled for membership inference (each, at most).",
    )
    max_ner_mia_auc: float = Field(
        default=0.6,
        description="Not shareable when the lower bound of the 95 % interval of the membership "
        "inference AUC against the synthetic NER model lies above this (0.5: chance).",
    )
    seed: int = SEED
