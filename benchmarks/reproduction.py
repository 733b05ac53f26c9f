"""What the paper's experiment (`reproduce_paper`) and its volume and generator-size ablations
(`paper_ablations`) share: the platform's own assets run through Dagster once per seed, each seed
in a folder of its own, every synthetic NER model scored beside its real annotator on one split,
and the rows aggregated over seeds.

A seed's folder holds its Dagster instance, artifact store and MLflow store (`var/`), every
model's predictions as BRAT beside the gold notes (`predictions/`, one .ann per note, so that the
official MEDDOCAN script scores them) and `seed.json`: per row, the per-document counts of both
models, their per-label scores, the official script's scores, the produced volume and the privacy
figures. The tables are computed from those files alone (`--resume` reuses them)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import SHARED_DATA, emit, machine
from benchmarks.official_scorer import find_scorer, official_scores
from deid_platform.core.intervals import corpus_counts, paired_bootstrap, summarize_seeds
from deid_platform.core.markdown import table
from deid_platform.core.metrics import evaluate
from deid_platform.core.per_label import compare_labels
from deid_platform.core.preset import PRESET_NAMES

RESULTS = Path(__file__).with_name("RESULTS.md")
# Vakili et al. (2025), token F1 of the real annotator -> the synthetic NER model at 4x volume,
# by the folder name of the corpus they belong to and fraction (the paper's largest is 95 %).
# MEDDOCAN: the paper's table as this benchmark always carried it; Swedish: /work/shared/DESIGN.md
# (the paper's other Swedish fractions are not in the project's sources).
PAPER = {
    "meddocan": {
        "0.05": (0.931, 0.309),
        "0.25": (0.967, 0.964),
        "0.5": (0.973, 0.970),
        "1.0": (0.978, 0.973),
    },
    "swedish_ner": {"1.0": (0.926, 0.896)},
}
# Why the paper's figures do not compare, by corpus.
NOT_COMPARABLE = {
    "meddocan": "the paper fine-tunes a pretrained RoBERTa annotator and FLOR-6.3B, here models "
    "are trained from scratch on a CPU; the base LM here is pre-trained on surrogate templates "
    "that copy MEDDOCAN's header field by field; the paper's largest fraction is 95 %, here "
    "100 %; the paper tests on MEDDOCAN's official 250-note test split, here on the {documents} "
    "notes of the {split} half carved out of MEDDOCAN's dev",
    "swedish_ner": "the paper's Swedish figures are on a Swedish clinical PHI corpus, these on "
    "Swedish news NER (PER/LOC/ORG/MISC, sentences as documents) with models trained from "
    "scratch on a CPU; the paper's largest fraction is 95 %, here 100 %",
}


@dataclass(frozen=True)
class Study:
    """What every run of one invocation shares."""

    corpus: Path
    format: str
    language: str
    split: str
    threads: int
    scorer: Path | None
    out: Path
    resume: bool

    @property
    def corpus_name(self) -> str:
        return self.corpus.name


def add_study_options(parser: argparse.ArgumentParser, out: str) -> None:
    """The options of every entry point: corpus, recipe, seeds, split, scorer, output."""
    parser.set_defaults(out_base=out)
    parser.add_argument("--corpus", default=str(SHARED_DATA / "meddocan"))
    parser.add_argument("--format", default="brat")
    parser.add_argument("--language", default="es")
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="turn malformed spans and documents into counted warnings (the shared Swedish "
        "corpus has one defective line)",
    )
    parser.add_argument("--recipe", default="reproduce", help="a recipe in recipes/ or a YAML path")
    parser.add_argument(
        "--preset", choices=PRESET_NAMES, help="every model asset's preset (default: the recipe's)"
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="seeds 13, 14, ...: each varies the annotator, the base and adapted LLM, sampling, "
        "the NER models and the audit; the split and the training subsets stay fixed",
    )
    parser.add_argument(
        "--split",
        choices=("test", "dev"),
        default="test",
        help="the split every model is scored on: test for reported figures, dev for choosing "
        "settings (dev notes also supplied the generator's prompts)",
    )
    parser.add_argument(
        "--meddocan-scorer",
        help="folder of the official MEDDOCAN evaluation script (or MEDDOCAN_SCORER): its ner "
        "and span scores for every model",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--out",
        help=f"default: {out}, with the corpus's folder name and the split beside it for "
        "another corpus than MEDDOCAN or the dev split, so that no study wipes another",
    )
    parser.add_argument(
        "--resume", action="store_true", help="keep the seeds whose seed.json --out already holds"
    )
    parser.add_argument("--no-results", action="store_true", help="leave RESULTS.md alone")


def study_of(args: argparse.Namespace) -> Study:
    corpus = Path(args.corpus).resolve()
    return Study(
        corpus=corpus,
        format=args.format,
        language=args.language,
        split=args.split,
        threads=args.threads,
        scorer=find_scorer(args.meddocan_scorer),
        out=Path(
            args.out or "-".join([args.out_base, *_variant(corpus.name, args.split)])
        ).resolve(),
        resume=args.resume,
    )


def _variant(corpus: str, split: str) -> list[str]:
    """What sets a study's output folder and RESULTS.md block apart from the MEDDOCAN test one."""
    return [*([corpus] if corpus != "meddocan" else []), *([split] if split != "test" else [])]


def configure(study: Study, fractions: Sequence[str]) -> None:
    """The platform reads its partitions and corpora from the environment when it is imported:
    call this before anything imports `deid_platform.partitions`."""
    key = f"DEID_CORPUS_{study.language.upper()}"
    os.environ.update(
        {
            "DEID_LANGUAGES": study.language,
            "DEID_FRACTIONS": ",".join(fractions),
            key: str(study.corpus),
            f"{key}_FORMAT": study.format,
            "OMP_NUM_THREADS": str(study.threads),
            "HF_HUB_OFFLINE": "1",
        }
    )
    # Each seed keeps its store and MLflow store in its own folder (DEID_VAR, set per seed).
    for name in ("DEID_STORAGE", "DEID_MLFLOW_URI", "DEID_MLFLOW_ARTIFACTS"):
        os.environ.pop(name, None)
    if not study.resume:
        shutil.rmtree(study.out, ignore_errors=True)


def load_study_recipe(args: argparse.Namespace) -> Any:  # a study.recipes.Recipe
    from deid_platform.study.recipes import load_recipe

    recipe = load_recipe(args.recipe, preset=args.preset)
    return recipe.with_config("real_corpus", lenient=True) if args.lenient else recipe


def seeds_of(count: int) -> list[int]:
    """`count` seeds from the platform's default seed on."""
    from deid_platform.settings import DEFAULT_SEED

    return [DEFAULT_SEED + i for i in range(count)]


@dataclass
class SeedRun:
    """One seed of a study in `folder`: runs the graph, then scores rows of synthetic NER models
    against real annotators on the study's split."""

    study: Study
    recipe: Any  # study.recipes.Recipe, seeded
    seed: int
    folder: Path
    models: dict[str, dict] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    blocked: dict[str, str] = field(default_factory=dict)
    steps: list[tuple[str, str, float]] = field(default_factory=list)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        var = self.folder / "var"
        os.environ.update({"DEID_VAR": str(var), "DAGSTER_HOME": str(var / "dagster")})

    def pipeline(self, fractions: Sequence[str], ablations: Sequence[str] = ()) -> None:
        from deid_platform.runners.pipeline import run_pipeline

        self._timed(
            lambda instance: run_pipeline(
                instance,
                languages=[self.study.language],
                fractions=fractions,
                run_config=self.recipe.run_config(),
                log_file=self.folder / "dagster.log",
                ablations=ablations,
                launched_by="benchmark:reproduce_paper",
            )
        )

    def rerun(self, fraction: str, assets: Sequence[Any], recipe: Any = None) -> None:
        """Materializes `assets` of one fraction again under `recipe` (this run's by default),
        reading what the store holds upstream."""
        from deid_platform.partitions import Partition
        from deid_platform.runners.pipeline import rerun_assets

        run_config = (recipe or self.recipe).run_config()
        self._timed(
            lambda instance: rerun_assets(
                instance,
                "synthesize_fraction",
                Partition(self.study.language, fraction),
                assets,
                run_config,
                log_file=self.folder / "dagster.log",
            )
        )

    def _timed(self, body: Callable[[Any], Any]) -> None:
        from dagster import DagsterInstance

        from deid_platform import settings

        settings.dagster_home()
        started = time.time()
        with DagsterInstance.get() as instance:
            outcome = body(instance)
        self.seconds += time.time() - started
        self.blocked |= outcome.blocked
        self.steps += outcome.steps

    def score(self, fraction: str, mode: Any, setting: str = "", variant: str = "") -> None:
        """The rows of one mode at one fraction: against the fraction's annotator, and against
        the annotator that labelled its text where that is another (llm_only's all-data one).
        `variant` names a second model of the same asset (the volume ablation's)."""
        from dagster import AssetKey

        from deid_platform.partitions import Partition

        partition = Partition(self.study.language, fraction)
        labeller = mode.reads(partition, "annotator").fraction
        keys = {"fraction": fraction, "mode": mode.name, "setting": setting}
        reason = mode.row(self.store, partition)
        if isinstance(reason, str):
            self.rows += [
                {**keys, "against": against, "left_out": reason}
                for against in dict.fromkeys([fraction, labeller])
            ]
            return
        synthetic = self._model(mode.key("synthetic_ner_model"), fraction, variant)
        facts = self._facts(mode, partition)
        for against in dict.fromkeys([fraction, labeller]):
            real = self._model(AssetKey("annotator_model"), against)
            self.rows.append(
                {**keys, "against": against, "real": real, "synthetic": synthetic, **facts}
            )

    @property
    def store(self) -> Any:  # plumbing.store.ArtifactStore
        from deid_platform import settings
        from deid_platform.plumbing.store import ArtifactStore

        return ArtifactStore(root=str(settings.storage_root()))

    @property
    def gold(self) -> list:
        return self.store.read_split(self.study.language, self.study.split)

    def _model(self, asset: Any, fraction: str, variant: str = "") -> str:
        """Scores one model on the split, once: its name in `models`."""
        from deid_platform.core.formats.brat import write_brat
        from deid_platform.core.ner.model import load_model
        from deid_platform.core.ner.predict import predict_documents
        from deid_platform.partitions import Partition

        name = "/".join(filter(None, [asset.to_user_string(), fraction, variant]))
        if name in self.models:
            return name
        gold = self.gold
        model = load_model(self.store.model_dir(asset, Partition(self.study.language, fraction)))
        predicted = predict_documents(model, gold)
        folders = self.folder / "predictions"
        if not (folders / "gold").exists():
            write_brat(gold, folders / "gold")
        # One folder per model, nested by asset key, fraction and variant.
        write_brat(predicted, folders / name)
        official = {}
        if self.study.scorer is not None:
            official = official_scores(self.study.scorer, folders / "gold", folders / name)
        self.models[name] = {
            "counts": corpus_counts(gold, predicted).tolist(),
            "per_label": evaluate(gold, predicted)["per_label"],
            "official": official,
        }
        return name

    def _facts(self, mode: Any, partition: Any) -> dict:
        """What the synthetic corpus of a row holds and what its text gives away."""
        store = self.store
        text = mode.reads(partition, "text")
        corpus_key = mode.key("synthetic_corpus")
        annotation = store.annotation(corpus_key, partition).stats
        generation = store.generation(text)
        audit = store.privacy_audit(text).figures
        corpus = store.read_corpus(corpus_key, partition)
        real = store.read_subset(partition)
        return {
            "volume": produced_volume(
                generation.volume,
                generation.stats,
                annotation,
                sum(len(d.text) for d in corpus) / max(1, sum(len(d.text) for d in real)),
                own_text=text == partition,
            ),
            "privacy": {
                "ngram_recall_5": audit.get("ngram_recall_5"),
                "phi_replay_excess": audit.get("phi_replay_excess.all"),
                "synthetic_mia_auc": audit.get("synthetic_mia_auc"),
                "ner_mia_auc": audit.get("ner_mia_auc"),
                "mia_loss_auc": audit.get("mia_loss_auc"),
            },
            "label_jsd_vs_real": annotation.get("label_jsd_vs_real"),
            "under_represented_labels": annotation.get("under_represented_labels", []),
            "partition_seconds": round(
                sum(s for _, part, s in self.steps if part == str(partition)), 1
            ),
        }

    def result(self) -> dict:
        gold_ids = [doc.id for doc in self.gold]
        return {
            "seed": self.seed,
            "seconds": round(self.seconds, 1),
            "blocked": self.blocked,
            "split": self.study.split,
            "split_documents": len(gold_ids),
            "split_sha256": hashlib.sha256("\n".join(gold_ids).encode()).hexdigest(),
            "models": self.models,
            "rows": self.rows,
        }


def produced_volume(
    planned: float,
    stats: dict,
    annotation: dict,
    characters: float,
    own_text: bool,
) -> dict[str, float | None]:
    """The synthetic text a model trained on, against the real training subset: characters of
    its corpus, and generator tokens from the generation statistics (or the annotation's, for a
    corpus selected out of another partition's text; None where neither says)."""
    tokens = annotation.get("tokens_produced")
    volume_tokens = annotation.get("volume_tokens")
    if own_text and volume_tokens is None:
        tokens = stats.get("tokens_produced", stats.get("tokens_generated"))
        volume_tokens = stats.get("volume_tokens")
        if volume_tokens is None and tokens is not None and stats.get("tokens_planned"):
            # Before generation reported it: planned tokens are `planned` times the real ones.
            volume_tokens = tokens / (stats["tokens_planned"] / planned)
    return {
        "planned": planned,
        "volume_tokens": volume_tokens,
        "volume_characters": round(characters, 4),
        "tokens_produced": tokens,
    }


def run_seeds(
    study: Study,
    recipe: Any,
    seeds: Sequence[int],
    folder: Path,
    body: Callable[[SeedRun], None],
) -> list[dict]:
    """`body` for each seed in `folder/seed-N`, or the seed.json a resumed study holds there."""
    results = []
    for seed in seeds:
        target = folder / f"seed-{seed}"
        saved = target / "seed.json"
        if study.resume and saved.exists():
            results.append(json.loads(saved.read_text()))
            print(f"seed {seed}: {saved} (resumed)", flush=True)
            continue
        shutil.rmtree(target, ignore_errors=True)
        print(f"seed {seed}: {target}", flush=True)
        run = SeedRun(study, recipe.with_seed(seed), seed, target)
        body(run)
        result = run.result()
        saved.write_text(json.dumps(result))
        results.append(result)
    return results


def aggregate(results: Sequence[dict]) -> list[dict]:
    """Every row over seeds: each measure's mean and standard deviation, the ratio with its
    paired document-bootstrap 95 % interval (documents drawn jointly for both models and every
    seed), the per-label comparison, the official scores, the produced volume and privacy
    figures averaged. A row one seed left out is left out, with that seed's reason."""
    if len({r["split_sha256"] for r in results}) > 1:
        raise ValueError("the seeds were scored on different documents")
    keyed: dict[tuple, list[tuple[dict, dict]]] = {}
    for result in results:
        for row in result["rows"]:
            key = (row["fraction"], row["mode"], row["setting"], row["against"])
            keyed.setdefault(key, []).append((result, row))
    out = []
    for (fraction, mode, setting, against), pairs in keyed.items():
        head = {"fraction": fraction, "mode": mode, "setting": setting, "against": against}
        left = [f"seed {r['seed']}: {row['left_out']}" for r, row in pairs if "left_out" in row]
        if left:
            out.append({**head, "left_out": "; ".join(left)})
            continue
        real = [r["models"][row["real"]] for r, row in pairs]
        synthetic = [r["models"][row["synthetic"]] for r, row in pairs]
        seeds = [r["seed"] for r, _ in pairs]
        out.append(
            {
                **head,
                "seeds": seeds,
                "measures": paired_bootstrap(
                    np.array([m["counts"] for m in real]),
                    np.array([m["counts"] for m in synthetic]),
                ),
                "per_label": compare_labels(
                    [m["per_label"] for m in real], [m["per_label"] for m in synthetic]
                ),
                "official": _official_over_seeds(seeds, real, synthetic),
                "volume": _over_seeds(seeds, [row["volume"] for _, row in pairs]),
                "privacy": _over_seeds(seeds, [row["privacy"] for _, row in pairs]),
                "label_jsd_vs_real": _over_seeds(
                    seeds, [{"jsd": row["label_jsd_vs_real"]} for _, row in pairs]
                ).get("jsd"),
                "under_represented_labels": sorted(
                    {label for _, row in pairs for label in row["under_represented_labels"]}
                ),
                "partition_seconds": float(np.mean([row["partition_seconds"] for _, row in pairs])),
            }
        )
    return out


def _official_over_seeds(seeds: Sequence[int], real: list[dict], synthetic: list[dict]) -> dict:
    """The official script's scores of both models over seeds, and the spread of their ratio."""
    ratios = [
        {n: s["official"][n] / r["official"][n] if r["official"][n] else 0.0 for n in r["official"]}
        for r, s in zip(real, synthetic, strict=True)
    ]
    return {
        "real": _over_seeds(seeds, [m["official"] for m in real]),
        "synthetic": _over_seeds(seeds, [m["official"] for m in synthetic]),
        "ratio": _over_seeds(seeds, ratios),
    }


def _over_seeds(seeds: Sequence[int], figures: Sequence[dict]) -> dict[str, dict[str, float]]:
    """Mean and standard deviation of every figure that each seed has a number for."""
    names = [n for n in figures[0] if all(f.get(n) is not None for f in figures)]
    return {
        n: summarize_seeds(dict(zip(seeds, (f[n] for f in figures), strict=True))) for n in names
    }


# Rendering


def _spread(figure: dict | None, seeds: int, digits: int = 3) -> str:
    if figure is None:
        return "–"
    text = f"{figure['mean']:.{digits}f}"
    return text + (f" ± {figure['std']:.{digits}f}" if seeds > 1 else "")


def _pair(measure: dict, seeds: int) -> str:
    real = {"mean": measure["real"], "std": measure["real_std"]}
    synthetic = {"mean": measure["synthetic"], "std": measure["synthetic_std"]}
    return f"{_spread(real, seeds)} → {_spread(synthetic, seeds)}"


def _ratio(measure: dict, seeds: int) -> str:
    ratio = {"mean": measure["ratio"], "std": measure["ratio_std"]}
    return f"{_spread(ratio, seeds)} [{measure['ratio_low']:.3f}, {measure['ratio_high']:.3f}]"


def _compared(measures: dict, names: Sequence[str], seeds: int) -> list[str]:
    """Real → synthetic and the ratio with its interval, for each measure named."""
    return [cell for n in names for cell in (_pair(measures[n], seeds), _ratio(measures[n], seeds))]


def _official(row: dict, name: str, seeds: int) -> str:
    real, synthetic, ratio = (
        row["official"][side].get(name) for side in ("real", "synthetic", "ratio")
    )
    if real is None or synthetic is None:
        return "–"
    # The ratio of the means, as for every measure; the spread of the seeds' own ratios.
    ratio = {"mean": synthetic["mean"] / real["mean"] if real["mean"] else 0.0, "std": ratio["std"]}
    return f"{_spread(real, seeds)} → {_spread(synthetic, seeds)} ({_spread(ratio, seeds)}x)"


def _name(row: dict, settings: bool) -> list[str]:
    against = row["against"] + (" (labelled its text)" if row["against"] != row["fraction"] else "")
    return [row["fraction"], row["mode"], *([row["setting"]] if settings else []), against]


def render(
    rows: Sequence[dict],
    heading: str,
    paper: Callable[[dict], str] | None = None,
    paper_note: str = "",
) -> str:
    """The tables: quality (paper column where it has a figure), PHI found and produced volume,
    and one per-label table per row. Cells are `mean ± sd over seeds`; ratios carry the paired
    document-bootstrap 95 % interval."""
    scored = [r for r in rows if "left_out" not in r]
    seeds = max((len(r["seeds"]) for r in scored), default=1)
    settings = any(r["setting"] for r in rows)
    names = ["fraction", "mode", *(["setting"] if settings else []), "annotator of"]
    paper_header = ["paper token F1 real → synthetic (not comparable)"] if paper else []
    quality_header = [
        *names,
        *paper_header,
        "token F1 real → synthetic",
        "token ratio [95 % CI]",
        "whitespace-word token F1",
        "ratio [95 % CI]",
        "strict entity F1",
        "ratio [95 % CI]",
        "official ner F1",
        "official spans F1 (strict)",
    ]
    found_header = [
        *names,
        "binary precision real → synthetic",
        "ratio [95 % CI]",
        "binary recall",
        "ratio [95 % CI]",
        "binary F1",
        "ratio [95 % CI]",
        "produced tokens / real",
        "produced characters / real",
        "tokens produced",
        "label JSD",
        "5-gram recall",
        "PHI replay excess",
        "data-only MIA AUC (shared text)",
        "NER MIA AUC (shared model)",
        "loss MIA AUC (adapted LLM, internal)",
        "partition wall s",
    ]
    quality, found = [], []
    for r in rows:
        name = _name(r, settings)
        if "left_out" in r:
            # The reason stands where the first figure would; the rest of the row stays empty.
            for cells_of, header, before in (
                (quality, quality_header, paper_header),
                (found, found_header, []),
            ):
                cells = [*name, *[""] * len(before), r["left_out"]]
                cells_of.append([*cells, *[""] * (len(header) - len(cells))])
            continue
        m = r["measures"]
        quality.append(
            [
                *name,
                *([paper(r)] if paper else []),
                *_compared(m, ("token_f1", "ws_token_f1", "strict_f1"), seeds),
                _official(r, "ner_f1", seeds),
                _official(r, "spans_strict_f1", seeds),
            ]
        )
        volume, privacy = r["volume"], r["privacy"]
        found.append(
            [
                *name,
                *_compared(m, ("binary_precision", "binary_recall", "binary_f1"), seeds),
                _spread(volume.get("volume_tokens"), seeds, 2),
                _spread(volume.get("volume_characters"), seeds, 2),
                _spread(volume.get("tokens_produced"), seeds, 0),
                _spread(r["label_jsd_vs_real"], seeds),
                _spread(privacy.get("ngram_recall_5"), seeds),
                *(
                    _spread(privacy.get(name), seeds)
                    for name in (
                        "phi_replay_excess",
                        "synthetic_mia_auc",
                        "ner_mia_auc",
                        "mia_loss_auc",
                    )
                ),
                f"{r['partition_seconds']:.0f}",
            ]
        )
    lines = [
        heading,
        "",
        f"Mean ± standard deviation over {seeds} seed{'s' * (seeds > 1)}; ratios are synthetic "
        "/ real with a paired document-bootstrap 95 % interval (2,000 replicates, documents drawn "
        "jointly for both models and every seed). Annotator of: the fraction of the real annotator "
        "the synthetic model is divided by, its own or the one that labelled its text.",
        *([f"Paper column not comparable: {paper_note}."] if paper and paper_note else []),
        "",
        table(quality_header, quality),
        "",
        table(found_header, found),
        "",
    ]
    for r in scored:
        title = " ".join(filter(None, [r["fraction"], r["mode"], r["setting"]]))
        if r["against"] != r["fraction"]:
            title += f", against the {r['against']} annotator"
        lines += [
            f"<details><summary>per label, {title}</summary>",
            "",
            per_label_table(r["per_label"], seeds),
            "",
            "</details>",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def per_label_table(rows: Sequence[dict], seeds: int) -> str:
    cells = [
        [
            r["label"],
            _spread({"mean": r["real_f1"], "std": r["real_f1_std"]}, seeds),
            _spread({"mean": r["synthetic_f1"], "std": r["synthetic_f1_std"]}, seeds),
            _spread({"mean": r["ratio"], "std": r["ratio_std"]}, seeds, 2),
            r["support"],
        ]
        for r in rows
    ]
    header = ["label", "real strict F1", "synthetic strict F1", "ratio", "test mentions"]
    return table(header, cells, [False, True, True, True, True])


def update_results(name: str, text: str) -> None:
    """Replaces the block between this benchmark's markers in RESULTS.md (appends it the first
    time)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text.rstrip()}\n{end}"
    results = RESULTS.read_text()
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    RESULTS.write_text(
        pattern.sub(lambda _: block, results)
        if pattern.search(results)
        else f"{results}\n{block}\n"
    )


def publish(
    study: Study,
    args: argparse.Namespace,
    recipe: Any,
    results: Sequence[dict],
    name: str,
    paper: Callable[[dict], str] | None,
    **facts: Any,
) -> None:
    """Prints the tables of the seeds' results, writes them into RESULTS.md between the markers
    of `name` (unless --no-results) and `summary.json` under --out, and ends with the JSON line."""
    rows = aggregate(results)
    documents = results[0]["split_documents"]
    command = " ".join(["python -m", f"benchmarks.{name.split(':')[0]}", *sys.argv[1:]])
    heading = (
        f"`{command}` on {study.corpus_name} ({study.split} split, {documents} documents), recipe "
        f"{recipe.name}, threads {study.threads}: {sum(r['seconds'] for r in results) / 60:.1f} "
        f"minutes for {len(results)} seed run(s)."
    )
    note = NOT_COMPARABLE.get(study.corpus_name, "").format(documents=documents, split=study.split)
    blocked = {f"seed {r['seed']} {p}": why for r in results for p, why in r["blocked"].items()}
    text = render(rows, heading, paper, note)
    text += "".join(f"- blocked {part}: {why}\n" for part, why in blocked.items())
    print(text)
    (study.out / "summary.json").write_text(json.dumps(rows, indent=1))
    if not args.no_results:
        update_results(":".join([name, *_variant(study.corpus_name, study.split)]), text)
    emit(
        {
            "benchmark": name,
            "corpus": study.corpus_name,
            "split": study.split,
            "recipe": recipe.name,
            "preset": recipe.assets.get("base_llm", {}).get("preset"),
            **facts,
            "seeds": sorted({r["seed"] for r in results}),
            "seconds": round(sum(r["seconds"] for r in results), 1),
            "blocked": blocked,
            # Every figure but the per-label tables (summary.json holds those).
            "rows": [{k: v for k, v in row.items() if k != "per_label"} for row in rows],
            "machine": machine(),
        }
    )
