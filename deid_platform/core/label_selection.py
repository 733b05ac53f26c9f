"""Selection of annotated synthetic notes whose PHI matches the real corpus label by label.

Generated notes under-serve rare PHI (phone and fax numbers, relatives, professions, hospitals)
even when the overall label distribution is close to the real one: a synthetic model then sees
too few of them to learn them. Generating more text than needed and keeping the notes that fill
each label's real count best gives every label its real density per token.

A note's gain is the share of each label's target it fills, less the share it overshoots: every
label weighs the same, so a note with a fax number gains far more than one with another date, and
a note that would push a label past its target counts against it. Gains only fall as targets
fill, so a lazy greedy (best gain per token first, stale gains re-checked) picks as a full greedy
would. It goes on past the point where no note gains anything: the rest of the budget then takes
the notes that overshoot least per token (PHI-free notes first, in the given order), so that a
pool denser in PHI than the real notes (MEDDOCAN's generators write 1.2 to 1.7 times the real
density of dates, ages and places) is brought down to the real density rather than left at it."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from deid_platform.core.documents import Document


def whitespace_tokens(doc: Document) -> int:
    return len(doc.text.split())


def label_counts(documents: Sequence[Document]) -> Counter[str]:
    return Counter(span.label for doc in documents for span in doc.spans)


def label_targets(
    real: Sequence[Document], budget: int, tokens: Callable[[Document], int] = whitespace_tokens
) -> dict[str, float]:
    """Each label's count in `budget` tokens at the real corpus's density per token."""
    real_tokens = sum(tokens(doc) for doc in real)
    if real_tokens <= 0:
        return {}
    return {label: n * budget / real_tokens for label, n in sorted(label_counts(real).items())}


def _gain(
    counts: Mapping[str, int], filled: Mapping[str, float], targets: Mapping[str, float]
) -> float:
    """The share of each label's target a note fills, less the share it overshoots: a note dense
    in dates as well as in fax numbers must not push dates far past their real density."""
    total = 0.0
    for label, n in counts.items():
        if label in targets:
            room = max(0.0, targets[label] - filled[label])
            total += (min(n, room) - max(0.0, n - room)) / targets[label]
    return total


def select_by_labels(
    documents: Sequence[Document],
    targets: Mapping[str, float],
    budget: int,
    tokens: Callable[[Document], int] = whitespace_tokens,
) -> list[Document]:
    """Documents (in their given order) adding up to at least `budget` tokens (or all of them),
    chosen so that their per-label span counts come closest to `targets` (see
    `label_targets`)."""
    targets = {label: t for label, t in targets.items() if t > 0}
    sizes = [max(1, tokens(doc)) for doc in documents]
    counts = [Counter(span.label for span in doc.spans) for doc in documents]
    filled = dict.fromkeys(targets, 0.0)
    chosen: set[int] = set()
    total = 0
    # Lazy greedy: a heap of stale gains per token; a note's gain only falls as targets fill.
    heap = [(-_gain(counts[i], filled, targets) / sizes[i], i) for i in range(len(documents))]
    heapq.heapify(heap)
    while heap and total < budget:
        _, i = heapq.heappop(heap)
        fresh = _gain(counts[i], filled, targets) / sizes[i]
        if heap and fresh < -heap[0][0]:
            heapq.heappush(heap, (-fresh, i))
            continue
        chosen.add(i)
        total += sizes[i]
        for label, n in counts[i].items():
            if label in filled:
                filled[label] += n
    return [doc for i, doc in enumerate(documents) if i in chosen]


def label_count_table(
    real: Sequence[Document],
    synthetic: dict[str, Sequence[Document]],
    tokens: Callable[[Document], int] = whitespace_tokens,
) -> str:
    """Markdown: per label, spans per 10,000 tokens in the real corpus and in each synthetic
    corpus (counts and densities only, no text)."""

    def density(docs: Sequence[Document]) -> tuple[Counter[str], float]:
        return label_counts(docs), max(1, sum(tokens(d) for d in docs)) / 10_000

    columns = {"real": density(real), **{name: density(docs) for name, docs in synthetic.items()}}
    labels = sorted(columns["real"][0], key=lambda label: -columns["real"][0][label])
    labels += sorted({lab for c, _ in columns.values() for lab in c} - set(labels))
    head = " | ".join(f"{name} n | {name} /10k tok" for name in columns)
    lines = [f"| label | {head} |", "|---|" + "---:|---:|" * len(columns)]
    for label in labels:
        cells = " | ".join(f"{c[label]} | {c[label] / per:.1f}" for c, per in columns.values())
        lines.append(f"| {label} | {cells} |")
    return "\n".join(lines)
