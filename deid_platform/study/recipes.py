"""Named run recipes: the run configurations that `deid demo`, the tests and the benchmarks launch
with, kept as YAML files in `recipes/` at the top of the repository (or any YAML file of that
shape). A recipe says

    description: what it is for, and why it departs from the assets' defaults
    preset: embedded        # every model asset: base_llm, annotator_model, each mode's NER model
    ner: {epochs: 1}        # every NER asset: annotator_model and each mode's NER model
    assets:                 # one asset's config, by asset key (e.g. llm_only/synthetic_ner_model)
      synthetic_text: {volume: 1.0}

and expands, in that order (an asset's own line wins), into Dagster run config. The lists of
model assets come from the mode registry, so a new mode is configured by every recipe at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from dagster import AssetKey

from deid_platform import settings
from deid_platform.core.errors import UserError
from deid_platform.core.preset import PRESET_NAMES
from deid_platform.study.modes import synthetic_ner_models

RECIPES = settings.PROJECT_ROOT / "recipes"
SECTIONS = {"description", "preset", "ner", "assets"}


def ner_assets() -> list[str]:
    return ["annotator_model", *(key.to_user_string() for key in synthetic_ner_models())]


def model_assets() -> list[str]:
    """The assets a preset names the model of (adapted_llm follows its base_llm's preset)."""
    return ["base_llm", *ner_assets()]


# Seeded but never varied by `Recipe.with_seed`: every seed of a study splits the corpus and
# samples the nested fractions alike, so that seeds differ in their models only and are scored
# on the same test documents.
FIXED_SEED_ASSETS = ("real_corpus", "training_subset")


def seeded_assets() -> list[str]:
    """The assets whose random steps a study's seed varies: models, sampling and audit."""
    return ["adapted_llm", "synthetic_text", "privacy_audit", *model_assets()]


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    assets: dict[str, dict[str, Any]]

    def run_config(self) -> dict[str, Any]:
        """`{"ops": {op name: {"config": ...}}}`, op names as Dagster derives them from keys."""
        return {
            "ops": {
                AssetKey.from_user_string(asset).to_python_identifier(): {"config": dict(config)}
                for asset, config in self.assets.items()
            }
        }

    def with_config(self, asset: str, **config: Any) -> Recipe:
        """The recipe with some config of one asset replaced (a benchmark's command-line option)."""
        merged = {**self.assets, asset: {**self.assets.get(asset, {}), **config}}
        return Recipe(self.name, self.description, merged)

    def with_seed(self, seed: int) -> Recipe:
        """The recipe with `seed` for every asset of `seeded_assets`."""
        recipe = self
        for asset in seeded_assets():
            recipe = recipe.with_config(asset, seed=seed)
        return recipe


def recipe_names() -> list[str]:
    return sorted(path.stem for path in RECIPES.glob("*.yaml"))


def load_recipe(name_or_path: str | Path, preset: str | None = None) -> Recipe:
    """A recipe by name (`recipes/<name>.yaml`) or path; `preset` replaces the recipe's own."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = RECIPES / f"{name_or_path}.yaml"
    if not path.is_file():
        raise UserError(f"{path}: no such recipe; recipes: {', '.join(recipe_names())}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or set(data) - SECTIONS:
        raise UserError(f"{path}: a recipe is a mapping of {', '.join(sorted(SECTIONS))}")
    return Recipe(path.stem, str(data.get("description", "")), _expand(path, data, preset))


def _expand(path: Path, data: dict[str, Any], preset: str | None) -> dict[str, dict[str, Any]]:
    assets: dict[str, dict[str, Any]] = {}
    chosen = preset or data.get("preset")
    if chosen is not None:
        if chosen not in PRESET_NAMES:
            raise UserError(
                f"{path}: unknown preset {chosen!r}; presets: {', '.join(PRESET_NAMES)}"
            )
        for asset in model_assets():
            assets.setdefault(asset, {})["preset"] = chosen
    for asset in ner_assets():
        assets.setdefault(asset, {}).update(data.get("ner") or {})
    # Asset keys and config fields are checked against the definitions by a test of every recipe.
    for asset, config in (data.get("assets") or {}).items():
        assets.setdefault(asset, {}).update(config or {})
    return {asset: config for asset, config in assets.items() if config}
