"""LibreOffice recalculates the templates' formulas; every figure must equal the core's.

    .venv/bin/python scripts/recalc_check.py [--units 500] [--seed 20260101] [--keep DIR]

Two sets of workbooks go through ONE headless LibreOffice run (``soffice --convert-to xlsx``, recalculating on
load, so no value in the files comes from Python):

* the seeds' samples (seed 001 TTHC, seed 002 QĐ 459 appendix, seed 004 PAR 2020), their inputs typed into the
  templates, output cells holding only formulas;
* ``--units`` generated units per shipped framework (a seeded generator: zeros, 0/0, maxima, values above the
  maximum, "-", blanks, nothing entered, totals just around each band threshold, scores and quy đổi on a
  rounding half), many units per workbook (one sheet per unit, or one row per unit in the appendix).

The recalculated cells are read back with python-calamine and compared with ``xl_tthc.core.engine.score_unit``
(numbers to 0,005; bands, statuses and ranks exactly). A difference is accepted only when it is one of the
documented cases «Tính điểm» flags (docs/templates.md, "What the formulas do not reproduce"): the 766 portal's
binary half-up rounding of a score or a stated ratio that sits on a decimal half. Used by
``tests/test_libreoffice_recalc.py`` and ``bench/bench_recalc.py``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from xl_tthc.core.engine import assign_ranks, score_unit  # noqa: E402
from xl_tthc.core.framework import Framework, Registry  # noqa: E402
from xl_tthc.core.model import UnitInput, UnitResult  # noqa: E402
from xl_tthc.core.numbers import round_half_up_binary, round_half_up_decimal  # noqa: E402
from xl_tthc.io.cells import a1  # noqa: E402
from xl_tthc.io.layouts import SPECS, Layout, build_layout, output_values  # noqa: E402
from xl_tthc.io.templates import render_sheets  # noqa: E402

TOLERANCE = 0.005 + 1e-9
SHEETS_PER_BOOK = 100
NAMES = ("Phòng Tư pháp", "UBND xã Thanh Xương", "Văn phòng HĐND-UBND", "UBND xã Núa Ngam", "Phòng Nội vụ")
DEFAULT_SEED = 20260101


@dataclass
class Unit:
    """One generated or sample unit: the core's input and where its outputs are on the sheet."""

    data: dict[str, Any]
    name: str
    level: str | None
    outputs: dict[str, tuple[int, int]]  # output key -> (row, col)
    result: UnitResult | None = None


@dataclass
class Sheet:
    name: str
    values: dict[tuple[int, int], Any]
    units: list[Unit]
    blank_outputs: list[tuple[int, int]] = field(default_factory=list)  # rows without a unit: must stay empty


@dataclass
class Book:
    label: str  # framework id or sample name
    layout: Layout
    sheets: list[Sheet]
    path: Path | None = None


@dataclass
class Mismatch:
    book: str
    sheet: str
    cell: str
    key: str
    libreoffice: Any
    core: Any
    reason: str | None  # the documented case, or None when unexplained


@dataclass
class Report:
    cells: int = 0
    equal: int = 0
    units: int = 0
    by_framework: dict[str, list[int]] = field(default_factory=dict)  # id -> [equal, cells, units]
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def unexplained(self) -> list[Mismatch]:
        return [m for m in self.mismatches if m.reason is None]

    def lines(self) -> list[str]:
        out = [f"{self.equal} of {self.cells} equal ({self.units} units)"]
        for fid, (eq, n, units) in sorted(self.by_framework.items()):
            out.append(f"  {fid}: {eq} of {n} equal ({units} units)")
        if self.mismatches:
            out.append(f"exceptions ({len(self.mismatches)}):")
            for m in self.mismatches:
                out.append(
                    f"  {m.book} [{m.sheet}] {m.cell} {m.key}: LibreOffice {m.libreoffice!r}, core {m.core!r}"
                    f" – {m.reason or 'UNEXPLAINED'}"
                )
        return out


# ---------------------------------------------------------------------------- input -> core data


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split("/")
    node = data
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def single_unit(layout: Layout, values: dict[str, Any]) -> tuple[dict[tuple[int, int], Any], Unit]:
    """Cells and core input of a one-unit template from ``{input key: typed value}``."""
    cells: dict[tuple[int, int], Any] = {}
    data: dict[str, Any] = {}
    fw = layout.framework
    level = fw.levels[0] if len(fw.levels) == 1 else None
    for slot in layout.inputs():
        v = values.get(slot.key)
        if v is None:
            continue
        cells[(slot.row, slot.col)] = v
        if slot.key == "unit/level":
            level = next(lv for lv in fw.levels if _level_label(lv) == v)
        elif slot.key not in {"unit/name", "period"} and not slot.key.endswith("/note"):
            _set(data, slot.key, v)
    outputs = {s.key: (s.row, s.col) for s in layout.outputs()}
    return cells, Unit(data, str(values.get("unit/name") or "Đơn vị"), level, outputs)


def _level_label(code: str) -> str:
    from xl_tthc.core.framework import level_label

    return level_label(code)


# ---------------------------------------------------------------------------- generators


def _dec(rng: random.Random, hi: float, step: float = 0.01) -> float:
    return round(rng.randint(0, round(hi / step)) * step, 2)


def _tthc(layout: Layout, rng: random.Random, k: int) -> dict[str, Any]:
    fw = layout.framework
    v: dict[str, Any] = {"unit/name": rng.choice(NAMES), "period": "Quý II, năm 2021"}
    case = k % 10
    if case == 0 and k % 20 == 0:
        return {"unit/name": v["unit/name"]}  # nothing entered
    counts = {f.key: rng.randint(0, 1500) for f in fw.count_fields}
    if case == 1:
        counts.update(received_total=0, resolved_total=0)  # no dossiers in the period
    for key, n in counts.items():
        v[f"counts/{key}"] = n
    choice_points = 0.0
    for crit in fw.criteria:
        base = f"criteria/{crit.code}"
        if crit.rule == "level_choice":
            pick = rng.randrange(len(crit.levels))
            v[f"{base}/marks/{crit.levels[pick].key}"] = "X" if rng.random() < 0.05 else "x"
            choice_points += crit.levels[pick].points
            if case == 2 and rng.random() < 0.3:  # two marks, or none
                other = crit.levels[(pick + 1) % len(crit.levels)].key
                if rng.random() < 0.5:
                    v[f"{base}/marks/{other}"] = "x"
                else:
                    del v[f"{base}/marks/{crit.levels[pick].key}"]
    weighted = [c for c in fw.criteria if c.rule == "weighted_count"]
    band_mins = [b.min for b in (fw.bands.items if fw.bands else ()) if b.min is not None]
    for crit in weighted:
        base = f"criteria/{crit.code}"
        pts = [lv.points for lv in crit.levels]
        if case in (3, 4) and band_mins and pts == [2.0, 1.0, 0.0]:
            # every weighted criterion near (threshold − choice points) / number of weighted criteria
            target = (rng.choice(band_mins) - choice_points) / len(weighted)
            n = rng.choice((5, 8, 40, 200, 400, 1000))
            m = max(0, min(2 * n, round(target * n) + rng.choice((-1, 0, 0, 1))))
            a = rng.randint(max(0, m - n), m // 2)
            level_counts = [a, m - 2 * a, n - a - (m - 2 * a)]
        elif case == 5:
            n = rng.choice((8, 40, 200, 400))  # scores on a rounding half: m / n = x,xx5
            m = rng.randrange(1, 2 * n, 2) if n == 200 else rng.randint(0, 2 * n)
            a = rng.randint(max(0, m - n), m // 2)
            level_counts = [a, m - 2 * a, n - a - (m - 2 * a)]
        elif case == 6 and rng.random() < 0.3:
            level_counts = [0] * len(crit.levels)  # 0 dossiers: the criterion cannot be scored
        else:
            level_counts = [rng.choice((0, rng.randint(0, 60), rng.randint(0, 1200))) for _ in crit.levels]
        for lv, c in zip(crit.levels, level_counts, strict=True):
            if case == 7 and lv.count_from and rng.random() < 0.7:
                continue  # blank: the level takes the count block's figure
            if case == 8 and rng.random() < 0.15:
                continue  # a level left blank
            v[f"{base}/counts/{lv.key}"] = c
    return v


def _si_value(rng: random.Random, mx: float, rescale: bool, case: int) -> Any:
    r = rng.random()
    if rescale and r < 0.15:
        return "-"
    if r < 0.2:
        return mx
    if r < 0.25:
        return 0
    if case == 7 and r < 0.3:
        return round(mx + _dec(rng, 3) + 0.01, 2)  # above the maximum: the core caps (and flags)
    if case == 8 and r < 0.3:
        return None  # a blank indicator
    return _dec(rng, mx)


def _appendix_rows(layout: Layout, rng: random.Random, k: int) -> dict[int, tuple[str | None, list[Any]]]:
    """Row -> (name, indicator values) of one appendix sheet."""
    fw = layout.framework
    table = layout.table
    assert table is not None
    maxima = [mx or 0.0 for _key, _col, _kind, mx in table.inputs]
    rescale = fw.na_mode == "rescale"
    rows: dict[int, tuple[str | None, list[Any]]] = {}
    band_mins = [b.min for b in (fw.bands.items if fw.bands else ()) if b.min is not None]
    for j, (row, _level) in enumerate(table.unit_rows):
        case = (k * 7 + j) % 10
        name: str | None = f"Đơn vị {k + 1}.{j + 1}"
        if case == 9 and j % 3 == 0:
            rows[row] = (None, [None] * len(maxima))  # an empty row: no unit
            continue
        if case == 9 and j % 3 == 1:
            rows[row] = (name, [None] * len(maxima))  # a name, nothing entered
            continue
        if case == 9:
            name = None  # figures without a name
        values = [_si_value(rng, mx, rescale, case) for mx in maxima]
        if case == 6 and rescale and j % 5 == 0:
            values = ["-"] * len(maxima)  # every indicator "-": nothing to score
        if case in (3, 4) and band_mins:
            # total chosen so that total / applicable max × 100 lands on, or a hair around, a band threshold
            app = [i for i, v in enumerate(values) if v != "-"] or [0]
            values = ["-" if i not in app else 0 for i in range(len(values))]
            amax = sum(maxima[i] for i in app)
            target = rng.choice(band_mins) * amax / 100 + rng.choice((-0.01, -0.005, 0, 0, 0.005, 0.01))
            left = round(max(0.0, min(amax, target)), 2)
            for i in app:
                take = round(min(maxima[i], left), 2)
                values[i] = take
                left = round(left - take, 2)
        rows[row] = (name, values)
    return rows


def _si766(layout: Layout, rng: random.Random, k: int) -> dict[str, Any]:
    fw = layout.framework
    v: dict[str, Any] = {
        "unit/name": rng.choice(NAMES),
        "period": "Năm 2026",
        "unit/level": _level_label(rng.choice(fw.levels)),
    }
    case = k % 10
    if case == 0 and k % 20 == 0:
        return {"unit/name": v["unit/name"], "unit/level": v["unit/level"]}
    for ind in fw.indicators():
        if ind.monitoring_only:
            continue
        base = f"indicators/{ind.code}"
        r = rng.random()
        if case == 8 and r < 0.05:
            continue  # a blank indicator: the unit cannot be scored
        if case == 9 and r < 0.05:
            v[f"{base}/ratio" if not ind.numerator_label else f"{base}/numerator"] = "-"
            if ind.numerator_label:
                v[f"{base}/denominator"] = rng.randint(0, 20)
            continue
        if not ind.numerator_label or (case == 5 and r < 0.3):
            v[f"{base}/ratio"] = rng.choice((0, 100, 100.5, _dec(rng, 100), _dec(rng, 100, 0.125)))
            continue
        d = rng.choice((0, 1, 3, 7, 8, 16, 40, 200, rng.randint(0, 5000)))
        n = rng.randint(0, d) if d else 0
        if case == 7 and r < 0.2:
            n = d + rng.randint(1, 5)  # numerator above the denominator
        v[f"{base}/numerator"], v[f"{base}/denominator"] = n, d
    return v


def _par(layout: Layout, rng: random.Random, k: int) -> dict[str, Any]:
    fw = layout.framework
    v: dict[str, Any] = {"unit/name": rng.choice(NAMES), "period": "2020"}
    case = k % 10
    if case == 0 and k % 20 == 0:
        return v
    cols = ("self", "appraised") if case not in (1, 2) else (("self",) if case == 1 else ("appraised",))
    for node in fw.nodes():
        if not node.is_leaf:
            continue
        for col in cols:
            if col == "self" and node.source == "survey":
                continue
            r = rng.random()
            if r < 0.08:
                continue
            if r < 0.2:
                value: float = node.max
            elif case == 7 and r < 0.3:
                value = round(node.max + _dec(rng, 2) + 0.01, 2)  # above the standard points
            else:
                value = _dec(rng, node.max, rng.choice((0.01, 0.25, 0.5)))
            v[f"rows/{node.code}/{col}"] = value
    return v


def generated_books(fw: Framework, count: int, seed: int, out_dir: Path, cached: Any = "") -> list[Book]:
    """``count`` generated units of ``fw`` in its template, written as workbooks of many sheets."""
    from xl_tthc.io.layouts import template_spec

    spec = template_spec(fw)
    layout = build_layout(spec.template_id, fw)
    rng = random.Random(f"{seed}:{fw.id}")  # noqa: S311 - test data, reproducible by seed
    sheets: list[Sheet] = []
    if layout.table is not None:
        while sum(len(s.units) for s in sheets) < count:  # some rows are left without a unit on purpose
            sheets.append(_appendix_sheet(layout, str(len(sheets) + 1), _appendix_rows(layout, rng, len(sheets))))
    else:
        gen = {"tthc-unit": _tthc, "si766-unit": _si766, "par-self": _par}[layout.template_id]
        for k in range(count):
            cells, unit = single_unit(layout, gen(layout, rng, k))
            sheets.append(Sheet(str(k + 1), cells, [unit]))
    books = []
    for i in range(0, len(sheets), SHEETS_PER_BOOK):
        book = Book(fw.id, layout, sheets[i : i + SHEETS_PER_BOOK])
        book.path = render_sheets(
            layout,
            out_dir / f"{fw.id}-{i // SHEETS_PER_BOOK + 1}.xlsx",
            [(s.name, s.values) for s in book.sheets],
            lean=True,
            cached=cached,
        )
        books.append(book)
    return books


def _appendix_sheet(layout: Layout, name: str, rows: dict[int, tuple[str | None, list[Any]]]) -> Sheet:
    table = layout.table
    assert table is not None
    levels = dict(table.unit_rows)
    cells: dict[tuple[int, int], Any] = {}
    units: list[Unit] = []
    blank: list[tuple[int, int]] = []
    for row, (unit_name, values) in rows.items():
        if unit_name is not None:
            cells[(row, table.name_col)] = unit_name
        data: dict[str, Any] = {}
        for (key, col, _kind, _mx), v in zip(table.inputs, values, strict=True):
            if v is not None:
                cells[(row, col)] = v
                _set(data, key, v)
        outputs = {key: (row, col) for key, col, _kind, _stated in table.outputs}
        if unit_name is None and not data:
            blank += list(outputs.values())
            continue
        units.append(Unit(data, unit_name or f"(dòng {row + 1})", levels[row], outputs))
    for row, _level in table.unit_rows:
        if row not in rows:
            blank += [(row, col) for _key, col, _kind, _stated in table.outputs]
    return Sheet(name, cells, units, blank)


def sample_books(out_dir: Path, cached: Any = "") -> list[Book]:
    """The seeds' samples as templates with only the inputs typed (the formulas are all LibreOffice sees)."""
    from xl_tthc.core.framework import default_registry
    from xl_tthc.samples import SAMPLES, sample_values, seed_document

    books = []
    for file_name, seed, template_id, period in SAMPLES:
        doc = seed_document(seed)
        layout = build_layout(template_id, default_registry().get(doc["framework"]))
        inputs = {(s.row, s.col) for s in layout.inputs()}
        values = {rc: v for rc, v in sample_values(layout, doc["units"], period).items() if rc in inputs}
        if layout.table is not None:
            rows: dict[int, tuple[str | None, list[Any]]] = {}
            for row, _level in layout.table.unit_rows:
                name = values.get((row, layout.table.name_col))
                vals = [values.get((row, col)) for _k, col, _kind, _mx in layout.table.inputs]
                if name is not None or any(v is not None for v in vals):
                    rows[row] = (name, vals)
            sheet = _appendix_sheet(layout, layout.sheet, rows)
            sheet.values[next((s.row, s.col) for s in layout.inputs() if s.key == "period")] = period
        else:
            by_key = {s.key: values[(s.row, s.col)] for s in layout.inputs() if (s.row, s.col) in values}
            cells, unit = single_unit(layout, by_key)
            sheet = Sheet(layout.sheet, cells, [unit])
        book = Book(Path(file_name).stem, layout, [sheet])
        book.path = render_sheets(layout, out_dir / file_name, [(sheet.name, sheet.values)], cached=cached)
        books.append(book)
    return books


# ---------------------------------------------------------------------------- the core's figures and the check


def score(book: Book) -> None:
    fw = book.layout.framework
    for sheet in book.sheets:
        results = []
        for unit in sheet.units:
            unit.result = score_unit(fw, UnitInput(unit.name, unit.data, level=unit.level))
            results.append(unit.result)
        assign_ranks(results)


def _explain(fw: Framework, result: UnitResult, key: str) -> str | None:
    """The documented case that makes this figure differ, if any."""
    if fw.rounding.method == "half_up_binary":
        dec = fw.rounding.decimals
        for it in result.items:
            if it.score is not None and round_half_up_binary(it.score, dec) != round_half_up_decimal(it.score, dec):
                return f"766 binary half-up: chỉ số {it.code} = {it.score!r}"
            ratio = it.detail.get("ratio") if it.detail else None
            ind = next((i for i in fw.indicators() if i.code == it.code), None)
            if ind is not None and ind.use_stated_ratio and isinstance(ratio, float):
                raw = 100 * it.detail["numerator"] / it.detail["denominator"] if "denominator" in it.detail else None
                if raw is not None and round_half_up_binary(raw, 2) != round_half_up_decimal(raw, 2):
                    return f"766 stated ratio rounded half-up on the binary value: chỉ số {it.code} = {raw!r}"
    return None


def _equal(got: Any, want: Any) -> bool:
    if want is None:
        return got is None or got == ""
    if isinstance(want, bool) or isinstance(got, bool):
        return bool(got == want)
    if isinstance(want, int | float):
        return isinstance(got, int | float) and abs(got - want) <= TOLERANCE
    return bool(got == want)


def compare(books: list[Book], recalculated: list[Path]) -> Report:
    from python_calamine import CalamineWorkbook

    report = Report()
    for book, path in zip(books, recalculated, strict=True):
        fw = book.layout.framework
        tally = report.by_framework.setdefault(book.label, [0, 0, 0])
        with CalamineWorkbook.from_path(str(path)) as wb:
            for sheet in book.sheets:
                grid = wb.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)

                def at(rc: tuple[int, int], grid: list[list[Any]] = grid) -> Any:
                    r, c = rc
                    return grid[r][c] if r < len(grid) and c < len(grid[r]) else None

                checks: list[tuple[tuple[int, int], str, Any, Unit | None]] = [
                    (rc, "(no unit)", None, None) for rc in sheet.blank_outputs
                ]
                for unit in sheet.units:
                    assert unit.result is not None
                    want = output_values(fw, unit.result)
                    checks += [(rc, key, want.get(key), unit) for key, rc in unit.outputs.items()]
                    tally[2] += 1
                    report.units += 1
                for rc, key, want, owner in checks:
                    got = at(rc)
                    report.cells += 1
                    tally[1] += 1
                    if _equal(got, want):
                        report.equal += 1
                        tally[0] += 1
                        continue
                    reason = _explain(fw, owner.result, key) if owner is not None and owner.result else None
                    report.mismatches.append(Mismatch(book.label, sheet.name, a1(*rc), key, got, want, reason))
    return report


def run(units: int, seed: int, work: Path, frameworks: list[str] | None = None) -> tuple[Report, dict[str, Any]]:
    """Build, recalculate in one LibreOffice run, compare. Returns the report and timing facts."""
    import time

    import render_images

    reg = Registry()
    ids = frameworks or [s.framework_id for s in SPECS]
    books = sample_books(work / "samples")
    for fid in ids:
        books += generated_books(reg.get(fid), units, seed, work / "generated")
    for book in books:
        score(book)
    profile = render_images.profile(work / "profile")
    paths = [b.path for b in books if b.path is not None]
    t0 = time.perf_counter()
    out = render_images.convert(paths, "xlsx", work / "recalculated", profile)
    seconds = time.perf_counter() - t0
    report = compare(books, out)
    facts = {
        "books": len(paths),
        "sheets": sum(len(b.sheets) for b in books),
        "seconds": seconds,
        "inputs": paths,
        "outputs": out,
    }
    return report, facts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=500, help="generated units per framework (default 500)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--keep", type=Path, help="keep the workbooks in this folder")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="xl_tthc-recalc-") as tmp:
        work = args.keep or Path(tmp)
        report, facts = run(args.units, args.seed, work)
    for line in report.lines():
        print(line)
    print(f"LibreOffice: {facts['books']} workbooks, {facts['sheets']} sheets, {facts['seconds']:.1f} s")
    return 1 if report.unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())
