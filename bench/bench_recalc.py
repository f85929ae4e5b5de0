"""LibreOffice recalculating the templates' formulas, against LibreOffice opening and saving the same files without.

Target (issue 13, item 3): the whole recalculation check set (the seeds' samples and ``--units`` generated units
per shipped framework, as ``tests/test_libreoffice_recalc.py`` builds them with ``scripts/recalc_check.py``) is
recalculated in ONE soffice run, and the formulas cost little next to loading and saving the workbooks: the
recalculating run takes at most 2 × the baseline run.

    python bench/bench_recalc.py [--units 500] [--runs 1] [--json PATH]

Both sides are one ``soffice --headless --convert-to xlsx`` process over the same files, started the same way;
they differ only in the profile setting "recalculation on file load" for Excel files: always (the formulas are
computed) or never (the baseline: LibreOffice keeps the values cached in the files). Every formula carries a
deliberately wrong cached value (-1), so the baseline's output shows -1 everywhere and the recalculated output
must show the core's figures: that proves the formulas were computed, and what the recalculation costs. The runs
are interleaved (baseline, recalculation, …) after one untimed warm-up of each; the figure is the median wall time.
The recalculated figures are compared with the core like the test does (the report line is printed). Exit code 1
when the ratio is above the target or a recalculated figure differs from the core beyond the documented cases.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

import recalc_check as rc  # noqa: E402
import render_images  # noqa: E402

from xl_tthc.core.framework import Registry  # noqa: E402
from xl_tthc.io.layouts import SPECS  # noqa: E402

TARGET = 2.0
POISON = -1  # the cached value every formula carries in the files: only a recalculation replaces it


def _profile(directory: Path, recalc: bool) -> str:
    url = render_images.profile(directory)
    if not recalc:
        xcu = directory / "user" / "registrymodifications.xcu"
        xcu.write_text(
            render_images.REGISTRY.replace(
                '"OOXMLRecalcMode" oor:op="fuse"><value>0</value>', '"OOXMLRecalcMode" oor:op="fuse"><value>1</value>'
            ),
            encoding="utf-8",
        )
    return url


def _timed(paths: list[Path], out: Path, profile: str) -> tuple[float, list[Path]]:
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    converted = render_images.convert(paths, "xlsx", out, profile)
    return time.perf_counter() - t0, converted


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=500, help="generated units per shipped framework")
    ap.add_argument("--runs", type=int, default=1, help="timed runs of each side; the median is reported")
    ap.add_argument("--seed", type=int, default=rc.DEFAULT_SEED)
    ap.add_argument("--json", type=Path, help="also write the figures as JSON to this path")
    args = ap.parse_args(argv)
    if shutil.which("soffice") is None:
        print("soffice not found: install libreoffice-calc-nogui", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="xl_tthc_bench_recalc_") as tmp:
        work = Path(tmp)
        reg = Registry()
        books = rc.sample_books(work / "samples", cached=POISON)
        for spec in SPECS:
            books += rc.generated_books(
                reg.get(spec.framework_id), args.units, args.seed, work / "generated", cached=POISON
            )
        for book in books:
            rc.score(book)
        paths = [b.path for b in books if b.path is not None]
        recalc_profile = _profile(work / "profile-recalc", recalc=True)
        never_profile = _profile(work / "profile-never", recalc=False)
        _timed(paths[:1], work / "warm-never", never_profile)  # first start of each profile, not timed
        _timed(paths[:1], work / "warm-recalc", recalc_profile)
        bases: list[float] = []
        recalcs: list[float] = []
        converted: list[Path] = []
        for _ in range(args.runs):
            bases.append(_timed(paths, work / "never", never_profile)[0])
            seconds, converted = _timed(paths, work / "recalc", recalc_profile)
            recalcs.append(seconds)
        report = rc.compare(books, converted)
        never = rc.compare(books, [work / "never" / p.name for p in paths])
    base, recalc = statistics.median(bases), statistics.median(recalcs)
    ratio = recalc / base
    ok = ratio <= TARGET and not report.unexplained and never.equal < report.equal
    sheets = sum(len(b.sheets) for b in books)
    facts: dict[str, Any] = {
        "workbooks": len(paths),
        "sheets": sheets,
        "units": report.units,
        "figures": report.cells,
        "equal": report.equal,
        "exceptions": len(report.mismatches),
        "unexplained": len(report.unexplained),
        "baseline_s": base,
        "recalc_s": recalc,
        "ratio": ratio,
        "runs": args.runs,
        "python": platform.python_version(),
    }
    print(f"set: {len(paths)} workbooks, {sheets} sheets, {report.units} units, {report.cells} figures")
    print(f"soffice open + save, no recalculation (baseline): {base:7.1f} s")
    print(f"soffice open + recalculate + save:                {recalc:7.1f} s")
    print(f"recalculation alone ≈ {recalc - base:.1f} s; ratio {ratio:.2f}")
    print(f"{report.equal} of {report.cells} equal after recalculation; {never.equal} in the baseline's output")
    print(f"target recalculation run <= {TARGET:g} × baseline, every figure explained: {'PASS' if ok else 'FAIL'}")
    if args.json:
        args.json.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
