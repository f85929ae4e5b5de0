"""A plain install of the package for benchmarks: a virtual environment with only ``pip install <source>``.

The figures an officer sees come from an install without the dev extras (no pandas, numpy, pytest,
hypothesis…: xlwings and others import some of them when present, which changes what a start costs). This
helper builds such an environment from one commit of the repository and caches it:

    python bench/_plain_env.py [REF]        # prints the environment's python; REF defaults to the working tree

``REF`` is any git revision (``HEAD``, ``main``, a commit id). Without one, the working tree is taken as
``git stash create`` records it (committed files plus uncommitted changes to tracked and staged files;
untracked files are left out). The source is exported with ``git archive`` and installed non-editable, so the
environment does not change when the checkout does. Environments live in ``$XL_TTHC_BENCH_CACHE`` (default
``~/.cache/xl_tthc-bench``), one per commit id; the four most recently used are kept.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEEP = 4


def cache_dir() -> Path:
    return Path(os.environ.get("XL_TTHC_BENCH_CACHE") or Path.home() / ".cache" / "xl_tthc-bench")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def resolve(ref: str | None) -> str:
    """The commit id that ``ref`` names (None: the working tree, through ``git stash create``)."""
    if ref is None:
        return _git("stash", "create") or _git("rev-parse", "HEAD")
    return _git("rev-parse", "--verify", f"{ref}^{{commit}}")


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def plain_python(ref: str | None = None, *, quiet: bool = True) -> Path:
    """The python of a cached plain install of ``ref`` (built on first use: a minute or so)."""
    commit = resolve(ref)
    venv = cache_dir() / f"venv-{commit[:12]}"
    stamp = venv / ".installed"
    if stamp.is_file():
        os.utime(stamp)
        return venv_python(venv)
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xl_tthc_src_") as tmp:
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv_python(venv)), "-m", "pip", "install", "--disable-pip-version-check"]
        subprocess.run([*pip, *(["--quiet"] if quiet else []), tmp], check=True)
    stamp.write_text(f"{commit}\n{time.strftime('%Y-%m-%d %H:%M:%S')}\n", encoding="utf-8")
    _prune()
    return venv_python(venv)


def _prune() -> None:
    venvs = sorted(
        (p for p in cache_dir().glob("venv-*") if (p / ".installed").is_file()),
        key=lambda p: (p / ".installed").stat().st_mtime,
        reverse=True,
    )
    for old in venvs[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)


def dev_extras_in(python: Path) -> list[str]:
    """Which of the dev extras' heavy packages an environment has (a plain install has none)."""
    code = (
        "import importlib.util, json; "
        "print(json.dumps([m for m in ('pandas', 'numpy', 'pytest', 'hypothesis', 'lxml_html_clean') "
        "if importlib.util.find_spec(m)]))"
    )
    out = subprocess.run(
        [str(python), "-P", "-c", code], capture_output=True, text=True, check=True, cwd=tempfile.gettempdir()
    ).stdout
    import json

    return list(json.loads(out))


if __name__ == "__main__":
    print(plain_python(sys.argv[1] if len(sys.argv) > 1 else None, quiet=False))
