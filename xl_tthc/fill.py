"""``xl-tthc fill``: «Tính điểm» on a file without Excel, through the one pipeline the add-in and the batch use.

The file is read with python-calamine into rows of values (.xlsx, .xlsm, .xls, .ods), recognised (our templates
by their «Mã biểu mẫu» line, forms units typed themselves by their header labels), checked and scored by
:mod:`xl_tthc.pipeline`; the write plan is then applied with openpyxl (:func:`apply_plan`) to a copy that keeps the
workbook's styles, merged cells, validation, print setup and other sheets (.xls/.ods give a plain .xlsx): scores,
totals, quy đổi, xếp loại and ranks in the form's own cells, every finding on its cell (fill colour and a comment)
and on a sheet «Kết quả kiểm tra», with the fingerprint of the inputs, so a later run can tell that the results no
longer match them. The input file is never modified unless ``in_place``; output is atomic.
"""

from __future__ import annotations

import io
import re
from dataclasses import field
from datetime import time
from pathlib import Path
from typing import Any

from xl_tthc.core.findings import FINDING_ROW_HEADERS, Finding, Severity
from xl_tthc.core.framework import Framework, Registry, default_registry
from xl_tthc.core.model import UnitResult
from xl_tthc.core.numbers import fmt_int_vn, fmt_vn
from xl_tthc.core.records import record
from xl_tthc.io.atomic import atomic_path
from xl_tthc.io.cached import set_cached_values
from xl_tthc.io.extent import present_cells
from xl_tthc.io.layouts import COLOURS
from xl_tthc.io.probe import Probe, probe
from xl_tthc.io.reader import ReadError
from xl_tthc.pipeline import REPORT_SHEET, Scored, WorkbookData, score_workbook
from xl_tthc.pipeline.files import read_file
from xl_tthc.pipeline.plan import REPORT_HEADER_ROW, CellMark, WritePlan, build_plan

AUTHOR = "xl_tthc"
SUFFIX_OUT = " - đã tính điểm"
OPENPYXL_SUFFIXES = {".xlsx", ".xlsm"}
CALAMINE_SUFFIXES = {".xls", ".ods"}
_COMMENT_SEPARATOR = "\n——— ghi chú trước đó ({author}) ———\n"
NO_FINDINGS_VI = "Không phát hiện lỗi hay cảnh báo nào."


class FillError(Exception):
    """The file cannot be filled at all (not found, corrupt, password-protected, unknown template). Vietnamese."""


@record
class FillOutcome:
    input: Path
    output: Path
    template_id: str
    framework: Framework
    results: list[UnitResult]
    file_findings: list[Finding] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [*self.file_findings, *(f for r in self.results for f in r.findings)]

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def has_errors(self) -> bool:
        return self.count(Severity.ERROR) > 0

    def summary_vi(self) -> str:
        fw = self.framework
        lines = [
            f"Đã ghi tệp kết quả «{self.output}».",
            f"Khung chấm điểm: {fw.short_title or fw.title} (phiên bản {fw.version}); số đơn vị: {fmt_int_vn(len(self.results))}.",
        ]
        lines += [f"– {_unit_line(fw, r)}" for r in self.results]
        e, w, i = (self.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
        if e or w or i:
            lines.append(
                f"Kiểm tra số liệu: {fmt_int_vn(e)} lỗi, {fmt_int_vn(w)} cảnh báo, {fmt_int_vn(i)} ghi chú "
                f"(xem trang «{REPORT_SHEET}» và ghi chú tại từng ô)."
            )
        else:
            lines.append("Kiểm tra số liệu: không phát hiện lỗi hay cảnh báo nào.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        fw = self.framework
        return {
            "input": str(self.input),
            "output": str(self.output),
            "template": self.template_id,
            "framework": {
                "id": fw.id,
                "version": fw.version,
                "kind": fw.kind,
                "title": fw.title,
                "max_total": fw.max_total,
            },
            "units": [r.to_dict() for r in self.results],
            "findings": [f.to_dict() for f in self.file_findings],
            "summary": {
                "units": len(self.results),
                "errors": self.count(Severity.ERROR),
                "warnings": self.count(Severity.WARNING),
                "infos": self.count(Severity.INFO),
            },
        }


def _unit_line(fw: Framework, r: UnitResult) -> str:
    if r.status != "scored" or r.total is None:
        return f"{r.unit}: {r.status_label}"
    if fw.kind == "par":
        self_total = r.extra.get("self_total")
        parts = [f"{r.unit}: tổng điểm {_par_text(r.total)}/{fmt_vn(fw.max_total, None)}"]
        if self_total is not None and r.extra.get("appraised_total") is not None:
            parts = [
                f"{r.unit}: tự đánh giá {_par_text(self_total)}, thẩm định {_par_text(r.total)}/{fmt_vn(fw.max_total, None)}"
            ]
    else:
        shown = r.total_shown if r.total_shown is not None else r.total
        parts = [f"{r.unit}: tổng điểm {fmt_vn(shown, fw.rounding.decimals)}/{fmt_vn(r.applicable_max, None)}"]
        if fw.na_mode == "rescale" and r.quy_doi is not None:
            parts.append(f"quy đổi {fmt_vn(r.quy_doi, fw.rounding.quy_doi_decimals)}")
    text = ", ".join(parts)
    if r.band_label:
        text += f" – {r.band_label}"
    if r.rank is not None and fw.kind == "service_index":
        text += f" (hạng {r.rank})"
    return text


def _par_text(x: float) -> str:
    return fmt_vn(round(x, 6), None)


# ---------------------------------------------------------------------------- entry point


def read_input(path: Path) -> tuple[Probe, WorkbookData] | None:
    """The probe of a workbook file and the grids the pipeline reads from it, or None when it cannot be read (then
    :func:`fill_workbook` says why). A caller that looks at the workbook first (the API, for the consolidation
    workbook) hands them on to :func:`fill_workbook`, so the file is read once."""
    try:
        return _read(Path(path))
    except Exception:  # FillError, or whatever a parser raised: fill_workbook reads the file again and reports it
        return None


def _read(path: Path) -> tuple[Probe, WorkbookData]:
    pr = probe(path)
    if not pr.ok:
        raise FillError(pr.finding.message if pr.finding else f"Không đọc được tệp «{path.name}».")
    try:
        data = read_file(
            str(path),
            data=pr.data,
            is_xlsx=pr.container == "zip" and path.suffix.lower() in OPENPYXL_SUFFIXES,
            sheets_xml=pr.sheets_xml,
            far=pr.far_sheets,
        )
    except ReadError:
        raise FillError(f"Tệp «{path.name}» bị hỏng, không đọc được.") from None
    return pr, data


def fill_workbook(
    path: Path,
    out: Path | None = None,
    *,
    in_place: bool = False,
    registry: Registry | None = None,
    framework: str | None = None,
    read: tuple[Probe, WorkbookData] | None = None,
) -> FillOutcome:
    """«Tính điểm» on a file through the one pipeline (see the module docstring). Raises FillError when the file
    cannot be scored at all, with the reason in Vietnamese. ``read``: what :func:`read_input` gave for this file."""
    path = Path(path)
    target = _target(path, out, in_place)
    pr, data = read if read is not None else _read(path)
    scored = score_workbook(data, registry=registry or default_registry(), framework=framework)
    if not scored.scored:
        raise FillError(_why_not(scored, path))
    first = scored.scored[0].recognition
    assert first.framework is not None
    plan = build_plan(scored, file_label=path.name)
    wb = _open(path, pr, data)
    apply_plan(wb, plan)
    _save(wb, target, plan.cached_values())
    template = first.layout.template_id if first.layout is not None else first.template
    results = [r for s in scored.scored for r in s.results]
    return FillOutcome(path, target, template, first.framework, results, scored.findings)


def _why_not(scored: Scored, path: Path) -> str:
    """Why a workbook cannot be scored: the errors about the file and its sheets, as the officer reads them."""
    errors = [f.message for f in scored.findings if f.severity is Severity.ERROR]
    if errors:
        return "\n".join(dict.fromkeys(errors))
    return (
        f"Tệp «{path.name}» không có bảng chấm điểm nào đọc được. Tạo biểu mẫu bằng lệnh «xl-tthc templates -o THƯ_MỤC» "
        "rồi nhập số liệu vào đó."
    )


def _target(path: Path, out: Path | None, in_place: bool) -> Path:
    if not path.exists():
        raise FillError(f"Không tìm thấy tệp «{path}».")
    if path.is_dir():
        raise FillError(f"«{path}» là thư mục, không phải tệp bảng tính.")
    suffix = path.suffix.lower()
    if suffix not in OPENPYXL_SUFFIXES | CALAMINE_SUFFIXES:
        raise FillError(f"Tệp «{path.name}» không phải bảng tính Excel/LibreOffice (.xlsx, .xlsm, .xls, .ods).")
    if in_place:
        if out is not None:
            raise FillError("Không dùng cùng lúc --in-place và -o: chọn ghi đè tệp đầu vào hoặc ghi ra tệp khác.")
        if suffix in CALAMINE_SUFFIXES:
            raise FillError(
                f"Không ghi đè được tệp {suffix} «{path.name}»: kết quả chỉ ghi được dạng .xlsx; dùng -o để chọn tệp kết quả."
            )
        return path
    if out is None:
        out = path.with_name(f"{path.stem}{SUFFIX_OUT}{'.xlsm' if suffix == '.xlsm' else '.xlsx'}")
    out = Path(out)
    if out.suffix.lower() not in OPENPYXL_SUFFIXES:
        raise FillError(f"Tệp kết quả «{out.name}» phải có đuôi .xlsx (hoặc .xlsm).")
    if out.exists() and out.resolve() == path.resolve():
        raise FillError(f"Tệp kết quả trùng với tệp đầu vào «{path.name}»: dùng --in-place nếu muốn ghi đè.")
    return out


def _open(path: Path, pr: Probe, data: WorkbookData) -> Any:
    """The workbook to write into, chosen by the file's content (the probe), not its name: openpyxl keeps the styles,
    merged cells, validation, print setup and other sheets of an .xlsx/.xlsm (even one named .xls); an .xls/.ods, or
    a Strict Open XML workbook (openpyxl does not know its namespaces), becomes a plain .xlsx holding its values."""
    if pr.container != "zip" or pr.strict or path.suffix.lower() == ".ods":
        return _from_grids(path, data)
    import openpyxl

    try:
        source: Any = io.BytesIO(pr.data) if pr.data is not None else path  # a BytesIO: no check of the suffix
        wb = openpyxl.load_workbook(source, keep_vba=path.suffix.lower() == ".xlsm", keep_links=True, rich_text=False)
    except Exception as exc:  # openpyxl raises many kinds on broken parts
        raise FillError(f"Tệp «{path.name}» bị hỏng, không đọc được ({exc.__class__.__name__}).") from None
    return wb if wb.worksheets else _from_grids(path, data)


def _from_grids(path: Path, data: WorkbookData) -> Any:
    """An openpyxl workbook holding the values and merged ranges python-calamine already read for the pipeline (an
    .xls/.ods or a Strict Open XML file becomes a plain .xlsx): the file is not read a second time."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in data.sheets:
        ws = wb.create_sheet(sheet.name[:31])
        for r, row in enumerate(sheet.grid):
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                ws.cell(row=r + 1, column=c + 1, value=v.isoformat() if isinstance(v, time) else v)
        for (r0, c0), (r1, c1) in sheet.merged or ():
            if (r0, c0) != (r1, c1):
                ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    if not wb.worksheets:
        raise FillError(f"Tệp «{path.name}» không có trang tính nào.")
    return wb


# ---------------------------------------------------------------------------- writing


def apply_plan(wb: Any, plan: WritePlan) -> None:
    """The openpyxl adapter of the write plan: values and number formats, marks (fill colour and a comment; the
    officer's own comments are kept below ours), the findings sheet, our template's defined names."""
    from openpyxl.utils import get_column_letter

    for name in plan.data_sheets:
        if name in wb.sheetnames:
            _clear_marks(wb[name], {(r, c): rgb for (sh, r, c), rgb in plan.colours.items() if sh == name})
    for w in plan.writes:
        if w.sheet not in wb.sheetnames:
            continue
        c = wb[w.sheet].cell(row=w.row + 1, column=w.col + 1)
        if c.__class__.__name__ == "MergedCell":
            continue
        c.value = w.formula if w.formula is not None else w.value
        if w.number_format:
            c.number_format = w.number_format
    for m in plan.marks:
        if m.sheet in wb.sheetnames:
            _mark(wb[m.sheet][f"{get_column_letter(m.col + 1)}{m.row + 1}"], m)
    _report_sheet(wb, plan)
    if plan.meta:
        _store_meta(wb, plan.meta)


def _clear_marks(ws: Any, colours: dict[tuple[int, int], str]) -> None:
    """Remove the comments and colours a previous run put on cells (the officer's own comments stay)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    ours = {COLOURS["error"], COLOURS["warning"], COLOURS["info"]}
    for c in present_cells(ws):  # only the cells the sheet holds: a stray format at row 1.048.576 costs nothing
        comment = c.comment
        if comment is not None and comment.author == AUTHOR:
            kept = None
            m = re.search(r"\n——— ghi chú trước đó \((?P<author>.*?)\) ———\n", comment.text)
            if m:
                kept = Comment(comment.text[m.end() :], m["author"])
            c.comment = kept
        fill = c.fill
        rgb = str(getattr(fill.fgColor, "rgb", "") or "") if fill is not None and fill.fill_type == "solid" else ""
        if rgb[-6:].upper() in ours:
            original = colours.get((c.row - 1, c.column - 1))
            c.fill = PatternFill("solid", fgColor=original) if original else PatternFill(fill_type=None)


def _mark(c: Any, m: CellMark) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    if c.__class__.__name__ == "MergedCell":
        return
    text = m.text
    old = c.comment
    if old is not None and old.author != AUTHOR and old.text:
        text += _COMMENT_SEPARATOR.format(author=old.author or "") + old.text
    lines = sum(1 + len(line) // 48 for line in text.split("\n"))
    c.comment = Comment(text, AUTHOR, height=min(400, 20 + 15 * lines), width=320)
    c.fill = PatternFill("solid", fgColor=COLOURS[m.severity.value])


def _report_sheet(wb: Any, plan: WritePlan) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.hyperlink import Hyperlink

    if plan.report_sheet in wb.sheetnames:
        del wb[plan.report_sheet]
    ws = wb.create_sheet(plan.report_sheet)
    font = Font(name="Times New Roman", size=11)
    bold = Font(name="Times New Roman", size=11, bold=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, line in enumerate(plan.report_lines, start=1):
        ws.cell(row=r, column=1, value=line).font = font
    ws["A1"].font = Font(name="Times New Roman", size=13, bold=True)
    ws["A4"].font = Font(name="Times New Roman", size=9, color="808080")
    head = REPORT_HEADER_ROW + 1
    widths = (6, 11, 26, 24, 30, 16, 8, 90)
    for col, (text, width) in enumerate(zip(plan.report_header, widths, strict=True), start=1):
        c = ws.cell(row=head, column=col, value=text)
        c.font = bold
        c.border = box
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.fill = PatternFill("solid", fgColor=COLOURS["head"])
        ws.column_dimensions[c.column_letter].width = width
    if not plan.report_rows:
        ws.cell(row=head + 1, column=1, value=NO_FINDINGS_VI).font = font
    for n, (f, values) in enumerate(zip(plan.findings, plan.report_rows, strict=True), start=1):
        row = head + n
        for col, value in enumerate(values, start=1):
            c = ws.cell(row=row, column=col, value=value)
            c.font = font
            c.border = box
            c.alignment = wrap
        ws.cell(row=row, column=2).fill = PatternFill("solid", fgColor=COLOURS[f.severity.value])
        if f.location.cell and f.location.sheet:
            target = ws.cell(row=row, column=FINDING_ROW_HEADERS.index("Ô") + 1)
            target.hyperlink = Hyperlink(ref=target.coordinate, location=f"'{f.location.sheet}'!{f.location.cell}")
            target.font = Font(name="Times New Roman", size=11, color="0563C1", underline="single")
        ws.row_dimensions[row].height = 15 * max(1, -(-len(f.message) // 100), -(-len(f.unit or "") // 28))
    ws.freeze_panes = f"A{head + 1}"
    ws.print_title_rows = f"{head}:{head}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "Trang &P/&N"
    if plan.data_sheets and plan.data_sheets[0] in wb.sheetnames:
        wb.active = wb.sheetnames.index(plan.data_sheets[0])


def _store_meta(wb: Any, meta: dict[str, str]) -> None:
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.workbook.defined_name import DefinedName

    props = wb.custom_doc_props
    props.props = [p for p in props.props if p.name not in meta]
    for name, value in meta.items():
        if name in wb.defined_names:
            del wb.defined_names[name]
        wb.defined_names[name] = DefinedName(name, attr_text=f'"{value}"')
        props.append(StringProperty(name=name, value=value))


def _save(wb: Any, target: Path, cached: dict[str, dict[str, Any]] | None = None) -> None:
    """Save atomically; the formulas written get the core's figures as their cached values (io/cached.py)."""
    try:
        with atomic_path(target) as tmp:  # keeps the mode of a file it replaces (--in-place)
            wb.save(tmp)
            if cached:
                set_cached_values(Path(tmp), cached)
    except OSError as exc:
        raise FillError(f"Không ghi được tệp kết quả «{target}» ({exc.strerror or exc.__class__.__name__}).") from None


__all__ = ["AUTHOR", "REPORT_SHEET", "FillError", "FillOutcome", "apply_plan", "fill_workbook", "read_input"]
