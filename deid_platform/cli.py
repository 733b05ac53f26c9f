"""The `deid` command line: corpus validation, demo corpora and the demo pipeline."""

import argparse
import json
import os
import sys
import time
from pathlib import Path

from deid_platform import settings
from deid_platform.core.documents import CorpusError, summarize
from deid_platform.core.formats import FORMATS, read_corpus


def _validate(args: argparse.Namespace) -> int:
    try:
        corpus = read_corpus(args.path, args.format, lenient=args.lenient)
    except CorpusError as err:
        print(str(err), file=sys.stderr)
        return 1
    for warning in corpus.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(json.dumps(summarize(corpus.documents, corpus.warnings), indent=2))
    return 0


def _demo_corpus(args: argparse.Namespace) -> int:
    from deid_platform.core.surrogates import write_demo_corpus

    if args.defaults:
        ensure_demo_corpora(settings.languages())
        return 0
    if not args.lang or not args.out:
        print("deid demo-corpus: --lang and --out are required without --defaults", file=sys.stderr)
        return 2
    sizes = {"train": args.train, "dev": args.dev, "test": args.test}
    counts = write_demo_corpus(args.lang, args.out, seed=args.seed, sizes=sizes)
    print(json.dumps({"language": args.lang, "out": str(args.out), "documents": counts}))
    return 0


def ensure_demo_corpora(languages: list[str]) -> None:
    from deid_platform.core.surrogates import write_demo_corpus

    for lang in languages:
        target = settings.demo_corpus_dir(lang)
        if settings.CorpusSource.for_language(lang).path == target and not target.exists():
            counts = write_demo_corpus(lang, target)
            print(f"generated demo corpus {target}: {counts}")


def _dagster_home(args: argparse.Namespace) -> int:
    print(settings.dagster_home())
    return 0


def _demo(args: argparse.Namespace) -> int:
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home())
    from dagster import DagsterInstance

    from deid_platform.pipeline import run_pipeline
    from deid_platform.report import print_summary

    languages = args.languages.split(",") if args.languages else settings.languages()
    ensure_demo_corpora(languages)
    started = time.time()
    with DagsterInstance.get() as instance:
        run_pipeline(instance, languages=languages)
        print_summary(instance, languages)
    print(
        f"demo finished in {time.time() - started:.1f} s; DAGSTER_HOME={os.environ['DAGSTER_HOME']}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deid", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    corpus = commands.add_parser("corpus", help="corpus tools").add_subparsers(
        dest="corpus_command", required=True
    )
    validate = corpus.add_parser("validate", help="read and validate a corpus; print counts")
    validate.add_argument("path", type=Path)
    validate.add_argument("--format", choices=FORMATS, required=True)
    validate.add_argument(
        "--lenient", action="store_true", help="report problems as warnings instead of failing"
    )
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
    demo_corpus.set_defaults(func=_demo_corpus)

    home = commands.add_parser("dagster-home", help="create and print the project DAGSTER_HOME")
    home.set_defaults(func=_dagster_home)

    demo = commands.add_parser("demo", help="run the whole pipeline on the demo partitions")
    demo.add_argument("--languages", help="comma-separated, default: DEID_LANGUAGES or es,sv")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
