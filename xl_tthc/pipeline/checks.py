"""Sheet checks, registered once and run by every shell on every recognised sheet.

A check looks at the cells a recognition read (:attr:`Recognition.cells`, the units' sources) with what the reader
could tell about them. Value problems (text in number cells, negatives, counts that do not add up …) are the
core's: it reports them while scoring. To add a check, write a function ``(WorkbookData, SheetData, Recognition)
-> list[Finding]`` and append it to :data:`CHECKS`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.keys import get_key, set_key
from xl_tthc.core.memo import per_object
from xl_tthc.core.numbers import fmt_vn
from xl_tthc.io.cells import a1, parse_a1
from xl_tthc.io.layouts import norm as label_norm
from xl_tthc.pipeline.model import SheetData, SheetOutcome, WorkbookData, formulas_at
from xl_tthc.recognise import Recognition
from xl_tthc.recognise.common import CellSources, value

Check = Callable[[WorkbookData, SheetData, Recognition], list[Finding]]


def merged_inputs(wb: WorkbookData, sh: SheetData, rec: Recognition) -> list[Finding]:
    """An input cell inside a merged range: only the range's first cell holds a value."""
    if not rec.cells:
        return []
    merged = sh.merged
    if merged is None and wb.merged_at is not None:  # the reader asks for the input cells only (xlwings)
        merged = wb.merged_at(sh.name, {(ic.row, ic.col) for ic in rec.cells})
    if not merged:
        return []
    findings: list[Finding] = []
    at = {(ic.row, ic.col): ic for ic in reversed(rec.cells)}
    for (r1, c1), (r2, c2) in merged:
        if r1 == r2 and c1 == c2:
            continue
        if (r2 - r1 + 1) * (c2 - c1 + 1) <= 256:
            hit = next(
                (at[rc] for rc in ((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)) if rc in at), None
            )
        else:
            hit = next((ic for ic in rec.cells if r1 <= ic.row <= r2 and c1 <= ic.col <= c2), None)
        if hit is None:
            continue
        rng = f"{a1(r1, c1)}:{a1(r2, c2)}"
        unit = rec.units[hit.unit]
        findings.append(
            Finding(
                Code.MERGED_INPUT,
                Severity.ERROR,
                f"Ô nhập liệu {a1(hit.row, hit.col)} nằm trong vùng gộp ô {rng}: số liệu chỉ nằm ở ô đầu vùng gộp nên "
                "các ô còn lại bị đọc là trống. Bỏ gộp ô (Merge & Center) rồi nhập lại từng ô.",
                Location(file=wb.file, sheet=sh.name, cell=a1(hit.row, hit.col)),
                unit.name or None,
                value=rng,
            )
        )
    return findings


def empty_cell_states(wb: WorkbookData, sh: SheetData, rec: Recognition) -> list[Finding]:
    """Input cells that came back empty: a formula whose value was never saved, or an error value (#REF! …)."""
    if wb.cell_states is None:
        return []
    grid = sh.grid
    empty: dict[str, tuple[int, str]] = {}  # A1 -> (unit index, key)
    blank_marks = []
    chosen = set()
    for ic in rec.cells:
        if value(grid, ic.row, ic.col) is not None:
            if not ic.required and "/marks/" in ic.key:
                chosen.add((ic.unit, ic.key.rsplit("/", 1)[0]))
        elif ic.required:
            empty[a1(ic.row, ic.col)] = (ic.unit, ic.key)
        elif "/marks/" in ic.key:
            blank_marks.append(ic)
    for ic in blank_marks:  # the marks of a criterion with no mark at all: one of them may be a formula
        if (ic.unit, ic.key.rsplit("/", 1)[0]) not in chosen:
            empty[a1(ic.row, ic.col)] = (ic.unit, ic.key)
    for ui, u in enumerate(rec.units):
        if rec.layout is not None:
            break  # our templates' output cells are their own formulas: uncomputed means nothing stated, nothing lost
        src = u.sources
        if isinstance(src, CellSources):
            for key, (r, c) in src.cells().items():
                if key.startswith("stated") and get_key(u.data, key) is None:
                    empty.setdefault(a1(r, c), (ui, key))
        else:
            for key, loc in src.items():
                if key.startswith("stated") and loc.cell and get_key(u.data, key) is None:
                    empty.setdefault(loc.cell, (ui, key))
    if not empty:
        return []
    findings: list[Finding] = []
    for ref, st in sorted(wb.cell_states(sh.name, set(empty)).items()):
        ui, key = empty[ref]
        unit = rec.units[ui]
        loc = Location(file=wb.file, sheet=sh.name, cell=ref)
        if st.kind == "error":
            if key.startswith("stated"):
                findings.append(
                    Finding(
                        Code.ERROR_VALUE,
                        Severity.WARNING,
                        f"Ô {ref} (con số đơn vị ghi để đối chiếu) có giá trị lỗi {st.text}: không đối chiếu được.",
                        loc,
                        unit.name or None,
                        value=st.text,
                    )
                )
            else:
                set_key(unit.data, key, st.text)  # the core reports the error value at this cell
        else:
            sev = Severity.WARNING if key.startswith("stated") else Severity.ERROR
            formula = f" «{st.text}»" if st.text else ""
            findings.append(
                Finding(
                    Code.FORMULA_WITHOUT_VALUE,
                    sev,
                    f"Ô {ref} có công thức{formula} nhưng tệp chưa lưu kết quả tính (tệp do phần mềm khác tạo, chưa mở "
                    "bằng Excel): không đọc được giá trị. Mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi gửi.",
                    loc,
                    unit.name or None,
                    value=st.text,
                )
            )
    return findings


def published_ratio_with_counts(wb: WorkbookData, sh: SheetData, rec: Recognition) -> list[Finding]:
    """766 input sheet: a numerator and denominator win over a published ratio typed in the same row."""
    if rec.framework is None or rec.framework.kind != "service_index":
        return []
    findings: list[Finding] = []
    for u in rec.units:
        for code, entry in (u.data.get("indicators") or {}).items():
            if isinstance(entry, dict) and "ratio" in entry and ("numerator" in entry or "denominator" in entry):
                del entry["ratio"]
                loc = u.sources.get(f"indicators/{code}/ratio") or Location(file=wb.file, sheet=sh.name)
                findings.append(
                    Finding(
                        Code.INVALID_INPUT,
                        Severity.INFO,
                        f"Chỉ số {code}: đã có tử số, mẫu số nên không dùng tỷ lệ đã công bố ghi ở ô {loc.cell}.",
                        loc,
                        item=code,
                    )
                )
    return findings


CHECKS: list[Check] = [merged_inputs, empty_cell_states, published_ratio_with_counts]


# ---------------------------------------------------------------------------- after scoring: the sheet's formulas

_TOLERANCE = 0.005  # a formula's figure equals the core's within half a hundredth (figures are shown to 0,01)
WHY_VI = (
    "những gì công thức của bảng tính không làm được chính xác: điểm vượt tối đa, mức điểm chọn trái với số liệu, "
    "cách làm tròn và tỷ lệ đã công bố của Cổng DVCQG; xem các ghi chú khác trên bảng"
)


@functools.lru_cache(maxsize=4096)
def _norm_formula(f: str) -> str:
    return "".join(f.split()).replace("$", "").upper()


def _same(formula_value: Any, core_value: Any) -> bool:
    if isinstance(core_value, int | float) and not isinstance(core_value, bool):
        return isinstance(formula_value, int | float) and abs(float(formula_value) - float(core_value)) <= _TOLERANCE
    return " ".join(str(formula_value or "").split()) == " ".join(str(core_value or "").split())


def check_formulas(wb: WorkbookData, s: SheetOutcome) -> list[Finding]:
    """The spreadsheet's formulas against the core, on the output cells of a scored sheet.

    Our templates compute by themselves (formulas generated from the framework data, :mod:`xl_tthc.io.layouts`): a
    typed number, a blank or another formula where the template computes is reported and the template's formula
    restored (``s.restore``); a formula whose saved figure differs from the core's is reported (the core is the
    source of truth). A form a unit typed itself keeps its own formulas (``s.own_formulas``): they are not
    overwritten, and their figures are compared by the core as stated figures.
    """
    from xl_tthc.pipeline.plan import output_values_of, unit_outputs

    rec = s.recognition
    if rec.framework is None or rec.role != "unit" or not s.results:
        return []
    sh = s.sheet
    if sh.formulas is None and wb.formulas is None:
        return []  # a reader that cannot see formulas (xlwings' remote engine): neither overwritten nor restored
    outputs = [unit_outputs(rec, i) for i in range(len(s.results))]
    actual = formulas_at(wb, sh, {rc for cells in outputs for rc in cells.values()})
    layout = rec.layout
    expected = _template_formulas(layout) if layout is not None else {}
    if not expected:
        s.own_formulas = set(actual)
        return []
    if layout is not None and layout.table is not None and not _at_template_rows(sh.grid, layout):
        # a multi-unit table whose rows moved (rows inserted or deleted): the template's formula texts no longer
        # fit its cells; the officer's formulas are kept (Excel moved them with the rows) and checked by their figures
        expected = {}
    findings: list[Finding] = []
    for r, cells in zip(s.results, outputs, strict=True):
        values: dict[str, Any] | None = None  # the unit's figures, computed when a formula's figure is compared
        for key, (row, col) in cells.items():
            want = expected.get((row, col))
            have = actual.get((row, col))
            if want is not None:
                # the template's formula is written (back), the core's figure its cached value
                s.restore[(row, col)] = want
                if have is None or (have != want and _norm_formula(have) != _norm_formula(want)):
                    findings.append(_overwritten(wb, sh, row, col, want, have, r.unit))
                    continue
            elif have is not None:
                s.own_formulas.add((row, col))
            else:
                continue
            got = value(sh.grid, row, col)
            if got is not None:
                if values is None:
                    values = output_values_of(rec, r, scalars_only=True)
                if key not in values:
                    values = output_values_of(rec, r)
                findings.extend(_disagrees(wb, sh, a1(row, col), got, values.get(key), r.unit))
    return findings


@per_object
def _template_formulas(layout: Any) -> dict[tuple[int, int], str]:
    """The template's formulas by (row, col), kept per layout (every file of a folder asks for the same)."""
    return {parse_a1(ref): f for ref, f in layout.formulas().items()}


def _overwritten(
    wb: WorkbookData, sh: SheetData, row: int, col: int, want: str, have: str | None, unit: str
) -> Finding:
    """A typed number, a blank or another formula where the template computes."""
    ref = a1(row, col)
    typed = value(sh.grid, row, col)
    what = (
        f"công thức khác ({have})"
        if have is not None
        else f"giá trị gõ tay «{typed}»"
        if typed is not None
        else "ô trống"
    )
    return Finding(
        Code.FORMULA_OVERWRITTEN,
        Severity.WARNING,
        f"Ô {ref} của biểu mẫu tự tính bằng công thức {want} nhưng đang chứa {what}: đã khôi phục công thức "
        "(bảng tính tự tính lại khi số liệu thay đổi).",
        Location(file=wb.file, sheet=sh.name, cell=ref),
        unit,
        value=have if have is not None else typed,
        expected=want,
    )


def _disagrees(wb: WorkbookData, sh: SheetData, ref: str, got: Any, core: Any, unit: str) -> list[Finding]:
    """A formula's saved figure against the core's (nothing when not calculated yet, or the same figure)."""
    if got is None or core is None or _same(got, core):
        return []
    return [
        Finding(
            Code.FORMULA_DISAGREES,
            Severity.WARNING,
            f"Công thức ở ô {ref} cho «{_shown(got)}», phần mềm tính «{_shown(core)}»: khác biệt thuộc {WHY_VI}. "
            "Con số đúng là con số phần mềm tính.",
            Location(file=wb.file, sheet=sh.name, cell=ref),
            unit,
            value=got,
            expected=core,
        )
    ]


def _at_template_rows(grid: Any, layout: Any) -> bool:
    """Every label of the template (headers, section rows, codes) is where the template put it."""
    return all(label_norm(value(grid, a.row, a.col)) == label_norm(a.text) for a in layout.anchors if a.required)


def _shown(v: Any) -> str:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return fmt_vn(float(v), 2)
    return str(v)


def run_checks(wb: WorkbookData, sh: SheetData, rec: Recognition) -> list[Finding]:
    return [f for check in CHECKS for f in check(wb, sh, rec)]


__all__ = ["CHECKS", "Check", "check_formulas", "run_checks"]
