"""The synthetic NER model: trained only on synthetic text, evaluated on real test data."""

import json

from dagster import (
    AssetExecutionContext,
    DataVersion,
    MaterializeResult,
    PipesSubprocessClient,
    asset,
)

from deid_platform.core.formats.jsonl import read_jsonl
from deid_platform.core.labels import label_set
from deid_platform.defs.annotator import annotator_model
from deid_platform.defs.corpora import OWNERS, real_corpus
from deid_platform.defs.generator import synthetic_corpus
from deid_platform.defs.ner_models import NerTrainingConfig, train_evaluate_register
from deid_platform.partitions import language_fraction_partitions
from deid_platform.resources import ArtifactStorage, Compute, MlflowTracking


@asset(
    partitions_def=language_fraction_partitions,
    deps=[synthetic_corpus, annotator_model, real_corpus],
    group_name="synthetic",
    owners=OWNERS,
    kinds={"pytorch", "mlflow"},
    code_version="1",
    pool="training",
)
def synthetic_ner_model(
    context: AssetExecutionContext,
    config: NerTrainingConfig,
    storage: ArtifactStorage,
    compute: Compute,
    mlflow: MlflowTracking,
    pipes: PipesSubprocessClient,
) -> MaterializeResult:
    """An NER model trained only on the machine-annotated synthetic corpus, with the annotator's
    trainer and preset, evaluated on the real test split. Its metrics stand beside the real
    annotator's at the same fraction, with their ratio: what de-identification loses when it
    learns from synthetic instead of real data. This is the model a hospital may share."""
    keys = context.partition_key.keys_by_dimension
    lang, fraction = keys["language"], keys["fraction"]
    synthetic = read_jsonl(storage.path("synthetic_corpus", lang, fraction, "corpus.jsonl"))
    test = read_jsonl(storage.path("real_corpus", lang, "test.jsonl")).documents
    labels = label_set(read_jsonl(storage.path("real_corpus", lang, "train.jsonl")).documents)
    metrics, metadata = train_evaluate_register(
        context,
        config,
        compute,
        mlflow,
        pipes,
        synthetic.documents,
        test,
        labels,
        storage.path("synthetic_ner_model", lang, fraction),
        {"language": lang, "fraction": fraction, "trained_on": "synthetic"},
    )
    real = json.loads(storage.path("annotator_model", lang, fraction, "metrics.json").read_text())
    comparison = {}
    for measure in ("token_f1", "strict_f1", "relaxed_f1"):
        comparison[f"real_{measure}"] = float(real[measure])
        comparison[f"{measure}_ratio"] = (
            float(metrics[measure]) / float(real[measure]) if real[measure] else 0.0
        )
    return MaterializeResult(
        metadata={**metadata, **{k: round(v, 4) for k, v in comparison.items()}},
        data_version=DataVersion(metadata["model_sha256"]),
    )
