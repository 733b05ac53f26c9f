"""Output folders of the command line, which must never destroy what a user keeps.

A command writes only into a new or empty folder, or, with `overwrite`, into one that it wrote
itself before and that holds nothing else: it leaves a marker there that lists its files. A folder
that is an input or holds one is never a target. Everything is written into a staging folder beside
the target first, so a failed or killed command leaves the target as it was."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from deid_platform.core.atomic import atomic_directory, remove_stale, staging_directory
from deid_platform.core.errors import UserError

MARKER = ".deid-output.json"


class OutputError(UserError):
    """A refused output folder; the message names the folder and the rule."""

    def __init__(self, path: Path, message: str):
        super().__init__(f"{path}: {message}")


def check_output(
    target: str | Path, command: str, inputs: Sequence[str | Path] = (), overwrite: bool = False
) -> Path:
    """Returns the absolute target, or raises OutputError when writing there could lose data."""
    target = Path(target).resolve()
    if target.parent == target:
        raise OutputError(target, "the filesystem root cannot be an output folder")
    for source in inputs:
        source = Path(source).resolve()
        if source == target or target in source.parents:
            raise OutputError(target, f"is an input of this command or holds one ({source})")
    if target.exists() and not target.is_dir():
        raise OutputError(target, "exists and is not a folder")
    if not target.exists() or not any(target.iterdir()):
        return target
    if not overwrite:
        raise OutputError(
            target,
            f"is not empty; deid {command} writes only into a new or empty folder, or with "
            "--overwrite into one it wrote itself",
        )
    written = _marker(target)
    if written is None or written.get("command") != command:
        raise OutputError(target, f"was not written by deid {command}; refusing to overwrite it")
    foreign = _files(target) - {MARKER} - set(written.get("files", []))
    if foreign:
        raise OutputError(
            target, f"holds {len(foreign)} file(s) that deid {command} did not write; not replacing"
        )
    if target == Path.cwd() or target in Path.cwd().parents:
        raise OutputError(target, "--overwrite cannot replace the working folder; run from outside")
    return target


@contextmanager
def output_directory(
    target: str | Path, command: str, inputs: Sequence[str | Path] = (), overwrite: bool = False
) -> Iterator[Path]:
    """Yields an empty staging folder beside `target`; when the block succeeds, its content and the
    marker become `target`. An existing empty folder is filled in place, so that it keeps its
    permissions and may be the working folder (`--out .`); an earlier output is swapped whole."""
    target = check_output(target, command, inputs, overwrite)
    remove_stale(target)
    if target.is_dir() and not any(target.iterdir()):
        with staging_directory(target) as staging:
            yield staging
            _finish(staging, target, command, inputs, overwrite)
            # The marker moves last, so an interrupted fill is never taken for a finished output.
            for entry in sorted(staging.iterdir(), key=lambda p: p.name == MARKER):
                entry.rename(target / entry.name)
    else:
        with atomic_directory(target) as staging:
            yield staging
            _finish(staging, target, command, inputs, overwrite)


def _finish(
    staging: Path, target: Path, command: str, inputs: Sequence[str | Path], overwrite: bool
) -> None:
    files = sorted(_files(staging))
    (staging / MARKER).write_text(json.dumps({"command": command, "files": files}, indent=1))
    # Checked again: another process may have written to the target while this one worked.
    check_output(target, command, inputs, overwrite)


def _files(folder: Path) -> set[str]:
    """Every file and link below `folder`, as relative POSIX paths."""
    found = set()
    for root, dirs, files in os.walk(folder):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            found.add(Path(os.path.relpath(os.path.join(root, name), folder)).as_posix())
    return found


def _marker(folder: Path) -> dict | None:
    try:
        written = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return written if isinstance(written, dict) else None
