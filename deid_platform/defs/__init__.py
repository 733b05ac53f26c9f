"""The Dagster layer: one module per asset family. Each asset reads its inputs, calls `core`,
writes its files, logs to MLflow and returns a MaterializeResult."""
