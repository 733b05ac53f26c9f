"""No module imports from a layer above it: the science (core) knows nothing of Dagster, the store
and tracking know nothing of the assets, the assets nothing of the command line."""

import ast
from pathlib import Path

from deid_platform.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "deid_platform"
# Lowest first. A module may import its own layer and the ones below.
LAYERS = [
    {"core"},
    {"settings", "partitions"},
    {"plumbing"},
    {"study"},
    {"defs"},
    {"definitions"},
    {"runners"},
    {"cli"},
]


def layer_of(module: str) -> int:
    top = module.split(".")[1] if module.startswith("deid_platform.") else module
    return next(i for i, names in enumerate(LAYERS) if top in names)


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.startswith("deid_platform.")}


def test_no_module_imports_from_a_layer_above_it():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        if path.name == "__init__.py" and path.parent == PACKAGE:
            continue
        own = layer_of(module)
        upward += [(module, other) for other in imports(path) if layer_of(other) > own]
    assert upward == []


def test_every_module_has_a_layer():
    tops = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir() if p.name != "__init__.py"}
    tops = {t for t in tops if not t.startswith("__")}
    assert tops == set().union(*LAYERS)


def test_the_package_root_holds_few_modules_beside_its_packages():
    """Newcomers find the layers as folders: plumbing, study, defs, runners and core."""
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert len(modules) <= 6, modules
