"""The real corpus: observed files, the parsed and split corpus, and nested training subsets."""

import hashlib
import json

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    DataVersion,
    DataVersionsByPartition,
    MaterializeResult,
    MetadataValue,
    asset,
    observable_source_asset,
)

from deid_platform import settings
from deid_platform.core.atomic import atomic_directory
from deid_platform.core.documents import corpus_hash, summarize
from deid_platform.core.formats import corpus_files, read_splits
from deid_platform.core.formats.jsonl import read_jsonl, write_jsonl
from deid_platform.core.hashing import files_sha256
from deid_platform.core.splits import SPLITS, assign_splits, nested_sample
from deid_platform.defs.automation import OBSERVE_CORPORA
from deid_platform.defs.metadata import label_table
from deid_platform.partitions import language_fraction_partitions, language_partitions
from deid_platform.resources import ArtifactStorage, MlflowTracking

OWNERS = ["team:clinical-nlp"]


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
def real_corpus_files() -> DataVersionsByPartition:
    return DataVersionsByPartition(
        {
            lang: DataVersion(files_hash(lang)[0])
            for lang in language_partitions.get_partition_keys()
        }
    )


class RealCorpusConfig(Config):
    lenient: bool = False
    """Turn malformed spans and documents into counted warnings instead of failing."""
    seed: int = settings.DEFAULT_SEED
    """Seeds the document-level split when the corpus comes without one."""


@asset(
    partitions_def=language_partitions,
    deps=[real_corpus_files],
    group_name="corpora",
    owners=OWNERS,
    kinds={"python", "jsonl"},
    code_version="1",
    check_specs=[AssetCheckSpec("no_corpus_warnings", asset="real_corpus")],
)
def real_corpus(
    context: AssetExecutionContext,
    config: RealCorpusConfig,
    storage: ArtifactStorage,
    mlflow: MlflowTracking,
) -> MaterializeResult:
    """The real corpus of a language, parsed, validated and split into train/dev/test (splits the
    corpus comes with are kept; missing ones are derived deterministically). Stored as JSONL in the
    artifact store; metadata holds counts and hashes only."""
    lang = context.partition_key
    source = settings.CorpusSource.for_language(lang)
    given = read_splits(source.path, source.format, lenient=config.lenient)
    warnings = sum(len(c.warnings) for c in given.values())
    splits, derived = assign_splits(given, seed=config.seed)
    out = storage.path("real_corpus", lang)
    summaries = {name: summarize(docs) for name, docs in splits.items()}
    content = corpus_hash([doc for name in SPLITS for doc in splits[name]])
    files_digest, n_files = files_hash(lang)
    with atomic_directory(out) as staging:
        for name, docs in splits.items():
            write_jsonl(docs, staging / f"{name}.jsonl")
        manifest = {
            "language": lang,
            "format": source.format,
            "files_sha256": files_digest,
            "files": n_files,
            "corpus_sha256": content,
            "splits": {name: [d.id for d in docs] for name, docs in splits.items()},
            "derived": derived,
            "warnings": warnings,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1))
    with mlflow.start_run(context) as run:
        run.log_params(
            {"language": lang, "format": source.format, "files_sha256": files_digest, **derived}
        )
        run.log_metrics(
            {f"{name}_documents": s["documents"] for name, s in summaries.items()}
            | {f"{name}_spans": s["spans"] for name, s in summaries.items()}
            | {"warnings": warnings}
        )
    context.log.info(
        f"real_corpus[{lang}]: "
        + ", ".join(f"{n} {s['documents']} docs / {s['spans']} spans" for n, s in summaries.items())
    )
    return MaterializeResult(
        metadata={
            **{f"{name}_documents": s["documents"] for name, s in summaries.items()},
            **{f"{name}_spans": s["spans"] for name, s in summaries.items()},
            "labels": label_table({n: s["labels"] for n, s in summaries.items()}),
            "files": n_files,
            "files_sha256": files_digest,
            "corpus_sha256": content,
            "test_from_dev": derived["test_from_dev"],
            "dev_from_train": derived["dev_from_train"],
            "split_by_hash": derived["split_by_hash"],
            "path": MetadataValue.path(str(out)),
            "mlflow_run_id": run.run_id,
            "mlflow_url": MetadataValue.url(run.url),
        },
        data_version=DataVersion(content),
        check_results=[
            AssetCheckResult(
                check_name="no_corpus_warnings",
                passed=warnings == 0,
                severity=AssetCheckSeverity.WARN,
                metadata={"warnings": warnings},
            )
        ],
    )


class TrainingSubsetConfig(Config):
    seed: int = settings.DEFAULT_SEED
    """Seeds the permutation whose prefixes are the nested samples."""


@asset(
    partitions_def=language_fraction_partitions,
    deps=[real_corpus],
    group_name="corpora",
    owners=OWNERS,
    kinds={"python", "jsonl"},
    code_version="1",
)
def training_subset(
    context: AssetExecutionContext,
    config: TrainingSubsetConfig,
    storage: ArtifactStorage,
    mlflow: MlflowTracking,
) -> MaterializeResult:
    """A fraction of the real training split, sampled at document level so that the 5 % sample
    lies inside the 25 % one, and so on: the data both the annotator and the LLM may see."""
    keys = context.partition_key.keys_by_dimension
    lang, fraction = keys["language"], keys["fraction"]
    train = read_jsonl(storage.path("real_corpus", lang, "train.jsonl")).documents
    subset = nested_sample(train, float(fraction), seed=config.seed)
    summary = summarize(subset)
    ids = [doc.id for doc in subset]
    ids_hash = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    out = storage.path("training_subset", lang, fraction)
    with atomic_directory(out) as staging:
        write_jsonl(subset, staging / "train.jsonl")
        (staging / "document_ids.txt").write_text("\n".join(ids) + "\n")
    with mlflow.start_run(context) as run:
        run.log_params({"language": lang, "fraction": fraction, "seed": config.seed})
        run.log_metrics({"documents": summary["documents"], "spans": summary["spans"]})
    content = corpus_hash(subset)
    return MaterializeResult(
        metadata={
            "documents": summary["documents"],
            "of_documents": len(train),
            "spans": summary["spans"],
            "labels": label_table({"spans": summary["labels"]}),
            "document_ids_sha256": ids_hash,
            "corpus_sha256": content,
            "path": MetadataValue.path(str(out)),
            "mlflow_run_id": run.run_id,
            "mlflow_url": MetadataValue.url(run.url),
        },
        data_version=DataVersion(content),
    )
