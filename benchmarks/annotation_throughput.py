"""Documents per second of the batched predictor against transformers'
`pipeline("token-classification")` called one document at a time, on the same model and
documents, with the spans of both compared.

    .venv/bin/python -m benchmarks.annotation_throughput \
        --model benchmarks/out/meddocan_embedded_model

The pipeline gets the same words the predictor uses (`is_split_into_words=True`) and the same
window overlap (`stride`), with `aggregation_strategy="first"`: the label of a word's first
subword, which is what the predictor's argmax decoding does. ("simple" aggregation labels subwords
and splits words in the middle, which no de-identification output should do.) The last line is one
JSON object."""

import argparse
import time
from bisect import bisect_right

import torch
from transformers import pipeline

from benchmarks.common import SHARED_DATA, emit, machine
from deid_platform.core.documents import Document, Span
from deid_platform.core.formats import read_corpus
from deid_platform.core.ner.model import load_model
from deid_platform.core.ner.predict import predict_documents
from deid_platform.core.text import word_offsets


def pipeline_spans(pipe, doc: Document) -> list[Span]:  # noqa: ANN001
    words = word_offsets(doc.text)
    tokens = [doc.text[a:b] for a, b in words]
    # The pipeline reports offsets into the words joined by single spaces: map them back to the
    # words that hold an entity's first and last character.
    joined_starts, cursor = [], 0
    for token in tokens:
        joined_starts.append(cursor)
        cursor += len(token) + 1
    entities = pipe(tokens, is_split_into_words=True)
    entities = entities[0] if entities and isinstance(entities[0], list) else entities
    return [
        Span(
            words[bisect_right(joined_starts, e["start"]) - 1][0],
            words[bisect_right(joined_starts, e["end"] - 1) - 1][1],
            e["entity_group"],
        )
        for e in entities
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", default=str(SHARED_DATA / "meddocan" / "dev"))
    parser.add_argument("--docs", type=int, default=250)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--max-chars",
        type=int,
        help="cut documents at a line end before this many characters (one window each, to "
        "compare decoding without window merging)",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    ner = load_model(args.model)
    docs = [Document(d.id, d.text) for d in read_corpus(args.data, "brat").documents[: args.docs]]
    if args.max_chars:
        docs = [
            Document(d.id, d.text[: d.text.rfind("\n", 0, args.max_chars) + 1 or args.max_chars])
            for d in docs
        ]
    pipe = pipeline(
        "token-classification",
        model=ner.model,
        tokenizer=ner.tokenizer,
        aggregation_strategy="first",
        stride=ner.stride,
        device=-1,
    )
    # Warm-up, so that neither side pays one-off costs in the timed runs.
    predict_documents(ner, docs[:2])
    pipeline_spans(pipe, docs[0])

    started = time.perf_counter()
    ours = predict_documents(ner, docs, batch_size=args.batch_size, decoding="argmax")
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ours_viterbi = predict_documents(ner, docs, batch_size=args.batch_size)
    viterbi_seconds = time.perf_counter() - started
    started = time.perf_counter()
    theirs = [pipeline_spans(pipe, doc) for doc in docs]
    pipeline_seconds = time.perf_counter() - started

    identical_docs = sum(sorted(a.spans) == sorted(b) for a, b in zip(ours, theirs, strict=True))
    ours_total = sum(len(d.spans) for d in ours)
    theirs_total = sum(len(s) for s in theirs)
    shared = sum(len(set(a.spans) & set(b)) for a, b in zip(ours, theirs, strict=True))
    characters = sum(len(d.text) for d in docs)
    print(f"{len(docs)} documents, {characters} characters, model {args.model}")
    print(
        f"batched predictor (argmax):  {ours_seconds:.2f} s, {len(docs) / ours_seconds:.1f} docs/s"
    )
    print(
        f"batched predictor (viterbi): {viterbi_seconds:.2f} s, "
        f"{len(docs) / viterbi_seconds:.1f} docs/s"
    )
    print(
        f"pipeline, one doc at a time: {pipeline_seconds:.2f} s, "
        f"{len(docs) / pipeline_seconds:.1f} docs/s"
    )
    print(
        f"speed-up {pipeline_seconds / ours_seconds:.2f}x; identical spans in "
        f"{identical_docs}/{len(docs)} documents ({shared} shared of {ours_total} / "
        f"{theirs_total} spans)"
    )
    emit(
        {
            "benchmark": "annotation_throughput",
            "documents": len(docs),
            "max_chars": args.max_chars,
            "batched_docs_per_second": round(len(docs) / ours_seconds, 2),
            "batched_viterbi_docs_per_second": round(len(docs) / viterbi_seconds, 2),
            "pipeline_docs_per_second": round(len(docs) / pipeline_seconds, 2),
            "speedup": round(pipeline_seconds / ours_seconds, 2),
            "identical_documents": identical_docs,
            "spans_batched": ours_total,
            "spans_pipeline": theirs_total,
            "spans_shared": shared,
            "viterbi_spans": sum(len(d.spans) for d in ours_viterbi),
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
