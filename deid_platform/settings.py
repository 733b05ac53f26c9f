"""Where things live, which corpus each language reads, and the platform's constants: from
environment variables with project-local defaults, so that `make demo` works from a fresh clone and
a hospital points the same code at its own corpus without editing it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# The one default seed: splits, subsets, training, sampling and audits all start from it.
DEFAULT_SEED = 13
# Far from the seeds of the demo corpora, which stand for real data: the base LM must not have
# seen the notes it is later adapted on.
BASE_CORPUS_SEED = 1_000_003
OWNERS = ["team:clinical-nlp"]


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def var_dir() -> Path:
    """Everything the platform writes: storage, the MLflow store, DAGSTER_HOME."""
    return Path(_env("DEID_VAR", str(PROJECT_ROOT / "var"))).resolve()


def storage_root() -> Path:
    return Path(_env("DEID_STORAGE", str(var_dir() / "storage"))).resolve()


def mlflow_dir() -> Path:
    return var_dir() / "mlflow"


def mlflow_tracking_uri() -> str:
    # MLflow 3.17 refuses a plain ./mlruns file store; sqlite works everywhere, PostgreSQL via
    # DEID_MLFLOW_URI=postgresql+psycopg2://...
    return _env("DEID_MLFLOW_URI", f"sqlite:///{mlflow_dir() / 'mlflow.db'}")


def mlflow_artifact_location() -> str:
    return _env("DEID_MLFLOW_ARTIFACTS", (mlflow_dir() / "artifacts").as_uri())


def mlflow_ui_url() -> str:
    return _env("DEID_MLFLOW_UI", "http://127.0.0.1:5000")


def languages() -> list[str]:
    return [x.strip() for x in _env("DEID_LANGUAGES", "es,sv").split(",") if x.strip()]


def fractions() -> list[str]:
    return [x.strip() for x in _env("DEID_FRACTIONS", "0.05,0.25,0.5,1.0").split(",") if x.strip()]


def dagster_home() -> Path:
    """DAGSTER_HOME, created with the project's dagster.yaml when it does not exist yet."""
    home = Path(os.environ.get("DAGSTER_HOME") or var_dir() / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text((PROJECT_ROOT / "dagster.yaml").read_text())
    return home


def demo_corpus_dir(lang: str) -> Path:
    return PROJECT_ROOT / "data" / "demo" / lang


@dataclass(frozen=True)
class CorpusSource:
    """The real corpus of one language: `DEID_CORPUS_ES=../shared/data/meddocan` and
    `DEID_CORPUS_ES_FORMAT=brat` (brat, conll or jsonl). Default: the generated demo corpus."""

    language: str
    path: Path
    format: str

    @classmethod
    def for_language(cls, lang: str) -> CorpusSource:
        key = f"DEID_CORPUS_{lang.upper()}"
        path = Path(_env(key, str(demo_corpus_dir(lang))))
        if not path.is_absolute():
            path = (Path.cwd() / path).resolve()
        return cls(lang, path, _env(f"{key}_FORMAT", "brat"))
