"""Declarative automation: when the real corpus changes, everything built from it re-runs, for
that language only; a weekly tick refreshes whatever is still stale."""

from collections.abc import Sequence

from dagster import (
    AssetsDefinition,
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
)

# Corpora are observed hourly (a cron condition on the observable source); a new content hash
# makes the language's partitions of every downstream asset stale.
OBSERVE_CORPORA = AutomationCondition.cron_tick_passed("0 * * * *")

# Eager: materialize a partition once its inputs were updated (or a new partition appears), and
# on Monday mornings whatever is still behind its inputs.
REFRESH = AutomationCondition.eager() | AutomationCondition.on_cron("0 3 * * 1")


def automated(assets: Sequence[AssetsDefinition]) -> list[AssetsDefinition]:
    """The assets with the refresh condition, set here rather than on each decorator so that the
    policy lives in one place."""
    return [
        asset.map_asset_specs(lambda spec: spec.replace_attributes(automation_condition=REFRESH))
        for asset in assets
    ]


# Dagster's default automation sensor starts STOPPED; this one runs from the first start.
automation_sensor = AutomationConditionSensorDefinition(
    "deid_automation",
    target=AssetSelection.all(include_sources=True),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
)
