"""The «Tính điểm» ribbon button inside Excel (``import xl_tthc; xl_tthc.main()``).

One bulk read per sheet (its used range), the core scores every unit the sheet holds, then one bulk write per
sheet puts scores, totals, quy đổi and xếp loại into the form's own cells (the cells where the officer writes
them by hand). Bad cells get a fill colour and a Vietnamese note, and a sheet «Kết quả kiểm tra» lists every
finding. Progress goes to the status bar, the result to one message box. An unexpected error shows a short
Vietnamese message and is logged to ``%TEMP%\\xl_tthc-loi.log``; the user never sees a traceback.

The sheet is recognised by its header labels (:mod:`xl_tthc.io.handmade`), so the official templates and
the forms units type themselves both work. Cells that hold formulas are written back as formulas.
"""

from __future__ import annotations

import contextlib
import tempfile
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from xl_tthc.batch.official import find_meta
from xl_tthc.batch.official import recognize as recognize_official
from xl_tthc.core.engine import assign_ranks, score_unit
from xl_tthc.core.findings import FINDING_ROW_HEADERS, SEVERITY_LABEL_VI, Finding, Severity, finding_row
from xl_tthc.core.framework import default_registry
from xl_tthc.core.model import UnitResult
from xl_tthc.core.numbers import fmt_vn
from xl_tthc.io.handmade import Recognition, parse_a1, recognize
from xl_tthc.io.layouts import build_layout, output_values

TITLE = "Tính điểm"
FINDINGS_SHEET = "Kết quả kiểm tra"
SUMMARY_FINDINGS_SHEET = "Kết quả tính lại"
BAD_FILL = (255, 199, 206)  # Excel's light red "bad" fill
WARN_FILL = (255, 235, 156)  # Excel's light yellow "neutral" fill
LOG_PATH = Path(tempfile.gettempdir()) / "xl_tthc-loi.log"


@dataclass(slots=True)
class SheetWork:
    name: str
    grid: list[list[Any]]
    formulas: list[list[Any]] | None
    recognition: Recognition
    results: list[UnitResult] = field(default_factory=list)
    outputs: dict[tuple[int, int], Any] = field(default_factory=dict)
    summary: bool = False  # a unit table of our summary workbook


@dataclass(slots=True)
class Outcome:
    sheets: list[SheetWork]
    findings: list[Finding]

    def message_vi(self) -> str:
        if not self.sheets:
            return (
                "Không nhận ra biểu mẫu chấm điểm trong sổ tính này. Hãy mở biểu mẫu chính thức (chấm điểm TTHC, "
                "Bộ chỉ số phục vụ người dân, doanh nghiệp, Chỉ số CCHC) hoặc bảng có đủ các cột như biểu mẫu."
            )
        lines = []
        for sw in self.sheets:
            fw = sw.recognition.framework
            lines.append(f"Trang «{sw.name}»: {fw.short_title or fw.title}")
            for r in sw.results[:8]:
                lines.append("  • " + _unit_line(r))
            if len(sw.results) > 8:
                lines.append(f"  • … và {len(sw.results) - 8} đơn vị khác")
        errors = sum(1 for f in self.findings if f.severity is Severity.ERROR)
        warnings = sum(1 for f in self.findings if f.severity is Severity.WARNING)
        if errors or warnings:
            lines.append(
                f"Có {errors} lỗi và {warnings} cảnh báo: các ô có vấn đề được tô màu, xem trang «{FINDINGS_SHEET}»."
            )
        else:
            lines.append("Không phát hiện lỗi số liệu.")
        return "\n".join(lines)


def _unit_line(r: UnitResult) -> str:
    name = r.unit or "(chưa ghi tên đơn vị)"
    if r.total is None:
        return f"{name}: {r.status_label}"
    text = f"{name}: {fmt_vn(r.total_shown, None)}/{fmt_vn(r.applicable_max, None)} điểm"
    if r.quy_doi is not None and r.applicable_max not in (0, 100) and r.kind == "service_index":
        text += f", quy đổi {fmt_vn(r.quy_doi, 2)}"
    if r.band_label:
        text += f", xếp loại {r.band_label}"
    return text


def main() -> None:
    """Entry point of the ribbon button: works on the workbook the button was pressed in."""
    import xlwings as xw

    run(xw.Book.caller())


def run(book: Any) -> Outcome | None:
    """«Tính điểm» on an open xlwings book. Never raises: errors end in a message box and the log file."""
    try:
        _status(book, "Tính điểm: đang đọc số liệu…")
        outcome = compute(book)
        _status(book, "Tính điểm: đang ghi kết quả…")
        write(book, outcome)
        _status(book, False)
        # xlwings on Windows knows only the modes "info" and "critical" (the latter shows the warning icon)
        book.app.alert(outcome.message_vi(), title=TITLE, mode="info" if outcome.sheets else "critical")
        return outcome
    except Exception as exc:  # the one place a user could see a traceback: log it, show a sentence
        log_exception(exc)
        try:
            _status(book, False)
            book.app.alert(
                f"Không tính được điểm do lỗi ngoài dự kiến ({exc.__class__.__name__}). "
                f"Chi tiết kỹ thuật đã ghi vào tệp {LOG_PATH}; hãy gửi tệp này cho bộ phận hỗ trợ.",
                title=TITLE,
                mode="critical",
            )
        except Exception as inner:  # Excel itself is gone: the log is all we can do
            log_exception(inner)
        return None


def log_exception(exc: BaseException) -> Path:
    with LOG_PATH.open("a", encoding="utf-8") as fh:
        fh.write(f"--- {datetime.now():%Y-%m-%d %H:%M:%S}\n" + "".join(traceback.format_exception(exc)))
    return LOG_PATH


def _status(book: Any, text: str | bool) -> None:
    with contextlib.suppress(Exception):  # some engines have no status bar; progress text is optional
        book.app.status_bar = text


def _grid(sheet: Any) -> tuple[list[list[Any]], list[list[Any]] | None]:
    """The sheet's used range as an absolute grid (row 0 = Excel row 1), and its formulas where readable."""
    rng = sheet.used_range
    values = rng.options(ndim=2).value or []
    try:
        formulas = rng.options(ndim=2).formula
    except Exception:  # the remote engine cannot read formulas synchronously
        formulas = None
    top, left = rng.row - 1, rng.column - 1

    def place(block: Any) -> list[list[Any]]:
        rows = [[None] * left + list(row) for row in block]
        return [[] for _ in range(top)] + rows

    return place(values), place(formulas) if isinstance(formulas, list | tuple) else None


def compute(book: Any) -> Outcome:
    sheets: list[SheetWork] = []
    findings: list[Finding] = []
    for sheet in book.sheets:
        if sheet.name in (FINDINGS_SHEET, SUMMARY_FINDINGS_SHEET):
            continue
        grid, formulas = _grid(sheet)
        summary = _summary_sheet(grid, book.name, sheet.name)
        if summary is not None:
            sheets.append(summary)
            findings.extend(f for r in summary.results for f in r.findings)
            continue
        layout = None
        rec, notes = recognize_official(grid, file=book.name, sheet=sheet.name, registry=default_registry())
        findings.extend(notes)
        if rec is not None:
            meta = find_meta(grid)
            assert meta is not None
            layout = build_layout(meta.template_id, rec.framework)
        else:
            rec = recognize(grid, file=book.name, sheet=sheet.name)
        if rec is None:
            continue
        sw = SheetWork(sheet.name, grid, formulas, rec)
        findings.extend(rec.findings)
        for unit in rec.units:
            if not unit.name:
                unit.name = Path(book.name).stem
            r = score_unit(rec.framework, unit)
            sw.results.append(r)
            findings.extend(r.findings)
        if len(sw.results) > 1:
            assign_ranks(sw.results)
        for unit, r in zip(rec.units, sw.results, strict=True):
            if layout is not None:  # our own template: its output cells
                values = output_values(rec.framework, r)
                for slot in layout.outputs():
                    sw.outputs[(slot.row, slot.col)] = values.get(slot.key)
            else:  # a form recognised by its header labels: the cells of the hand-written figures
                _collect_outputs(sw, unit.sources, r)
        sheets.append(sw)
    return Outcome(sheets, findings)


SUMMARY_OUTPUTS = {
    "tong diem": "total",
    "diem toi da ap dung": "applicable_max",
    "quy doi": "quy_doi",
    "xep loai": "band",
    "hang": "rank",
}


def _summary_sheet(grid: list[list[Any]], file: str, sheet: str) -> SheetWork | None:
    """A unit table of our summary workbook (``xl-tthc consolidate``): refresh its totals, bands and ranks.

    Recognised by its second row, the framework's full title, and its header row (Hạng, Đơn vị, the items'
    codes with their maxima, Tổng điểm, Điểm tối đa áp dụng, Quy đổi, Xếp loại). The item scores are the inputs.
    """
    from xl_tthc.core.engine import item_table
    from xl_tthc.core.findings import Location
    from xl_tthc.core.model import UnitInput
    from xl_tthc.io.handmade import a1, norm

    if len(grid) < 5 or not grid[1] or not isinstance(grid[1][0], str):
        return None
    fw = next((f for f in default_registry().all() if f.title == grid[1][0].strip()), None)
    if fw is None:
        return None
    header = [norm(v.split("\n")[0]) if isinstance(v, str) else "" for v in grid[3]]
    if "don vi" not in header:
        return None
    name_c = header.index("don vi")
    prefix = {"tthc": "tc ", "par": "lv "}.get(fw.kind, "")
    codes = {code for code, _t, _m in item_table.top_items(fw)}
    item_cols = {
        h[len(prefix) :]: c for c, h in enumerate(header) if h.startswith(prefix) and h[len(prefix) :] in codes
    }
    outputs = {SUMMARY_OUTPUTS[h]: c for c, h in enumerate(header) if h in SUMMARY_OUTPUTS}
    if len(item_cols) != len(codes) or "total" not in outputs:
        return None
    sw = SheetWork(sheet, grid, None, Recognition(fw, []), summary=True)
    rows = []
    for r in range(4, len(grid)):
        name = grid[r][name_c] if name_c < len(grid[r]) else None
        if not isinstance(name, str) or not name.strip():
            break
        data = {"items": {code: grid[r][c] if c < len(grid[r]) else None for code, c in item_cols.items()}}
        unit = UnitInput(
            name.strip(),
            data,
            file=file,
            sheet=sheet,
            sources={f"items/{code}": Location(file=file, sheet=sheet, cell=a1(r, c)) for code, c in item_cols.items()},
        )
        sw.recognition.units.append(unit)
        sw.results.append(item_table.score(fw, unit))
        rows.append(r)
    assign_ranks(sw.results, by_level=False)
    for r, res in zip(rows, sw.results, strict=True):
        scored = res.status == "scored"
        values = {
            "total": res.total_shown if scored else None,
            "applicable_max": res.applicable_max,
            "quy_doi": res.quy_doi if scored else None,
            "rank": res.rank,
            "band": res.band_label if scored and res.band_label else res.status_label,
        }
        for key, c in outputs.items():
            sw.outputs[(r, c)] = values[key]
    return sw


def _collect_outputs(sw: SheetWork, sources: dict[str, Any], r: UnitResult) -> None:
    """Computed figures go where the form keeps them: the cells of the stated (hand-written) figures."""
    values: dict[str, Any] = {}
    if r.kind == "tthc":
        for it in r.items:
            values[f"criteria/{it.code}/stated_score"] = it.shown
        values["stated_total"] = r.total_shown
    elif r.kind == "service_index":
        values["stated/total"] = r.total_shown
        values["stated/quy_doi"] = r.quy_doi
        values["stated/band"] = r.band_label
        values["stated/rank"] = r.rank
    else:
        for it in r.items:
            if not it.detail.get("leaf"):
                values[f"stated/{it.code}/self"] = it.detail.get("self")
                values[f"stated/{it.code}/appraised"] = it.detail.get("appraised")
        values["stated/total/self"] = r.extra.get("self_total")
        values["stated/total/appraised"] = r.extra.get("appraised_total")
    for key, val in values.items():
        loc = sources.get(key)
        if loc is None or loc.cell is None or loc.sheet != sw.name:
            continue
        sw.outputs[parse_a1(loc.cell)] = val


def write(book: Any, outcome: Outcome) -> None:
    for sw in outcome.sheets:
        sheet = book.sheets[sw.name]
        protected = _unprotect(sheet)
        if sw.outputs:
            rows = [rc[0] for rc in sw.outputs]
            cols = [rc[1] for rc in sw.outputs]
            r0, r1, c0, c1 = min(rows), max(rows), min(cols), max(cols)
            block = [[_keep(sw, r, c) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]
            for (r, c), v in sw.outputs.items():
                block[r - r0][c - c0] = v
            sheet.range((r0 + 1, c0 + 1), (r1 + 1, c1 + 1)).value = block  # one bulk write per sheet
        for f in outcome.findings:
            if f.location.sheet == sw.name and f.location.cell and f.severity is not Severity.INFO:
                _mark(sheet.range(f.location.cell), f)
        if protected:
            _protect(sheet)
    # a summary workbook keeps the consolidation's own findings sheet; the refresh lists its findings beside it
    summary = any(sw.summary for sw in outcome.sheets)
    _findings_sheet(book, outcome.findings, SUMMARY_FINDINGS_SHEET if summary else FINDINGS_SHEET)


def _unprotect(sheet: Any) -> bool:
    """Templates lock their output cells and protect the sheet without a password: lift it while writing."""
    try:
        if sheet.api.ProtectContents:  # Excel (COM); other engines have no protection to lift
            sheet.api.Unprotect()
            return True
    except Exception:  # noqa: S110 - the remote engine's api is the JSON payload
        pass
    return False


def _protect(sheet: Any) -> None:
    with contextlib.suppress(Exception):
        sheet.api.Protect(DrawingObjects=True, Contents=True, Scenarios=True, AllowFormattingColumns=True)


def _keep(sw: SheetWork, r: int, c: int) -> Any:
    """What a cell inside the write block keeps: its formula if it has one, else its value."""
    if sw.formulas is not None and r < len(sw.formulas) and c < len(sw.formulas[r]):
        f = sw.formulas[r][c]
        if isinstance(f, str) and f.startswith("="):
            return f
    row = sw.grid[r] if r < len(sw.grid) else []
    return row[c] if c < len(row) else None


def _mark(rng: Any, f: Finding) -> None:
    rng.color = BAD_FILL if f.severity is Severity.ERROR else WARN_FILL
    text = f"{SEVERITY_LABEL_VI[f.severity]}: {f.message}"
    try:
        note = rng.note
        if note is None:
            rng.add_note(text)
        else:
            note.text = text
    except Exception:  # noqa: S110 - an engine without notes still gets the colour and the findings sheet
        pass


def _findings_sheet(book: Any, findings: list[Finding], name: str) -> None:
    names = [s.name for s in book.sheets]
    if name in names:
        sheet = book.sheets[name]
        sheet.clear_contents()
    else:
        sheet = book.sheets.add(name, after=book.sheets[len(names) - 1])
    rows: list[list[Any]] = [list(FINDING_ROW_HEADERS)]
    rows += [list(finding_row(i, f)) for i, f in enumerate(findings, 1)]
    if len(rows) == 1:
        rows.append(["", "", "", "", "", "", "Không phát hiện lỗi số liệu."])
    sheet.range("A1").value = rows
