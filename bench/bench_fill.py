"""«Tính điểm» on a file, as a whole process, vs a bare ``python -c "import openpyxl"``, side by side.

Target (issue "Official workbook templates and «Tính điểm» on files"): one ``xl-tthc fill`` process on the
seed 001 TTHC sample (start Python, import, read, score, write the results, the marks and «Kết quả kiểm tra»,
save atomically) takes at most 3 × a Python process that only imports openpyxl.

    python bench/bench_fill.py [--runs 15] [--json PATH]

Both commands run as fresh subprocesses with the same interpreter, interleaved (fill, baseline, fill, …) so that
neither side gets a warmer machine; one untimed warm-up run of each comes first. The figure is the median wall
time of ``--runs`` runs each (``time.perf_counter`` around ``subprocess.run``). Exit code 1 when the ratio is
above the target.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "workbooks" / "samples" / "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx"
TARGET = 3.0


def _run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):  # 1 = filled, the data has errors; anything else is a failure
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="timed runs of each command; the median is reported")
    ap.add_argument("--sample", type=Path, default=SAMPLE, help="workbook to fill (default: the seed 001 sample)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON to this path")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    py = sys.executable
    baseline = [py, "-c", "import openpyxl"]
    with tempfile.TemporaryDirectory(prefix="xl_tthc_bench_fill_") as tmp:
        out = Path(tmp) / "kết quả.xlsx"
        fill = [py, "-m", "xl_tthc", "fill", str(args.sample), "-o", str(out)]
        _run(fill)  # warm-up (page cache, .pyc), not timed
        _run(baseline)
        fills: list[float] = []
        bases: list[float] = []
        for _ in range(args.runs):
            fills.append(_run(fill))
            bases.append(_run(baseline))
        filled_ok = out.exists() and out.stat().st_size > 0

    fill_ms, base_ms = statistics.median(fills) * 1000, statistics.median(bases) * 1000
    ratio = fill_ms / base_ms
    ok = ratio <= TARGET and filled_ok
    print(f"sample: {args.sample.name}, median of {args.runs} run(s) each, interleaved")
    print(f"python -c 'import openpyxl':   {base_ms:8.1f} ms")
    print(f"python -m xl_tthc fill … -o …: {fill_ms:8.1f} ms")
    print(f"ratio fill/import openpyxl: {ratio:.2f}")
    print(f"target fill <= {TARGET:g} × import openpyxl: {'PASS' if ok else 'FAIL'}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "sample": args.sample.name,
                    "runs": args.runs,
                    "fill_ms": fill_ms,
                    "import_openpyxl_ms": base_ms,
                    "ratio": ratio,
                    "target": TARGET,
                    "pass": ok,
                    "fill_runs_ms": [x * 1000 for x in fills],
                    "import_openpyxl_runs_ms": [x * 1000 for x in bases],
                    "python": platform.python_version(),
                    "machine": platform.machine(),
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
