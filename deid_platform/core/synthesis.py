"""The synthetic corpus: prompts from real dev documents, a generation plan of a given volume,
clean-up of the generated text, and statistics that compare it with the real corpus."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from deid_platform.core.documents import Document

_TOKEN = re.compile(r"\S+")


def prompt_of(text: str, words: int = 3) -> str:
    """The text up to the end of its first `words` whitespace-separated words (the paper prompts
    with the first three words of a held-out document)."""
    matches = list(_TOKEN.finditer(text))[:words]
    return text[: matches[-1].end()] if matches else ""


@dataclass(frozen=True)
class PlannedSample:
    prompt_doc: str
    prompt: str
    max_new_tokens: int


def plan_samples(
    prompt_docs: Sequence[Document],
    lengths: Sequence[int],
    target_tokens: int,
    seed: int,
    words: int = 3,
    max_tokens: int | None = None,
) -> list[PlannedSample]:
    """Samples until their planned lengths add up to `target_tokens`: prompts cycle through the
    prompt documents in a seeded order, lengths are drawn from the real length distribution."""
    if not prompt_docs or not lengths:
        raise ValueError("need prompt documents and a length distribution")
    rng = random.Random(seed)
    order = list(prompt_docs)
    rng.shuffle(order)
    plan: list[PlannedSample] = []
    total = 0
    while total < target_tokens:
        doc = order[len(plan) % len(order)]
        length = rng.choice(lengths)
        if max_tokens:
            length = min(length, max_tokens)
        plan.append(PlannedSample(doc.id, prompt_of(doc.text, words), max(8, length)))
        total += length
    return plan


def clean(texts: Sequence[str], prompts: Sequence[str]) -> list[int]:
    """Indices of the texts to keep: not empty beyond the prompt, and not an exact duplicate."""
    seen: set[str] = set()
    keep = []
    for i, (text, prompt) in enumerate(zip(texts, prompts, strict=True)):
        body = text.strip()
        if not body or body == prompt.strip() or body in seen:
            continue
        seen.add(body)
        keep.append(i)
    return keep


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Distinct n-grams over all n-grams of whitespace tokens: low values mean repetitive text."""
    grams: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        tokens = text.split()
        grams.update(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    total = sum(grams.values())
    return len(grams) / total if total else 0.0


def label_distribution(documents: Sequence[Document]) -> dict[str, float]:
    counts = Counter(span.label for doc in documents for span in doc.spans)
    total = sum(counts.values())
    return {label: count / total for label, count in sorted(counts.items())} if total else {}


def jensen_shannon(p: dict[str, float], q: dict[str, float]) -> float:
    """Jensen-Shannon divergence in bits (0: same distribution, 1: disjoint)."""
    labels = set(p) | set(q)
    if not labels:
        return 0.0

    def kl(a: dict[str, float], m: dict[str, float]) -> float:
        return sum(a[k] * math.log2(a[k] / m[k]) for k in labels if a.get(k, 0) > 0)

    m = {k: (p.get(k, 0.0) + q.get(k, 0.0)) / 2 for k in labels}
    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


@dataclass
class SynthesisResult:
    documents: list[Document]
    stats: dict[str, float | int]
    real_labels: dict[str, int]


def synthesize(
    model,  # noqa: ANN001 - a transformers causal LM
    tokenizer,  # noqa: ANN001
    *,
    train: Sequence[Document],
    prompt_docs: Sequence[Document],
    annotator_dir,  # noqa: ANN001 - path of a saved NER model
    volume: float,
    seed: int,
    top_p: float = 0.95,
    temperature: float = 1.0,
    prompt_words: int = 3,
    batch_size: int = 64,
    provenance: dict[str, str] | None = None,
    device: str = "cpu",
    log=lambda _: None,  # noqa: ANN001
) -> SynthesisResult:
    """Generates `volume` times the training subset's tokens, cleans, and machine-annotates."""
    from deid_platform.core.documents import summarize
    from deid_platform.core.lm.generation import generate_batched
    from deid_platform.core.lm.training import document_ids
    from deid_platform.core.ner.model import load_model
    from deid_platform.core.ner.predict import predict_documents
    from deid_platform.core.validation import Reporter, check_document

    lengths = [len(ids) - 2 for ids in document_ids(tokenizer, [d.text for d in train])]
    target = int(volume * sum(lengths))
    context = getattr(model.config, "max_position_embeddings", 2048)
    plan = plan_samples(prompt_docs, lengths, target, seed, prompt_words, max_tokens=context - 16)
    log(f"generating {len(plan)} samples, {target} tokens planned")
    generated, seconds = generate_batched(
        model,
        tokenizer,
        [p.prompt for p in plan],
        [p.max_new_tokens for p in plan],
        seed,
        top_p=top_p,
        temperature=temperature,
        batch_size=batch_size,
        report=lambda done, total: log(f"generated {done}/{total} samples"),
    )
    texts = [g.text for g in generated]
    keep = clean(texts, [p.prompt for p in plan])
    new_tokens = sum(g.new_tokens for g in generated)
    raw = [
        Document(
            f"synthetic-{i:06d}",
            texts[i],
            [],
            {"prompt_doc": plan[i].prompt_doc, "sample": i, "seed": seed, **(provenance or {})},
        )
        for i in keep
    ]
    annotator = load_model(annotator_dir, device)
    annotated = predict_documents(
        annotator, raw, report=lambda done, total: log(f"annotated {done}/{total} windows")
    )
    reporter = Reporter(lenient=True)
    documents = [d for d in annotated if check_document(d, "synthetic", reporter) is not None]
    real = summarize(train)["labels"]
    stats: dict[str, float | int] = {
        "documents": len(documents),
        "samples_generated": len(generated),
        "dropped_empty_or_duplicate": len(generated) - len(keep),
        "invalid_spans_or_documents": len(reporter.warnings),
        "tokens_generated": new_tokens,
        "tokens_planned": target,
        "generation_seconds": round(seconds, 2),
        "generation_tokens_per_second": round(new_tokens / seconds, 1) if seconds else 0.0,
        "spans": sum(len(d.spans) for d in documents),
        "label_jsd_vs_real": round(
            jensen_shannon(label_distribution(documents), label_distribution(train)), 4
        ),
        **{
            f"distinct_{n}": round(distinct_n([d.text for d in documents], n), 4) for n in (1, 2, 3)
        },
    }
    return SynthesisResult(documents, stats, real)
