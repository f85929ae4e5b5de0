"""Windows bundle figures and the array UDF call, measured in one run.

    python bench/bench_bundle.py [--rows 3321] [--repeat 5] [--udf-only] [--dist DIR] [--cache DIR] [--json PATH]

1. UDF, the Python side alone: ``TTHC_DIEM`` and ``CHISO_DIEM`` scoring ``--rows`` rows (3.321 = the communes
   of the 2025 two-tier map) in ONE array call, against ``--rows`` single-cell calls of the same function.
   The function alone, with its real xlwings metadata (``ndim=2``: a single cell arrives as ``[[v]]``, as
   xlwings passes it). Not measured, because they need Windows Excel: xlwings' per-call argument conversion
   (its conversion pipeline needs the Windows engine) and the COM round trip of every call, both of which
   make single-cell calls slower still. Best of ``--repeat``.
2. Bundle (skipped with ``--udf-only``): builds the installer and the zip (``xl-tthc bundle-windows``) unless
   ``--dist`` holds them; prints their sizes, the installed size and file count, and, when Wine is present,
   the time of a silent install (``CaiDat_*.exe /S``) into a fresh Wine prefix (prefix creation not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bench_udf(rows: int, repeat: int) -> dict[str, Any]:
    # the wrapper generator's environment gives the UDFs their real xlwings metadata (__xlfunc__) off Windows
    runpy.run_path(str(ROOT / "macros" / "gen_udf_vba.py"))["generate"]()
    import xl_tthc.udfs as u

    data = {
        "TTHC_DIEM": [(float(i % 97), float((i * 7) % 13), float(i % 5)) for i in range(1, rows + 1)],
        "CHISO_DIEM": [(f"{(i * 37) % 10000 / 100:.2f}".replace(".", ","), 4.0, 90.0) for i in range(rows)],
    }
    out: dict[str, Any] = {"rows": rows}
    for name, cells in data.items():
        func = getattr(u, name)
        assert all(a["options"].get("ndim") == 2 for a in func.__xlfunc__["args"])
        columns = [[[r[k]] for r in cells] for k in range(3)]
        singles = [[[[v]] for v in r] for r in cells]  # what xlwings passes for one cell with ndim=2
        one = func(*columns)
        assert [r[0] for r in one] == [func(*r) for r in singles]  # same figures both ways
        t_array = _best(lambda func=func, columns=columns: func(*columns), repeat)
        t_cells = _best(lambda func=func, singles=singles: [func(*r) for r in singles], repeat)
        out[name] = {"array_ms": t_array * 1000, "single_cells_ms": t_cells * 1000, "ratio": t_cells / t_array}
    return out


def _wine_install_seconds(installer: Path) -> tuple[float, int] | None:
    if shutil.which("wine") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="xl_tthc-wine-") as prefix:
        env = {**os.environ, "WINEPREFIX": prefix, "WINEDEBUG": "-all", "WINEDLLOVERRIDES": "mscoree,mshtml="}
        env.pop("DISPLAY", None)
        subprocess.run(["wineboot", "-i"], env=env, capture_output=True, check=True, timeout=300)
        subprocess.run(["wineserver", "-w"], env=env, check=True, timeout=300)
        t = time.perf_counter()
        subprocess.run(["wine", str(installer), "/S"], env=env, capture_output=True, check=True, timeout=600)
        subprocess.run(["wineserver", "-w"], env=env, check=True, timeout=300)
        seconds = time.perf_counter() - t
        installed = Path(prefix) / "drive_c" / "TinhDiem"
        size = sum(p.stat().st_size for p in installed.rglob("*") if p.is_file())
        subprocess.run(["wineserver", "-k"], env=env, check=False)
        return seconds, size


def bench_bundle(dist: Path | None, cache: Path | None) -> dict[str, Any]:
    from xl_tthc import bundle_windows as bw

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="xl_tthc-dist-") as tmp:
        if dist is None:
            t = time.perf_counter()
            b = bw.build(Path(tmp), cache)
            out["build_s"] = time.perf_counter() - t
            out["installed_bytes"], out["installed_files"] = b.installed_bytes, b.installed_files
            installer, archive = b.installer, b.zip
        else:
            installer, archive = dist / bw.installer_name(), dist / bw.zip_name()
        out["installer_bytes"] = installer.stat().st_size
        out["zip_bytes"] = archive.stat().st_size
        wine = _wine_install_seconds(installer)
        if wine is not None:
            out["wine_install_s"], out["wine_installed_bytes"] = wine
    return out


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=3321)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--udf-only", action="store_true")
    ap.add_argument("--dist", type=Path)
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    figures: dict[str, Any] = {"udf": bench_udf(args.rows, args.repeat)}
    udf = figures["udf"]
    for name in ("TTHC_DIEM", "CHISO_DIEM"):
        f = udf[name]
        print(
            f"{name}: {udf['rows']} rows in one array call {f['array_ms']:.1f} ms vs {udf['rows']} single-cell calls "
            f"{f['single_cells_ms']:.1f} ms (single cells take × {f['ratio']:.2f} the time; Python side only)"
        )
    if not args.udf_only:
        figures["bundle"] = b = bench_bundle(args.dist, args.cache)
        print(f"installer {_mb(b['installer_bytes'])}, offline zip {_mb(b['zip_bytes'])}")
        if "installed_bytes" in b:
            print(
                f"installed size {_mb(b['installed_bytes'])} in {b['installed_files']} files; build {b['build_s']:.0f} s"
            )
        if "wine_install_s" in b:
            print(f"silent install under Wine {b['wine_install_s']:.1f} s ({_mb(b['wine_installed_bytes'])} on disk)")
        else:
            print("silent install under Wine: not measured (wine is not installed)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
