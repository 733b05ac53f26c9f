"""Batched prediction: every window of every document, sorted by length so that batches carry
little padding, run under `torch.inference_mode`, mapped back to character spans.

Where windows overlap, a token takes its scores from the window in which it lies furthest from an
edge, where the encoder saw the most context on both sides. Words are then tagged by one of the
decodings of `transitions.decode` ("argmax" is what transformers' "first" aggregation does)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from deid_platform.core.documents import Document
from deid_platform.core.ner.encoding import encode_documents, token_shapes, windows
from deid_platform.core.ner.model import NerModel
from deid_platform.core.ner.recognizers import merge_spans, recognize
from deid_platform.core.ner.shapes import PAD
from deid_platform.core.ner.transitions import DECODINGS, decode
from deid_platform.core.tagging import spans_from_tags


def predict_documents(
    ner: NerModel,
    documents: list[Document],
    batch_size: int = 32,
    report: Callable[[int, int], None] = lambda done, total: None,
    decoding: str = "viterbi",
    recognizers: list[str] | None = None,
) -> list[Document]:
    """Returns copies of `documents` whose spans are the model's predictions, merged with those of
    `recognizers` (default: the model's own)."""
    if decoding not in DECODINGS:
        raise ValueError(f"decoding must be one of {DECODINGS}, got {decoding!r}")
    tokenizer, model = ner.tokenizer, ner.model
    device = next(model.parameters()).device
    cls = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    sep = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    encoded = encode_documents(documents, tokenizer)
    shapes = (
        [token_shapes(enc, documents[enc.doc_index], ner.shapes) for enc in encoded]
        if ner.shapes
        else []
    )
    inner = ner.max_length - 2
    jobs = [
        (enc.doc_index, start, end)
        for enc in encoded
        for start, end in windows(len(enc.input_ids), inner, ner.stride)
        if end > start
    ]
    jobs.sort(key=lambda job: job[2] - job[1], reverse=True)
    # Per token: (centrality of the window it was scored in, log-probabilities over tags).
    best: list[list[tuple[int, np.ndarray | None]]] = [
        [(-1, None)] * len(enc.input_ids) for enc in encoded
    ]
    model.eval()
    with torch.inference_mode():
        for first in range(0, len(jobs), batch_size):
            batch = jobs[first : first + batch_size]
            width = max(end - start for _, start, end in batch) + 2
            ids = torch.full((len(batch), width), tokenizer.pad_token_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            shape_ids = torch.full((len(batch), width), PAD, dtype=torch.long)
            for row, (doc, start, end) in enumerate(batch):
                piece = [cls, *encoded[doc].input_ids[start:end], sep]
                ids[row, : len(piece)] = torch.tensor(piece)
                mask[row, : len(piece)] = 1
                if shapes:
                    shape_ids[row, 1 : end - start + 1] = torch.tensor(shapes[doc][start:end])
            inputs = {"input_ids": ids.to(device), "attention_mask": mask.to(device)}
            if shapes:
                inputs["shape_ids"] = shape_ids.to(device)
            logits = model(**inputs).logits
            scores = torch.log_softmax(logits.float(), dim=-1).cpu().numpy()
            for row, (doc, start, end) in enumerate(batch):
                for position in range(start, end):
                    centrality = min(position - start, end - 1 - position)
                    if centrality > best[doc][position][0]:
                        best[doc][position] = (centrality, scores[row, position - start + 1])
            report(min(first + batch_size, len(jobs)), len(jobs))
    id2label = ner.id2label
    labels = ner.labels
    chosen_recognizers = ner.recognizers if recognizers is None else recognizers
    outside = next(i for i, tag in id2label.items() if tag == "O")
    n_tags = len(id2label)
    out = []
    for enc in encoded:
        source = documents[enc.doc_index]
        chosen = best[enc.doc_index]
        emissions = np.full((len(enc.words), n_tags), -1e9, dtype=np.float32)
        for k, token in enumerate(enc.word_tokens):
            if token >= 0:
                emissions[k] = chosen[token][1]
            else:
                emissions[k, outside] = 0.0
        tag_ids = decode(emissions, ner.transitions, decoding)
        spans = merge_spans(
            spans_from_tags(enc.words, [id2label[i] for i in tag_ids]),
            recognize(source.text, chosen_recognizers, labels),
        )
        out.append(Document(source.id, source.text, spans, dict(source.metadata)))
    return out
