"""Training steps run outside the Dagster process through Dagster Pipes: locally with
PipesSubprocessClient, on a GPU pod with PipesK8sClient (deploy/k8s). Imports only dagster-pipes
(a small package with no dependencies) and `core`, so the pod needs neither Dagster nor MLflow.

    python -m deid_platform.runners.pipes_entry    # by a Pipes client, parameters in its extras
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dagster_pipes import open_dagster_pipes

from deid_platform.core.formats.jsonl import read_jsonl
from deid_platform.core.ner.evaluation import train_evaluate_save
from deid_platform.core.ner.presets import NerPreset


def ner_train(params: dict[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    preset = NerPreset.from_dict(params["preset"])
    metrics = train_evaluate_save(
        preset,
        read_jsonl(params["train"]).documents,
        read_jsonl(params["test"]).documents,
        params["labels"],
        Path(params["model"]),
        Path(params["scores"]),
        params["seed"],
        device=params.get("device"),
        report=log,
    )
    return {k: v for k, v in metrics.items() if k != "per_label"}


TASKS = {"ner-train": ner_train}


def main() -> None:
    with open_dagster_pipes() as pipes:
        params = dict(pipes.extras)
        pipes.log.info(f"remote task {params['task']}")
        result = TASKS[params["task"]](params, pipes.log.info)
        pipes.report_custom_message(json.loads(json.dumps(result, default=float)))


if __name__ == "__main__":
    main()
