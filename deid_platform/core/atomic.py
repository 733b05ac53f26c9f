"""Atomic writes: an output directory or file appears whole or not at all.

Staging folders and backups sit beside the target and carry the writer's process id
(`.<name>.staging-<pid>-<random>`, `.<name>.old-<pid>`), so that what a killed writer left
behind can be recognized and cleared by the next one (`remove_stale`)."""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_LIBC = ctypes.CDLL(None, use_errno=True)
_RENAMEAT2 = getattr(_LIBC, "renameat2", None)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@contextmanager
def staging_directory(target: str | Path) -> Iterator[Path]:
    """A new folder beside `target`, named so that `remove_stale` knows it, removed on exit."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.staging-{os.getpid()}-", dir=target.parent)
    )
    # mkdtemp makes it private (0700); the finished target should have the usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yields a temporary sibling directory; on success it replaces `target`, on error it is removed
    and `target` is left as it was."""
    with staging_directory(target) as staging:
        yield staging
        _replace(staging, Path(target))


def _replace(staging: Path, target: Path) -> None:
    """Puts `staging` at `target`. Where the kernel can exchange two paths in one step, the old
    target is never missing, not even for the moment between two renames; it ends up at the
    staging path, which the caller removes."""
    if not target.exists():
        staging.rename(target)
    elif not _exchange(staging, target):
        backup = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(backup)
        try:
            staging.rename(target)
        except BaseException:
            backup.rename(target)
            raise
        shutil.rmtree(backup, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # a filesystem or kernel without RENAME_EXCHANGE: fall back to two renames
    raise OSError(code, os.strerror(code), str(b))


def remove_stale(target: str | Path) -> None:
    """Clears what writers of `target` that no longer run left beside it: staging folders are
    removed; a backup is put back if the target went missing between two renames, else removed."""
    target = Path(target)
    if not target.parent.is_dir():
        return
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(staging|old)-(\d+)(-.*)?")
    for entry in target.parent.iterdir():
        match = pattern.fullmatch(entry.name)
        if match is None or _alive(int(match.group(2))):
            continue
        if match.group(1) == "old" and not target.exists():
            entry.rename(target)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it runs, under another user
    return True


def atomic_write_text(target: str | Path, text: str) -> None:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
