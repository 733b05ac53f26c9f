"""The paper's MEDDOCAN experiment, run by the platform's own assets through Dagster (as `make demo`
does) against a Dagster instance, artifact store and MLflow store of its own under --out.

Fractions 5, 25, 50 and 100 % in mode total, the LLM-only and annotator-only ablations at 25 %,
the paper's 4x synthetic volume, the embedded presets (or --preset). It prints, and writes into
benchmarks/RESULTS.md beside the paper's numbers, token F1 real -> synthetic, strict entity F1,
binary PHI recall, the privacy figures (5-gram recall, PHI replay excess, membership-inference
AUC) and wall times; it writes every model's predictions on the test split as BRAT under
--out/predictions for the official MEDDOCAN evaluation script. The last line is one JSON object.

    OMP_NUM_THREADS=2 .venv/bin/python -u -m benchmarks.reproduce_paper --threads 2
    .venv/bin/python -m benchmarks.reproduce_paper --corpus DIR --fractions 0.25,1.0
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from pathlib import Path

from benchmarks.common import SHARED_DATA, emit, machine
from deid_platform.core.preset import PRESET_NAMES

# Vakili et al. (2025), MEDDOCAN, token F1 of the real annotator -> the synthetic NER model
# (the paper's largest fraction is 95 %).
PAPER = {
    "0.05": (0.931, 0.309),
    "0.25": (0.967, 0.964),
    "0.5": (0.973, 0.970),
    "1.0": (0.978, 0.973),
}
RESULTS = Path(__file__).with_name("RESULTS.md")
MARKERS = ("<!-- reproduce_paper:start -->", "<!-- reproduce_paper:end -->")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default=str(SHARED_DATA / "meddocan"))
    parser.add_argument("--format", default="brat")
    parser.add_argument("--language", default="es")
    parser.add_argument("--fractions", default="0.05,0.25,0.5,1.0")
    parser.add_argument("--ablation-fraction", default="0.25", help="'' for none")
    parser.add_argument("--recipe", default="reproduce", help="a recipe in recipes/ or a YAML path")
    parser.add_argument("--volume", type=float, default=4.0)
    parser.add_argument(
        "--preset", choices=PRESET_NAMES, help="every model asset's preset (default: the recipe's)"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="benchmarks/out/reproduction")
    parser.add_argument("--no-results", action="store_true", help="leave RESULTS.md alone")
    return parser.parse_args()


def configure(args: argparse.Namespace, var: Path, fractions: list[str]) -> None:
    """The platform reads its partitions and corpora from the environment when it is imported."""
    key = f"DEID_CORPUS_{args.language.upper()}"
    os.environ.update(
        {
            "DEID_VAR": str(var),
            "DAGSTER_HOME": str(var / "dagster"),
            "DEID_LANGUAGES": args.language,
            "DEID_FRACTIONS": ",".join(fractions),
            key: str(Path(args.corpus).resolve()),
            f"{key}_FORMAT": args.format,
            "OMP_NUM_THREADS": str(args.threads),
            "HF_HUB_OFFLINE": "1",
        }
    )


def main() -> None:
    args = parse()
    fractions = sorted(args.fractions.split(","), key=float)
    ablations = [args.ablation_fraction] if args.ablation_fraction else []
    out = Path(args.out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    configure(args, out / "var", fractions)

    from dagster import DagsterInstance

    from deid_platform import settings
    from deid_platform.plumbing.store import ArtifactStore
    from deid_platform.runners.pipeline import run_pipeline
    from deid_platform.study.recipes import load_recipe

    recipe = load_recipe(args.recipe, preset=args.preset)
    run_config = recipe.with_config("synthetic_text", volume=args.volume).run_config()
    started = time.time()
    settings.dagster_home()
    with DagsterInstance.get() as instance:
        outcome = run_pipeline(
            instance,
            languages=[args.language],
            fractions=fractions,
            run_config=run_config,
            log_file=out / "dagster.log",
            ablations=ablations,
            launched_by="benchmark:reproduce_paper",
        )
    seconds = time.time() - started
    store = ArtifactStore(root=str(settings.storage_root()))
    rows = collect(store, args.language, fractions, ablations, outcome)
    write_predictions(store, args.language, rows, out / "predictions")
    table = render(rows, outcome.blocked, args, seconds)
    print(table)
    if not args.no_results:
        update_results(table)
    emit(
        {
            "benchmark": "reproduce_paper",
            "corpus": Path(args.corpus).name,
            "recipe": recipe.name,
            "preset": recipe.assets["base_llm"].get("preset"),
            "volume": args.volume,
            "seconds": round(seconds, 1),
            "blocked": outcome.blocked,
            "rows": rows,
            "machine": machine(),
        }
    )


def collect(store, language, fractions, ablations, outcome) -> list[dict]:  # noqa: ANN001
    from deid_platform.partitions import Partition
    from deid_platform.study.modes import MODES

    rows = []
    for fraction in fractions:
        partition = Partition(language, fraction)
        for mode in MODES:
            if not mode.automated and fraction not in ablations:
                continue
            row = mode.row(store, partition)
            if isinstance(row, str):
                rows.append({"fraction": fraction, "mode": mode.name, "left_out": row})
                continue
            audit = store.privacy_audit(mode.reads(partition, "text")).figures
            annotation = store.annotation(mode.key("synthetic_corpus"), partition).stats
            rows.append(
                {
                    **row.to_dict(),
                    "label_jsd_vs_real": annotation["label_jsd_vs_real"],
                    "under_represented_labels": annotation["under_represented_labels"],
                    "ngram_recall_5": audit["ngram_recall_5"],
                    "phi_replay_excess": audit["phi_replay_excess.all"],
                    "mia_loss_auc": audit["mia_loss_auc"],
                    "seconds": round(
                        sum(s for step, part, s in outcome.steps if part == str(partition)), 1
                    ),
                }
            )
    return rows


def write_predictions(store, language, rows, out: Path) -> None:  # noqa: ANN001
    """Each model's predictions on the test split as BRAT, for MEDDOCAN's own evaluation script."""
    from deid_platform.core.formats.brat import write_brat
    from deid_platform.core.ner.model import load_model
    from deid_platform.core.ner.predict import predict_documents
    from deid_platform.partitions import Partition
    from deid_platform.study.modes import MODES

    test = store.read_split(language, "test")
    write_brat(test, out / "gold")
    for row in rows:
        if "left_out" in row:
            continue
        partition = Partition(language, row["fraction"])
        mode = next(m for m in MODES if m.name == row["mode"])
        names = ["annotator_model", mode.key("synthetic_ner_model").to_user_string()]
        for name in names:
            target = out / name.replace("/", "__") / row["fraction"]
            if not target.exists():
                write_brat(
                    predict_documents(load_model(store.model_dir(name, partition)), test), target
                )


def render(rows, blocked, args, seconds) -> str:  # noqa: ANN001
    from deid_platform.core.markdown import table
    from deid_platform.study.modes import MAIN

    header = [
        "fraction",
        "mode",
        "paper token F1 real -> synthetic",
        "token F1 real -> synthetic",
        "token ratio",
        "strict F1 real -> synthetic",
        "strict ratio",
        "binary recall real -> synthetic",
        "label JSD",
        "5-gram recall",
        "PHI replay excess",
        "MIA AUC",
        "wall s",
    ]
    cells = []
    for r in rows:
        paper = PAPER.get(r["fraction"]) if r["mode"] == MAIN.name else None
        paper_cell = f"{paper[0]:.3f} -> {paper[1]:.3f}" if paper else ""
        if "left_out" in r:
            cells.append([r["fraction"], r["mode"], paper_cell, r["left_out"], *[""] * 9])
            continue
        cells.append(
            [
                r["fraction"],
                r["mode"],
                paper_cell,
                f"{r['real_token_f1']:.3f} -> {r['synthetic_token_f1']:.3f}",
                r["token_f1_ratio"],
                f"{r['real_strict_f1']:.3f} -> {r['synthetic_strict_f1']:.3f}",
                r["strict_f1_ratio"],
                f"{r['real_binary_recall']:.3f} -> {r['synthetic_binary_recall']:.3f}",
                r["label_jsd_vs_real"],
                r["ngram_recall_5"],
                r["phi_replay_excess"],
                r["mia_loss_auc"],
                r["seconds"],
            ]
        )
    numeric = [False, False, False, False, True, False, True, False, True, True, True, True, True]
    lines = [
        f"`{' '.join(['python -m benchmarks.reproduce_paper', *sys.argv[1:]])}` on "
        f"{Path(args.corpus).name}, recipe {args.recipe}, volume {args.volume}x, "
        f"{args.threads} threads: {seconds / 60:.1f} minutes in all.",
        "",
        table(header, cells, numeric),
        "",
    ]
    lines += [
        f"- under-represented in the synthetic corpus, {r['fraction']} {r['mode']}: "
        + (", ".join(r["under_represented_labels"]) or "none")
        for r in rows
        if "left_out" not in r
    ]
    lines += [f"- blocked {part}: {why}" for part, why in blocked.items()]
    return "\n".join(lines)


def update_results(table: str) -> None:
    text = RESULTS.read_text()
    block = f"{MARKERS[0]}\n{table}\n{MARKERS[1]}"
    pattern = re.compile(re.escape(MARKERS[0]) + ".*?" + re.escape(MARKERS[1]), re.S)
    RESULTS.write_text(pattern.sub(block, text) if pattern.search(text) else f"{text}\n{block}\n")


if __name__ == "__main__":
    main()
