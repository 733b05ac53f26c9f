"""The HF Trainer as NER and LM training both use it: one builder of TrainingArguments, progress
to a report function (the Dagster log or stderr) instead of stdout, and a wall-clock budget."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from datasets import Dataset
from transformers import (
    PreTrainedModel,
    PrinterCallback,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)

from deid_platform.core.precision import NAMES, on_cuda, resolve_precision


@dataclass(frozen=True)
class Schedule:
    """How long and how fast to train: what differs between NER and LM training."""

    epochs: float
    batch_size: int
    learning_rate: float
    warmup_steps: int
    weight_decay: float
    scheduler: str
    logs_per_epoch: int = 1


@dataclass
class Trained:
    seconds: float
    steps: int
    final_loss: float
    precision: str


def train(
    model: PreTrainedModel,
    dataset: Dataset,
    collator: Any,
    schedule: Schedule,
    seed: int,
    device: str | None = None,
    report: Callable[[str], None] = lambda _: None,
    max_seconds: float | None = None,
    precision: str = "auto",
    gradient_checkpointing: bool = False,
) -> Trained:
    """Trains `model` in place on `dataset` with the HF Trainer; no checkpoints are written.
    Half `precision` is mixed precision: float32 weights stay the optimizer's master copy."""
    use_cpu = not on_cuda(device)
    half = resolve_precision(precision, device).dtype
    steps_per_epoch = max(1, -(-len(dataset) // schedule.batch_size))
    # At most one epoch and half the run: a run no longer than its warm-up would take its first
    # step at learning rate 0, and a one-step run would learn nothing.
    warmup = min(
        schedule.warmup_steps, steps_per_epoch, int(schedule.epochs * steps_per_epoch) // 2
    )
    callbacks: list[TrainerCallback] = [ReportLoss(report)]
    if max_seconds is not None:
        callbacks.append(TimeBudget(max_seconds))
    with tempfile.TemporaryDirectory() as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            num_train_epochs=schedule.epochs,
            per_device_train_batch_size=schedule.batch_size,
            learning_rate=schedule.learning_rate,
            warmup_steps=warmup,
            weight_decay=schedule.weight_decay,
            lr_scheduler_type=schedule.scheduler,
            logging_steps=max(1, steps_per_epoch // schedule.logs_per_epoch),
            save_strategy="no",
            eval_strategy="no",
            report_to="none",
            disable_tqdm=True,
            seed=seed,
            data_seed=seed,
            use_cpu=use_cpu,
            bf16=half == torch.bfloat16,
            fp16=half == torch.float16,
            activation_checkpointing=gradient_checkpointing,
            # Non-reentrant checkpointing works when the inputs need no gradient (frozen
            # embeddings under LoRA), where the reentrant kind silently trains nothing.
            activation_checkpointing_kwargs={"use_reentrant": False},
            dataloader_num_workers=0,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=dataset,
            data_collator=collator,
            callbacks=callbacks,
        )
        trainer.remove_callback(PrinterCallback)
        started = time.time()
        output = trainer.train()
    model.eval()
    return Trained(time.time() - started, output.global_step, output.training_loss, NAMES[half])


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
