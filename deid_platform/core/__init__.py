"""The science of the platform. Nothing in this package imports Dagster or MLflow, so that it runs
and is tested on its own, and on a GPU machine that has neither."""
