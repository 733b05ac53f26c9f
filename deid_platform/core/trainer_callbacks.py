"""HF Trainer callbacks shared by NER and LM training: progress to a report function (the Dagster
log or stderr), and a wall-clock budget."""

from __future__ import annotations

import time
from collections.abc import Callable

from transformers import TrainerCallback


class ReportLoss(TrainerCallback):
    def __init__(self, report: Callable[[str], None]):
        self.report = report

    def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ANN001
        if logs and "loss" in logs:
            self.report(
                f"step {state.global_step}/{state.max_steps} epoch {state.epoch:.2f} "
                f"loss {logs['loss']:.4f}"
            )


class TimeBudget(TrainerCallback):
    """Stops training once `seconds` have passed, for benchmarks with a fixed time budget."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.started = time.time()

    def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001
        if time.time() - self.started > self.seconds:
            control.should_training_stop = True
