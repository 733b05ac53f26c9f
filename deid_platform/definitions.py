"""Assembles the code location: assets, checks and resources."""

from dagster import Definitions

from deid_platform.defs.annotator import annotator_model
from deid_platform.defs.automation import automated, automation_sensor
from deid_platform.defs.corpora import real_corpus, real_corpus_files, training_subset
from deid_platform.defs.generator import adapted_llm, base_llm, synthetic_corpus
from deid_platform.defs.privacy import privacy_audit, privacy_review
from deid_platform.defs.reports import ablation_report
from deid_platform.defs.synthetic_ner import synthetic_ner_model
from deid_platform.resources import default_resources

source_assets = [real_corpus_files]
assets = automated(
    [
        real_corpus,
        training_subset,
        annotator_model,
        base_llm,
        adapted_llm,
        synthetic_corpus,
        synthetic_ner_model,
        privacy_audit,
        privacy_review,
        ablation_report,
    ]
)

defs = Definitions(
    assets=[*source_assets, *assets],
    sensors=[automation_sensor],
    resources=default_resources(),
)
