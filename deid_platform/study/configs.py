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
        default=True,
        description="With epochs unset, train for as many updates as the real annotator of the "
        "fraction: the preset's epochs times the real training text over the synthetic text "
        "(at 4x volume, a quarter of the epochs over four times the text).",
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


# Adaptation settings override the preset base_llm stored, so changing one retrains the adapted
# LMs only.
AdaptedLlmConfig = config_class(
    "AdaptedLlmConfig", _AdaptedLlm, LmPreset, only=[*ADAPTATION, *TRAINING]
)


class SyntheticTextConfig(Config):
    volume: float = Field(
        default=4.0,
        description="Synthetic tokens as a multiple of the training subset's (paper: 4; the "
        "volume ablation varies it, e.g. 0.05, 1, 4). `make demo` runs 1 (recipes/demo.yaml), "
        "to finish in about ten minutes on two cores, so its report reads volume 1.",
    )
    top_p: float = Field(default=0.95, description="Nucleus sampling (paper: 0.95; top-k off).")
    temperature: float = Field(default=1.0, description="Sampling temperature (paper: 1.0).")
    prompt_words: int = Field(
        default=3, description="Prompts are the first words of real dev notes (paper: three)."
    )
    batch_size: int | None = Field(
        default=None, description="Samples generated together. Unset: the LM preset's."
    )
    max_excess_phi_replay: float = Field(
        default=0.1,
        description="Leak gate: the largest share of the LLM's training PHI strings that may "
        "appear in the synthetic text beyond the share of PHI strings of real notes it never saw.",
    )
    max_verbatim_run: int = Field(
        default=40,
        description="Leak gate: a synthetic note may share at most this many consecutive words "
        "with a training note...",
    )
    max_documents_over_run: int = Field(
        default=0, description="...except for this many notes (leak gate)."
    )
    seed: int = SEED

    def sampling(self) -> Sampling:
        return Sampling(self.volume, self.top_p, self.temperature, self.prompt_words, self.seed)

    def thresholds(self) -> LeakThresholds:
        return LeakThresholds(
            self.max_excess_phi_replay, self.max_verbatim_run, self.max_documents_over_run
        )


class SyntheticCorpusConfig(Config):
    preview_documents: int = Field(
        default=2,
        description="Synthetic notes previewed in metadata, PHI masked (annotated spans and every "
        "real PHI string of the corpus).",
    )


class PrivacyAuditConfig(Config):
    mia_documents: int = Field(
        default=200, description="Members and non-members sampled for membership inference (each)."
    )
    seed: int = SEED
