"""Named jobs, so that runs and the Overview say what ran. A partitioned job holds assets of one
partitioning, hence one job per stage of the graph."""

from dagster import AssetSelection, define_asset_job

from deid_platform.partitions import language_fraction_partitions, language_partitions

observe_corpora = define_asset_job(
    "observe_corpora",
    selection=AssetSelection.assets("real_corpus_files"),
    description="Hash the real corpus files of a language: a new hash makes its assets stale.",
    partitions_def=language_partitions,
)
prepare_language = define_asset_job(
    "prepare_language",
    selection=AssetSelection.assets("real_corpus", "base_llm"),
    description="Parse and split a language's real corpus; build its base LM.",
    partitions_def=language_partitions,
)
synthesize_fraction = define_asset_job(
    "synthesize_fraction",
    selection=AssetSelection.groups("corpora", "annotator", "generator", "synthetic", "privacy")
    - AssetSelection.assets("real_corpus", "base_llm"),
    description="Everything of one language x fraction: subset, annotator, adapted LLM, "
    "synthetic text and its leak gate, synthetic corpus and NER model, privacy audit and review.",
    partitions_def=language_fraction_partitions,
)
run_ablations = define_asset_job(
    "run_ablations",
    selection=AssetSelection.groups("ablations"),
    description="The paper's single-side ablations of one language x fraction (LLM data only, "
    "annotator data only), which read the all-data partition of the other side.",
    partitions_def=language_fraction_partitions,
)
report_language = define_asset_job(
    "report_language",
    selection=AssetSelection.assets("ablation_report"),
    description="The ablation report of a language over every fraction.",
    partitions_def=language_partitions,
)
