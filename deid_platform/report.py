"""The summary `make demo` prints, read back from the Dagster instance's materializations."""

from collections.abc import Sequence

from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

from deid_platform.partitions import fraction_partitions, language_fraction_key


def latest_metadata(
    instance: DagsterInstance, asset: str, partition: str | None = None
) -> dict[str, object]:
    records = instance.fetch_materializations(
        AssetRecordsFilter(
            asset_key=AssetKey(asset), asset_partitions=[partition] if partition else None
        ),
        limit=1,
    ).records
    if not records:
        return {}
    materialization = records[0].asset_materialization
    return {k: v.value for k, v in materialization.metadata.items()} if materialization else {}


def print_summary(instance: DagsterInstance, languages: Sequence[str]) -> None:
    print("\nreal_corpus (documents / spans)")
    print(f"{'lang':<6}{'train':>14}{'dev':>14}{'test':>14}  corpus sha256")
    for lang in languages:
        meta = latest_metadata(instance, "real_corpus", lang)
        cells = [
            f"{meta.get(f'{s}_documents', '-')} / {meta.get(f'{s}_spans', '-')}"
            for s in ("train", "dev", "test")
        ]
        print(
            f"{lang:<6}"
            + "".join(f"{c:>14}" for c in cells)
            + f"  {str(meta.get('corpus_sha256', ''))[:12]}"
        )
    print("\ntraining_subset (documents / spans)")
    fractions = fraction_partitions.get_partition_keys()
    print(f"{'lang':<6}" + "".join(f"{f:>14}" for f in fractions))
    for lang in languages:
        cells = []
        for fraction in fractions:
            meta = latest_metadata(
                instance, "training_subset", str(language_fraction_key(lang, fraction))
            )
            cells.append(f"{meta.get('documents', '-')} / {meta.get('spans', '-')}")
        print(f"{lang:<6}" + "".join(f"{c:>14}" for c in cells))
    print("\nsynthetic_corpus (documents / spans / generation tokens per second)")
    print(f"{'lang':<6}" + "".join(f"{f:>22}" for f in fractions))
    for lang in languages:
        cells = []
        for fraction in fractions:
            meta = latest_metadata(
                instance, "synthetic_corpus", str(language_fraction_key(lang, fraction))
            )
            cells.append(
                f"{meta.get('documents', '-')} / {meta.get('spans', '-')} / "
                f"{meta.get('generation_tokens_per_second', '-')}"
            )
        print(f"{lang:<6}" + "".join(f"{c:>22}" for c in cells))
    for lang in languages:
        meta = latest_metadata(instance, "ablation_report", lang)
        print(f"\nablation_report[{lang}]: real annotator vs synthetic NER model on real test data")
        print(meta.get("table", "(not materialized)"))
