"""The conventions every asset of the platform follows, in one place: its owners, its partitions
and the automation that keeps it fresh. Each asset still names its group, kinds and code version."""

from collections.abc import Callable
from typing import Any

from dagster import AssetSelection, AutomationCondition, asset

from deid_platform import settings
from deid_platform.partitions import language_fraction_partitions, language_partitions

# Corpora are observed hourly: a new content hash is a new data version of that language.
OBSERVE_CORPORA = AutomationCondition.cron_tick_passed("0 * * * *")

# Dagster's eager() reacts to any new materialization of a parent, even one with the same data
# version: re-running training_subset would retrain the annotator and the LLM. These conditions
# react to what changes a result: a parent's new data version, or a new code version.
_CHANGED = (
    AutomationCondition.newly_missing()
    | AutomationCondition.any_deps_match(AutomationCondition.data_version_changed())
    | AutomationCondition.code_version_changed()
).since_last_handled()
_IDLE = ~AutomationCondition.any_deps_in_progress() & ~AutomationCondition.in_progress()

# A partition the leak gate blocked is requested once per change of its text, and skips: the
# synthetic corpus reads the gate itself.
REFRESH = (_CHANGED & ~AutomationCondition.any_deps_missing() & _IDLE).with_label(
    "refresh on new data or code"
)

# A report reads every fraction and says why it leaves one out, so a missing or blocked parent
# (the ablations run on demand; a leaking partition stays blocked) must not hold it back for
# ever: it waits only for a first synthetic NER model of its language.
REPORT = (
    _CHANGED
    & AutomationCondition.any_deps_match(~AutomationCondition.missing()).allow(
        AssetSelection.assets("synthetic_ner_model")
    )
    & _IDLE
).with_label("report on new data or code")


def language_asset(**kwargs: Any) -> Callable[..., Any]:
    """An asset partitioned by language."""
    return _platform_asset(language_partitions, kwargs)


def fraction_asset(**kwargs: Any) -> Callable[..., Any]:
    """An asset partitioned by language x fraction of the real training data."""
    return _platform_asset(language_fraction_partitions, kwargs)


def _platform_asset(partitions: Any, kwargs: dict[str, Any]) -> Callable[..., Any]:
    kwargs.setdefault("automation_condition", REFRESH)
    return asset(partitions_def=partitions, owners=settings.OWNERS, **kwargs)
