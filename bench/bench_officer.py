"""What the officer waits for, measured in a plain install, before and after, side by side in one run.

    python bench/bench_officer.py [--before REF] [--after REF] [--runs 5] [--files 600,120,120,120] [--jobs N]
                                  [--python PY] [--quick] [--json PATH]

Every figure comes from fresh processes of an environment made with nothing but ``pip install .`` (built and
cached by ``bench/_plain_env.py``: no dev extras, so no pandas or numpy for xlwings to pick up), for the working
tree (``--after``, default) and, with ``--before REF``, for an older commit: the closing table puts the two side
by side, measured on the same machine in the same run. ``--python PY`` measures one given environment instead.

* **click path**: a fresh Python imports the add-in and xlwings, loads the frameworks and runs one «Tính điểm»
  on the 459 sample (26 units) through xlwings' remote engine (``XLWINGS_LICENSE_KEY=noncommercial``; the book
  arrives as the JSON payload Excel would send), against ``python -c "import xlwings"``;
* **fill**: ``xl-tthc fill`` on the TTHC sample against ``python -c "import openpyxl"``;
* **score**: ``xl-tthc score`` on the 459 seed (26 units) against ``python -c pass``;
* **consolidation** of four folders (generated once, not timed): official TTHC template files (one unit each),
  multi-unit files (the 459 appendix, 26 units each), PAR workbooks (the 153-row 2020 sample) and hand-made
  appendices (the 405 appendix as a district typed it); each copy names its units differently. Each folder is
  consolidated by ``xl-tthc consolidate`` (workers included), by the **bare script** below (python-calamine reads
  each file's first sheet, XlsxWriter writes every row into one workbook; one process) and by the **naive
  pipeline** (openpyxl + pandas, one DataFrame per file, concatenated, written with ``to_excel``; it runs in the
  interpreter running this script, which needs pandas).

Times are CPU seconds (user + system of the process and every child it waited for, from
``resource.getrusage(RUSAGE_CHILDREN)``) and wall seconds, best of ``--runs`` (consolidations: best of
``max(2, runs // 2)``; the naive pipeline: one run): the machine's parallelism swings, CPU is the stable figure.
Memory per unit in the main process: the consolidation's own peak RSS (``RUSAGE_SELF`` inside it, workers
excluded) on the whole folder and on a quarter of it, divided by the difference in units.

Targets (issue 15), judged on the ``after`` environment: click path ≤ 1,5× import xlwings, fill ≤ 2× import
openpyxl, consolidation CPU ≤ 1,5× the bare script and ≥ 20× faster than the naive pipeline on every kind of
folder, memory per unit in the main process at most half the issue's 9 KB on the multi-unit folder. Exit code 1 when
one is missed.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import _plain_env  # noqa: E402

SAMPLES = ROOT / "workbooks" / "samples"
SAMPLE_459 = SAMPLES / "Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023.xlsx"
SAMPLE_PAR = SAMPLES / "Vi_du_Chi_so_CCHC_tinh_Dien_Bien_2020.xlsx"
SAMPLE_TTHC = SAMPLES / "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx"
SAMPLE_HANDMADE = ROOT / "tests" / "data" / "handmade" / "phu_luc_405_thang7_2023.xlsx"
SEED_459 = ROOT / "xl_tthc" / "sample_data" / "seed002_sv459.json"
KINDS = ("template", "multi-unit", "par", "hand-made")
NEUTRAL = tempfile.gettempdir()

TARGET_CLICK = 1.5
TARGET_FILL = 2.0
TARGET_BARE = 1.5
TARGET_NAIVE = 20.0
TARGET_MEMORY_KB = 9.0 / 2  # the issue measured ≈ 9 KB per unit of a multi-unit folder in the main process

# ---------------------------------------------------------------------------- the scripts that are timed

CLICK = textwrap.dedent(
    """
    import json, sys
    import xl_tthc.addin as addin
    import xlwings as xw
    payload = json.loads(open(sys.argv[1], encoding="utf-8").read())
    payload["version"] = xw.__version__
    outcome = addin.run(xw.Book(json=payload))
    # the sheets scored: Outcome.sheets before the one pipeline, Outcome.scored.scored since
    sheets = (outcome.sheets if hasattr(outcome, "sheets") else outcome.scored.scored) if outcome else None
    print(sum(len(s.results) for s in sheets) if sheets is not None else -1)
    """
)

CONSOLIDATE = textwrap.dedent(
    """
    import json, os, resource, sys
    from xl_tthc.cli import main
    code = main(["consolidate", sys.argv[1], "-o", sys.argv[2], "--jobs", sys.argv[3], "--quiet"])
    per = 1024 if sys.platform != "darwin" else 1  # ru_maxrss: KiB on Linux, bytes on macOS
    with open(os.environ["BENCH_RSS_OUT"], "w") as fh:
        fh.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * per))
    sys.exit(code)
    """
)

BARE = textwrap.dedent(
    """
    # the bare script: python-calamine reads each file's first sheet, XlsxWriter writes every row that has a value
    import sys
    from pathlib import Path
    import xlsxwriter
    from python_calamine import CalamineWorkbook
    book = xlsxwriter.Workbook(sys.argv[2], {"constant_memory": True})
    sheet = book.add_worksheet("Tổng hợp")
    r = 0
    for path in sorted(Path(sys.argv[1]).glob("*.xlsx")):
        with CalamineWorkbook.from_path(str(path)) as wb:
            rows = wb.get_sheet_by_index(0).to_python()
        for row in rows:
            if any(v != "" for v in row):
                sheet.write_row(r, 0, [path.name, *row])
                r += 1
    book.close()
    print(r)
    """
)

NAIVE = textwrap.dedent(
    """
    # the naive pipeline: openpyxl + pandas, one DataFrame per file, concatenated, written with to_excel
    import sys
    from pathlib import Path
    import openpyxl
    import pandas as pd
    frames = []
    for path in sorted(Path(sys.argv[1]).glob("*.xlsx")):
        wb = openpyxl.load_workbook(path, data_only=True)
        df = pd.DataFrame(list(wb.worksheets[0].values))
        df.insert(0, "file", path.name)
        frames.append(df)
        wb.close()
    table = pd.concat(frames, ignore_index=True)
    table.columns = [str(c) for c in table.columns]
    table.to_excel(sys.argv[2], index=False)
    print(len(table))
    """
)


# ---------------------------------------------------------------------------- measuring


def measure(cmd: list[str], *, env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
    """CPU (user + system, the process and its waited-for children) and wall seconds of one subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # run outside the checkout, without the current folder on sys.path: the package must come from the environment
    # measured, not from the source tree
    if len(cmd) > 1 and cmd[1] != "-P":
        cmd = [cmd[0], "-P", *cmd[1:]]
    proc = subprocess.run(cmd, cwd=NEUTRAL, capture_output=True, text=True, env=env, timeout=3600)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd[:4])} … exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu": cpu, "wall": wall, "out": proc.stdout}


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "cpu": min(r["cpu"] for r in runs),
        "wall": min(r["wall"] for r in runs),
        "cpu_runs": [r["cpu"] for r in runs],
        "wall_runs": [r["wall"] for r in runs],
        "out": runs[-1]["out"],
    }


def interleaved(cmds: dict[str, tuple[list[str], dict[str, str] | None, tuple[int, ...]]], runs: int) -> dict[str, Any]:
    """Each command once untimed (caches), then ``runs`` rounds of all of them in turn; best of each."""
    for cmd, env, ok in cmds.values():
        measure(cmd, env=env, ok=ok)
    got: dict[str, list[dict[str, Any]]] = {k: [] for k in cmds}
    for _ in range(runs):
        for k, (cmd, env, ok) in cmds.items():
            got[k].append(measure(cmd, env=env, ok=ok))
    return {k: best(v) for k, v in got.items()}


# ---------------------------------------------------------------------------- the folders


def _unit_names(path: Path) -> list[str]:
    """The units the batch finds in one file (read in this process, not timed)."""
    from xl_tthc.batch import run

    with tempfile.TemporaryDirectory(prefix="xl_tthc_names_") as tmp:
        shutil.copy(path, tmp)
        report = run(tmp, jobs=1, quiet=True)
    results = [r[-1] if isinstance(r, tuple) else r for o in report.outcomes for r in o.results]  # (framework, result)
    return [r.unit for r in results]


def _renamed_copy(src: bytes, names: list[str], suffix: str, out: Path) -> int:
    """Copy an .xlsx with every unit name cell given ``suffix``; returns how many names were found."""
    found = 0
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith(".xml") and info.filename.startswith("xl/"):
                text = data.decode("utf-8")
                for name in names:
                    plain = html.escape(name, quote=False)
                    # as UTF-8 text, or with every non-ASCII character written as a reference (&#226;)
                    for form in (plain, "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in plain)):
                        if f">{form}<" in text:
                            found += 1
                            text = text.replace(f">{form}<", f">{form}{suffix}<")
                            break
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return found


def copies(sample: Path, folder: Path, n: int) -> tuple[int, int]:
    """``n`` copies of ``sample`` whose units are named apart; returns (units per file, names renamed)."""
    names = _unit_names(sample)
    src = sample.read_bytes()
    found = 0
    for i in range(1, n + 1):
        found = _renamed_copy(src, names, f" {i:04d}", folder / f"{sample.stem} {i:04d}.xlsx")
    return len(names), found


def make_folders(base: Path, files: dict[str, int]) -> dict[str, dict[str, Any]]:
    import bench_batch

    out: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        folder = base / kind
        folder.mkdir()
        t0 = time.perf_counter()
        if kind == "template":
            used = bench_batch.generate(folder, files[kind], 1, "auto", max(1, os.cpu_count() or 1))
            per_file, renamed = 1, 1
            source = f"{used} TTHC template (bench/_unit_workbooks.py numbers)"
        else:
            sample = {"multi-unit": SAMPLE_459, "par": SAMPLE_PAR, "hand-made": SAMPLE_HANDMADE}[kind]
            per_file, renamed = copies(sample, folder, files[kind])
            source = sample.name
        paths = sorted(folder.glob("*.xlsx"))
        quarter = base / f"{kind}-quarter"
        quarter.mkdir()
        for p in paths[: max(1, len(paths) // 4)]:
            os.link(p, quarter / p.name)
        out[kind] = {
            "folder": folder,
            "quarter": quarter,
            "files": len(paths),
            "quarter_files": len(list(quarter.iterdir())),
            "units_per_file": per_file,
            "names_renamed_per_file": renamed,
            "source": source,
            "generate_s": time.perf_counter() - t0,
        }
    return out


def click_payload(out: Path) -> Path:
    """The JSON Excel sends for the 459 sample open in a window (values as Excel holds them)."""
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(SAMPLE_459)) as wb:
        sheets = [(name, wb.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in wb.sheet_names]
    width = max((len(r) for _, g in sheets for r in g), default=1)
    payload = {
        "client": "Office.js",
        "version": "",
        "book": {"name": SAMPLE_459.name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": [
            {
                "name": name,
                "values": [[None if v == "" else v for v in r] + [None] * (width - len(r)) for r in g],
                "pictures": [],
                "tables": [],
                "notes": [],
                "notes_supported": True,
            }
            for name, g in sheets
        ],
    }
    out.write_text(json.dumps(payload, ensure_ascii=False, default=str), encoding="utf-8")
    return out


# ---------------------------------------------------------------------------- one environment


def starts(py: Path, tmp: Path, payload: Path, runs: int) -> dict[str, Any]:
    env = {**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial"}
    p = str(py)
    cmds = {
        "import_xlwings": ([p, "-c", "import xlwings"], env, (0,)),
        "click": ([p, "-c", CLICK, str(payload)], env, (0,)),
        "import_openpyxl": ([p, "-c", "import openpyxl"], None, (0,)),
        "fill": ([p, "-m", "xl_tthc", "fill", str(SAMPLE_TTHC), "-o", str(tmp / "kết quả.xlsx")], None, (0, 1)),
        "python": ([p, "-c", "pass"], None, (0,)),
        "score": ([p, "-m", "xl_tthc", "score", str(SEED_459), "-o", str(tmp / "kết quả.json")], None, (0, 1)),
    }
    got = interleaved(cmds, runs)
    units = int(got["click"]["out"].strip().splitlines()[-1])
    if units != 26:
        raise SystemExit(f"click path: «Tính điểm» scored {units} units of the 459 sample, not 26")
    return got


def consolidation(py: Path, folder: Path, out: Path, jobs: int) -> dict[str, Any]:
    """One run of ``xl-tthc consolidate`` on ``folder``, with the main process's peak memory."""
    rss_file = out.with_suffix(".rss")
    env = {**os.environ, "BENCH_RSS_OUT": str(rss_file)}
    r = measure([str(py), "-c", CONSOLIDATE, str(folder), str(out), str(jobs)], env=env, ok=(0, 1))
    r["rss"] = float(rss_file.read_text())
    return r


def environment(
    label: str, py: Path, tmp: Path, folders: dict[str, dict[str, Any]], args: Any, *, plain: bool
) -> dict[str, Any]:
    print(f"[{label}] {py}", flush=True)
    work = tmp / label
    work.mkdir()
    fig: dict[str, Any] = {"python": str(py), "dev_extras": _plain_env.dev_extras_in(py)}
    where = measure([str(py), "-c", "import xl_tthc; print(xl_tthc.__file__)"])["out"].strip()
    if plain and Path(where).resolve().is_relative_to(ROOT):
        raise SystemExit(f"{py} imports xl_tthc from the source tree ({where}), not from its environment")
    fig["package"] = where
    fig["starts"] = starts(py, work, args.payload, args.runs)
    fig["consolidation"] = {}
    for kind, f in folders.items():
        # ours and the bare script in turns, whole folder and a quarter of it, best of each: the machine's speed
        # drifts over minutes, and a ratio of runs made far apart measures the drift
        runs: dict[str, list[dict[str, Any]]] = {"full": [], "quarter": [], "bare": [], "bare_quarter": []}
        for _ in range(args.crun):
            for part, folder in (("", f["folder"]), ("quarter", f["quarter"])):
                key = part or "full"
                runs[key].append(consolidation(py, folder, work / f"{kind}-{key}.xlsx", args.jobs))
                runs["bare_" + part if part else "bare"].append(
                    measure([str(py), "-c", BARE, str(folder), str(work / f"{kind}-bare-{key}.xlsx")])
                )
        full, quarter = best(runs["full"]), best(runs["quarter"])
        full["rss"], quarter["rss"] = min(r["rss"] for r in runs["full"]), min(r["rss"] for r in runs["quarter"])
        bare, bare_quarter = best(runs["bare"]), best(runs["bare_quarter"])
        full["units"] = f["files"] * f["units_per_file"]
        quarter["units"] = f["quarter_files"] * f["units_per_file"]
        du = full["units"] - quarter["units"]
        df = f["files"] - f["quarter_files"]
        # one more file, start-up and imports left out: the whole folder less a quarter of it
        full["marginal_ms_per_file"] = (full["cpu"] - quarter["cpu"]) / df * 1000 if df > 0 else None
        bare["marginal_ms_per_file"] = (bare["cpu"] - bare_quarter["cpu"]) / df * 1000 if df > 0 else None
        full["memory_per_unit_kb"] = (full["rss"] - quarter["rss"]) / du / 1024 if du > 0 else None
        full["quarter"] = {k: quarter[k] for k in ("cpu", "wall", "rss", "units")}
        full["bare"] = bare
        fig["consolidation"][kind] = full
        print(
            f"[{label}] {kind}: {f['files']} files, {full['units']} units: ours {full['cpu']:.2f} s CPU / "
            f"{full['wall']:.2f} s wall, bare {bare['cpu']:.2f} / {bare['wall']:.2f}",
            flush=True,
        )
    return fig


# ---------------------------------------------------------------------------- main


def _ms(x: float) -> str:
    return f"{x * 1000:.0f}"


def _s(x: float) -> str:
    return f"{x:.2f}"


def _x(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}×"


def _marginal(c: dict[str, Any]) -> str:
    ours, bare = c["marginal_ms_per_file"], c["bare"]["marginal_ms_per_file"]
    if ours is None or bare is None:
        return "–"
    return f"{ours:.2f} / {bare:.2f} ms ({_x(ours / bare) if bare > 0 else '–'})"


def _start(e: dict[str, Any], key: str, base: str) -> str:
    s = e["starts"]
    return f"{_ms(s[key]['cpu'])} ms CPU ({_x(s[key]['cpu'] / s[base]['cpu'])}), {_ms(s[key]['wall'])} ms wall"


def _consolidated(e: dict[str, Any], kind: str, files: int, naive: dict[str, Any]) -> str:
    c = e["consolidation"][kind]
    return (
        f"{_s(c['cpu'])} s CPU ({c['cpu'] / files * 1000:.2f} ms/file), {_s(c['wall'])} s wall; "
        f"{_x(c['cpu'] / c['bare']['cpu'])} bare; {naive[kind]['cpu'] / c['cpu']:.1f}× faster than naive"
    )


def _bare(e: dict[str, Any], kind: str) -> str:
    b = e["consolidation"][kind]["bare"]
    return f"{_s(b['cpu'])} s CPU, {_s(b['wall'])} s wall"


def _memory(e: dict[str, Any], kind: str) -> str:
    c = e["consolidation"][kind]
    if c["memory_per_unit_kb"] is None:
        return "–"
    return f"{c['memory_per_unit_kb']:.1f} KB (peak {c['rss'] / 2**20:.0f} MB)"


def report(envs: dict[str, dict[str, Any]], naive: dict[str, Any], folders: dict[str, dict[str, Any]]) -> list[str]:
    labels = list(envs)
    lines = ["", "| measure | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]

    def row(name: str, cell: Any) -> None:
        lines.append(f"| {name} | " + " | ".join(cell(envs[lb]) for lb in labels) + " |")

    row("import xlwings", lambda e: f"{_ms(e['starts']['import_xlwings']['cpu'])} ms CPU")
    row(
        "click path (add-in + xlwings + frameworks + «Tính điểm» on 459, 26 units) ÷ import xlwings",
        lambda e: _start(e, "click", "import_xlwings"),
    )
    row("import openpyxl", lambda e: f"{_ms(e['starts']['import_openpyxl']['cpu'])} ms CPU")
    row("xl-tthc fill (TTHC sample) ÷ import openpyxl", lambda e: _start(e, "fill", "import_openpyxl"))
    row("python -c pass", lambda e: f"{_ms(e['starts']['python']['cpu'])} ms CPU")
    row("xl-tthc score (459 seed, 26 units) ÷ python -c pass", lambda e: _start(e, "score", "python"))
    for kind, f in folders.items():
        n = f["files"]
        row(
            f"consolidate {kind}: {n} files, {f['units_per_file'] * n} units",
            lambda e, kind=kind, n=n: _consolidated(e, kind, n, naive),
        )
        row(f"  bare calamine + XlsxWriter script ({kind})", lambda e, kind=kind: _bare(e, kind))
        row(f"  one more file, CPU: ours / bare ({kind})", lambda e, kind=kind: _marginal(e["consolidation"][kind]))
        row(f"  memory per unit, main process ({kind})", lambda e, kind=kind: _memory(e, kind))
    lines.append("")
    bare = envs[labels[-1]]["consolidation"]
    for kind in folders:
        lines.append(
            f"naive openpyxl + pandas ({kind}, dev interpreter, one run): {_s(naive[kind]['cpu'])} s CPU, "
            f"{_s(naive[kind]['wall'])} s wall; {naive[kind]['cpu'] / bare[kind]['bare']['cpu']:.1f}× the bare script, "
            "which only reads and writes: the most any pipeline reading with python-calamine and writing with "
            "XlsxWriter can be faster than naive"
        )
    return lines


def checks(envs: dict[str, dict[str, Any]], naive: dict[str, Any], after: str) -> dict[str, bool]:
    e = envs[after]
    s = e["starts"]
    out = {
        f"click path ≤ {TARGET_CLICK:g}× import xlwings (CPU)": s["click"]["cpu"]
        <= TARGET_CLICK * s["import_xlwings"]["cpu"],
        f"fill ≤ {TARGET_FILL:g}× import openpyxl (CPU)": s["fill"]["cpu"] <= TARGET_FILL * s["import_openpyxl"]["cpu"],
    }
    for kind, c in e["consolidation"].items():
        out[f"consolidate {kind} ≤ {TARGET_BARE:g}× the bare script (CPU)"] = c["cpu"] <= TARGET_BARE * c["bare"]["cpu"]
        out[f"consolidate {kind} ≥ {TARGET_NAIVE:g}× faster than naive (CPU)"] = (
            naive[kind]["cpu"] >= TARGET_NAIVE * c["cpu"]
        )
        now = c["memory_per_unit_kb"]
        if kind == "multi-unit" and now is not None:
            out[f"memory per unit in the main process ({kind}) ≤ {TARGET_MEMORY_KB:g} KB"] = (
                now <= TARGET_MEMORY_KB
            )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", metavar="REF", help="also measure a plain install of this commit (e.g. main~5)")
    ap.add_argument("--after", metavar="REF", help="the commit to measure (default: the working tree)")
    ap.add_argument("--python", type=Path, help="measure this interpreter's environment instead of plain installs")
    ap.add_argument("--runs", type=int, default=5, help="runs of each start-up measure, best taken (default 5)")
    ap.add_argument(
        "--files",
        default="600,120,120,120",
        help="files per folder: template,multi-unit,par,hand-made (default 600,120,120,120)",
    )
    ap.add_argument("--jobs", type=int, default=None, help="consolidation workers (default: as xl-tthc consolidate)")
    ap.add_argument("--quick", action="store_true", help="a few files and runs: checks that the benchmark works")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON to this path")
    args = ap.parse_args(argv)
    if args.quick:
        args.files, args.runs = "8,4,4,4", 1
    counts = [int(x) for x in args.files.split(",")]
    if len(counts) != len(KINDS) or min(counts) < 4 or args.runs < 1:
        ap.error("--files needs four counts of at least 4; --runs at least 1")
    files = dict(zip(KINDS, counts, strict=True))
    args.crun = 1 if args.quick else max(2, args.runs // 2)
    if args.jobs is None:
        from xl_tthc.batch import DEFAULT_JOBS

        args.jobs = DEFAULT_JOBS

    if args.python:
        pythons = {"given": Path(os.path.abspath(args.python))}  # absolute, not resolved: a venv's python is a link
    else:
        pythons = {}
        if args.before:
            pythons[f"before ({_plain_env.resolve(args.before)[:9]})"] = _plain_env.plain_python(args.before)
        pythons[f"after ({_plain_env.resolve(args.after)[:9]})"] = _plain_env.plain_python(args.after)
    labels = list(pythons)
    after = labels[-1]

    with tempfile.TemporaryDirectory(prefix="xl_tthc_bench_officer_") as tmpname:
        tmp = Path(tmpname)
        folders = make_folders(tmp, files)
        args.payload = click_payload(tmp / "payload.json")
        naive = {}
        for kind, f in folders.items():
            naive[kind] = measure([sys.executable, "-c", NAIVE, str(f["folder"]), str(tmp / f"{kind}-naive.xlsx")])
            print(f"naive {kind}: {naive[kind]['cpu']:.2f} s CPU", flush=True)
        envs = {
            label: environment(label.split(" ")[0], py, tmp, folders, args, plain=args.python is None)
            for label, py in pythons.items()
        }

    lines = [
        f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s), consolidation with {args.jobs} worker(s); "
        f"best of {args.runs} (start-ups) / {args.crun} (consolidations)",
        *report(envs, naive, folders),
    ]
    results = checks(envs, naive, after)
    for name, ok in results.items():
        lines.append(f"target {name}: {'PASS' if ok else 'FAIL'}")
    for label, e in envs.items():
        if e["dev_extras"]:
            lines.append(
                f"note: {label} has dev packages installed ({', '.join(e['dev_extras'])}): not a plain install"
            )
    print("\n".join(lines))
    if args.json:
        for f in folders.values():
            f["folder"], f["quarter"] = str(f["folder"]), str(f["quarter"])
        args.json.write_text(
            json.dumps(
                {
                    "environments": envs,
                    "naive": naive,
                    "folders": folders,
                    "checks": results,
                    "passed": all(results.values()),
                    "jobs": args.jobs,
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                },
                ensure_ascii=False,
                indent=2,
                default=str,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
