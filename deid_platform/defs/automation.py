"""Declarative automation: the sensor that evaluates every asset's condition (see conventions):
when the real corpus or the code changes, what depends on it re-runs, for that language only."""

from dagster import AssetSelection, AutomationConditionSensorDefinition, DefaultSensorStatus

# Dagster's default automation sensor starts STOPPED; this one runs from the first start.
automation_sensor = AutomationConditionSensorDefinition(
    "deid_automation",
    target=AssetSelection.all(include_sources=True),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
)
