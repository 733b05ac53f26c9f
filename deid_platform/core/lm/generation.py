"""Batched sampling: prompts grouped by target length, left padding, KV cache, EOS handling."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase


@dataclass
class Generated:
    prompt_index: int
    text: str
    new_tokens: int


def generate_batched(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    max_new_tokens: Sequence[int],
    seed: int,
    top_p: float = 0.95,
    temperature: float = 1.0,
    batch_size: int = 64,
    report: Callable[[int, int], None] = lambda done, total: None,
) -> tuple[list[Generated], float]:
    """Samples one continuation per prompt, at most `max_new_tokens[i]` new tokens each, stopping at
    EOS. Prompts of similar target length share a batch, so little is generated only to be cut.
    Returns the texts (prompt included, special tokens removed) and the wall time."""
    device = next(model.parameters()).device
    order = sorted(range(len(prompts)), key=lambda i: max_new_tokens[i])
    results: list[Generated] = []
    started = time.time()
    model.eval()
    for number, first in enumerate(range(0, len(order), batch_size)):
        batch = order[first : first + batch_size]
        encoded = tokenizer(
            [tokenizer.bos_token + prompts[i] for i in batch],
            return_tensors="pt",
            padding=True,
            add_special_tokens=False,
        ).to(device)
        limit = max(max_new_tokens[i] for i in batch)
        # One seed per batch: the same seed, prompts and lengths give the same corpus.
        torch.manual_seed(seed * 100_003 + number)
        with torch.inference_mode():
            output = model.generate(
                **encoded,
                do_sample=True,
                top_p=top_p,
                temperature=temperature,
                max_new_tokens=limit,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
                use_cache=True,
            )
        new = output[:, encoded["input_ids"].shape[1] :].tolist()
        for row, index in enumerate(batch):
            tokens = new[row][: max_new_tokens[index]]
            if tokenizer.eos_token_id in tokens:
                tokens = tokens[: tokens.index(tokenizer.eos_token_id)]
            tokens = [t for t in tokens if t != tokenizer.pad_token_id]
            text = prompts[index] + tokenizer.decode(tokens, skip_special_tokens=True)
            results.append(Generated(index, text, len(tokens)))
        report(min(first + batch_size, len(order)), len(order))
    results.sort(key=lambda g: g.prompt_index)
    return results, time.time() - started
