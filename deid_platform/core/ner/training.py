"""Fine-tuning a token classifier on documents through the HF Trainer."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from datasets import Dataset
from transformers import (
    DataCollatorForTokenClassification,
    PrinterCallback,
    Trainer,
    TrainingArguments,
    set_seed,
)

from deid_platform.core.documents import Document
from deid_platform.core.errors import UserError
from deid_platform.core.labels import label_set
from deid_platform.core.ner.encoding import encode_documents, token_labels, windows
from deid_platform.core.ner.model import NerModel, build_model
from deid_platform.core.ner.presets import NerPreset
from deid_platform.core.ner.transitions import estimate_transitions
from deid_platform.core.tagging import word_tags
from deid_platform.core.trainer_callbacks import ReportLoss, TimeBudget


@dataclass
class TrainResult:
    ner: NerModel
    seconds: float
    steps: int
    train_windows: int
    final_loss: float | None


def training_windows(ner: NerModel, documents: list[Document]) -> Dataset:
    label2id = {v: k for k, v in ner.id2label.items()}
    inner = ner.max_length - 2
    cls, sep = ner.tokenizer.cls_token_id, ner.tokenizer.sep_token_id
    if cls is None:  # e.g. RoBERTa-style tokenizers name them bos/eos
        cls, sep = ner.tokenizer.bos_token_id, ner.tokenizer.eos_token_id
    rows: dict[str, list[list[int]]] = {"input_ids": [], "labels": []}
    for enc in encode_documents(documents, ner.tokenizer):
        labels = token_labels(enc, documents[enc.doc_index], label2id)
        for start, end in windows(len(enc.input_ids), inner, ner.stride):
            rows["input_ids"].append([cls, *enc.input_ids[start:end], sep])
            rows["labels"].append([-100, *labels[start:end], -100])
    return Dataset.from_dict(rows)


def check_trainable(train_docs: list[Document], max_seconds: float | None = None) -> None:
    """Refuses what would train a model that can remove no PHI; the preset checks itself."""
    if not train_docs:
        raise UserError("no training documents")
    if not any(doc.spans for doc in train_docs):
        raise UserError(
            f"the {len(train_docs)} training documents hold no PHI span: a model trained on them "
            "would find none"
        )
    if max_seconds is not None and not max_seconds > 0:
        raise UserError(f"the time budget must be positive, got {max_seconds} s")


def train_ner(
    preset: NerPreset,
    train_docs: list[Document],
    seed: int = 13,
    labels: list[str] | None = None,
    report: Callable[[str], None] = lambda _: None,
    device: str | None = None,
    max_seconds: float | None = None,
) -> TrainResult:
    """Builds (or loads) the model of `preset` and trains it on `train_docs`. `max_seconds` stops
    training at a wall-clock budget, for benchmarks that compare within a fixed time."""
    check_trainable(train_docs, max_seconds)
    set_seed(seed)
    ner = build_model(preset, labels or label_set(train_docs), train_docs)
    tags = [ner.id2label[i] for i in range(len(ner.id2label))]
    ner.transitions = estimate_transitions(
        [word_tags(doc.text, doc.spans)[1] for doc in train_docs], tags
    )
    dataset = training_windows(ner, train_docs)
    use_cpu = device == "cpu" or (device is None and not torch.cuda.is_available())
    steps_per_epoch = max(1, -(-len(dataset) // preset.batch_size))
    epochs = max(preset.epochs, preset.min_steps / steps_per_epoch)
    with tempfile.TemporaryDirectory() as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            num_train_epochs=epochs,
            per_device_train_batch_size=preset.batch_size,
            learning_rate=preset.learning_rate,
            warmup_steps=min(preset.warmup_steps, steps_per_epoch),
            weight_decay=preset.weight_decay,
            lr_scheduler_type="linear",
            logging_steps=max(1, steps_per_epoch // 2),
            save_strategy="no",
            eval_strategy="no",
            report_to="none",
            disable_tqdm=True,
            seed=seed,
            data_seed=seed,
            use_cpu=use_cpu,
            bf16=not use_cpu and torch.cuda.is_bf16_supported(),
            dataloader_num_workers=0,
        )
        callbacks: list[Any] = [ReportLoss(report)]
        if max_seconds is not None:
            callbacks.append(TimeBudget(max_seconds))
        trainer = Trainer(
            model=ner.model,
            args=args,
            train_dataset=dataset,
            data_collator=DataCollatorForTokenClassification(ner.tokenizer),
            callbacks=callbacks,
        )
        # Progress goes through `report` (the Dagster log or tqdm on the CLI), not to stdout.
        trainer.remove_callback(PrinterCallback)
        started = time.time()
        output = trainer.train()
        seconds = time.time() - started
    ner.model.eval()
    return TrainResult(ner, seconds, output.global_step, len(dataset), output.training_loss)
