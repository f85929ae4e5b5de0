"""The summary workbook of a batch (TONG_HOP.xlsx), written with XlsxWriter, atomically.

Sheets:

* «Tổng hợp» – the period, files, units, errors, and per framework and unit level the number of units in each
  band including «Chưa chấm điểm» and «Chưa phát sinh hồ sơ» (as the provincial reports count them), units missing
  against the roster, with a column chart and a pie chart of the bands;
* one sheet per framework and level – one row per unit: inputs, criterion/indicator scores, total, applicable
  maximum, quy đổi, xếp loại, rank within the level; a bar chart of the score per unit; units missing at the end;
* «Danh sách tệp» – every file with its status and the layout it was read as;
* «Kết quả kiểm tra» – every finding: Tệp, Trang, Ô, Mã, Mức độ, Nội dung.

Numbers are written as numbers with the format ``#,##0.00`` (Excel shows them in the reader's locale: 58,94 on a
Vietnamese Windows). Every text cell is written with ``write_string``; with ``strings_to_formulas`` off as well, a
unit name such as ``=HYPERLINK(…)`` can never become a formula. Frozen headers, autofilters, A4 landscape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xl_tthc.core.findings import FINDING_ROW_HEADERS, Finding, Severity, finding_row
from xl_tthc.core.framework import Framework
from xl_tthc.core.model import STATUS_LABEL_VI, UnitResult
from xl_tthc.io.atomic import atomic_path
from xl_tthc.io.paths import displayable

if TYPE_CHECKING:
    from xl_tthc.batch import BatchReport
    from xl_tthc.core.compare import Comparison
    from xl_tthc.core.consolidate import LevelSummary

FONT = "Times New Roman"
MESSAGE_CHARS_PER_LINE = 105  # the message column is 90 wide; Times New Roman 11 fits about this many characters
FILES_LISTED_ALL = 200  # above this many files, the file list shows only those with findings
CHART_MAX_UNITS = 60  # a bar chart with more units than this is unreadable on A4: the first 60 by rank are drawn
_BAD_SHEET_CHARS = str.maketrans({c: "-" for c in "[]:*?/\\"})

# columns of the findings sheet

_KIND_SHORT = {"tthc": "TTHC", "service_index": "Chỉ số", "par": "CCHC"}
_LEVEL_SHORT = {"tinh": "Tỉnh", "so": "Sở, ngành", "huyen": "Huyện", "phong": "Phòng", "xa": "Xã"}


def _safe(text: str) -> str:
    """Text as a cell shows it; a leading = + - @ is kept as text by write_string (no formula). A file name the OS
    gave as bytes that are not UTF-8 (or with control characters) is shown escaped: xlsx cannot hold it."""
    return displayable(text)


class _Formats:
    def __init__(self, wb: Any) -> None:
        base = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
        cell = {**base, "border": 1}

        def f(**kw: Any) -> Any:
            return wb.add_format({**base, **kw})

        def c(**kw: Any) -> Any:
            return wb.add_format({**cell, **kw})

        self.title = f(bold=True, font_size=14, align="center")
        self.subtitle = f(italic=True, align="center")
        self.text = f()
        self.bold = f(bold=True)
        self.head = c(bold=True, align="center", text_wrap=True, bg_color="#DDEBF7")
        self.cell = c()  # no wrapping: a spreadsheet does not grow the row for it when it opens the file
        self.cell_center = c(align="center")
        self.int = c(num_format="#,##0", align="right")
        self.num = c(num_format="#,##0.00", align="right")
        self.pct = c(num_format="0.0%", align="right")
        self.total = c(bold=True, num_format="#,##0", align="right", bg_color="#F2F2F2")
        self.total_text = c(bold=True, bg_color="#F2F2F2")
        self.error = c(text_wrap=True, font_color="#C00000", valign="top")
        self.warning = c(text_wrap=True, font_color="#9C5700", valign="top")
        self.info = c(text_wrap=True, font_color="#404040", valign="top")
        self.severity = {
            k: c(font_color=v, valign="top")
            for k, v in (("error", "#C00000"), ("warning", "#9C5700"), ("info", "#404040"))
        }
        self.top = c(valign="top")
        self.missing = c(italic=True, font_color="#7F7F7F")


def _sheet_name(used: set[str], wanted: str) -> str:
    name = wanted.translate(_BAD_SHEET_CHARS).strip("'")[:31]
    base, i = name, 2
    while name.lower() in used:
        suffix = f" ({i})"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name.lower())
    return name


def _page(ws: Any, header_rows: int, title: str) -> None:
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    if header_rows:
        ws.repeat_rows(header_rows - 1, header_rows - 1)
    ws.set_footer(f"&L&8{title.replace('&', '&&')}&R&8Trang &P/&N")


def _level_title(fw: Framework, lv: LevelSummary) -> str:
    return f"{fw.short_title or fw.title} – {lv.label}"


def _columns(fw: Framework) -> list[tuple[str, Callable[[UnitResult], Any], str]]:
    """(header, value getter, format key) of the input and item columns of a framework's unit table."""
    cols: list[tuple[str, Callable[[UnitResult], Any], str]] = []
    if fw.kind == "tthc":
        for key, head in (
            ("received_total", "Hồ sơ tiếp nhận"),
            ("received_online", "Tiếp nhận trực tuyến"),
            ("resolved_total", "Hồ sơ đã giải quyết"),
            ("resolved_late", "Giải quyết quá hạn"),
        ):
            cols.append((head, partial(_count, key=key), "int"))
        codes = [c.code for c in fw.criteria]
        labels = {c.code: f"TC {c.code}\n({_num(c.max)}đ)" for c in fw.criteria}
    elif fw.kind == "service_index":
        codes = [i.code for i in fw.indicators() if not i.monitoring_only]
        labels = {i.code: f"{i.code}\n({_num(i.max)}đ)" for i in fw.indicators()}
    else:
        cols.append(("Tự đánh giá", lambda r: r.extra.get("self_total"), "num"))
        cols.append(("Thẩm định", lambda r: r.extra.get("appraised_total"), "num"))
        codes = [n.code for n in fw.tree]
        labels = {n.code: f"LV {n.code}\n({_num(n.max)}đ)" for n in fw.tree}
    for code in codes:
        cols.append((labels[code], partial(_item, code=code), "num"))
    return cols


def _num(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def _count(r: UnitResult, key: str) -> Any:
    return (r.extra.get("counts") or {}).get(key)


def _item(r: UnitResult, code: str) -> Any:
    for it in r.items:
        if it.code == code:
            if not it.applicable:
                return "-"
            return it.shown
    return None


def write_summary(
    report: BatchReport,
    output: Path,
    comparisons: Sequence[Comparison] = (),
    *,
    front: Callable[[Any], Any] | None = None,
) -> Path:
    """Write the summary workbook to ``output`` (atomically: a temporary file renamed over the target).

    ``comparisons`` (from :func:`xl_tthc.history.compare`) add a sheet comparing each framework with its
    previous period. ``front(workbook)`` adds sheets before the overview (the settings sheet of the consolidation
    workbook, :mod:`xl_tthc.consolidation_book`), written with the XlsxWriter workbook it is given.
    """
    import gc

    import xlsxwriter

    output = Path(output)
    was_enabled = gc.isenabled()
    gc.disable()  # tens of thousands of cell records, no reference cycles
    try:
        return _write(report, output, xlsxwriter, comparisons, front)
    finally:
        if was_enabled:
            gc.enable()


def _write(
    report: BatchReport,
    output: Path,
    xlsxwriter: Any,
    comparisons: Sequence[Comparison] = (),
    front: Callable[[Any], Any] | None = None,
) -> Path:
    with atomic_path(output) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "nan_inf_to_errors": True,
                # rows go out as they are written (every sheet here is written top to bottom): a third faster for
                # thousands of units, and flat memory
                "constant_memory": True,
            },
        )
        wb.set_properties(
            {
                "title": "Tổng hợp kết quả chấm điểm",
                "subject": report.period or "",
                "author": "xl_tthc",
                "created": datetime.now(),
            }
        )
        fm = _Formats(wb)
        used: set[str] = set()
        if front is not None:
            before = len(wb.worksheets())
            front(wb)
            used.update(ws.name.lower() for ws in wb.worksheets()[before:])
        overview = wb.add_worksheet(_sheet_name(used, "Tổng hợp"))
        level_sheets = []
        for fs in report.consolidation.frameworks:
            for lv in fs.levels:
                short = (
                    f"{_KIND_SHORT.get(fs.framework.kind, fs.framework.kind)} {fs.framework.id.split('-')[0].upper()}"
                )
                name = _sheet_name(used, f"{short} – {_LEVEL_SHORT.get(lv.level or '', lv.label)}")
                level_sheets.append((fs.framework, lv, name))
        compare_name = _sheet_name(used, "So sánh kỳ trước") if comparisons else ""
        files_name = _sheet_name(used, "Danh sách tệp")
        findings_name = _sheet_name(used, "Kết quả kiểm tra")
        _overview(wb, overview, report, level_sheets, fm)
        for fw, lv, name in level_sheets:
            _level_sheet(wb, wb.add_worksheet(name), fw, lv, fm)
        if comparisons:
            _comparison_sheet(wb.add_worksheet(compare_name), comparisons, fm)
        _files_sheet(wb.add_worksheet(files_name), report, fm)
        _findings_sheet(wb.add_worksheet(findings_name), report.findings, fm)
        overview.activate()
        wb.close()
    return output


def band_rows(fw: Framework, lv: LevelSummary) -> list[tuple[str, int]]:
    """(label, units) per band, then «Chưa chấm điểm», «Chưa phát sinh hồ sơ» and the other statuses.

    A framework without bands (PAR) counts its scored units as «Đã chấm điểm».
    """
    band_labels = [b.label for b in fw.bands.items] if fw.bands else []
    rows = [(k, v) for k, v in lv.band_counts.items() if v or k in band_labels]
    unbanded = sum(1 for r in lv.results if r.status == "scored" and not r.band_label)
    if unbanded:
        rows.insert(len([k for k, _ in rows if k in band_labels]), (STATUS_LABEL_VI["scored"], unbanded))
    for k in (STATUS_LABEL_VI["not_scored"], STATUS_LABEL_VI["no_dossiers"]):
        if k not in dict(rows):
            rows.append((k, lv.band_counts.get(k, 0)))
    return rows


def _overview(
    wb: Any, ws: Any, report: BatchReport, level_sheets: list[tuple[Framework, LevelSummary, str]], fm: _Formats
) -> None:
    ws.set_column(0, 0, 40)
    ws.set_column(1, 2, 12)
    ws.set_column(3, 3, 3)
    ws.set_column(4, 11, 11)
    ws.merge_range(0, 0, 0, 11, "TỔNG HỢP KẾT QUẢ CHẤM ĐIỂM CÁC ĐƠN VỊ", fm.title)
    period = report.period or "không ghi"
    if report.period_auto:
        period += " (theo đa số tệp)"
    ws.merge_range(1, 0, 1, 11, f"Kỳ đánh giá: {period} – lập lúc {datetime.now():%H:%M ngày %d/%m/%Y}", fm.subtitle)
    r = 3
    facts: list[tuple[str, Any]] = [
        ("Thư mục", _safe(Path(report.root).name or report.root)),
        ("Số tệp đã xét", report.files),
        ("Số đơn vị đã chấm điểm", report.units),
        ("Số lỗi (cần sửa)", report.errors),
        ("Số cảnh báo", report.warnings),
    ]
    if report.roster_size is not None:
        facts.append(("Số đơn vị trong danh sách phải nộp", report.roster_size))
    for label, val in facts:
        ws.write_string(r, 0, label, fm.cell)
        if isinstance(val, int):
            ws.write_number(r, 1, val, fm.int)
        else:
            ws.merge_range(r, 1, r, 2, _safe(str(val)), fm.cell)
        r += 1
    ws.write_string(r, 0, "Chi tiết từng đơn vị ở các trang sau; lỗi số liệu ở trang «Kết quả kiểm tra».", fm.text)
    r += 2
    breaks = []
    for i, (fw, lv, _sheet) in enumerate(level_sheets):
        if i and i % 2 == 0:
            breaks.append(r)  # two level blocks a page, never one cut in half
        block = r
        ws.merge_range(r, 0, r, 11, _level_title(fw, lv), fm.bold)
        r += 1
        ws.write_row(r, 0, ["Xếp loại / tình trạng", "Số đơn vị", "Tỷ lệ"], fm.head)
        head = r
        r += 1
        rows = band_rows(fw, lv)
        total = sum(n for _, n in rows)
        for label, n in rows:
            ws.write_string(r, 0, label, fm.cell)
            ws.write_number(r, 1, n, fm.int)
            ws.write_number(r, 2, n / total if total else 0, fm.pct)
            r += 1
        ws.write_string(r, 0, "Cộng", fm.total_text)
        ws.write_number(r, 1, total, fm.total)
        ws.write_blank(r, 2, None, fm.total)
        r += 1
        if lv.missing:
            ws.write_string(r, 0, "Chưa nộp tệp (theo danh sách)", fm.missing)
            ws.write_number(r, 1, len(lv.missing), fm.int)
            ws.write_blank(r, 2, None, fm.cell)
            r += 1
        cats = [ws.name, head + 1, 0, head + len(rows), 0]
        vals = [ws.name, head + 1, 1, head + len(rows), 1]
        chart = wb.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": "Số đơn vị",
                "categories": cats,
                "values": vals,
                "data_labels": {"value": True},
                "fill": {"color": "#2E75B6"},
            }
        )
        chart.set_title({"name": f"Số đơn vị theo xếp loại – {lv.label}", "name_font": {"size": 10, "name": FONT}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"num_format": "0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_x_axis({"num_font": {"name": FONT, "size": 8}})
        chart.set_size({"width": 420, "height": 240})
        ws.insert_chart(block + 1, 4, chart)
        pie = wb.add_chart({"type": "pie"})
        pie.add_series({"name": "Tỷ lệ", "categories": cats, "values": vals, "data_labels": {"percentage": True}})
        pie.set_title({"name": f"Tỷ lệ xếp loại – {lv.label}", "name_font": {"size": 10, "name": FONT}})
        pie.set_legend({"position": "right", "font": {"name": FONT, "size": 8}})
        pie.set_size({"width": 340, "height": 240})
        ws.insert_chart(block + 1, 4, pie, {"x_offset": 430})
        r = max(r, block + 14) + 1
    if breaks:
        ws.set_h_pagebreaks(breaks)
    _page(ws, 0, "Tổng hợp kết quả chấm điểm")


def _level_sheet(wb: Any, ws: Any, fw: Framework, lv: LevelSummary, fm: _Formats) -> None:
    title = _level_title(fw, lv)
    cols = _columns(fw)
    head = ["Hạng", "Đơn vị", *(c[0] for c in cols), "Tổng điểm", "Điểm tối đa áp dụng", "Quy đổi", "Xếp loại", "Tệp"]
    last = len(head) - 1
    ws.merge_range(0, 0, 0, last, title.upper(), fm.title)
    ws.merge_range(1, 0, 1, last, f"{fw.title}", fm.subtitle)
    hr = 3
    ws.set_row(hr, 45)
    for c, h in enumerate(head):
        ws.write_string(hr, c, h, fm.head)
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 1 + len(cols), 9)
    ws.set_column(2 + len(cols), 4 + len(cols), 10)
    ws.set_column(5 + len(cols), 5 + len(cols), 14)
    ws.set_column(last, last, 30)
    fmts = {"int": fm.int, "num": fm.num}
    r = hr + 1
    for res in lv.results:
        if res.rank is not None:
            ws.write_number(r, 0, res.rank, fm.cell_center)
        else:
            ws.write_string(r, 0, "", fm.cell_center)
        ws.write_string(r, 1, _safe(res.unit), fm.cell)
        for c, (_h, get, kind) in enumerate(cols, start=2):
            _write_value(ws, r, c, get(res), fmts[kind], fm)
        base = 2 + len(cols)
        _write_value(ws, r, base, res.total_shown if res.status == "scored" else None, fm.num, fm)
        _write_value(ws, r, base + 1, res.applicable_max, fm.num, fm)
        _write_value(ws, r, base + 2, res.quy_doi if res.status == "scored" else None, fm.num, fm)
        # the band, or why there is none («Chưa chấm điểm», «Chưa phát sinh hồ sơ», «Chưa tính được …»)
        band = res.band_label if res.status == "scored" and res.band_label else res.status_label
        ws.write_string(r, base + 3, band, fm.cell)
        ws.write_string(r, base + 4, _safe(res.file or ""), fm.cell)
        r += 1
    last_row = r - 1
    if lv.results:
        ws.autofilter(hr, 0, last_row, last)
    ws.freeze_panes(hr + 1, 2)
    if lv.missing:
        r += 1
        ws.write_string(r, 1, f"Đơn vị chưa nộp tệp ({len(lv.missing)}):", fm.bold)
        r += 1
        for e in lv.missing:
            ws.write_string(r, 1, _safe(e.name), fm.missing)
            r += 1
    scored = [i for i, res in enumerate(lv.results) if res.status == "scored"]
    if scored:
        n = min(len(scored), CHART_MAX_UNITS)
        value_col = 2 + len(cols) + 2  # quy đổi (= the total where the framework does not convert)
        chart = wb.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": "Điểm quy đổi" if fw.na_mode == "rescale" else "Tổng điểm",
                "categories": [ws.name, hr + 1, 1, hr + n, 1],
                "values": [ws.name, hr + 1, value_col, hr + n, value_col],
                "data_labels": {"value": True, "num_format": "0.00", "font": {"size": 8}},
                "fill": {"color": "#2E75B6"},
                "gap": 40,
            }
        )
        more = f" ({n} đơn vị xếp đầu)" if len(scored) > n else ""
        chart.set_title({"name": f"Điểm từng đơn vị – {lv.label}{more}", "name_font": {"size": 11, "name": FONT}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"reverse": True, "num_font": {"name": FONT, "size": 9}})
        top = fw.max_total if fw.kind == "tthc" else 100.0  # quy đổi is out of 100; TTHC totals out of 18
        chart.set_x_axis(
            {
                "min": 0,
                "max": top,
                "num_format": "0",
                "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
            }
        )
        chart.set_size({"width": 760, "height": max(260, 22 * n + 80)})
        ws.insert_chart(r + 1, 1, chart)
    _page(ws, hr + 1, title)


def _write_value(ws: Any, r: int, c: int, v: Any, num_fmt: Any, fm: _Formats) -> None:
    if isinstance(v, bool) or v is None:
        ws.write_blank(r, c, None, fm.cell)
    elif isinstance(v, int | float):
        ws.write_number(r, c, v, num_fmt)
    else:
        ws.write_string(r, c, str(v), fm.cell_center)


def _files_sheet(ws: Any, report: BatchReport, fm: _Formats) -> None:
    head = ["Tệp", "Tình trạng", "Biểu mẫu nhận dạng", "Số đơn vị", "Lỗi", "Cảnh báo"]
    ws.merge_range(0, 0, 0, len(head) - 1, "DANH SÁCH TỆP ĐÃ XÉT", fm.title)
    hr = 2
    for c, h in enumerate(head):
        ws.write_string(hr, c, h, fm.head)
    ws.set_column(0, 0, max(30, min(70, max((len(o.file) for o in report.outcomes), default=30) + 2)))
    ws.set_column(1, 1, 18)
    ws.set_column(2, 2, max(30, min(80, max((len(o.template or "") for o in report.outcomes), default=30) + 2)))
    ws.set_column(3, 5, 10)
    r = hr + 1
    quiet = 0
    for o in report.outcomes:
        found = o.all_findings()
        if len(report.outcomes) > FILES_LISTED_ALL and o.status == "ok" and not found:
            quiet += 1  # a big batch lists only the files that need a look
            continue
        ws.write_string(r, 0, _safe(o.file), fm.cell)
        ws.write_string(r, 1, o.status_label, fm.cell)
        ws.write_string(r, 2, o.template or "", fm.cell)
        ws.write_number(r, 3, len(o.results), fm.int)
        ws.write_number(r, 4, sum(1 for f in found if f.severity is Severity.ERROR), fm.int)
        ws.write_number(r, 5, sum(1 for f in found if f.severity is Severity.WARNING), fm.int)
        r += 1
    if r > hr + 1:
        ws.autofilter(hr, 0, r - 1, len(head) - 1)
    if quiet:
        ws.write_string(
            r + 1, 0, f"… và {quiet:,} tệp khác đọc tốt, không có lỗi hay cảnh báo.".replace(",", "."), fm.text
        )
    ws.freeze_panes(hr + 1, 1)
    _page(ws, hr + 1, "Danh sách tệp")


COMPARISON_HEADERS = (
    "Khung chấm điểm",
    "Đơn vị",
    "Điểm kỳ trước",
    "Điểm kỳ này",
    "Tăng/giảm",
    "Xếp loại kỳ trước",
    "Xếp loại kỳ này",
    "Hạng kỳ trước",
    "Hạng kỳ này",
    "Ghi chú",
)


def _comparison_sheet(ws: Any, comparisons: Sequence[Comparison], fm: _Formats) -> None:
    """Each framework against its previous period: score, band and rank changes, new and missing units."""
    ws.merge_range(0, 0, 0, len(COMPARISON_HEADERS) - 1, "SO SÁNH VỚI KỲ TRƯỚC", fm.title)
    hr = 2
    for c, h in enumerate(COMPARISON_HEADERS):
        ws.write_string(hr, c, h, fm.head)
    for c, width in enumerate((34, 40, 12, 12, 11, 14, 14, 10, 10, 36)):
        ws.set_column(c, c, width)
    r = hr + 1
    for cmp in comparisons:
        label = f"{cmp.framework_id}: {cmp.previous_period} → {cmp.period}"
        for ch in cmp.changes:
            note = ""
            if ch.band_change is not None and ch.band_change < 0:
                note = "Hạ xếp loại"
            elif ch.band_change is not None and ch.band_change > 0:
                note = "Lên xếp loại"
            row: list[Any] = [
                label,
                _safe(ch.unit),
                ch.previous_score,
                ch.current_score,
                ch.change,
                ch.previous.band_label or "",
                ch.current.band_label or "",
                ch.previous.rank,
                ch.current.rank,
                note,
            ]
            for c, v in enumerate(row):
                _write_value(ws, r, c, v, fm.num if c in (2, 3, 4) else fm.int, fm)
            r += 1
        for rec, note in [(u, "Đơn vị mới (kỳ trước không có)") for u in cmp.new_units] + [
            (u, "Kỳ này chưa có số liệu") for u in cmp.missing_units
        ]:
            for c, v in enumerate([label, _safe(rec.unit), None, None, None, "", "", None, None, note]):
                _write_value(ws, r, c, v, fm.int, fm)
            r += 1
    if r > hr + 1:
        ws.autofilter(hr, 0, r - 1, len(COMPARISON_HEADERS) - 1)
    ws.freeze_panes(hr + 1, 0)
    _page(ws, hr + 1, "So sánh kỳ trước")


def _findings_sheet(ws: Any, findings: list[Finding], fm: _Formats) -> None:
    """Every finding of the consolidation, under the columns of every findings sheet (FINDING_ROW_HEADERS)."""
    width = len(FINDING_ROW_HEADERS)
    ws.merge_range(0, 0, 0, width - 1, "KẾT QUẢ KIỂM TRA SỐ LIỆU", fm.title)
    hr = 2
    for c, h in enumerate(FINDING_ROW_HEADERS):
        ws.write_string(hr, c, h, fm.head)
    file_width = max(24, min(60, max((len(f.location.file or "") for f in findings), default=24) + 2))
    for c, w in enumerate((6, 11, 24, file_width, 28, 16, 7, 90)):
        ws.set_column(c, c, w)
    style = {Severity.ERROR: fm.error, Severity.WARNING: fm.warning, Severity.INFO: fm.info}
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    ranked = sorted(findings, key=lambda f: (f.location.file or "\uffff", order[f.severity]))
    r = hr + 1
    for n, f in enumerate(ranked, start=1):
        row = finding_row(n, f)
        ws.write_number(r, 0, row[0], fm.top)
        ws.write_string(r, 1, row[1], fm.severity[f.severity.value])
        ws.write_string(r, 2, row[2], fm.top)
        for c in range(3, width - 1):
            ws.write_string(r, c, _safe(str(row[c])), fm.top)
        ws.write_string(r, width - 1, _safe(f.message), style[f.severity])
        lines = -(-len(f.message) // MESSAGE_CHARS_PER_LINE)
        if lines > 1:
            ws.set_row(r, 15 * lines)
        r += 1
    if findings:
        ws.autofilter(hr, 0, r - 1, width - 1)
    else:
        ws.write_string(r, 0, "Không có lỗi hay cảnh báo nào.", fm.text)
    ws.freeze_panes(hr + 1, 0)
    _page(ws, hr + 1, "Kết quả kiểm tra")


__all__ = ["CHART_MAX_UNITS", "write_summary"]
