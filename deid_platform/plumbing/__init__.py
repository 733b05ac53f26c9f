"""What every asset shares, whatever it computes: the asset decorators and their automation
(`assets`), the artifact store and its file layout (`store`), MLflow tracking (`tracking`), the
lineage Dagster records (`lineage`), the one way an asset publishes a materialization
(`publishing`), markdown metadata (`metadata`) and where models compute (`compute`)."""
