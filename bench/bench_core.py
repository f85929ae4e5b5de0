"""Scoring core vs python-calamine, side by side: the core must never be the bottleneck.

Target (issue "Scoring core"): scoring 3.321 commune units (every commune in the country) in the core takes
less than one tenth of the time python-calamine needs to read 3.321 such unit workbooks.

    python bench/bench_core.py [--units 3321] [--repeat 3] [--seed 1] [--json PATH]

The workbooks are generated into a temporary folder first (not timed), read once to check that they hold
exactly the data the core scores (not timed; this also warms the file cache for both sides alike), then each
pass times (a) python-calamine opening every workbook and reading the first sheet's values and (b) the core
building a ``UnitInput`` for every unit's data and scoring them with ``score_many`` (the batch path). The figure is the median of
``--repeat`` passes (``time.perf_counter``).

Then every shipped framework in turn (``--files`` reads per framework, default 300): python-calamine reads the
workbook that holds a framework's units (the published sample where one ships, else the framework's official
template from ``workbooks/``) and the core scores the units of that framework's seed or example input document
(``xl_tthc/sample_data/seed*.json``, ``docs/examples/<id>-input.json``) as often; the 459 sample holds the seed's 26 units,
so one read stands for 26 scored units. Exit code 1 when the core is not under 0,1 × calamine for the commune
workbooks or for any framework.
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

from xl_tthc.core.document import parse_input
from xl_tthc.core.engine import score_many
from xl_tthc.core.framework import SHIPPED_DIR, Registry, get
from xl_tthc.core.model import UnitInput

ROOT = Path(__file__).resolve().parent.parent
# the published samples whose cells hold exactly a seed's units; other frameworks are read from their template
SAMPLES = {
    "tthc-dienbien-1187-2019-huyen": "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx",
    "sv459-dienbien-2023": "Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023.xlsx",
    "par-dienbien-tinh-2020": "Vi_du_Chi_so_CCHC_tinh_Dien_Bien_2020.xlsx",
}

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


def _framework_cases() -> list[tuple[Any, list[UnitInput], Path]]:
    """(framework, its units from a seed or example document, the workbook that holds such units) per shipped
    framework."""
    reg = Registry()
    docs: dict[str, Path] = {}
    for path in sorted((ROOT / "docs" / "examples").glob("*-input.json")) + sorted(
        (ROOT / "xl_tthc" / "sample_data").glob("seed*.json")
    ):  # seeds last: they win
        docs[json.loads(path.read_text("utf-8"))["framework"]] = path
    cases = []
    for fid in reg.ids():
        fw = reg.get(fid)
        if not fw.source_file.startswith(str(SHIPPED_DIR)):
            continue
        raw = json.loads(Path(fw.source_file).read_text("utf-8"))
        book = ROOT / "workbooks" / "samples" / SAMPLES[fid] if fid in SAMPLES else None
        if book is None and isinstance(raw.get("template"), dict):
            book = ROOT / "workbooks" / raw["template"]["file"]
        if fid in docs:
            _, units = parse_input(json.loads(docs[fid].read_text("utf-8")), reg)
        elif fid == gen.FRAMEWORK_ID:
            units = [UnitInput(n, d, level=gen.LEVEL, period=gen.PERIOD) for n, d in gen.unit_inputs(1, 1)]
        else:
            raise SystemExit(f"no seed or example input for shipped framework {fid}")
        if book is None or not book.is_file():
            raise SystemExit(f"no workbook to read for shipped framework {fid}")
        cases.append((fw, units, book))
    return cases


def _read_n(book: Path, n: int) -> int:
    rows = 0
    for _ in range(n):
        with CalamineWorkbook.from_path(book) as wb:
            rows += len(wb.get_sheet_by_index(0).to_python())
    return rows


def _score_n(fw: Any, units: list[UnitInput], n: int) -> list[Any]:
    return score_many(fw, (u for _ in range(n) for u in units))


def every_framework(files: int, repeat: int) -> list[dict[str, Any]]:
    out = []
    for fw, units, book in _framework_cases():
        cal: list[float] = []
        core: list[float] = []
        _read_n(book, 1)  # warm the file cache
        for _ in range(repeat):
            cal.append(_timed(_read_n, book, files))
            core.append(_timed(_score_n, fw, units, files))
        cal_ms, core_ms = statistics.median(cal) * 1000, statistics.median(core) * 1000
        n = files * len(units)
        out.append(
            {
                "framework": fw.id,
                "workbook": book.name,
                "units_per_workbook": len(units),
                "reads": files,
                "units": n,
                "calamine_ms": cal_ms,
                "core_ms": core_ms,
                "calamine_us_per_unit": cal_ms * 1000 / n,
                "core_us_per_unit": core_ms * 1000 / n,
                "ratio": core_ms / cal_ms,
                "pass": core_ms / cal_ms < TARGET,
            }
        )
    return out


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
    ap.add_argument("--files", type=int, default=300, help="workbook reads per shipped framework (default 300)")
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

    frameworks = every_framework(max(1, args.files), args.repeat)
    print(f"every shipped framework: {args.files} reads of its workbook, its units scored as often")
    for f in frameworks:
        print(
            f"  {f['framework']:32s} {f['units_per_workbook']:3d} unit(s) in {f['workbook']}: "
            f"read {f['calamine_us_per_unit']:8.1f} µs/unit, core {f['core_us_per_unit']:7.1f} µs/unit, "
            f"ratio {f['ratio']:.3f} {'PASS' if f['pass'] else 'FAIL'}"
        )
    all_ok = ok and all(f["pass"] for f in frameworks)
    print(f"target core < {TARGET} × calamine on every shipped framework: {'PASS' if all_ok else 'FAIL'}")

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
                    "frameworks": frameworks,
                    "pass_every_framework": all_ok,
                    "python": platform.python_version(),
                    "machine": platform.machine(),
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
