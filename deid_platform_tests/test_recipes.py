"""Run recipes: every file in recipes/ loads, names only assets that exist, and its config is valid
for every job that runs those assets."""

import pytest
from dagster import AssetKey, validate_run_config

from deid_platform.core.errors import UserError
from deid_platform.definitions import build
from deid_platform.study.modes import synthetic_ner_models
from deid_platform.study.recipes import (
    FIXED_SEED_ASSETS,
    load_recipe,
    model_assets,
    recipe_names,
    seeded_assets,
)


def test_the_documented_recipes_exist():
    assert {"demo", "test-fast", "reproduce", "reproduce-gpu", "paper"} <= set(recipe_names())


@pytest.mark.parametrize("name", recipe_names())
def test_a_recipe_is_valid_config_for_the_jobs_that_run_its_assets(name):
    graph = build()
    keys = {key.to_python_identifier(): key for key in graph.resolve_all_asset_keys()}
    ops = load_recipe(name).run_config()["ops"]
    assert set(ops) <= set(keys), set(ops) - set(keys)
    for job in graph.resolve_all_job_defs():
        if job.name.startswith("__"):
            continue
        nodes = {node.name for node in job.nodes}
        config = {"ops": {op: value for op, value in ops.items() if op in nodes}}
        validate_run_config(job, config)  # raises on an unknown field or a wrong type


def test_one_preset_configures_every_model_asset_of_every_mode():
    recipe = load_recipe("demo", preset="gpu")
    for asset in model_assets():
        assert recipe.assets[asset]["preset"] == "gpu"
    assert [AssetKey.from_user_string(a) for a in model_assets()[2:]] == synthetic_ner_models()
    fast = load_recipe("test-fast").assets
    assert all(fast[key.to_user_string()]["epochs"] == 1 for key in synthetic_ner_models())


def test_an_override_wins_and_a_bad_recipe_says_where(tmp_path):
    recipe = load_recipe("demo").with_config("synthetic_text", volume=4.0)
    assert recipe.run_config()["ops"]["synthetic_text"]["config"]["volume"] == 4.0
    bad = tmp_path / "bad.yaml"
    bad.write_text("preset: huge\n")
    with pytest.raises(UserError, match=f"{bad}: unknown preset 'huge'"):
        load_recipe(bad)
    with pytest.raises(UserError, match="no such recipe"):
        load_recipe("nonexistent")


def test_a_seed_varies_every_seeded_asset_but_the_split_and_the_subsets():
    graph = build()
    seeded = set()
    for key in graph.resolve_all_asset_keys():
        schema = graph.resolve_assets_def(key).op.config_schema
        if schema and "seed" in getattr(schema.config_type, "fields", {}):
            seeded.add(key.to_user_string())
    assert seeded == set(seeded_assets()) | set(FIXED_SEED_ASSETS)
    ops = load_recipe("test-fast").with_seed(29).run_config()["ops"]
    for asset in seeded_assets():
        assert ops[AssetKey.from_user_string(asset).to_python_identifier()]["config"]["seed"] == 29
    assert not {"real_corpus", "training_subset"} & set(ops)
    assert ops["base_llm"]["config"]["pretrain_epochs"] == 1  # the recipe's own config stays
