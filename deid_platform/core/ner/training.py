"""Fine-tuning a token classifier on documents through the HF Trainer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from datasets import Dataset
from transformers import DataCollatorForTokenClassification, set_seed

from deid_platform.core.documents import Document
from deid_platform.core.errors import UserError
from deid_platform.core.labels import label_set
from deid_platform.core.ner.encoding import (
    encode_documents,
    token_labels,
    token_shapes,
    windows,
)
from deid_platform.core.ner.model import NerModel, build_model
from deid_platform.core.ner.presets import NerPreset
from deid_platform.core.ner.shapes import PAD
from deid_platform.core.ner.transitions import estimate_transitions
from deid_platform.core.precision import resolve_precision
from deid_platform.core.tagging import word_tags
from deid_platform.core.trainer import Schedule, train


@dataclass
class TrainResult:
    ner: NerModel
    seconds: float
    steps: int
    train_windows: int
    final_loss: float | None
    precision: str


def training_windows(ner: NerModel, documents: list[Document]) -> Dataset:
    label2id = {v: k for k, v in ner.id2label.items()}
    inner = ner.max_length - 2
    cls, sep = ner.tokenizer.cls_token_id, ner.tokenizer.sep_token_id
    if cls is None:  # e.g. RoBERTa-style tokenizers name them bos/eos
        cls, sep = ner.tokenizer.bos_token_id, ner.tokenizer.eos_token_id
    rows: dict[str, list[list[int]]] = {"input_ids": [], "labels": []}
    if ner.shapes:
        rows["shape_ids"] = []
    for enc in encode_documents(documents, ner.tokenizer):
        doc = documents[enc.doc_index]
        labels = token_labels(enc, doc, label2id)
        shapes = token_shapes(enc, doc, ner.shapes) if ner.shapes else []
        for start, end in windows(len(enc.input_ids), inner, ner.stride):
            rows["input_ids"].append([cls, *enc.input_ids[start:end], sep])
            rows["labels"].append([-100, *labels[start:end], -100])
            if ner.shapes:
                rows["shape_ids"].append([PAD, *shapes[start:end], PAD])
    return Dataset.from_dict(rows)


class ShapeCollator(DataCollatorForTokenClassification):
    """Pads `shape_ids` beside what the token-classification collator pads (it knows only the
    tokenizer's inputs and the labels)."""

    def torch_call(self, features: list[dict]) -> dict:
        shapes = [f["shape_ids"] for f in features]
        batch = super().torch_call(
            [{k: v for k, v in f.items() if k != "shape_ids"} for f in features]
        )
        width = batch["input_ids"].shape[1]
        batch["shape_ids"] = torch.tensor([s + [PAD] * (width - len(s)) for s in shapes])
        return batch


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
    seed: int,
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
    steps_per_epoch = max(1, -(-len(dataset) // preset.batch_size))
    schedule = Schedule(
        epochs=max(preset.epochs, preset.min_steps / steps_per_epoch),
        batch_size=preset.batch_size,
        learning_rate=preset.learning_rate,
        warmup_steps=preset.warmup_steps,
        weight_decay=preset.weight_decay,
        scheduler="linear",
        logs_per_epoch=2,
    )
    note = resolve_precision(preset.precision, device).note
    if note:
        report(f"fallback: {note}")
    trained = train(
        ner.model,
        dataset,
        (ShapeCollator if ner.shapes else DataCollatorForTokenClassification)(ner.tokenizer),
        schedule,
        seed,
        device,
        report,
        max_seconds,
        precision=preset.precision,
    )
    return TrainResult(
        ner, trained.seconds, trained.steps, len(dataset), trained.final_loss, trained.precision
    )
