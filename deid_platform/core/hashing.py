"""Content hashes of files and directories, for data versions and audit trails."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def files_sha256(files: Iterable[Path], root: Path) -> str:
    """sha256 over each file's path relative to `root` and its bytes, in the given order."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def directory_sha256(directory: str | Path) -> str:
    root = Path(directory)
    return files_sha256(sorted(p for p in root.rglob("*") if p.is_file()), root)
