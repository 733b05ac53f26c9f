import subprocess
import sys


def test_core_imports_without_dagster_or_mlflow():
    """The GPU machine has neither, and core must run there."""
    code = (
        "import sys, pkgutil, importlib, deid_platform.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'deid_platform.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('dagster', 'mlflow'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_pipes_entry_needs_only_dagster_pipes_and_core():
    """A GPU pod runs the entry with dagster-pipes beside core, not Dagster itself."""
    code = (
        "import sys, deid_platform.runners.pipes_entry\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('dagster', 'mlflow'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
