"""The paper's two ablations at full data, each changing one thing, with the protocol of
`reproduce_paper` (seeds, split, metrics, intervals, per-label tables):

- `volume`: synthetic volume 0.05, 1 and 4 times the real training text, two rows each: the
  synthetic NER model trained for as many updates as the real annotator
  (`match_annotator_updates`), and for as many epochs as the annotator (the platform's default;
  updates grow with the volume), the second model trained on the same synthetic corpus. Every
  volume shares one seed's annotator and adapted LLM (the text and what is downstream of it are
  materialized again), so the rows differ by the volume alone. `--volumes 4 --fraction 0.25`
  compares the two NER schedules at another fraction;
- `generator-size`: two sizes of the embedded base LM (layers x width), everything else equal.

    OMP_NUM_THREADS=2 .venv/bin/python -u -m benchmarks.paper_ablations volume --seeds 3
    OMP_NUM_THREADS=2 .venv/bin/python -u -m benchmarks.paper_ablations generator-size \\
        --sizes 2x128,4x256

Each seed runs in `--out/volumes/seed-N` or `--out/generator-<size>/seed-N`. The markdown goes
into benchmarks/RESULTS.md (unless --no-results); the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import math

from benchmarks.reproduction import (
    PAPER,
    add_study_options,
    configure,
    load_study_recipe,
    publish,
    run_seeds,
    seeds_of,
    study_of,
)

FULL = "1.0"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="ablation", required=True)
    volume = commands.add_parser("volume", help="synthetic volume 0.05 / 1 / 4 at full data")
    add_study_options(volume, out="benchmarks/out/ablation-volume")
    volume.add_argument("--volumes", default="0.05,1,4")
    volume.add_argument(
        "--fraction", default=FULL, help="the data fraction every volume is generated for"
    )
    size = commands.add_parser("generator-size", help="two base LM sizes at full data")
    add_study_options(size, out="benchmarks/out/ablation-generator-size")
    size.add_argument(
        "--sizes",
        default="2x128,4x256",
        help="base LMs as LAYERSxWIDTH, comma-separated (the embedded preset: 2x128)",
    )
    size.add_argument("--volume", type=float, default=4.0)
    return parser.parse_args()


def llama_size(spec: str) -> dict[str, int]:
    """`4x256` as base_llm config: the feed-forward width Llama's way, 8/3 of the width rounded
    up to a multiple of 8 (the embedded preset's 344 for 128)."""
    layers, width = (int(part) for part in spec.lower().split("x"))
    return {
        "layers": layers,
        "hidden_size": width,
        "intermediate_size": 8 * math.ceil(width * 8 / 3 / 8),
    }


def main() -> None:
    args = parse()
    study = study_of(args)
    fraction = getattr(args, "fraction", FULL)
    configure(study, [fraction])
    from dagster import AssetKey

    from deid_platform.study.modes import MAIN

    recipe = load_study_recipe(args)
    results = []
    if args.ablation == "volume":
        if recipe.assets.get(MAIN.key("synthetic_ner_model").to_user_string(), {}).get("epochs"):
            raise SystemExit(
                f"recipe {recipe.name} sets the synthetic NER model's epochs: the matched-updates "
                "row needs them unset"
            )
        volumes = [float(v) for v in args.volumes.split(",")]

        def all_volumes(run) -> None:  # noqa: ANN001 - a SeedRun
            # One annotator and one adapted LLM for every volume: only the text's volume and
            # what is downstream of it change between rows.
            for volume in volumes:
                at_volume = run.recipe.with_config("synthetic_text", volume=volume)
                if volume == volumes[0]:
                    run.pipeline([fraction])
                else:
                    run.rerun(fraction, downstream, at_volume)
                run.score(fraction, MAIN, f"{volume:g}x, matched updates", variant=f"{volume:g}x")
                epochs = at_volume.with_config(ner.to_user_string(), match_annotator_updates=False)
                run.rerun(fraction, [ner], epochs)
                run.score(
                    fraction, MAIN, f"{volume:g}x, matched epochs", variant=f"{volume:g}x-epochs"
                )

        ner = MAIN.key("synthetic_ner_model")
        downstream = [
            AssetKey("synthetic_text"),
            MAIN.key("synthetic_corpus"),
            ner,
            AssetKey("privacy_audit"),
        ]
        seeded = recipe.with_config("synthetic_text", volume=volumes[0]).with_config(
            ner.to_user_string(), match_annotator_updates=True
        )
        folder = study.out / "volumes"
        results += run_seeds(study, seeded, seeds_of(args.seeds), folder, all_volumes)
    else:
        for spec in args.sizes.split(","):

            def one_size(run, spec: str = spec) -> None:  # noqa: ANN001 - a SeedRun
                run.pipeline([FULL])
                run.score(FULL, MAIN, f"base LM {spec}")

            sized = recipe.with_config("base_llm", **llama_size(spec)).with_config(
                "synthetic_text", volume=args.volume
            )
            folder = study.out / f"generator-{spec}"
            results += run_seeds(study, sized, seeds_of(args.seeds), folder, one_size)
    paper = paper_column(args, study.corpus_name, fraction)
    # Another fraction's schedule comparison keeps a RESULTS.md block of its own.
    name = f"paper_ablations:{args.ablation}" + (f"@{fraction}" if fraction != FULL else "")
    publish(study, args, recipe, results, name, paper)


def paper_column(args: argparse.Namespace, corpus: str, fraction: str):  # noqa: ANN201 - row -> cell
    """The paper's headline figure beside the row of its setting: 95 % of the data, 4x volume
    and NER trained for a fixed number of epochs (matched epochs), on MEDDOCAN with FLOR-6.3B as
    the generator. The paper's other volumes and its smaller generator are not in the project's
    sources (/work/shared/DESIGN.md), nor the generator of its Swedish runs."""
    headline = PAPER.get(corpus, {}).get(FULL)
    if not headline or fraction != FULL:
        return None
    cell = f"{headline[0]:.3f} → {headline[1]:.3f} (95 %)"
    if args.ablation == "volume":
        return lambda row: cell if row["setting"] == "4x, matched epochs" else ""
    if corpus != "meddocan":
        return None
    largest = max(args.sizes.split(","), key=lambda s: math.prod(llama_size(s).values()))
    return lambda row: f"FLOR-6.3B: {cell}" if row["setting"] == f"base LM {largest}" else ""


if __name__ == "__main__":
    main()
