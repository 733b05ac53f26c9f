"""The `deid` command line: corpus validation, demo corpora and the demo pipeline."""

import argparse
import functools
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from deid_platform import settings
from deid_platform.core.documents import CorpusError, Document
from deid_platform.core.errors import UserError
from deid_platform.core.formats import FORMATS, read_corpus, validate_corpus, write_corpus
from deid_platform.core.ner.presets import NerPreset
from deid_platform.core.outputs import check_output, output_directory
from deid_platform.core.preset import PRESET_NAMES, add_flags, overrides

Handler = Callable[[argparse.Namespace], int]

# `deid audit`: 3 when a link of the chain does not verify, 4 when the leak gate blocked the
# partition, so that nothing was built to audit.
AUDIT_UNVERIFIED, AUDIT_BLOCKED = 3, 4


def _one_line_errors(handler: Handler) -> Handler:
    """Bad input, options, paths and models end the command with one line on stderr and exit
    code 1, never a traceback; SIGTERM unwinds like an error, so staging folders are removed."""

    def terminate(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        signal.signal(signal.SIGTERM, terminate)
        try:
            return handler(args)
        except UserError as err:
            print(err, file=sys.stderr)
        except OSError as err:  # its str() may be long; the file and the reason say it all
            print(
                f"{err.filename or 'deid'}: {err.strerror or type(err).__name__}", file=sys.stderr
            )
        return 1

    return run


def _quiet_transformers() -> None:
    """Our own bars say what happens; transformers' bars per weight file only fill stderr."""
    from transformers.utils import logging

    logging.disable_progress_bar()


def _read(path: Path, fmt: str, lenient: bool) -> list[Document]:
    corpus = read_corpus(path, fmt, lenient=lenient)
    for warning in corpus.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return corpus.documents


@_one_line_errors
def _validate(args: argparse.Namespace) -> int:
    summary, warnings = validate_corpus(args.path, args.format, lenient=args.lenient)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(json.dumps(summary, indent=2))
    return 0


@_one_line_errors
def _demo_corpus(args: argparse.Namespace) -> int:
    from deid_platform.core.surrogates import write_demo_corpus

    if args.defaults:
        ensure_demo_corpora(settings.languages())
        return 0
    if not args.lang or not args.out:
        print("deid demo-corpus: --lang and --out are required without --defaults", file=sys.stderr)
        return 2
    sizes = {"train": args.train, "dev": args.dev, "test": args.test}
    with output_directory(args.out, "demo-corpus", overwrite=args.overwrite) as staging:
        counts = write_demo_corpus(args.lang, staging, seed=args.seed, sizes=sizes)
    print(json.dumps({"language": args.lang, "out": str(args.out), "documents": counts}))
    return 0


def ensure_demo_corpora(languages: list[str]) -> None:
    from deid_platform.core.surrogates import write_demo_corpus

    for lang in languages:
        target = settings.demo_corpus_dir(lang)
        if settings.CorpusSource.for_language(lang).path == target and not target.exists():
            counts = write_demo_corpus(lang, target)
            print(f"generated demo corpus {target}: {counts}")


def clear_automation_pause(home: Path) -> None:
    """The automation sensor evaluates every condition whatever Dagster's pre-sensor pause flag
    says, yet the UI's job pages read that flag, unset on a fresh instance, as "Auto-materialize
    off" while the sensor runs: it is set to not paused."""
    from dagster import DagsterInstance
    from dagster._daemon.asset_daemon import set_auto_materialize_paused

    with DagsterInstance.from_config(str(home)) as instance:
        set_auto_materialize_paused(instance, False)


def _dagster_home(args: argparse.Namespace) -> int:
    """Prepares the instance and the MLflow store before any step runs (`make ui`)."""
    from deid_platform.plumbing.tracking import MlflowTracking

    home = settings.dagster_home()
    clear_automation_pause(home)
    tracking = MlflowTracking(
        tracking_uri=settings.mlflow_tracking_uri(),
        artifact_location=settings.mlflow_artifact_location(),
    )
    tracking.experiment_id()
    print(home)
    return 0


def quiet_libraries() -> None:
    """Progress bars, migration notices and API-stability warnings of the libraries: the demo's
    console shows the platform's own lines (Dagster's events go to the log file)."""
    import logging
    import warnings

    from dagster import BetaWarning, PreviewWarning
    from transformers.utils import logging as hf_logging

    for category in (BetaWarning, PreviewWarning, DeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def _demo(args: argparse.Namespace) -> int:
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home())
    quiet_libraries()
    from dagster import DagsterInstance

    from deid_platform.runners.pipeline import run_pipeline
    from deid_platform.runners.summary import summary
    from deid_platform.study.recipes import load_recipe

    recipe = load_recipe(args.recipe)
    languages = args.languages.split(",") if args.languages else settings.languages()
    ensure_demo_corpora(languages)
    started = time.time()
    log_file = settings.var_dir() / "logs" / "demo.log"
    run_config = recipe.run_config()
    print(f"recipe {recipe.name}: {json.dumps(run_config)}; Dagster events: {log_file}")
    with DagsterInstance.get() as instance:
        outcome = run_pipeline(
            instance, languages=languages, run_config=run_config, log_file=log_file
        )
        print(f"pipeline finished in {time.time() - started:.0f} s; {len(outcome.run_ids)} runs\n")
        print(summary(instance, languages))
    return 0


def _progress(message: str) -> None:
    tqdm.write(message, file=sys.stderr)


class _Bar:
    """A tqdm bar on stderr fed by the (done, total) reports of prediction."""

    def __init__(self, description: str):
        self.bar = tqdm(desc=description, unit="window", file=sys.stderr, leave=False)

    def __call__(self, done: int, total: int) -> None:
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()


# The ner commands check their options, inputs and output folder before they import torch and
# transformers (seconds), so that a mistake is reported at once.


@_one_line_errors
def _ner_train(args: argparse.Namespace) -> int:
    from deid_platform.core.labels import label_set
    from deid_platform.core.ner.presets import get_preset

    inputs = [p for p in (args.train, args.dev, args.model) if p and Path(p).exists()]
    check_output(args.out, "ner train", inputs, args.overwrite)
    preset = get_preset(args.preset, **overrides(args, NerPreset), model_name_or_path=args.model)
    train = _read(args.train, args.format, args.lenient)
    dev = _read(args.dev, args.format, args.lenient) if args.dev else None

    from deid_platform.core.metrics import evaluate
    from deid_platform.core.ner.predict import predict_documents
    from deid_platform.core.ner.training import train_ner

    _quiet_transformers()
    result = train_ner(
        preset,
        train,
        seed=args.seed,
        labels=label_set(train),
        report=_progress,
        max_seconds=args.max_minutes * 60 if args.max_minutes is not None else None,
    )
    with output_directory(args.out, "ner train", inputs, args.overwrite) as staging:
        result.ner.save(staging, extra={"preset": preset.to_dict()})
    summary = {
        "model": str(args.out),
        "train_seconds": round(result.seconds, 1),
        "train_steps": result.steps,
    }
    if dev is not None:
        summary["dev"] = evaluate(dev, predict_documents(result.ner, dev, report=_Bar("dev")))
    print(json.dumps(summary, indent=2, default=float))
    return 0


@_one_line_errors
def _ner_evaluate(args: argparse.Namespace) -> int:
    from deid_platform.core.labels import label_set

    data = _read(args.data, args.format, args.lenient)

    from deid_platform.core.metrics import evaluate
    from deid_platform.core.ner.model import load_model
    from deid_platform.core.ner.predict import predict_documents

    _quiet_transformers()
    ner = load_model(args.model)
    unknown = sorted(set(label_set(data)) - set(ner.labels))
    if unknown:
        print(
            f"warning: {len(unknown)} labels of the data are unknown to the model and count as "
            f"missed: {', '.join(unknown)}",
            file=sys.stderr,
        )
    predicted = predict_documents(ner, data, report=_Bar("predicting"))
    print(json.dumps(evaluate(data, predicted), indent=2, default=float))
    return 0


def _note_files(inputs: list[Path]) -> list[Path]:
    """The .txt files named or held by `inputs`, each once; two with the same name would write the
    same output file, so they are refused."""
    files: dict[str, Path] = {}
    for path in inputs:
        if not path.exists():
            raise CorpusError(str(path), None, "does not exist")
        found = sorted(path.glob("*.txt")) if path.is_dir() else [path]
        if not found:
            raise CorpusError(str(path), None, "holds no .txt files")
        for file in found:
            other = files.setdefault(file.stem, file)
            if other.resolve() != file.resolve():
                raise CorpusError(
                    str(file), None, f"has the same name as {other}: their outputs would collide"
                )
    return list(files.values())


@_one_line_errors
def _deidentify(args: argparse.Namespace) -> int:
    from deid_platform.core.validation import decode_utf8

    files = _note_files(args.inputs)
    inputs = [*args.inputs, args.model]
    check_output(args.out, "deidentify", inputs, args.overwrite)
    docs = [Document(f.stem, decode_utf8(f.read_bytes(), str(f))) for f in files]

    from deid_platform.core.ner.model import ModelError, load_model
    from deid_platform.core.ner.predict import predict_documents
    from deid_platform.core.replace import redact, surrogate

    _quiet_transformers()
    ner = load_model(args.model)
    if not ner.labels:
        raise ModelError(args.model, "the model knows no PHI type, so it would find no PHI")
    predicted = predict_documents(ner, docs, report=_Bar("de-identifying"))
    with output_directory(args.out, "deidentify", inputs, args.overwrite) as staging:
        write_corpus(
            predicted,
            staging / ("annotations" if args.format == "brat" else "annotations.jsonl"),
            args.format,
        )
        (staging / "deidentified").mkdir()
        for doc in predicted:
            text = redact(doc) if args.mode == "redact" else surrogate(doc, args.lang, args.seed)
            (staging / "deidentified" / f"{doc.id}.txt").write_text(text, encoding="utf-8")
    print(
        json.dumps(
            {
                "documents": len(predicted),
                "spans": sum(len(d.spans) for d in predicted),
                "out": str(args.out),
            }
        )
    )
    return 0


def _audit(args: argparse.Namespace) -> int:
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home()))
    from dagster import DagsterInstance

    from deid_platform.partitions import Partition
    from deid_platform.plumbing.blocking import gate_verdict
    from deid_platform.plumbing.store import ArtifactStore
    from deid_platform.study.modes import MODES
    from deid_platform.study.review import build_review, render_markdown

    modes = {mode.key("synthetic_ner_model").to_user_string(): mode for mode in MODES}
    if args.asset not in modes:
        print(f"deid audit: --asset must be one of {', '.join(modes)}", file=sys.stderr)
        return 2
    partition = Partition(args.language, args.fraction)
    store = ArtifactStore(root=str(settings.storage_root()))
    blocked = gate_verdict(store, modes[args.asset].reads(partition, "text"))
    if blocked:
        print(f"deid audit: {args.asset}[{partition}] was never built: {blocked}", file=sys.stderr)
        if args.json:
            print(json.dumps({"shareable": False, "reasons": [blocked]}, indent=2))
        return AUDIT_BLOCKED
    with DagsterInstance.get() as instance:
        try:
            review = build_review(
                instance,
                modes[args.asset].key("synthetic_ner_model"),
                partition,
                store,
                settings.mlflow_tracking_uri(),
            )
        except LookupError as err:
            print(f"deid audit: {err}", file=sys.stderr)
            return 1
    print(json.dumps(review, indent=2, default=str) if args.json else render_markdown(review))
    if not review["all_links_verified"]:
        return AUDIT_UNVERIFIED
    return 0 if review["shareable"] else AUDIT_BLOCKED


def _lenient_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="skip broken spans and documents with a warning each instead of failing",
    )


def _overwrite_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an output folder that this command wrote before and that holds nothing else",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deid", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    corpus = commands.add_parser("corpus", help="corpus tools").add_subparsers(
        dest="corpus_command", required=True
    )
    validate = corpus.add_parser("validate", help="read and validate a corpus; print counts")
    validate.add_argument("path", type=Path)
    validate.add_argument("--format", choices=FORMATS, required=True)
    _lenient_option(validate)
    validate.set_defaults(func=_validate)

    demo_corpus = commands.add_parser("demo-corpus", help="write a surrogate demo corpus (BRAT)")
    demo_corpus.add_argument("--lang", choices=["es", "sv"])
    demo_corpus.add_argument("--out", type=Path)
    demo_corpus.add_argument(
        "--defaults",
        action="store_true",
        help="write data/demo/<lang> for each configured language where it is missing",
    )
    demo_corpus.add_argument("--seed", type=int, default=0)
    demo_corpus.add_argument("--train", type=int, default=200)
    demo_corpus.add_argument("--dev", type=int, default=50)
    demo_corpus.add_argument("--test", type=int, default=50)
    _overwrite_option(demo_corpus)
    demo_corpus.set_defaults(func=_demo_corpus)

    ner = commands.add_parser("ner", help="train and evaluate NER models").add_subparsers(
        dest="ner_command", required=True
    )
    train = ner.add_parser("train", help="train an NER model; print dev metrics as JSON")
    train.add_argument("--train", type=Path, required=True)
    train.add_argument("--dev", type=Path)
    train.add_argument("--format", choices=FORMATS, default="brat")
    train.add_argument("--preset", choices=PRESET_NAMES, default="embedded")
    train.add_argument("--model", help="local directory or hub id for --preset pretrained")
    train.add_argument("--max-minutes", type=float, help="stop training after this wall time")
    train.add_argument("--seed", type=int, default=settings.DEFAULT_SEED)
    train.add_argument("--out", type=Path, required=True)
    _lenient_option(train)
    _overwrite_option(train)
    # Every preset setting is a flag (--epochs, --learning-rate...); --model names the encoder.
    add_flags(train, NerPreset, skip=("model_name_or_path",))
    train.set_defaults(func=_ner_train)
    evaluate = ner.add_parser("evaluate", help="evaluate a model on a corpus; print JSON")
    evaluate.add_argument("--model", type=Path, required=True)
    evaluate.add_argument("--data", type=Path, required=True)
    evaluate.add_argument("--format", choices=FORMATS, default="brat")
    _lenient_option(evaluate)
    evaluate.set_defaults(func=_ner_evaluate)

    deid = commands.add_parser("deidentify", help="find PHI in .txt files; redact or replace it")
    deid.add_argument("--model", type=Path, required=True)
    deid.add_argument("inputs", type=Path, nargs="+", help=".txt files or folders of them")
    deid.add_argument("--out", type=Path, required=True)
    deid.add_argument("--format", choices=["brat", "jsonl"], default="brat")
    deid.add_argument("--mode", choices=["redact", "surrogate"], default="redact")
    deid.add_argument("--lang", default="es", help="locale of the surrogates")
    deid.add_argument("--seed", type=int, default=0)
    _overwrite_option(deid)
    deid.set_defaults(func=_deidentify)

    audit = commands.add_parser(
        "audit",
        help="lineage and privacy audit of a synthetic NER model, for a reviewer (exit code 3: "
        "a link does not verify; 4: the leak gate blocked the partition)",
    )
    audit.add_argument("--language", required=True)
    audit.add_argument("--fraction", required=True)
    audit.add_argument(
        "--asset",
        default="synthetic_ner_model",
        help="the shareable model to audit: synthetic_ner_model, or an ablation's "
        "(MODE/synthetic_ner_model)",
    )
    audit.add_argument("--json", action="store_true", help="machine-readable output")
    audit.set_defaults(func=_audit)

    home = commands.add_parser(
        "dagster-home", help="create the project DAGSTER_HOME and MLflow store; print the former"
    )
    home.set_defaults(func=_dagster_home)

    demo = commands.add_parser("demo", help="run the whole pipeline on the demo partitions")
    demo.add_argument("--languages", help="comma-separated, default: DEID_LANGUAGES or es,sv")
    demo.add_argument(
        "--recipe", default="demo", help="a recipe in recipes/ (demo, test-fast...) or a YAML path"
    )
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
