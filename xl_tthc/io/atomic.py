"""Atomic output: write to a temporary file in the target folder, then rename over the target.

The temporary file is named ``.~xl_tthc-<tag>-<random><suffix>``, ``<tag>`` a short hash of the target's name, and
is locked (``flock``) while it is written. A run that was killed (``kill -9``, a power cut) leaves it behind; the next
run writing the same target removes such orphans (:func:`clean_orphans`): only those of that target, only when older
than :data:`STALE_AFTER` seconds, only when no process holds their lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX = ".~xl_tthc-"
STALE_AFTER = 10 * 60  # seconds: no output of ours takes this long to write

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be removed there anyway
    fcntl = None  # type: ignore[assignment]


def temp_prefix(target: Path) -> str:
    """The name prefix of the temporary files written for ``target`` (the same for every run)."""
    tag = hashlib.sha256(os.fsencode(Path(target).name)).hexdigest()[:10]
    return f"{TEMP_PREFIX}{tag}-"


def _locked(path: str) -> bool:
    """True when another process holds the lock of ``path`` (or when that cannot be told)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing releases a lock we took
    return False


def clean_orphans(target: Path, *, older_than: float = STALE_AFTER, now: float | None = None) -> list[Path]:
    """Remove the temporary files a killed run left for ``target``; returns what was removed. Never raises."""
    target = Path(target)
    prefix = temp_prefix(target)
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix) or not entry.name.endswith(target.suffix):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or now - st.st_mtime < older_than or _locked(entry.path):
                continue
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one rename."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_orphans(target)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(target), suffix=target.suffix, dir=target.parent)
    tmp_path = Path(tmp)
    if fcntl is None:  # Windows: no lock to hold, and a file still open cannot be renamed (sharing violation)
        os.close(fd)
        fd = -1
    try:
        if fcntl is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # "being written": clean_orphans leaves it alone
        yield tmp_path
        # mkstemp creates 0600 files: give the output the mode the target had, or an ordinary document's mode
        if target.exists():
            os.chmod(tmp_path, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))
