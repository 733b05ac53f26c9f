"""The real corpus: observed files, the parsed and split corpus, and nested training subsets."""

import hashlib
import json

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    DataVersion,
    DataVersionsByPartition,
    Failure,
    MaterializeResult,
    observable_source_asset,
)

from deid_platform import settings
from deid_platform.core.documents import corpus_hash, summarize
from deid_platform.core.formats import corpus_files, read_splits
from deid_platform.core.formats.jsonl import write_jsonl
from deid_platform.core.hashing import files_sha256
from deid_platform.core.splits import SPLITS, assign_splits, nested_sample
from deid_platform.partitions import language_partitions
from deid_platform.plumbing.assets import OBSERVE_CORPORA, fraction_asset, language_asset
from deid_platform.plumbing.metadata import label_table
from deid_platform.plumbing.publishing import asset_run
from deid_platform.plumbing.store import ArtifactStore
from deid_platform.plumbing.tracking import MlflowTracking
from deid_platform.study.configs import RealCorpusConfig, TrainingSubsetConfig


def files_hash(lang: str) -> tuple[str, int]:
    """sha256 over relative paths and bytes of every file of a language's corpus."""
    source = settings.CorpusSource.for_language(lang)
    files = corpus_files(source.path) if source.path.exists() else []
    return files_sha256(files, source.path.parent), len(files)


@observable_source_asset(
    partitions_def=language_partitions,
    group_name="corpora",
    automation_condition=OBSERVE_CORPORA,
    description="The real corpus files of each language, as they lie in the hospital's store. "
    "The data version is a content hash, so downstream partitions go stale when a file changes.",
)
def real_corpus_files(context: AssetExecutionContext) -> DataVersionsByPartition:
    # A run for one language observes that language only; an unpartitioned run observes all.
    languages = (
        [context.partition_key]
        if context.has_partition_key
        else language_partitions.get_partition_keys()
    )
    return DataVersionsByPartition({lang: DataVersion(files_hash(lang)[0]) for lang in languages})


@language_asset(
    deps=[real_corpus_files],
    group_name="corpora",
    kinds={"python", "jsonl"},
    code_version="2",
    check_specs=[
        AssetCheckSpec(
            "no_corpus_warnings",
            asset="real_corpus",
            partitions_def=language_partitions,
            description="The corpus was read without a single problem (lenient reading counts "
            "and skips malformed spans and documents).",
        )
    ],
)
def real_corpus(
    context: AssetExecutionContext,
    config: RealCorpusConfig,
    store: ArtifactStore,
    tracking: MlflowTracking,
) -> MaterializeResult:
    """The real corpus of a language, parsed, validated and split into train/dev/test (splits the
    corpus comes with are kept; missing ones are derived deterministically, and without a test
    split a seeded half of dev becomes test). Stored as JSONL in the artifact store; metadata holds
    counts and hashes only."""
    with asset_run(context, store, tracking, config) as run:
        source = settings.CorpusSource.for_language(run.partition.language)
        if not source.path.exists():
            raise Failure(
                f"{source.path}: no corpus there; point DEID_CORPUS_"
                f"{run.partition.language.upper()} at one, or write the demo corpora with "
                "`deid demo-corpus --defaults`"
            )
        given = read_splits(source.path, source.format, lenient=config.lenient)
        warnings = sum(len(c.warnings) for c in given.values())
        dropped = sum(c.dropped_spans for c in given.values())
        kept = sum(len(doc.spans) for c in given.values() for doc in c.documents)
        if dropped > config.max_dropped_span_share * (kept + dropped):
            raise Failure(
                f"{dropped} of {kept + dropped} annotated spans were malformed and dropped, more "
                f"than max_dropped_span_share {config.max_dropped_span_share}"
            )
        splits, derived = assign_splits(given, seed=config.seed)
        summaries = {name: summarize(docs) for name, docs in splits.items()}
        content = corpus_hash([doc for name in SPLITS for doc in splits[name]])
        files_digest, n_files = files_hash(run.partition.language)
        with run.write() as files:
            for name, docs in splits.items():
                write_jsonl(docs, files.path(name))
            ids = {name: [doc.id for doc in docs] for name, docs in splits.items()}
            files.path("split_ids").write_text(json.dumps(ids, indent=1))
        counts = {f"{n}_{k}": s[k] for n, s in summaries.items() for k in ("documents", "spans")}
        run.log(
            ", ".join(
                f"{n} {s['documents']} docs / {s['spans']} spans" for n, s in summaries.items()
            )
        )
        return run.result(
            {
                **counts,
                "labels": label_table({n: s["labels"] for n, s in summaries.items()}),
                "files": n_files,
                "files_sha256": files_digest,
                "warnings": warnings,
                "dropped_spans": dropped,
                **derived,
            },
            data_version=content,
            params={"format": source.format, "files_sha256": files_digest},
            check_results=[
                AssetCheckResult(
                    passed=warnings == 0,
                    severity=AssetCheckSeverity.WARN,
                    description=f"{warnings} problems, {dropped} spans dropped",
                    metadata={"warnings": warnings, "dropped_spans": dropped},
                )
            ],
        )


@fraction_asset(
    deps=[real_corpus],
    group_name="corpora",
    kinds={"python", "jsonl"},
    code_version="1",
)
def training_subset(
    context: AssetExecutionContext,
    config: TrainingSubsetConfig,
    store: ArtifactStore,
    tracking: MlflowTracking,
) -> MaterializeResult:
    """A fraction of the real training split, sampled at document level so that the 5 % sample
    lies inside the 25 % one, and so on: the data both the annotator and the LLM may see."""
    with asset_run(context, store, tracking, config) as run:
        language, fraction = run.partition
        train = store.read_split(language, "train")
        subset = nested_sample(train, float(fraction), seed=config.seed)
        summary = summarize(subset)
        ids = [doc.id for doc in subset]
        with run.write() as files:
            write_jsonl(subset, files.path("documents"))
            files.path("document_ids").write_text("\n".join(ids) + "\n")
        return run.result(
            {
                "documents": summary["documents"],
                "of_documents": len(train),
                "spans": summary["spans"],
                "labels": label_table({"spans": summary["labels"]}),
                "document_ids_sha256": hashlib.sha256("\n".join(ids).encode()).hexdigest(),
            },
            data_version=corpus_hash(subset),
        )
