"""Peak memory of `deid corpus validate` on a generated corpus of about 50 MB per format, as a ratio
to the corpus size on disk; and, for comparison, of `read_corpus`, which the assets use and which
holds every document.

    .venv/bin/python -m benchmarks.validation_memory [--megabytes 50] [--workdir /tmp]

The corpus is the Spanish surrogate demo corpus, repeated under new ids until it is large enough.
Each measurement runs in a fresh process; its peak resident set size comes from wait4(2), so it
includes the interpreter and its imports (measured alone as the baseline). Prints measured numbers;
the last line is one JSON object."""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import emit, machine
from deid_platform.core.documents import Document
from deid_platform.core.formats import FORMATS, corpus_files, write_corpus
from deid_platform.core.surrogates import generate_corpus

DEID = str(Path(sys.executable).with_name("deid"))
READ = "import sys; from deid_platform.core.formats import read_corpus; read_corpus(*sys.argv[1:])"
IMPORTS = "import deid_platform.cli"
LAUNCHER = """
import os, sys
quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=quiet)
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def build(fmt: str, target: Path, megabytes: float) -> int:
    """Writes the corpus in `fmt` at `target`; returns its size in bytes."""
    notes = generate_corpus("es", seed=0, sizes={"train": 200})["train"]
    sample = target.with_name(f"sample-{target.name}")
    write_corpus(notes, sample, fmt)
    per_copy = sum(f.stat().st_size for f in corpus_files(sample))
    copies = max(1, round(megabytes * 1e6 / per_copy))
    documents = [Document(f"{d.id}-{k:04d}", d.text, d.spans) for k in range(copies) for d in notes]
    write_corpus(documents, target, fmt)
    return sum(f.stat().st_size for f in corpus_files(target))


def peak(command: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MB, seconds, exit code) of a command run to its end. A forked child starts with
    its parent's peak (this process holds torch), so a small launcher forks it instead."""
    started = time.time()
    launched = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *command], capture_output=True, text=True, check=True
    )
    kilobytes, code = map(int, launched.stdout.split())
    return kilobytes / 1024, time.time() - started, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=50.0)
    parser.add_argument("--workdir", default=None, help="where the corpora are written (a tmpdir)")
    args = parser.parse_args()
    baseline, _, _ = peak([sys.executable, "-c", IMPORTS])
    print(f"baseline (python + deid_platform.cli imports): {baseline:.1f} MB; {machine()}")
    rows = {}
    with tempfile.TemporaryDirectory(dir=args.workdir) as scratch:
        for fmt in FORMATS:
            target = Path(scratch) / ("corpus" if fmt == "brat" else f"corpus.{fmt}")
            size = build(fmt, target, args.megabytes) / 1e6
            validate_mb, validate_s, code = peak(
                [DEID, "corpus", "validate", str(target), "--format", fmt]
            )
            read_mb, read_s, read_code = peak([sys.executable, "-c", READ, str(target), fmt])
            rows[fmt] = {
                "corpus_mb": round(size, 1),
                "validate_peak_mb": round(validate_mb, 1),
                "validate_ratio": round(validate_mb / size, 2),
                "validate_seconds": round(validate_s, 1),
                "validate_exit": code,
                "read_corpus_peak_mb": round(read_mb, 1),
                "read_corpus_ratio": round(read_mb / size, 2),
                "read_corpus_seconds": round(read_s, 1),
                "read_corpus_exit": read_code,
            }
            print(
                f"{fmt:<6} {size:6.1f} MB  validate: peak {validate_mb:6.1f} MB "
                f"({validate_mb / size:.2f}x, {validate_s:.1f} s, exit {code})  "
                f"read_corpus: peak {read_mb:6.1f} MB ({read_mb / size:.2f}x, {read_s:.1f} s)"
            )
    emit(
        {
            "benchmark": "validation_memory",
            "baseline_mb": round(baseline, 1),
            "formats": rows,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
