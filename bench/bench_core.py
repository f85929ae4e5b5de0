"""Scoring core vs python-calamine, side by side: the core must never be the bottleneck.

Target (issue "Scoring core"): scoring 3.321 commune units (every commune in the country) in the core takes
less than one tenth of the time python-calamine needs to read 3.321 such unit workbooks.

    python bench/bench_core.py [--units 3321] [--repeat 3] [--seed 1] [--json PATH]

The workbooks are generated into a temporary folder first (not timed), read once to check that they hold
exactly the data the core scores (not timed; this also warms the file cache for both sides alike), then each
pass times (a) python-calamine opening every workbook and reading the first sheet's values and (b) the core
building a ``UnitInput`` for every unit's data and scoring them with ``score_many`` (the batch path). The figure is the median of
``--repeat`` passes (``time.perf_counter``). Exit code 1 when the core is not under 0,1 × calamine.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _unit_workbooks as gen
from python_calamine import CalamineWorkbook

from xl_tthc.core.engine import score_many
from xl_tthc.core.framework import get
from xl_tthc.core.model import UnitInput

TARGET = 0.1


def read_all(paths: list[Path]) -> list[list[list[Any]]]:
    out = []
    for p in paths:
        with CalamineWorkbook.from_path(p) as wb:
            out.append(wb.get_sheet_by_index(0).to_python())
    return out


def score_all(fw: Any, units: list[tuple[str, dict[str, Any], str]]) -> list[Any]:
    return score_many(
        fw,
        (
            UnitInput(name, data, level=gen.LEVEL, period=gen.PERIOD, file=file, sheet=gen.SHEET)
            for name, data, file in units
        ),
    )


def _timed(fn: Any, *args: Any) -> float:
    """Wall time of one pass. Both sides keep their outputs until the pass ends, as a batch run does, and
    start from a collected heap so that neither pays for the other's garbage."""
    gc.collect()
    t0 = time.perf_counter()
    out = fn(*args)
    elapsed = time.perf_counter() - t0
    del out
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=3321, help="number of commune units (default 3321)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes; the median is reported (default 3)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON to this path")
    args = ap.parse_args(argv)
    if args.units < 1 or args.repeat < 1:
        ap.error("--units and --repeat must be at least 1")

    fw = get(gen.FRAMEWORK_ID)
    with tempfile.TemporaryDirectory(prefix="xl_tthc_bench_") as tmp:
        t0 = time.perf_counter()
        paths = gen.make_unit_workbooks(tmp, args.units, args.seed)
        gen_s = time.perf_counter() - t0
        inputs = gen.unit_inputs(args.units, args.seed)
        units = [(name, data, p.name) for (name, data), p in zip(inputs, paths, strict=True)]
        print(f"generated {len(paths)} commune workbooks in {gen_s:.1f} s (not timed)")

        # Check (untimed): the files hold exactly the data the core scores, and it scores cleanly.
        bad = [
            p.name
            for p, rows, (_n, data, _f) in zip(paths, read_all(paths), units, strict=True)
            if gen.read_back(rows) != data
        ]
        if bad:
            print(f"ERROR: {len(bad)} workbooks differ from the core's data, e.g. {bad[:3]}", file=sys.stderr)
            return 2
        results = score_all(fw, units)
        not_scored = [r.unit for r in results if r.status != "scored"]
        stated_wrong = [r.unit for r in results for f in r.findings if f.code.value.startswith("stated_")]
        if not_scored or stated_wrong:
            print(f"ERROR: not scored {not_scored[:3]}, stated scores differ {stated_wrong[:3]}", file=sys.stderr)
            return 2
        del results

        cal: list[float] = []
        core: list[float] = []
        for _ in range(args.repeat):
            cal.append(_timed(read_all, paths))
            core.append(_timed(score_all, fw, units))

    n = args.units
    cal_ms, core_ms = statistics.median(cal) * 1000, statistics.median(core) * 1000
    ratio = core_ms / cal_ms
    ok = ratio < TARGET
    print(f"units: {n}, framework: {fw.id}, median of {args.repeat} pass(es)")
    print(f"calamine read: {cal_ms:10.1f} ms total, {cal_ms / n:.4f} ms/unit")
    print(f"core scoring:  {core_ms:10.1f} ms total, {core_ms / n:.4f} ms/unit")
    print(f"ratio core/calamine: {ratio:.3f}")
    print(f"target core < {TARGET} × calamine: {'PASS' if ok else 'FAIL'}")

    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "units": n,
                    "repeat": args.repeat,
                    "seed": args.seed,
                    "framework": fw.id,
                    "calamine_ms": cal_ms,
                    "core_ms": core_ms,
                    "calamine_us_per_unit": cal_ms * 1000 / n,
                    "core_us_per_unit": core_ms * 1000 / n,
                    "ratio": ratio,
                    "target": TARGET,
                    "pass": ok,
                    "calamine_passes_ms": [x * 1000 for x in cal],
                    "core_passes_ms": [x * 1000 for x in core],
                    "generate_s": gen_s,
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
    sys.exit(main())
