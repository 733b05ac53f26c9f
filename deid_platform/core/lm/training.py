"""Plain next-token training (pre-training and domain adaptation) and per-document losses."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from datasets import Dataset
from transformers import (
    DataCollatorForLanguageModeling,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    set_seed,
)

from deid_platform.core.lm.presets import LmPreset
from deid_platform.core.trainer import Schedule, train


@dataclass
class LmTrainStats:
    seconds: float
    steps: int
    blocks: int
    final_loss: float


def document_ids(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> list[list[int]]:
    """Each document as <s> ... </s>, so that the model learns where notes start and end."""
    encoded = tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]
    return [[tokenizer.bos_token_id, *ids, tokenizer.eos_token_id] for ids in encoded]


def lm_blocks(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], context: int) -> Dataset:
    """Documents concatenated and cut into blocks of `context` tokens (the standard packing)."""
    stream = [token for ids in document_ids(tokenizer, texts) for token in ids]
    blocks = [stream[i : i + context] for i in range(0, len(stream), context)]
    if len(blocks) > 1 and len(blocks[-1]) < context // 4:
        blocks.pop()
    return Dataset.from_dict({"input_ids": blocks})


def train_causal_lm(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    preset: LmPreset,
    epochs: float,
    learning_rate: float,
    seed: int,
    report: Callable[[str], None] = lambda _: None,
    device: str | None = None,
) -> LmTrainStats:
    """Next-token training on `texts` in blocks of the preset's context (pre-training and
    adaptation differ only in epochs and learning rate)."""
    set_seed(seed)
    dataset = lm_blocks(tokenizer, texts, preset.context)
    schedule = Schedule(
        epochs=epochs,
        batch_size=preset.batch_size,
        learning_rate=learning_rate,
        warmup_steps=preset.warmup_steps,
        weight_decay=preset.weight_decay,
        scheduler="cosine",
    )
    collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)
    trained = train(model, dataset, collator, schedule, seed, device, report)
    return LmTrainStats(trained.seconds, trained.steps, len(dataset), trained.final_loss)


@torch.inference_mode()
def document_nll(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    context: int,
    batch_size: int = 16,
) -> list[tuple[float, int]]:
    """(summed negative log-likelihood, predicted tokens) per document, each document scored in
    consecutive windows of `context` tokens. The basis of perplexity and of membership inference."""
    device = next(model.parameters()).device
    pieces: list[tuple[int, list[int]]] = []
    for index, ids in enumerate(document_ids(tokenizer, texts)):
        for start in range(0, max(1, len(ids) - 1), context):
            piece = ids[start : start + context]
            if len(piece) > 1:
                pieces.append((index, piece))
    totals = [[0.0, 0] for _ in texts]
    pieces.sort(key=lambda p: len(p[1]))
    for first in range(0, len(pieces), batch_size):
        batch = pieces[first : first + batch_size]
        width = max(len(p) for _, p in batch)
        ids = torch.full((len(batch), width), tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, (_, piece) in enumerate(batch):
            ids[row, : len(piece)] = torch.tensor(piece)
            mask[row, : len(piece)] = 1
        ids, mask = ids.to(device), mask.to(device)
        logits = model(input_ids=ids, attention_mask=mask).logits.float()
        losses = torch.nn.functional.cross_entropy(
            logits[:, :-1].transpose(1, 2), ids[:, 1:], reduction="none"
        )
        valid = mask[:, 1:].float()
        for row, (index, _) in enumerate(batch):
            totals[index][0] += float((losses[row] * valid[row]).sum())
            totals[index][1] += int(valid[row].sum())
    return [(nll, n) for nll, n in totals]


def perplexity(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], context: int
) -> float:
    scores = document_nll(model, tokenizer, texts, context)
    tokens = sum(n for _, n in scores)
    return math.exp(sum(nll for nll, _ in scores) / tokens) if tokens else float("nan")
