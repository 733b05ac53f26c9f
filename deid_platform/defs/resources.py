"""The code location's resources, configured from the environment (see settings)."""

from dagster import Definitions, definitions

from deid_platform.resources import platform_resources


@definitions
def resources() -> Definitions:
    return Definitions(resources=platform_resources())
