"""Reference measurements shared by the scoring tests and benchmarks/scoring_memory.py: the
whole-batch scoring that chunked scoring replaced, and torch's allocator peak."""

import torch
from torch.profiler import ProfilerActivity, profile

from deid_platform.core.lm.training import document_ids


def whole_batch_nll(model, tokenizer, texts, context, batch_size):
    """The scoring this replaces: float32 logits of the whole batch, then the losses."""
    pieces = [
        (i, ids[s : s + context])
        for i, ids in enumerate(document_ids(tokenizer, texts))
        for s in range(0, max(1, len(ids) - 1), context)
        if len(ids[s : s + context]) > 1
    ]
    pieces.sort(key=lambda p: len(p[1]))
    totals = [[0.0, 0] for _ in texts]
    with torch.inference_mode():
        for first in range(0, len(pieces), batch_size):
            batch = pieces[first : first + batch_size]
            width = max(len(p) for _, p in batch)
            ids = torch.full((len(batch), width), tokenizer.pad_token_id)
            mask = torch.zeros_like(ids)
            for row, (_, piece) in enumerate(batch):
                ids[row, : len(piece)], mask[row, : len(piece)] = torch.tensor(piece), 1
            logits = model(input_ids=ids, attention_mask=mask).logits.float()
            losses = torch.nn.functional.cross_entropy(
                logits[:, :-1].transpose(1, 2), ids[:, 1:], reduction="none"
            )
            for row, (index, _) in enumerate(batch):
                totals[index][0] += float((losses[row] * mask[row, 1:]).sum())
                totals[index][1] += int(mask[row, 1:].sum())
    return [tuple(t) for t in totals]


def peak_bytes(score) -> int:
    """The most CPU memory torch's allocator held at once while `score` ran, beyond what was
    allocated before (the model): from the profiler's allocation and free events, in order."""
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        score()
    events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    held = peak = 0
    for event in sorted(events, key=lambda e: e.start_ns()):
        held += event.nbytes()
        peak = max(peak, held)
    return peak
