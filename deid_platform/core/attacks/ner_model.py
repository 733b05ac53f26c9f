"""Membership inference against the shared synthetic NER model: a note whose words the generator
learned, and so wrote into the synthetic corpus, may be tagged with lower loss by a model trained on
that corpus. The attacker holds real notes with gold labels and the model."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from deid_platform.core.documents import Document
from deid_platform.core.ner.encoding import IGNORE, encode_documents, windows
from deid_platform.core.ner.model import NerModel
from deid_platform.core.tagging import word_tags


def gold_label_scores(ner: NerModel, documents: Sequence[Document], batch: int = 16) -> list[float]:
    """Per note: minus the mean cross-entropy of its gold IOB2 tags (on each word's first subword,
    every window of the note). Higher means more likely a member. Tags the model does not know
    are left out."""
    label2id = {tag: i for i, tag in ner.id2label.items()}
    tokenizer, model = ner.tokenizer, ner.model
    cls = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    sep = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    rows: list[tuple[int, list[int], list[int]]] = []
    for enc in encode_documents(list(documents), tokenizer):
        doc = documents[enc.doc_index]
        labels = [IGNORE] * len(enc.input_ids)
        for token, tag in zip(enc.word_tokens, word_tags(doc.text, doc.spans)[1], strict=True):
            if token >= 0:
                labels[token] = label2id.get(tag, IGNORE)
        for start, end in windows(len(enc.input_ids), ner.max_length - 2, ner.stride):
            rows.append(
                (
                    enc.doc_index,
                    [cls, *enc.input_ids[start:end], sep],
                    [IGNORE, *labels[start:end], IGNORE],
                )
            )
    total, count = [0.0] * len(documents), [0] * len(documents)
    device = next(model.parameters()).device
    model.eval()
    with torch.inference_mode():
        for first in range(0, len(rows), batch):
            chunk = rows[first : first + batch]
            width = max(len(ids) for _, ids, _ in chunk)
            ids = torch.full((len(chunk), width), tokenizer.pad_token_id, dtype=torch.long)
            gold = torch.full((len(chunk), width), IGNORE, dtype=torch.long)
            for row, (_, piece, tags) in enumerate(chunk):
                ids[row, : len(piece)] = torch.tensor(piece)
                gold[row, : len(tags)] = torch.tensor(tags)
            logits = model(
                input_ids=ids.to(device), attention_mask=(ids != tokenizer.pad_token_id).to(device)
            ).logits
            loss = torch.nn.functional.cross_entropy(
                logits.float().transpose(1, 2),
                gold.to(device),
                ignore_index=IGNORE,
                reduction="none",
            ).cpu()
            for row, (doc, _, _) in enumerate(chunk):
                scored = gold[row] != IGNORE
                total[doc] += float(loss[row][scored].sum())
                count[doc] += int(scored.sum())
    return [-(t / n) if n else 0.0 for t, n in zip(total, count, strict=True)]
