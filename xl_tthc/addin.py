"""The «Tính điểm» ribbon button inside Excel (``import xl_tthc; xl_tthc.main()``).

One bulk read per sheet (its used range, bounded: :func:`read_sheet`), the core scores every unit the sheet holds, then one bulk write per
sheet puts scores, totals, quy đổi and xếp loại into the form's own cells (the cells where the officer writes
them by hand). Bad cells get a fill colour and a Vietnamese note, and a sheet «Kết quả kiểm tra» lists every
finding. Progress goes to the status bar, the result to one message box. An unexpected error shows a short
Vietnamese message and is logged to ``%TEMP%\\xl_tthc-loi.log``; the user never sees a traceback.

This module is a thin shell: the sheets' values go through the one pipeline (:mod:`xl_tthc.pipeline`) that
``xl-tthc fill`` and the batch take, so the official templates, the forms units type themselves and our summary
workbook give the same answer here as on the command line; this module only reads the grids and applies the write
plan through xlwings. Cells that hold formulas are written back as formulas.
"""

from __future__ import annotations

import contextlib
import tempfile
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

from xl_tthc.core.findings import Finding, Severity
from xl_tthc.core.framework import default_registry
from xl_tthc.core.model import UnitResult
from xl_tthc.core.numbers import fmt_vn
from xl_tthc.core.records import record
from xl_tthc.io import HIDDEN, VERY_HIDDEN, VISIBLE
from xl_tthc.io.cells import a1
from xl_tthc.pipeline import Scored, SheetData, WorkbookData, score_workbook
from xl_tthc.pipeline.plan import REPORT_HEADER_ROW, CellMark, WritePlan, build_plan

TITLE = "Tính điểm"
FILLS = {  # the colours of the write plan's marks, as RGB tuples for xlwings
    Severity.ERROR: (255, 199, 206),  # Excel's light red "bad" fill
    Severity.WARNING: (255, 235, 156),  # Excel's light yellow "neutral" fill
    Severity.INFO: (228, 223, 236),
}
LOG_PATH = Path(tempfile.gettempdir()) / "xl_tthc-loi.log"
# The most cells a sheet may span, from A1 to its last row and column, for «Tính điểm» to read it: the probe's bound
# for the batch and ``fill`` (xl_tthc.io.probe.MAX_DENSE_CELLS; not imported, the click path stays light; a test
# checks that the two agree).
READ_LIMIT = 4_000_000
# Excel's enums for Range.Find (xlwings.constants FindLookIn, LookAt, SearchOrder, SearchDirection)
XL_FORMULAS, XL_PART, XL_BY_ROWS, XL_BY_COLUMNS, XL_PREVIOUS = -4123, 2, 1, 2, 2


@record
class Outcome:
    scored: Scored
    plan: WritePlan

    @property
    def findings(self) -> list[Finding]:
        return self.plan.findings

    def message_vi(self) -> str:
        sheets = self.scored.scored
        if not sheets:
            why = [f.message for f in self.scored.findings if f.severity is Severity.ERROR and f.location.sheet]
            text = (
                "Không nhận ra biểu mẫu chấm điểm trong sổ tính này. Hãy mở biểu mẫu chính thức (chấm điểm TTHC, "
                "Bộ chỉ số phục vụ người dân, doanh nghiệp, Chỉ số CCHC) hoặc bảng có đủ các cột như biểu mẫu."
            )
            return "\n".join([*dict.fromkeys(why), text] if why else [text])
        lines = []
        for s in sheets:
            fw = s.recognition.framework
            assert fw is not None
            lines.append(f"Trang «{s.sheet.name}»: {fw.short_title or fw.title}")
            for r in s.results[:8]:
                lines.append("  • " + _unit_line(r))
            if len(s.results) > 8:
                lines.append(f"  • … và {len(s.results) - 8} đơn vị khác")
        errors = sum(1 for f in self.findings if f.severity is Severity.ERROR)
        warnings = sum(1 for f in self.findings if f.severity is Severity.WARNING)
        if errors or warnings:
            lines.append(
                f"Có {errors} lỗi và {warnings} cảnh báo: các ô có vấn đề được tô màu, xem trang «{self.plan.report_sheet}»."
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
        book.app.alert(outcome.message_vi(), title=TITLE, mode="info" if outcome.scored.scored else "critical")
        return outcome
    except Exception as exc:  # the one place a user could see a traceback: log it, show a sentence
        unexpected(book, exc, "Không tính được điểm", TITLE)
        return None


def unexpected(book: Any, exc: Exception, what: str, title: str) -> None:
    """An unexpected error of a ribbon job: the trace to the log file, one Vietnamese sentence to the user."""
    log_exception(exc)
    try:
        _status(book, False)
        book.app.alert(
            f"{what} do lỗi ngoài dự kiến ({exc.__class__.__name__}). "
            f"Chi tiết kỹ thuật đã ghi vào tệp {LOG_PATH}; hãy gửi tệp này cho bộ phận hỗ trợ.",
            title=title,
            mode="critical",
        )
    except Exception as inner:  # Excel itself is gone: the log is all we can do
        log_exception(inner)


def log_exception(exc: BaseException) -> Path:
    with LOG_PATH.open("a", encoding="utf-8", errors="backslashreplace") as fh:
        fh.write(f"--- {datetime.now():%Y-%m-%d %H:%M:%S}\n" + "".join(traceback.format_exception(exc)))
    return LOG_PATH


def _status(book: Any, text: str | bool) -> None:
    with contextlib.suppress(Exception):  # some engines have no status bar; progress text is optional
        book.app.status_bar = text


def read_sheet(sheet: Any, *, formulas: bool = True) -> tuple[SheetData, tuple[int, int, int, int] | None]:
    """One worksheet for the pipeline, and the box read from it (1-based top, left, bottom, right; None: nothing read).

    Excel's UsedRange also covers cells that only carry formatting: formats copied down to row 1.048.576 or a space
    typed in XFD1 make it span billions of cells, and reading ``.value`` of that through COM takes minutes and
    gigabytes while Excel stops responding. So the used range is read as it is only while it spans at most
    :data:`READ_LIMIT` cells from A1 to its last row and column (as the probe counts); beyond that Excel is asked
    where the content really ends (:func:`content_end`) and only the box from the used range's top-left cell to
    there is read. Content still beyond the bound, or an engine that cannot tell (the remote engine), gives the sheet
    as the probe gives a far one: no grid, ``far`` its farthest cell, so the officer reads the same warning as from
    the batch and the other sheets are still scored. ``formulas``: also read the formulas (the pipeline's checks)."""
    name, state = sheet.name, _state(sheet)
    rng = sheet.used_range
    top, left = rng.row, rng.column
    nrows, ncols = rng.shape
    bottom, right = top + nrows - 1, left + ncols - 1
    if bottom * right > READ_LIMIT:
        end = content_end(sheet)
        if end is None:  # the engine cannot tell: the used range's far corner is all that is known
            return SheetData(name, [], state, bottom, right, far=a1(bottom - 1, right - 1)), None
        if not end:  # only formatting, no value or formula anywhere
            return SheetData(name, [], state), None
        last_row, last_col, far = end
        if last_row * last_col > READ_LIMIT:
            return SheetData(name, [], state, last_row, last_col, far=far), None
        bottom, right = max(last_row, top), max(last_col, left)
        rng = sheet.range((top, left), (bottom, right))
    values = rng.options(ndim=2).value or []
    texts = None
    if formulas:
        try:
            texts = rng.options(ndim=2).formula
        except Exception:  # the remote engine cannot read formulas synchronously
            texts = None

    def place(block: Any) -> list[list[Any]]:
        rows = [[None] * (left - 1) + list(row) for row in block]
        return [[] for _ in range(top - 1)] + rows

    data = SheetData(name, place(values), state, formulas=place(texts) if isinstance(texts, list | tuple) else None)
    return data, (top, left, bottom, right)


def content_end(sheet: Any) -> tuple[int, int, str] | tuple[()] | None:
    """Where a sheet's content really ends, asked of Excel (COM): the last row and the last column holding a value
    or a formula, and the farther of the two cells found (the one spanning more cells from A1, the probe's «far»
    cell); ``()`` for a sheet holding nothing; None when the engine cannot tell (the remote engine, whose ``api`` is
    its JSON payload) or refuses.

    ``Cells.Find("*")`` in formulas (hidden rows and columns included), backwards from A1, so the search wraps to the
    sheet's end: by columns gives the last column, by rows the last row. Excel keeps LookIn, LookAt and SearchOrder
    for the officer's next search (Ctrl+F), so every one is given, and the search by rows, LookIn formulas and LookAt
    part (Excel's defaults) comes last."""
    try:
        ws = sheet.api
        cells = ws.Cells
        found = [
            cells.Find(
                What="*",
                After=ws.Range("A1"),
                LookIn=XL_FORMULAS,
                LookAt=XL_PART,
                SearchOrder=order,
                SearchDirection=XL_PREVIOUS,
                MatchCase=False,
            )
            for order in (XL_BY_COLUMNS, XL_BY_ROWS)
        ]
        if found[0] is None and found[1] is None:
            return ()
        if found[0] is None or found[1] is None:  # one search found something, the other nothing: no answer
            return None
        by_columns, by_rows = ((int(c.Row), int(c.Column)) for c in found)
    except Exception:  # the remote engine (a dict has no Cells), a COM error
        return None
    far_row, far_col = max((by_rows, by_columns), key=lambda rc: rc[0] * rc[1])  # a tie: the cell found by rows
    return by_rows[0], by_columns[1], a1(far_row - 1, far_col - 1)


def compute(book: Any) -> Outcome:
    """Read every sheet in one bulk call each (:func:`read_sheet`) and run the one pipeline (:mod:`xl_tthc.pipeline`)."""
    sheets: list[SheetData] = []
    boxes: dict[str, tuple[int, int, int, int]] = {}
    for sheet in book.sheets:
        one, box = read_sheet(sheet)
        sheets.append(one)
        if box is not None:
            boxes[one.name] = box
    data = WorkbookData(
        file=book.name,
        sheets=sheets,
        stem=Path(book.name).stem,
        merged_at=lambda name, cells: merged_at(book, name, cells, boxes.get(name)),
    )
    scored = score_workbook(data, registry=default_registry())
    return Outcome(scored, build_plan(scored, file_label=book.name))


def merged_at(
    book: Any, name: str, cells: set[tuple[int, int]], box: tuple[int, int, int, int] | None = None
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The merged areas holding any of ``cells`` (0-based), asked of Excel: one call for the box read from the sheet
    (``box``, 1-based top, left, bottom, right; else its used range) when it has no merged cell at all
    (``MergeCells`` False), else one call per cell not yet inside an area found."""
    try:
        sheet = book.sheets[name]
        whole = sheet.used_range if box is None else sheet.range(box[:2], box[2:])
        if whole.merge_cells is False:
            return []
        areas: list[tuple[tuple[int, int], tuple[int, int]]] = []
        for r, c in sorted(cells):
            if any(r1 <= r <= r2 and c1 <= c <= c2 for (r1, c1), (r2, c2) in areas):
                continue
            rng = sheet.range((r + 1, c + 1))
            if rng.merge_cells:
                area = rng.merge_area
                nr, nc = area.shape
                top, left = area.row - 1, area.column - 1
                areas.append(((top, left), (top + nr - 1, left + nc - 1)))
        return areas
    except Exception:  # an engine without merged-cell queries (the remote engine): nothing to report
        return []


def _state(sheet: Any) -> str:
    """On Windows ``Sheet.visible`` is COM's XlSheetVisibility: -1 visible, 0 hidden, 2 very hidden (truthy!)."""
    try:
        v = sheet.visible
    except Exception:  # an engine without the property: take the sheet as visible
        return VISIBLE
    if v is True or v == -1:
        return VISIBLE
    return VERY_HIDDEN if v == 2 else HIDDEN


def write(book: Any, outcome: Outcome) -> None:
    """The xlwings adapter of the write plan: the output cells in as few rectangular writes as they allow (no other
    cell is written back: Excel would re-parse a text such as «1.033» by its locale), marks, the findings sheet."""
    plan = outcome.plan
    for name in plan.data_sheets:
        sheet = book.sheets[name]
        protected = _unprotect(sheet)
        cells = [(w.row, w.col, w.formula if w.formula is not None else w.value) for w in plan.writes if w.sheet == name]
        for r0, c0, block in blocks(cells):
            sheet.range((r0 + 1, c0 + 1), (r0 + len(block), c0 + len(block[0]))).value = block
        for m in plan.marks:
            if m.sheet == name:
                _mark(sheet.range((m.row + 1, m.col + 1)), m)
        if protected is not None:
            _protect(sheet, protected)
    _findings_sheet(book, plan)


_ALLOW = (  # Worksheet.Protection's permissions, kept through «Tính điểm» as the file had them
    "AllowFormattingCells",
    "AllowFormattingColumns",
    "AllowFormattingRows",
    "AllowInsertingColumns",
    "AllowInsertingRows",
    "AllowInsertingHyperlinks",
    "AllowDeletingColumns",
    "AllowDeletingRows",
    "AllowSorting",
    "AllowFiltering",
    "AllowUsingPivotTables",
)


def _unprotect(sheet: Any) -> dict[str, bool] | None:
    """Templates lock their output cells and protect the sheet without a password: lift it while writing, and
    return the protection's settings to put back (None: nothing was lifted)."""
    try:
        api = sheet.api
        if not api.ProtectContents:  # Excel (COM); other engines have no protection to lift
            return None
        kept = {"DrawingObjects": bool(api.ProtectDrawingObjects), "Contents": True, "Scenarios": bool(api.ProtectScenarios)}
        permissions = api.Protection
        kept.update({name: bool(getattr(permissions, name)) for name in _ALLOW})
        api.Unprotect()
        return kept
    except Exception:  # the remote engine's api is the JSON payload
        return None


def _protect(sheet: Any, kept: dict[str, bool]) -> None:
    with contextlib.suppress(Exception):
        sheet.api.Protect(**kept)


def blocks(cells: list[tuple[int, int, Any]]) -> list[tuple[int, int, list[list[Any]]]]:
    """(row, col, value) cells as rectangles of cells that are all written: runs of adjacent columns in a row,
    stacked while the next row has a run over the same columns. (top row, left column, 2-D values), 0-based."""
    rows: dict[int, dict[int, Any]] = {}
    for r, c, v in cells:
        rows.setdefault(r, {})[c] = v
    runs: list[tuple[int, int, list[Any]]] = []  # (row, first col, values)
    for r in sorted(rows):
        cols = sorted(rows[r])
        start = prev = cols[0]
        for c in cols[1:]:
            if c != prev + 1:
                runs.append((r, start, [rows[r][k] for k in range(start, prev + 1)]))
                start = c
            prev = c
        runs.append((r, start, [rows[r][k] for k in range(start, prev + 1)]))
    out: list[tuple[int, int, list[list[Any]]]] = []
    for r, c, values in runs:
        last = out[-1] if out else None
        if last is not None and last[1] == c and len(last[2][0]) == len(values) and last[0] + len(last[2]) == r:
            last[2].append(values)
        else:
            out.append((r, c, [values]))
    return out


def _mark(rng: Any, m: CellMark) -> None:
    rng.color = FILLS[m.severity]
    text = m.text
    try:
        note = rng.note
        if note is None:
            rng.add_note(text)
        else:
            note.text = text
    except Exception:  # noqa: S110 - an engine without notes still gets the colour and the findings sheet
        pass


def _findings_sheet(book: Any, plan: WritePlan) -> None:
    name = plan.report_sheet
    names = [s.name for s in book.sheets]
    if name in names:
        sheet = book.sheets[name]
        sheet.clear_contents()
    else:
        sheet = book.sheets.add(name, after=book.sheets[len(names) - 1])
    width = len(plan.report_header)
    rows: list[list[Any]] = [[line, *[None] * (width - 1)] for line in plan.report_lines]
    rows += [[None] * width for _ in range(REPORT_HEADER_ROW - len(rows))]
    rows.append(list(plan.report_header))
    rows += [list(r) for r in plan.report_rows]
    if not plan.report_rows:
        rows.append(["Không phát hiện lỗi số liệu.", *[None] * (width - 1)])
    sheet.range("A1").value = rows
