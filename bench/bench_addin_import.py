"""Import cost of the add-in's Python entry module against a bare ``import xlwings``, in the same run.

Target (issue "The Excel add-in"): importing the module that ``main()`` lives in costs at most 2 × what
``import xlwings`` costs, because the ribbon button starts a fresh Python for every click (``Use UDF Server``
is off) and pays for that import each time. Also: pandas is never imported on that path.

    python bench/bench_addin_import.py [MODULE] [--runs 9] [--as-installed] [--json PATH]

MODULE defaults to ``xl_tthc.addin`` and falls back to ``xl_tthc.udfs`` while the former does not exist.
Each run is a fresh interpreter with ``-X importtime``; the figure is the cumulative time of the top-level
import lines of the module and its parent packages (for the baseline: ``xlwings``), parsed from stderr. The
two commands are interleaved (alternating which goes first), after one untimed warm-up each (bytecode
caches); the result is the median of ``--runs``.

By default pandas, numpy and polars are blocked in both interpreters, as on an office PC where only this
package and its dependencies are installed (xlwings imports them when present, which would hide our own
cost behind theirs). ``--as-installed`` measures with whatever the environment has.

The pandas check runs separately: a finder refuses and records every attempt to import pandas; attempts made
while ``import xlwings`` runs are xlwings' own optional import, any attempt after that comes from our module.
Exit code 1 when the ratio is above the target or our module tries to import pandas.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = 2.0
BLOCKED = ("pandas", "numpy", "polars")
BASELINE = "xlwings"
_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


def default_module() -> str:
    sys.path.insert(0, str(ROOT))
    try:
        return "xl_tthc.addin" if importlib.util.find_spec("xl_tthc.addin") is not None else "xl_tthc.udfs"
    except ModuleNotFoundError:
        return "xl_tthc.udfs"


def _prelude(block: bool) -> str:
    return f"import sys; sys.modules.update(dict.fromkeys({list(BLOCKED)!r})); " if block else ""


def import_ms(module: str, block: bool) -> float:
    """Cumulative import time (ms) of ``module`` and its parent packages, as reported by ``-X importtime``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"{_prelude(block)}import {module}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        raise SystemExit(f"import {module} failed: " + " / ".join(tail))
    wanted = {".".join(module.split(".")[: i + 1]) for i in range(module.count(".") + 1)}
    total_us = 0
    found: set[str] = set()
    for line in proc.stderr.splitlines():
        m = _LINE.match(line)
        if m and m.group(3) == " " and m.group(4) in wanted:  # top level: one space after the bar
            total_us += int(m.group(2))
            found.add(m.group(4))
    if module not in found:
        raise SystemExit(f"no top-level import line for {module} in -X importtime output")
    return total_us / 1000


PANDAS_PROBE = """
import importlib.abc, sys
attempts = []
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            f = sys._getframe(1)
            while f is not None and (f.f_globals.get("__name__", "").startswith("importlib") or f.f_globals.get("__name__") == "__main__"):
                f = f.f_back
            attempts.append((name, f.f_globals.get("__name__", "?") if f is not None else "?"))
            raise ImportError(f"No module named {name!r} (refused by bench_addin_import)")
        return None
sys.meta_path.insert(0, Refuse())
for name in [m for m in list(sys.modules) if m == "pandas" or m.startswith("pandas.")]:
    del sys.modules[name]
import xlwings
by_xlwings = list(attempts)
attempts.clear()
try:
    import %s
    error = None
except ImportError as exc:
    error = str(exc)
import json
print(json.dumps({"by_xlwings": by_xlwings, "by_module": attempts, "error": error}))
"""


def pandas_probe(module: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", PANDAS_PROBE % module], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"pandas probe failed: {proc.stderr.strip()[-400:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("module", nargs="?", default=None, help="module to import (default: xl_tthc.addin or xl_tthc.udfs)")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--as-installed", action="store_true", help="do not block pandas/numpy/polars")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args(argv)
    module = args.module or default_module()
    block = not args.as_installed

    # An installed package has its bytecode compiled (pip does it, as it did for xlwings); a checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would otherwise recompile our sources in every process and not xlwings'.
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "xl_tthc"), quiet=1)
    import_ms(BASELINE, block)  # warm-up: fill the page cache
    import_ms(module, block)
    base: list[float] = []
    ours: list[float] = []
    for i in range(args.runs):
        if i % 2 == 0:
            base.append(import_ms(BASELINE, block))
            ours.append(import_ms(module, block))
        else:
            ours.append(import_ms(module, block))
            base.append(import_ms(BASELINE, block))
    b, o = statistics.median(base), statistics.median(ours)
    ratio = o / b
    probe = pandas_probe(module)
    pandas_ok = not probe["by_module"] and probe["error"] is None

    mode = "office PC (pandas, numpy, polars blocked)" if block else "as installed"
    print(f"python {sys.version.split()[0]}, {mode}, {args.runs} interleaved runs, medians")
    print(f"import {BASELINE}: {b:8.1f} ms   runs: {', '.join(f'{x:.1f}' for x in base)}")
    print(f"import {module}: {o:8.1f} ms   runs: {', '.join(f'{x:.1f}' for x in ours)}")
    print(f"ratio {module}/{BASELINE}: {ratio:.2f} (target <= {TARGET:g})")
    print(
        f"pandas on the import path of {module}: "
        + ("none" if pandas_ok else f"{probe['by_module'] or probe['error']}")
        + f" (xlwings' own optional attempts: {len(probe['by_xlwings'])})"
    )
    passed = ratio <= TARGET and pandas_ok
    print("PASS" if passed else "FAIL")
    if args.json:
        figures = {
            "module": module,
            "mode": "blocked" if block else "as_installed",
            "baseline_ms": b,
            "module_ms": o,
            "ratio": ratio,
            "target": TARGET,
            "baseline_runs": base,
            "module_runs": ours,
            "pandas_attempts": probe["by_module"],
            "passed": passed,
        }
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
