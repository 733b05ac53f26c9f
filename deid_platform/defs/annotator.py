"""The annotator: an NER model trained on a fraction of the real data, evaluated on real test."""

from dagster import AssetExecutionContext, MaterializeResult

from deid_platform.core.labels import label_set
from deid_platform.plumbing.assets import fraction_asset
from deid_platform.plumbing.compute import Compute, TrainingLauncher
from deid_platform.plumbing.publishing import asset_run
from deid_platform.plumbing.store import ArtifactStore
from deid_platform.plumbing.tracking import MlflowTracking
from deid_platform.study.configs import NerTrainingConfig
from deid_platform.study.ner_step import f1_floor_check, f1_floor_result, train_ner_model


@fraction_asset(
    deps=["training_subset", "real_corpus"],
    group_name="annotator",
    kinds={"pytorch", "mlflow"},
    # 3: the embedded preset adds word shapes and fixed-shape PHI recognizers.
    code_version="3",
    pool="training",
    check_specs=[f1_floor_check("annotator_model")],
)
def annotator_model(
    context: AssetExecutionContext,
    config: NerTrainingConfig,
    store: ArtifactStore,
    tracking: MlflowTracking,
    compute: Compute,
    launcher: TrainingLauncher,
) -> MaterializeResult:
    """An NER model trained on the training subset (gold PHI) and evaluated on the real test split
    by token-level F1 (the paper's measure), strict and relaxed entity F1, binary PHI recall and
    MEDDOCAN's leak score. It machine-annotates the synthetic text. The model is a save_pretrained
    directory in the artifact store, registered in MLflow by reference."""
    with asset_run(context, store, tracking, config) as run:
        language = run.partition.language
        # The label set of the whole training split, so that every fraction predicts the same.
        labels = label_set(store.read_split(language, "train"))
        scores, sha, metadata = train_ner_model(
            run,
            config,
            compute,
            launcher,
            store.read_subset(run.partition),
            store.read_split(language, "test"),
            labels,
        )
        return run.result(
            metadata, data_version=sha, check_results=[f1_floor_result(scores, config.f1_floor)]
        )
