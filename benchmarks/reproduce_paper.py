"""The paper's experiment, run by the platform's own assets through Dagster (as `make demo` does)
against a Dagster instance, artifact store and MLflow store of its own per seed under --out.

Fractions 5, 25, 50 and 100 % in mode total, the LLM-only and annotator-only ablations at 25 %,
the paper's 4x synthetic volume, the embedded presets of the `reproduce` recipe (or --recipe,
--preset). Every seed (--seeds) varies every random step but the split and the training subsets;
every model is scored on the test split (--split dev to choose settings). For every row, beside
each other: token F1 (`\\w+|[^\\w\\s]` tokens), whitespace-word token F1, strict entity F1,
binary PHI precision, recall and F1, the official MEDDOCAN script's ner and span F1
(--meddocan-scorer), the produced synthetic volume and the privacy figures; a per-label table per
row. Each figure is a mean ± standard deviation over seeds, each ratio carries a paired
document-bootstrap 95 % interval; `llm_only` is divided by both annotators, its fraction's and
the all-data one that labelled its text. The paper's figures stand only beside the corpus they
belong to, marked not comparable. The markdown goes into benchmarks/RESULTS.md (unless
--no-results); the last line is one JSON object. The volume and generator-size ablations:
`benchmarks.paper_ablations`.

    OMP_NUM_THREADS=2 .venv/bin/python -u -m benchmarks.reproduce_paper --threads 2 --seeds 3
    .venv/bin/python -m benchmarks.reproduce_paper --corpus /work/shared/data/swedish_ner \\
        --format conll --language sv --lenient --fractions 1.0 --ablation-fraction ''
"""

from __future__ import annotations

import argparse

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


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_study_options(parser, out="benchmarks/out/reproduction")
    parser.add_argument("--fractions", default="0.05,0.25,0.5,1.0")
    parser.add_argument("--ablation-fraction", default="0.25", help="'' for none")
    parser.add_argument("--volume", type=float, default=4.0)
    return parser.parse_args()


def main() -> None:
    args = parse()
    study = study_of(args)
    fractions = sorted(args.fractions.split(","), key=float)
    ablations = [args.ablation_fraction] if args.ablation_fraction else []
    configure(study, fractions)
    from deid_platform.study.modes import MAIN, MODES

    recipe = load_study_recipe(args).with_config("synthetic_text", volume=args.volume)

    def experiment(run) -> None:  # noqa: ANN001 - a reproduction.SeedRun
        run.pipeline(fractions, ablations)
        for fraction in fractions:
            for mode in MODES:
                if mode.automated or fraction in ablations:
                    run.score(fraction, mode)

    results = run_seeds(study, recipe, seeds_of(args.seeds), study.out, experiment)
    figures = PAPER.get(study.corpus_name, {})

    def paper(row: dict) -> str:
        pair = figures.get(row["fraction"])
        if not pair or row["mode"] != MAIN.name or row["against"] != row["fraction"]:
            return ""
        return f"{pair[0]:.3f} → {pair[1]:.3f}" + (" (95 %)" if row["fraction"] == "1.0" else "")

    publish(
        study,
        args,
        recipe,
        results,
        "reproduce_paper",
        paper if figures else None,
        volume=args.volume,
    )


if __name__ == "__main__":
    main()
