"""The annotator: an NER model trained on a fraction of the real data, evaluated on real test."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    DataVersion,
    MaterializeResult,
    PipesSubprocessClient,
    asset,
)

from deid_platform.core.formats.jsonl import read_jsonl
from deid_platform.core.labels import label_set
from deid_platform.defs.corpora import OWNERS, real_corpus, training_subset
from deid_platform.defs.ner_models import NerTrainingConfig, train_evaluate_register
from deid_platform.partitions import language_fraction_partitions
from deid_platform.resources import ArtifactStorage, Compute, MlflowTracking


@asset(
    partitions_def=language_fraction_partitions,
    deps=[training_subset, real_corpus],
    group_name="annotator",
    owners=OWNERS,
    kinds={"pytorch", "mlflow"},
    code_version="1",
    pool="training",
    check_specs=[AssetCheckSpec("f1_above_floor", asset="annotator_model")],
)
def annotator_model(
    context: AssetExecutionContext,
    config: NerTrainingConfig,
    storage: ArtifactStorage,
    compute: Compute,
    mlflow: MlflowTracking,
    pipes: PipesSubprocessClient,
) -> MaterializeResult:
    """An NER model trained on the training subset (gold PHI) and evaluated on the real test split
    by token-level F1 (the paper's measure), strict and relaxed entity F1, binary PHI recall and
    MEDDOCAN's leak score. It machine-annotates the synthetic text. The model is a save_pretrained
    directory in the artifact store, registered in MLflow by reference."""
    keys = context.partition_key.keys_by_dimension
    lang, fraction = keys["language"], keys["fraction"]
    train = read_jsonl(storage.path("training_subset", lang, fraction, "train.jsonl")).documents
    real_train = read_jsonl(storage.path("real_corpus", lang, "train.jsonl")).documents
    test = read_jsonl(storage.path("real_corpus", lang, "test.jsonl")).documents
    # The label set of the whole training split, so that every fraction predicts the same labels.
    labels = label_set(real_train)
    metrics, metadata = train_evaluate_register(
        context,
        config,
        compute,
        mlflow,
        pipes,
        train,
        test,
        labels,
        storage.path("annotator_model", lang, fraction),
        {"language": lang, "fraction": fraction},
    )
    return MaterializeResult(
        metadata=metadata,
        data_version=DataVersion(metadata["model_sha256"]),
        check_results=[
            AssetCheckResult(
                check_name="f1_above_floor",
                passed=metrics["token_f1"] >= config.f1_floor,
                severity=AssetCheckSeverity.WARN,
                metadata={"token_f1": float(metrics["token_f1"]), "floor": config.f1_floor},
            )
        ],
    )
