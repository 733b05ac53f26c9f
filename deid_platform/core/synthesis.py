"""The synthetic corpus: prompts from real dev documents, a generation plan of a given volume,
clean-up of the generated text, machine annotation, and statistics that compare it with the real
corpus. Generation and annotation are separate steps, so that one synthetic text can be annotated
by several annotators (the paper's ablations)."""

from __future__ import annotations

import math
import random
import re
import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scipy.spatial.distance import jensenshannon

from deid_platform.core.documents import Document
from deid_platform.core.errors import UserError
from deid_platform.core.prompts import phi_strings, prompt_of, safe_prompt
from deid_platform.core.records import Sampling

# Control characters and line separators other than newline and tab: a byte-level generator can
# write them, and no clinical note needs them (BRAT cannot even quote them in an annotation line).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


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
    prompts: Mapping[str, str] | None = None,
) -> list[PlannedSample]:
    """Samples until their planned lengths add up to `target_tokens`: prompts cycle through the
    prompt documents in a seeded order, lengths are drawn from the real length distribution (a
    sample may end earlier, at EOS). The plan for a smaller target is a prefix of the plan for a
    larger one. A prompt is the document's first `words` words, or its entry in `prompts`."""
    if not prompt_docs or not lengths:
        raise ValueError("need prompt documents and a length distribution")
    rng = random.Random(seed)
    order = list(prompt_docs)
    rng.shuffle(order)
    plan: list[PlannedSample] = []
    total = 0
    while total < target_tokens:
        doc = order[len(plan) % len(order)]
        length = max(8, rng.choice(lengths))
        prompt = prompts[doc.id] if prompts is not None else prompt_of(doc.text, words)
        plan.append(PlannedSample(doc.id, prompt, length))
        total += length
    return plan


def printable(text: str) -> str:
    """The text with control characters and odd line separators turned into spaces."""
    return _CONTROL.sub(" ", text)


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
    labels = sorted(set(p) | set(q))
    if not labels:
        return 0.0
    distance = jensenshannon([p.get(k, 0.0) for k in labels], [q.get(k, 0.0) for k in labels], 2)
    return float(distance) ** 2


def under_represented(
    synthetic: dict[str, float], real: dict[str, float], ratio: float = 0.5
) -> list[str]:
    """Labels whose share of the synthetic spans is below `ratio` times their real share."""
    return sorted(
        label for label, share in real.items() if synthetic.get(label, 0.0) < ratio * share
    )


def token_lengths(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    """Each text's length in the generator's tokens (BOS and EOS not counted): the unit of the
    synthetic volume, for real and synthetic notes alike."""
    from deid_platform.core.lm.training import document_ids

    return [len(ids) - 2 for ids in document_ids(tokenizer, texts)]


def generation_sources(
    train: Sequence[Document], splits: Mapping[str, Sequence[Document]], volume_of: str
) -> dict[str, Sequence[Document]]:
    """The real notes `generate_documents` reads: the training notes whose lengths it draws, the
    text its volume counts against (the whole training corpus or the subset, `volume_of`) and the
    dev notes whose opening words prompt it."""
    return {
        "train": train,
        "reference": splits["train"] if volume_of == "corpus" else train,
        "prompt_docs": splits["dev"],
    }


# Rounds stop here even short of the target: a generator that ends every note at once (EOS)
# would otherwise loop; the shortfall shows in volume_tokens.
MAX_ROUNDS = 10


def generate_documents(
    model: Any,
    tokenizer: Any,
    *,
    train: Sequence[Document],
    reference: Sequence[Document],
    prompt_docs: Sequence[Document],
    sampling: Sampling,
    language: str,
    batch_size: int | None = 64,
    pool: float = 1.0,
    provenance: dict[str, Any] | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[list[Document], dict[str, float | int]]:
    """Synthetic notes, unannotated: `volume` times the tokens of the `reference` real text (the
    whole training corpus or the fraction's subset, see `SyntheticTextConfig.volume_of`), counted
    in the generator's tokens. Each sample is capped at a length drawn from the training
    documents' lengths and may end earlier at EOS, so generation goes on in rounds, each planning
    what is missing divided by the share of planned tokens produced so far, until the produced
    tokens reach the target; the corpus is then cut to the target (`select_tokens`). Documents
    keep the plan's order. Prompts carry surrogates of the `language` in place of the PHI of the
    prompt documents (`core.prompts.safe_prompt`). `batch_size` None: as many samples as the free
    memory holds. `pool` above 1 generates that multiple of the target, for a corpus that
    chooses its notes (`core.label_selection`); `tokens_target` stays the volume's."""
    from deid_platform.core.lm.generation import generate_batched

    if pool < 1:
        raise UserError(f"pool must be at least 1 (a multiple of the volume), got {pool}")
    lengths = token_lengths(tokenizer, [d.text for d in train])
    avoid = phi_strings(list(prompt_docs))
    safe = {
        doc.id: safe_prompt(doc, sampling.prompt_words, language, sampling.seed, avoid)
        for doc in prompt_docs
    }
    prompts = {doc_id: prompt for doc_id, (prompt, _) in safe.items()}
    real_tokens = sum(token_lengths(tokenizer, [d.text for d in reference]))
    target = int(sampling.volume * real_tokens)
    goal = int(pool * target)
    texts: list[str] = []
    plan: list[PlannedSample] = []
    ended: list[bool] = []
    tokens: list[int] = []
    rounds = new_tokens = planned = produced = seconds = 0
    while produced < goal and rounds < MAX_ROUNDS:
        produce_rate = produced / planned if planned else 1.0
        wanted = math.ceil((goal - produced) / max(produce_rate, 0.05))
        seed = sampling.seed * 1_000 + rounds
        more = plan_samples(prompt_docs, lengths, wanted, seed, sampling.prompt_words, prompts)
        log(f"round {rounds + 1}: generating {len(more)} samples, {wanted} tokens planned")
        generated, took = generate_batched(
            model,
            tokenizer,
            [p.prompt for p in more],
            [p.max_new_tokens for p in more],
            seed,
            top_p=sampling.top_p,
            temperature=sampling.temperature,
            batch_size=batch_size,
            report=lambda done, total: log(f"generated {done}/{total} samples"),
        )
        batch = [printable(g.text) for g in generated]
        texts += batch
        plan += more
        ended += [g.ended for g in generated]
        tokens += token_lengths(tokenizer, batch)
        rounds, seconds = rounds + 1, seconds + took
        new_tokens += sum(g.new_tokens for g in generated)
        planned += sum(p.max_new_tokens for p in more)
        produced = sum(tokens[i] for i in clean(texts, [p.prompt for p in plan]))
    keep = clean(texts, [p.prompt for p in plan])
    documents = select_tokens(
        [
            Document(
                f"synthetic-{i:06d}",
                texts[i],
                [],
                {
                    "prompt_doc": plan[i].prompt_doc,
                    "sample": i,
                    "seed": sampling.seed,
                    "ended": ended[i],
                    "tokens": tokens[i],
                    **(provenance or {}),
                },
            )
            for i in keep
        ],
        goal,
    )
    produced = sum(d.metadata["tokens"] for d in documents)
    real_chars = sum(len(d.text) for d in reference)
    stats: dict[str, float | int] = {
        "documents": len(documents),
        "samples_generated": len(texts),
        "dropped_empty_or_duplicate": len(texts) - len(keep),
        "dropped_over_volume": len(keep) - len(documents),
        "generation_rounds": rounds,
        "tokens_target": target,
        "tokens_pool_target": goal,
        "tokens_planned": planned,
        "tokens_generated": new_tokens,
        "tokens_produced": produced,
        "volume_tokens": round(produced / max(1, real_tokens), 3),
        "volume_characters": round(sum(len(d.text) for d in documents) / max(1, real_chars), 3),
        "ended_with_eos": round(sum(ended) / max(1, len(ended)), 4),
        # PHI spans of the prompt documents' first words, each replaced by a surrogate.
        "prompt_phi_replaced": sum(count for _, count in safe.values()),
        "median_characters": statistics.median(len(d.text) for d in documents) if documents else 0,
        "real_median_characters": statistics.median(len(d.text) for d in train),
        "generation_dtype": str(next(model.parameters()).dtype).removeprefix("torch."),
        "generation_seconds": round(seconds, 2),
        "generation_tokens_per_second": round(new_tokens / seconds, 1) if seconds else 0.0,
        **{
            f"distinct_{n}": round(distinct_n([d.text for d in documents], n), 4) for n in (1, 2, 3)
        },
    }
    return documents, stats


def select_tokens(documents: Sequence[Document], tokens: int) -> list[Document]:
    """The first documents, in plan order, whose generator tokens (`metadata["tokens"]`) first
    reach `tokens`: the synthetic corpus at its volume, and, for an ablation that reads a larger
    synthetic text, a sample of it with the same length distribution. Every mode selects with
    this, so all train on the same produced token count."""
    out: list[Document] = []
    total = 0
    for doc in documents:
        if total >= tokens:
            break
        out.append(doc)
        total += doc.metadata["tokens"]
    return out


def annotate_documents(
    documents: Sequence[Document],
    annotator_dir: str | Path,
    real: Sequence[Document],
    device: str = "cpu",
    decoding: str = "viterbi",
    log: Callable[[str], None] = lambda _: None,
) -> tuple[list[Document], dict[str, Any]]:
    """Machine annotation of synthetic text with a saved NER model, and how its label
    distribution compares with the real training documents'."""
    from deid_platform.core.ner.model import load_model
    from deid_platform.core.ner.predict import predict_documents
    from deid_platform.core.validation import Reporter, check_document

    annotator = load_model(annotator_dir, device)
    annotated = predict_documents(
        annotator,
        list(documents),
        decoding=decoding,
        report=lambda done, total: log(f"annotated {done}/{total} windows"),
    )
    reporter = Reporter(lenient=True)
    kept = [d for d in annotated if check_document(d, "synthetic", reporter) is not None]
    return kept, {**label_stats(kept, real), "invalid_spans_or_documents": len(reporter.warnings)}


def label_stats(documents: Sequence[Document], real: Sequence[Document]) -> dict[str, Any]:
    """Counts of annotated synthetic documents and how their label distribution compares with
    the real training documents'."""
    synthetic_labels, real_labels = label_distribution(documents), label_distribution(real)
    return {
        "documents": len(documents),
        "spans": sum(len(d.spans) for d in documents),
        "label_jsd_vs_real": round(jensen_shannon(synthetic_labels, real_labels), 4),
        "under_represented_labels": under_represented(synthetic_labels, real_labels),
    }
