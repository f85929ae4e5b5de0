"""The write plan: everything «Tính điểm» writes into a workbook, computed once from the pipeline's answer.

Cells and values (with number formats where the sheet is one of our templates), the marks on cells with findings
(colour and note), the «Kết quả kiểm tra» sheet and the fingerprint of the inputs. Thin adapters apply it:
:mod:`xl_tthc.io.write_openpyxl` for ``xl-tthc fill``, :mod:`xl_tthc.addin` through xlwings in Excel.

Results go where the form keeps them: the output cells of our templates; in a form a unit typed itself, the cells
of the figures it wrote by hand (criterion scores, totals, quy đổi, xếp loại, hạng).
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from xl_tthc._version import __version__
from xl_tthc.core.findings import FINDING_ROW_HEADERS, SEVERITY_LABEL_VI, Finding, Severity, finding_row
from xl_tthc.core.model import UnitResult
from xl_tthc.core.numbers import fmt_int_vn, fmt_vn
from xl_tthc.core.records import record
from xl_tthc.io.cells import a1, parse_a1
from xl_tthc.io.layouts import (
    COLOURS,
    LAYOUT_VERSION,
    NAME_FINGERPRINT,
    NAME_FRAMEWORK,
    NAME_FRAMEWORK_VERSION,
    NAME_LAYOUT,
    NAME_TEMPLATE,
    Layout,
    output_values,
)
from xl_tthc.io.paths import displayable
from xl_tthc.pipeline import FINGERPRINT_PREFIX, REPORT_SHEET, Scored, SheetOutcome, fingerprint
from xl_tthc.recognise import Recognition
from xl_tthc.recognise.common import CellSources

NUMBER_FORMATS = {"count": "#,##0", "score": "0.00", "par": "General", "rank": "0"}
SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
REPORT_TITLE = "KẾT QUẢ KIỂM TRA SỐ LIỆU"
SUMMARY_REPORT_SHEET = "Kết quả tính lại"  # our summary workbook keeps its own «Kết quả kiểm tra» sheet
REPORT_HEADER_ROW = 4  # 0-based: the findings table's header is row 5
# where a form a unit typed itself keeps the figures «Tính điểm» computes: stated key -> output key
_STATED = {
    "tthc": {"stated_total": "total"},
    "service_index": {
        "stated/total": "total",
        "stated/quy_doi": "quy_doi",
        "stated/band": "band",
        "stated/rank": "rank",
    },
    "par": {"stated/total/self": "total/self", "stated/total/appraised": "total/appraised"},
}


@record(frozen=True)
class CellWrite:
    sheet: str
    row: int  # 0-based
    col: int
    value: Any  # the core's figure; the cached value of ``formula`` when there is one
    number_format: str | None = None
    formula: str | None = None  # our template's formula ("=…"): written (restored) so the sheet computes by itself


@record(frozen=True)
class CellMark:
    sheet: str
    row: int
    col: int
    severity: Severity  # the worst of the cell's findings: its colour
    text: str  # every finding of the cell, one per line


@record
class WritePlan:
    writes: list[CellWrite] = field(default_factory=list)
    marks: list[CellMark] = field(default_factory=list)
    colours: dict[tuple[str, int, int], str] = field(default_factory=dict)  # template colour of our slots
    data_sheets: list[str] = field(default_factory=list)
    report_sheet: str = REPORT_SHEET
    report_lines: list[str] = field(default_factory=list)  # rows 1–4 of the findings sheet
    report_rows: list[tuple[Any, ...]] = field(default_factory=list)  # FINDING_ROW_HEADERS, one row per finding
    findings: list[Finding] = field(default_factory=list)
    fingerprint: str = ""
    meta: dict[str, str] = field(default_factory=dict)  # our template's defined names (openpyxl writes them)

    @property
    def report_header(self) -> tuple[str, ...]:
        return FINDING_ROW_HEADERS

    def cached_values(self) -> dict[str, dict[str, Any]]:
        """{sheet: {A1: the core's figure}} of the formula cells written: their cached values in a saved file."""
        out: dict[str, dict[str, Any]] = {}
        for w in self.writes:
            if w.formula is not None:
                out.setdefault(w.sheet, {})[a1(w.row, w.col)] = w.value
        return out


def unit_outputs(rec: Recognition, i: int) -> dict[str, tuple[int, int]]:
    """Where unit ``i``'s figures go: our template's output cells, or the cells of the figures the unit wrote."""
    if i < len(rec.outputs):
        return rec.outputs[i]
    fw = rec.framework
    if fw is None:
        return {}
    src = rec.units[i].sources
    cells = src.cells() if isinstance(src, CellSources) else {}
    out: dict[str, tuple[int, int]] = {}
    table = _STATED.get(fw.kind, {})
    for key, rc in cells.items():
        if key in table:
            out[table[key]] = rc
        elif fw.kind == "tthc" and key.startswith("criteria/") and key.endswith("/stated_score"):
            out[f"item/{key.split('/')[1]}"] = rc
        elif (
            fw.kind == "par"
            and key.startswith("stated/")
            and key.count("/") == 2
            and not key.startswith("stated/total/")
        ):
            _s, code, col = key.split("/")
            out[f"{col}/{code}"] = rc
    return out


def output_values_of(rec: Recognition, r: UnitResult, *, scalars_only: bool = False) -> dict[str, Any]:
    """What each output key of a unit holds after scoring (our summary tables: their own columns). ``scalars_only``:
    the unit's figures without the item columns (see :func:`xl_tthc.io.layouts.output_values`)."""
    if rec.role == "summary":
        scored = r.status == "scored"
        return {
            "total": r.total_shown if scored else None,
            "applicable_max": r.applicable_max,
            "quy_doi": r.quy_doi if scored else None,
            "rank": r.rank,
            "band": r.band_label if scored and r.band_label else r.status_label,
        }
    assert rec.framework is not None
    return output_values(rec.framework, r, scalars_only=scalars_only)


def _kinds(layout: Layout | None) -> dict[str, str]:
    if layout is None:
        return {}
    if layout.table is not None:
        return {key: kind for key, _col, kind, _stated in layout.table.outputs}
    return {slot.key: slot.kind for slot in layout.outputs()}


def _sheet_writes(s: SheetOutcome, plan: WritePlan) -> None:
    rec, name = s.recognition, s.sheet.name
    fw = rec.framework
    assert fw is not None
    kinds = _kinds(rec.layout)
    for i, r in enumerate(s.results):
        values = output_values_of(rec, r)
        for key, (row, col) in unit_outputs(rec, i).items():
            fmt = NUMBER_FORMATS.get(kinds[key]) if key in kinds else None
            rescaled = fw.na_mode == "rescale" and abs(r.applicable_max - fw.max_total) > 1e-9
            if (
                key == "total"
                and rec.layout is not None
                and rec.layout.table is not None
                and r.status == "scored"
                and rescaled
            ):
                fmt = f'0.00"/{fmt_vn(r.applicable_max, None)}"'
            if (row, col) in s.own_formulas:
                continue  # the officer's own formula stays; the core compared its figure as a stated one
            plan.writes.append(CellWrite(name, row, col, values.get(key), fmt, s.restore.get((row, col))))
            if rec.layout is not None:
                plan.colours[(name, row, col)] = COLOURS["output"]
    if rec.layout is not None:
        for ic in rec.cells:
            plan.colours[(name, ic.row, ic.col)] = COLOURS["input"]


def build_plan(scored: Scored, *, file_label: str) -> WritePlan:
    """What «Tính điểm» writes into the workbook ``scored`` was read from (``file_label``: its name as shown)."""
    if not scored.fingerprint:
        scored.fingerprint = fingerprint(scored)
    plan = WritePlan(
        fingerprint=scored.fingerprint, report_sheet=SUMMARY_REPORT_SHEET if scored.summary else REPORT_SHEET
    )
    for s in scored.scored:
        plan.data_sheets.append(s.sheet.name)
        _sheet_writes(s, plan)
    findings = scored.all_findings()
    plan.findings = findings
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.location.cell and f.location.sheet in plan.data_sheets:
            by_cell.setdefault((f.location.sheet, f.location.cell), []).append(f)
    for (sheet, ref), items in by_cell.items():
        items.sort(key=lambda f: SEVERITY_ORDER[f.severity])
        text = displayable("\n".join(f"{SEVERITY_LABEL_VI[f.severity]}: {f.message}" for f in items))
        row, col = parse_a1(ref)
        plan.marks.append(CellMark(sheet, row, col, items[0].severity, text))
    first = scored.scored[0].recognition if scored.scored else None
    fw = first.framework if first is not None else None
    units = sum(len(s.results) for s in scored.scored)
    e, w, i = (
        sum(1 for f in findings if f.severity is sev) for sev in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    )
    plan.report_lines = [
        REPORT_TITLE,
        f"Tệp: {displayable(file_label)}. "
        + (f"Khung chấm điểm: {fw.short_title or fw.title} (phiên bản {fw.version}). " if fw else "")
        + f"Tính điểm bằng xl_tthc {__version__}.",
        f"Số đơn vị: {fmt_int_vn(units)}. Lỗi: {fmt_int_vn(e)}; cảnh báo: {fmt_int_vn(w)}; ghi chú: {fmt_int_vn(i)}. "
        "Bấm vào địa chỉ ô để đến ô có vấn đề.",
        f"{FINGERPRINT_PREFIX} {scored.fingerprint}",
    ]
    # file names the OS gave as bytes that are not UTF-8, or with control characters, cannot go into a cell as they are
    plan.report_rows = [
        tuple(displayable(v) if isinstance(v, str) else v for v in finding_row(n, f))
        for n, f in enumerate(findings, start=1)
    ]
    if first is not None and first.layout is not None and first.framework is not None:
        plan.meta = {
            NAME_TEMPLATE: first.layout.template_id,
            NAME_LAYOUT: LAYOUT_VERSION,
            NAME_FRAMEWORK: first.framework.id,
            NAME_FRAMEWORK_VERSION: first.framework.version,
            NAME_FINGERPRINT: scored.fingerprint,
        }
    return plan


__all__ = ["CellMark", "CellWrite", "WritePlan", "build_plan", "unit_outputs"]
