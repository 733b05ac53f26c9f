"""Plain next-token training (pre-training and domain adaptation) and per-document losses."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from datasets import Dataset
from transformers import (
    DataCollatorForSeq2Seq,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    set_seed,
)

from deid_platform.core.lm.generation import model_context
from deid_platform.core.lm.model import document_start
from deid_platform.core.lm.presets import LmPreset
from deid_platform.core.trainer import Schedule, train


@dataclass
class LmTrainStats:
    seconds: float
    steps: int
    blocks: int
    final_loss: float
    precision: str


def document_ids(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> list[list[int]]:
    """Each document as <s> ... </s>, so that the model learns where notes start and end."""
    encoded = tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]
    start = document_start(tokenizer)
    return [[start, *ids, tokenizer.eos_token_id] for ids in encoded]


def document_windows(
    tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], context: int
) -> list[list[list[int]]]:
    """Each document (as `document_ids`) in consecutive windows of at most `context` tokens, no
    window shared by two documents; windows of a single token, which predict nothing, are left
    out."""
    out = []
    for ids in document_ids(tokenizer, texts):
        pieces = [ids[start : start + context] for start in range(0, max(1, len(ids) - 1), context)]
        out.append([piece for piece in pieces if len(piece) > 1])
    return out


def lm_blocks(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], context: int) -> Dataset:
    """Documents concatenated and cut into blocks of `context` tokens (the standard packing).
    Labels are the tokens themselves: a collator that derived them from the pad id would drop
    every EOS from the loss where EOS doubles as the pad (GPT-2, Llama), and the model would never
    learn to end a note."""
    stream = [token for ids in document_ids(tokenizer, texts) for token in ids]
    blocks = [stream[i : i + context] for i in range(0, len(stream), context)]
    if len(blocks) > 1 and len(blocks[-1]) < context // 4:
        blocks.pop()
    return Dataset.from_dict({"input_ids": blocks, "labels": blocks})


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
    dataset = lm_blocks(tokenizer, texts, min(preset.context, model_context(model)))
    schedule = Schedule(
        epochs=epochs,
        batch_size=preset.batch_size,
        learning_rate=learning_rate,
        warmup_steps=preset.warmup_steps,
        weight_decay=preset.weight_decay,
        scheduler="cosine",
    )
    # Only the last block can be short; its padding gets label -100 (ignored).
    collator = DataCollatorForSeq2Seq(tokenizer, label_pad_token_id=-100)
    trained = train(
        model,
        dataset,
        collator,
        schedule,
        seed,
        device,
        report,
        precision=preset.precision,
        gradient_checkpointing=preset.gradient_checkpointing,
    )
    return LmTrainStats(
        trained.seconds, trained.steps, len(dataset), trained.final_loss, trained.precision
    )


@torch.inference_mode()
def document_nll(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    context: int,
    batch_size: int = 16,
    chunk_tokens: int = 1024,
) -> list[tuple[float, int]]:
    """(summed negative log-likelihood, predicted tokens) per document, each document scored in
    consecutive windows of `context` tokens (at most the model's). The basis of perplexity and of
    membership inference. Memory stays bounded by `chunk_tokens`: see `token_losses`."""
    context = min(context, model_context(model))
    device = next(model.parameters()).device
    pieces = [
        (index, piece)
        for index, windows in enumerate(document_windows(tokenizer, texts, context))
        for piece in windows
    ]
    totals = [[0.0, 0] for _ in texts]
    pieces.sort(key=lambda p: len(p[1]))
    for first in range(0, len(pieces), batch_size):
        batch = pieces[first : first + batch_size]
        ids, mask = right_padded([piece for _, piece in batch], tokenizer.pad_token_id)
        rows, losses = token_losses(model, ids.to(device), mask.to(device), chunk_tokens)
        sums = torch.zeros(len(batch), device=losses.device).index_add_(0, rows, losses)
        counts = mask[:, 1:].sum(1)
        for row, (index, _) in enumerate(batch):
            totals[index][0] += float(sums[row])
            totals[index][1] += int(counts[row])
    return [(nll, n) for nll, n in totals]


def right_padded(pieces: Sequence[Sequence[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids of pieces of unequal length as one right-padded batch, and its attention mask."""
    width = max(len(piece) for piece in pieces)
    ids = torch.full((len(pieces), width), pad, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, piece in enumerate(pieces):
        ids[row, : len(piece)] = torch.tensor(piece)
        mask[row, : len(piece)] = 1
    return ids, mask


def token_losses(
    model: PreTrainedModel, ids: torch.Tensor, mask: torch.Tensor, chunk_tokens: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The loss of every predicted token of a right-padded batch, and the row of each. The
    decoder's hidden states go through the output head `chunk_tokens` at a time: the float32
    logits of a whole batch (16 x 2,048 positions x a 50k vocabulary: 6.6 GB, and as much again
    for the softmax) never exist at once. The head is the output embedding, followed by the
    soft-capping of the models that have one (Gemma 2 and 3), as their forward applies it."""
    hidden = model.get_decoder()(input_ids=ids, attention_mask=mask).last_hidden_state
    head = model.get_output_embeddings()
    cap = getattr(model.config, "final_logit_softcapping", None)
    rows, positions = mask[:, 1:].nonzero(as_tuple=True)
    states = hidden[rows, positions]
    targets = ids[rows, positions + 1]
    losses = torch.empty(len(rows), device=hidden.device)
    for start in range(0, len(rows), chunk_tokens):
        end = start + chunk_tokens
        logits = head(states[start:end]).float()
        if cap:
            logits = torch.tanh(logits / cap) * cap
        losses[start:end] = torch.nn.functional.cross_entropy(
            logits, targets[start:end], reduction="none"
        )
    return rows, losses


def perplexity(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], context: int
) -> float:
    scores = document_nll(model, tokenizer, texts, context)
    tokens = sum(n for _, n in scores)
    return math.exp(sum(nll for nll, _ in scores) / tokens) if tokens else float("nan")
