"""The consolidation workbook ``Mau_Tong_hop.xlsx``: the quarter-end consolidation from a workbook an officer opens.

Its first sheet «Thiết lập tổng hợp» holds labelled input cells (the folder of the unit files, blank = the folder of
the workbook itself; the period; the roster file; the history file; the report file; the issuer and the place),
instructions in Vietnamese and a visible marker line «Mã biểu mẫu: tong-hop …» that recognition sees in any reader
(:func:`xl_tthc.recognise.ours.is_consolidation_settings`; the batch leaves such a workbook out of a consolidation).

«Tính điểm» on it runs :func:`xl_tthc.api.consolidate` on that folder, the pipeline of ``xl-tthc consolidate``:

* headless (``xl-tthc fill Mau_Tong_hop.xlsx``, :func:`fill`): the summary workbook is written to
  «<tên sổ> - đã tính điểm.xlsx» with the settings sheet first (and the result of the run in it), the summary sheets
  after it (band counts with charts, one sheet per framework and level, missing units, the files, the findings,
  the comparison with the previous period when a history file is named); the draft report .docx beside the workbook;
* in Excel (:func:`run_in_excel`, from the ribbon through :mod:`xl_tthc.excel`): the same summary is written to a
  temporary file, whose sheets Excel on the desktop copies into the open workbook after the settings sheet (with
  their formats and charts); the remote engine, which cannot open a file, gets the sheets' values and number formats
  instead. The sheets of an earlier run are replaced; progress shows in the status bar.

Unit files are never modified: they are only read by the batch; every output goes through the output guards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xl_tthc import api
from xl_tthc.core.records import record
from xl_tthc.recognise.ours import (
    CONSOLIDATION_ID,
    CONSOLIDATION_MARKER,
    CONSOLIDATION_SCAN_ROWS,
    is_consolidation_settings,
)

if TYPE_CHECKING:
    from xl_tthc.batch import BatchReport
    from xl_tthc.core.findings import Severity
    from xl_tthc.core.model import UnitResult
    from xl_tthc.pipeline.model import WorkbookData

FILE_NAME = "Mau_Tong_hop.xlsx"
SETTINGS_SHEET = "Thiết lập tổng hợp"
TITLE = "SỔ TỔNG HỢP KẾT QUẢ CHẤM ĐIỂM CÁC ĐƠN VỊ"
SUFFIX_OUT = " - đã tính điểm"
REPORT_SUFFIX = " - dự thảo báo cáo"
MARKER_LINE = f"{CONSOLIDATION_MARKER}; sổ tổng hợp của xl_tthc (phiên bản 1)"
BUILD_DATE = dt.datetime(2024, 1, 1)  # fixed: the template rebuilds byte-identical
RESULT_HEAD = "KẾT QUẢ LẦN TỔNG HỢP GẦN NHẤT"

# (key, label in column A, hint in column C); the officer types the value in column B
FIELDS: tuple[tuple[str, str, str], ...] = (
    (
        "folder",
        "Thư mục chứa tệp của các đơn vị",
        "Để trống: thư mục chứa sổ này (đọc cả thư mục con). Đường dẫn tương đối tính từ thư mục chứa sổ này.",
    ),
    ("period", "Kỳ đánh giá", "Ví dụ 2023-07, 2021-Q2, «Quý II năm 2021». Để trống: kỳ của đa số tệp."),
    (
        "roster",
        "Tệp danh sách đơn vị phải nộp",
        "Tệp .xlsx hoặc .csv có cột «Tên đơn vị», «Cấp». Để trống: không đối chiếu đơn vị chưa nộp.",
    ),
    (
        "history",
        "Tệp lịch sử các kỳ (.sqlite)",
        "Lưu kết quả kỳ này và so sánh với kỳ trước. Để trống: không so sánh.",
    ),
    (
        "report",
        "Tệp dự thảo báo cáo (.docx)",
        f"Để trống: «<tên sổ>{REPORT_SUFFIX}.docx» bên cạnh sổ này.",
    ),
    ("issuer", "Cơ quan ban hành báo cáo", "Ví dụ UBND HUYỆN ĐIỆN BIÊN."),
    ("place", "Địa danh", "Ghi trước ngày tháng của báo cáo, ví dụ Điện Biên."),
)
FIELD_ROW0 = 4  # 0-based row of the first field (row 5 in Excel)
INSTRUCTIONS = (
    "Cách dùng",
    "1. Đặt sổ này vào thư mục chứa tệp Excel của các đơn vị (có thể chia thư mục con), hoặc ghi thư mục ở ô trên.",
    "2. Ghi kỳ đánh giá; tệp danh sách đơn vị phải nộp và tệp lịch sử nếu có. Ô để trống dùng giá trị mặc định.",
    "3. Bấm «Tính điểm» trên thanh công cụ (add-in xl_tthc), hoặc chạy lệnh: xl-tthc fill Mau_Tong_hop.xlsx",
    "4. Kết quả: các trang tổng hợp (số đơn vị theo xếp loại và biểu đồ, điểm từng đơn vị, đơn vị chưa nộp, danh sách "
    "tệp, kết quả kiểm tra, so sánh với kỳ trước) ghi vào sổ này (trong Excel) hoặc vào tệp «<tên sổ> - đã tính "
    "điểm.xlsx» (lệnh xl-tthc fill); dự thảo báo cáo .docx ghi bên cạnh sổ. Tệp của các đơn vị không bị sửa.",
)
INSTRUCTION_ROW0 = FIELD_ROW0 + len(FIELDS) + 1
RESULT_ROW0 = INSTRUCTION_ROW0 + len(INSTRUCTIONS) + 1
RESULT_LABELS = (
    "Lập lúc",
    "Thư mục đã tổng hợp",
    "Kỳ đánh giá",
    "Số tệp đã xét",
    "Số đơn vị đã chấm điểm",
    "Số lỗi (cần sửa)",
    "Số cảnh báo",
    "Tệp dự thảo báo cáo",
)
MARKER_ROW0 = RESULT_ROW0 + len(RESULT_LABELS) + 2
SETTINGS_ROWS = MARKER_ROW0 + 40  # the rows of the settings sheet read to find the marker line (room for added rows)
_NORM_LABELS = {key: label for key, label, _hint in FIELDS}


# ---------------------------------------------------------------------------- settings


@record
class Settings:
    """What the officer typed in the settings sheet, paths resolved against the workbook's folder."""

    folder: Path
    period: str | None = None
    roster: Path | None = None
    history: Path | None = None
    report: Path | None = None
    issuer: str | None = None
    place: str | None = None
    typed: dict[str, Any] = field(default_factory=dict)  # the raw values, by key (written back into the output)


def _norm(text: str) -> str:
    from xl_tthc.recognise.common import norm

    return norm(text)


def settings_rows(grid: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """The value right of each label of the settings sheet (labels matched without case or diacritics)."""
    want = {_norm(label): key for key, label in _NORM_LABELS.items()}
    out: dict[str, Any] = {}
    for row in grid:
        if not row or not isinstance(row[0], str):
            continue
        key = want.get(_norm(row[0]).rstrip(" :"))
        if key is not None and key not in out:
            out[key] = row[1] if len(row) > 1 else None
    return out


def _text(v: Any) -> str | None:
    """A typed value as text: a period Excel turned into a date (2023-07 → 1/7/2023) back as «2023-07»."""
    if v is None:
        return None
    if isinstance(v, dt.datetime | dt.date):
        return f"{v.year}-{v.month:02d}"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).strip()
    return text or None


def read_settings(grid: Sequence[Sequence[Any]], base: Path | None, stem: str) -> Settings:
    """The settings of a consolidation workbook from its settings sheet's grid. ``base``: the workbook's folder (None
    when it is not known: a workbook never saved, or an engine that gives no path), ``stem``: its name without suffix.
    Raises :class:`api.Error` (Vietnamese) when the folder cannot be known."""
    typed = settings_rows(grid)
    values = {k: _text(v) for k, v in typed.items()}

    def path(text: str | None) -> Path | None:
        if text is None:
            return None
        p = Path(os.path.expanduser(text.strip().strip('"')))
        if p.is_absolute():
            return p
        if base is None:
            raise api.Error(
                f"không biết thư mục chứa sổ tổng hợp nên không hiểu đường dẫn tương đối «{text}»: hãy lưu sổ vào thư "
                "mục chứa tệp của các đơn vị, hoặc ghi đường dẫn đầy đủ."
            )
        return base / p

    folder = path(values.get("folder"))
    if folder is None:
        if base is None:
            raise api.Error(
                "sổ tổng hợp chưa được lưu vào thư mục nào: hãy lưu sổ vào thư mục chứa tệp của các đơn vị, hoặc ghi "
                f"đường dẫn thư mục ở ô «{_NORM_LABELS['folder']}»."
            )
        folder = base
    report = path(values.get("report"))
    if report is None and base is not None:
        report = base / f"{stem}{REPORT_SUFFIX}.docx"
    elif report is None:
        report = folder / f"{stem}{REPORT_SUFFIX}.docx"
    if report.suffix.lower() != ".docx":
        raise api.Error(f"tệp dự thảo báo cáo phải có đuôi .docx («{report}»).")
    return Settings(
        folder=folder,
        period=values.get("period"),
        roster=path(values.get("roster")),
        history=path(values.get("history")),
        report=report,
        issuer=values.get("issuer"),
        place=values.get("place"),
        typed=typed,
    )


def is_consolidation_file(path: api.StrPath) -> bool:
    """True when the first sheet (or the sheet «Thiết lập tổng hợp») of a workbook file carries the marker line.
    Reads at most the first rows of one sheet; any file that cannot be read is not one."""
    grid = _settings_grid(Path(path))
    return grid is not None and is_consolidation_settings(grid)


def is_consolidation_data(data: WorkbookData) -> bool:
    """:func:`is_consolidation_file` on the grids the pipeline already read from the file (``fill.read_input``): the
    sheet «Thiết lập tổng hợp», else the first sheet, in its first rows carries the marker line."""
    sheets = {s.name: s for s in data.sheets}
    sheet = sheets.get(SETTINGS_SHEET) or (data.sheets[0] if data.sheets else None)
    return sheet is not None and is_consolidation_settings(sheet.grid[:SETTINGS_ROWS])


def _settings_grid(path: Path) -> list[list[Any]] | None:
    """The settings sheet's first rows, read only after the probe found a regular, sane workbook file (a FIFO is never
    opened, a sheet calamine would abort the process on is never built: fill then says what is wrong with it)."""
    from xl_tthc.io.probe import probe

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        pr = probe(path)
        if not pr.ok:
            return None
        from python_calamine import CalamineWorkbook

        with (
            CalamineWorkbook.from_filelike(io.BytesIO(pr.data))
            if pr.data is not None
            else CalamineWorkbook.from_path(str(path)) as wb
        ):
            names = [n for n in wb.sheet_names if n not in pr.skip]  # a sheet the probe left out is never built
            if not names:
                return None
            name = SETTINGS_SHEET if SETTINGS_SHEET in names else names[0]
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=SETTINGS_ROWS)
    except Exception:  # not a workbook calamine reads: fill says what is wrong with it
        return None
    return [[None if v == "" else v for v in row] for row in rows]


# ---------------------------------------------------------------------------- the job


@record
class BookConsolidated:
    """What «Tính điểm» on a consolidation workbook did (the shape of ``fill``'s outcome for the CLI)."""

    input: Path | None
    output: Path | None
    settings: Settings
    done: api.Consolidated
    written_at: dt.datetime = field(default_factory=dt.datetime.now)

    @property
    def report(self) -> BatchReport:
        return self.done.report

    @property
    def results(self) -> list[UnitResult]:
        """Every unit consolidated (as ``fill``'s outcome lists the units of its workbook)."""
        return list(self.report.consolidation.all_results())

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.report.findings if f.severity is severity)

    def has_errors(self) -> bool:
        return self.report.errors > 0

    def summary_vi(self) -> str:
        rep = self.report
        lines = []
        if self.output is not None:
            lines.append(f"Đã ghi tệp tổng hợp «{self.output}».")
        lines.append(api.summary_text(rep, title="Tổng hợp", bands=True))
        if self.done.report_docx is not None:
            lines.append(f"Đã ghi dự thảo báo cáo: {self.done.report_docx}")
        if self.done.comparisons:
            lines.append("Đã so sánh với kỳ trước (trang «So sánh kỳ trước»).")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        doc = self.report.to_dict()
        doc["input"] = None if self.input is None else str(self.input)
        doc["output"] = None if self.output is None else str(self.output)
        doc["report"] = None if self.done.report_docx is None else str(self.done.report_docx)
        return doc

    def result_rows(self) -> list[tuple[str, Any]]:
        """The lines «Kết quả lần tổng hợp gần nhất» of the settings sheet."""
        rep = self.report
        period = rep.period or "không ghi"
        if rep.period_auto:
            period += " (theo đa số tệp)"
        report = self.done.report_docx
        return list(
            zip(
                RESULT_LABELS,
                (
                    f"{self.written_at:%H:%M ngày %d/%m/%Y}",
                    self._where(self.settings.folder),
                    period,
                    rep.files,
                    rep.units,
                    rep.errors,
                    rep.warnings,
                    self._where(report) if report is not None else "",
                ),
                strict=True,
            )
        )

    def _where(self, p: Path) -> str:
        """A path as the settings sheet shows it: relative to the workbook's folder when inside it."""
        base = self.input.parent if self.input is not None else None
        if base is not None:
            try:
                rel = Path(os.path.relpath(p, base))
            except ValueError:  # another drive on Windows
                return _shown(p)
            if rel == Path("."):
                return f"thư mục chứa sổ này («{_shown(Path(base.name))}»)"
            if not rel.parts or rel.parts[0] != "..":
                return _shown(rel)
        return _shown(p)


def _shown(p: Path) -> str:
    from xl_tthc.io.paths import display_name

    return display_name(os.fspath(p))


def consolidate(
    settings: Settings,
    summary: Path,
    *,
    book: Path | None = None,
    jobs: int | None = None,
    frameworks: Sequence[api.StrPath] = (),
    progress: Callable[[int, int], None] | None = None,
) -> api.Consolidated:
    """:func:`api.consolidate` on the settings' folder, the summary workbook to ``summary``. ``book``: the consolidation
    workbook's own file, which is read (never written) here."""
    meta = None
    if settings.issuer or settings.place:
        meta = api.report_meta(issuer=settings.issuer or "ỦY BAN NHÂN DÂN", place=settings.place)
    if book is not None:
        api.check_outputs([settings.report, settings.history], [book])
    return api.consolidate(
        settings.folder,
        summary,
        roster=settings.roster,
        period=settings.period,
        history=settings.history,
        report=settings.report,
        report_meta=meta,
        jobs=jobs,
        frameworks=frameworks,
        progress=progress,
    )


def fill(path: api.StrPath, output: api.StrPath | None = None, *, in_place: bool = False) -> BookConsolidated:
    """``xl-tthc fill`` on a consolidation workbook: the summary with the settings sheet first, to ``output``
    (default «<tên sổ> - đã tính điểm.xlsx» beside it) or into the workbook itself with ``in_place``."""
    from xl_tthc.io.paths import InputClash, guard_writable, safe_output_name

    src = Path(path)
    grid = _settings_grid(src)
    if grid is None or not is_consolidation_settings(grid):
        raise api.Error(f"«{src.name}» không phải sổ tổng hợp của xl_tthc.")
    settings = read_settings(grid, src.resolve().parent, src.stem)
    if in_place:
        if src.suffix.lower() != ".xlsx":
            raise api.Error(f"chỉ ghi đè được sổ tổng hợp dạng .xlsx («{src.name}»); hãy ghi ra tệp khác.")
        out = src
    elif output is not None:
        out = Path(output)
    else:
        out = src.with_name(safe_output_name(src.stem, SUFFIX_OUT, ".xlsx"))
    if out.suffix.lower() != ".xlsx":
        raise api.Error(f"tệp tổng hợp phải có đuôi .xlsx («{out}»).")
    _check_outputs(src, out, settings, in_place=in_place)
    try:
        guard_writable(out)
    except InputClash as exc:
        raise api.Error(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="xl_tthc-tong-hop-") as tmp:
        scratch = Path(tmp) / "TONG_HOP.xlsx"
        done = consolidate(settings, scratch, book=src)
        result = BookConsolidated(src, out, settings, done)
        from xl_tthc.io.summary import write_summary

        try:
            write_summary(done.report, out, done.comparisons, front=_front(settings, result))
        except OSError as exc:
            raise api.Error(
                f"không ghi được tệp tổng hợp «{out}» ({exc.strerror or exc.__class__.__name__})."
            ) from None
    done.summary = out
    return result


def _check_outputs(src: Path, out: Path, settings: Settings, *, in_place: bool) -> None:
    """The summary output is no input: not the workbook itself (unless ``in_place``), not a unit file, not the
    roster; an earlier summary of ours in the folder may be replaced (the batch leaves it out anyway)."""
    from xl_tthc.batch import find_files
    from xl_tthc.io.paths import identity, is_own_summary, read_set

    reads = read_set([src, settings.roster])
    if settings.folder.is_dir():
        reads.add(settings.folder, find_files)
    own = identity(src)

    def replaceable(p: Path) -> bool:
        return (in_place and identity(p) == own) or (identity(p) != own and is_own_summary(p))

    api.check_outputs([out, settings.report, settings.history], reads, replaceable=replaceable)


# ---------------------------------------------------------------------------- the settings sheet (XlsxWriter)


def _front(settings: Settings, result: BookConsolidated) -> Callable[[Any], None]:
    def front(wb: Any) -> None:
        write_settings_sheet(wb, {k: settings.typed.get(k) for k, _l, _h in FIELDS}, result.result_rows())

    return front


def write_settings_sheet(wb: Any, values: dict[str, Any], results: Sequence[tuple[str, Any]] = ()) -> Any:
    """The settings sheet on an XlsxWriter workbook (rows written top to bottom: fine in constant-memory mode)."""
    from xl_tthc.io.layouts import COLOURS, FONT

    base = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
    box = {**base, "border": 1}
    f_title = wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"})
    f_sub = wb.add_format({**base, "italic": True, "align": "center", "text_wrap": True})
    f_head = wb.add_format({**box, "bold": True, "align": "center", "bg_color": "#" + COLOURS["head"]})
    f_label = wb.add_format({**box, "bold": True, "text_wrap": True})
    f_input = wb.add_format({**box, "bg_color": "#" + COLOURS["input"], "num_format": "@", "text_wrap": True})
    f_hint = wb.add_format({**box, "italic": True, "font_size": 10, "text_wrap": True})
    f_bold = wb.add_format({**base, "bold": True})
    f_text = wb.add_format({**base, "text_wrap": True, "valign": "top"})
    f_out_label = wb.add_format({**box})
    f_out = wb.add_format({**box, "bg_color": "#" + COLOURS["output"], "align": "left"})
    f_out_int = wb.add_format({**box, "bg_color": "#" + COLOURS["output"], "num_format": "#,##0", "align": "left"})
    f_meta = wb.add_format({**base, "italic": True, "font_size": 8, "font_color": "#7F7F7F"})
    ws = wb.add_worksheet(SETTINGS_SHEET)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 46)
    ws.set_column(2, 2, 58)
    ws.merge_range(0, 0, 0, 2, TITLE, f_title)
    ws.set_row(1, 32)
    ws.merge_range(
        1,
        0,
        1,
        2,
        "Đặt sổ này vào thư mục chứa tệp của các đơn vị (hoặc ghi thư mục bên dưới), rồi bấm «Tính điểm».",
        f_sub,
    )
    ws.write_row(3, 0, ["Thông tin", "Giá trị", "Ghi chú"], f_head)
    for i, (key, label, hint) in enumerate(FIELDS):
        r = FIELD_ROW0 + i
        ws.set_row(r, 30)
        ws.write_string(r, 0, label, f_label)
        v = values.get(key)
        if v is None or v == "":
            ws.write_blank(r, 1, None, f_input)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            ws.write_number(r, 1, v, f_input)
        else:
            ws.write_string(r, 1, _text(v) or "", f_input)
        ws.write_string(r, 2, hint, f_hint)
    ws.write_string(INSTRUCTION_ROW0, 0, INSTRUCTIONS[0], f_bold)
    for i, line in enumerate(INSTRUCTIONS[1:], start=1):
        r = INSTRUCTION_ROW0 + i
        ws.set_row(r, 15 * max(1, -(-len(line) // 125)))
        ws.merge_range(r, 0, r, 2, line, f_text)
    ws.write_string(RESULT_ROW0, 0, RESULT_HEAD, f_bold)
    shown = dict(results)
    for i, label in enumerate(RESULT_LABELS, start=1):
        r = RESULT_ROW0 + i
        ws.write_string(r, 0, label, f_out_label)
        v = shown.get(label)
        if isinstance(v, int) and not isinstance(v, bool):
            ws.write_number(r, 1, v, f_out_int)
        elif v:
            ws.write_string(r, 1, str(v), f_out)
        else:
            ws.write_blank(r, 1, None, f_out)
        ws.write_blank(r, 2, None, f_out)
    ws.write_string(MARKER_ROW0, 0, MARKER_LINE, f_meta)
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.hide_gridlines(2)
    return ws


def build_template(out_dir: api.StrPath) -> Path:
    """``Mau_Tong_hop.xlsx`` into ``out_dir`` (atomically, byte-identical on every build)."""
    import xlsxwriter

    from xl_tthc.io.atomic import atomic_path

    target = Path(out_dir) / FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
        )
        wb.set_properties(
            {
                "title": "Sổ tổng hợp kết quả chấm điểm",
                "author": "xl_tthc",
                "category": "Biểu mẫu chấm điểm",
                "keywords": f"xl_tthc; {CONSOLIDATION_ID}",
                "comments": "Sổ tổng hợp của xl_tthc: bấm «Tính điểm» để tổng hợp tệp của các đơn vị trong thư mục.",
                "created": BUILD_DATE,
            }
        )
        wb.set_custom_property("XL_TTHC_TEMPLATE", CONSOLIDATION_ID)
        wb.define_name("XL_TTHC_TEMPLATE", f'="{CONSOLIDATION_ID}"')
        ws = write_settings_sheet(wb, {})
        ws.activate()
        wb.close()
    return target


# ---------------------------------------------------------------------------- in Excel (xlwings)

STATUS = "Tổng hợp"


def _status(book: Any, text: str | bool) -> None:
    with contextlib.suppress(Exception):  # the remote engine has no status bar; progress text is optional
        book.app.status_bar = text


PROGRESS_EVERY = 0.5  # seconds between two status-bar updates while files are read (each is a call into Excel)


def _progress(book: Any) -> Callable[[int, int], None]:
    """«Tổng hợp: đã đọc 120/3.000 tệp…» in the status bar, at most every half second, and at the last file."""
    import time

    from xl_tthc.core.numbers import fmt_int_vn

    last = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            _status(book, f"{STATUS}: đã đọc {fmt_int_vn(done)}/{fmt_int_vn(total)} tệp…")

    return show


def book_folder(book: Any) -> Path | None:
    """The folder of an open workbook, or None when it has none (never saved; the remote engine gives no path)."""
    try:
        full = book.fullname
    except Exception:
        return None
    if not isinstance(full, str) or not os.path.isabs(full):
        return None
    return Path(full).parent


def excel_grid(sheet: Any) -> list[list[Any]]:
    """The sheet's values as the add-in reads them (bounded: a used range bloated by formatting is not read whole;
    content too far away gives no grid)."""
    from xl_tthc.addin import read_sheet

    return [list(row) for row in read_sheet(sheet, formulas=False)[0].grid]


def settings_sheet(book: Any) -> tuple[Any, list[list[Any]]] | None:
    """The settings sheet of an open workbook and its grid, or None when the workbook is no consolidation workbook.
    Looks at the sheet «Thiết lập tổng hợp», else at the first sheet: first its column A down to the marker line (one
    small read, so that «Tính điểm» on a big unit workbook costs nothing more), then its used range."""
    sheets = list(book.sheets)
    if not sheets:
        return None
    sheet = next((s for s in sheets if s.name == SETTINGS_SHEET), sheets[0])
    column = sheet.range((1, 1), (CONSOLIDATION_SCAN_ROWS, 1)).options(ndim=2).value or []
    if not is_consolidation_settings(column):
        return None
    grid = excel_grid(sheet)
    return (sheet, grid) if is_consolidation_settings(grid) else None


_NUMBER_LIKE = re.compile(r"^\s*[-+]?[\d.,\s]*\d\s*%?\s*$|^\s*\d{1,4}\s*[/-]\s*\d{1,2}(\s*[/-]\s*\d{1,4})?\s*$")


def excel_text(v: Any) -> Any:
    """A cell value as it must be written through Excel's Range.Value: a text Excel would run as a formula or read
    as a number or a date keeps its text (a leading apostrophe, which Excel does not store)."""
    if isinstance(v, str) and ((v.startswith(("=", "+", "@")) and len(v) > 1) or _NUMBER_LIKE.match(v)):
        return "'" + v
    if isinstance(v, str) and v.startswith("-") and len(v) > 1:
        return "'" + v
    return v


def _is_ours(sheet: Any, registry_titles: set[str]) -> bool:
    from xl_tthc.recognise.ours import FINDINGS_SHEETS, SUMMARY_TITLES

    if sheet.name in FINDINGS_SHEETS:
        return True
    head = sheet.range((1, 1), (2, 1)).options(ndim=2).value
    first, second = head[0][0], head[1][0]
    if isinstance(first, str) and _norm(first) in SUMMARY_TITLES:
        return True
    return isinstance(second, str) and second.strip() in registry_titles


def _summary_grids(path: Path) -> list[tuple[str, list[list[Any]]]]:
    from xl_tthc.io.reader import read_sheets

    out = []
    for s in read_sheets(path):
        grid = [[None if v == "" else v for v in row] for row in (s.grid or [])]
        width = max((len(r) for r in grid), default=0)
        out.append((s.name, [list(r) + [None] * (width - len(r)) for r in grid]))
    return out


NUMBER_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"


def _drop_earlier(book: Any, settings_sheet_: Any, names: set[str]) -> None:
    """Delete the sheets an earlier run wrote (and any sheet named as one about to be written)."""
    from xl_tthc.core.framework import default_registry

    titles = {fw.title for fw in default_registry().all()}
    keep = settings_sheet_.name
    for sheet in list(book.sheets):
        if sheet.name != keep and (sheet.name in names or _is_ours(sheet, titles)):
            sheet.delete()


def copies_sheets(book: Any) -> bool:
    """Excel on the desktop copies whole sheets between workbooks (formats, merged titles, column widths, charts);
    the remote engine cannot open a file, so there the values are written."""
    try:
        return bool(book.app.engine.type == "desktop")
    except Exception:
        return False


def copy_into_book(book: Any, settings_sheet_: Any, scratch: Path, names: list[str]) -> list[str]:
    """The summary workbook's sheets copied into the open workbook after the settings sheet (Excel keeps their
    formats and charts, whose series refer to their own sheet and so follow the copy). Returns the names copied."""
    _drop_earlier(book, settings_sheet_, set(names))
    src = book.app.books.open(str(scratch))
    try:
        last = book.sheets[settings_sheet_.name]
        written = []
        for sheet in list(src.sheets):
            last = sheet.copy(after=last)
            written.append(last.name)
    finally:
        src.close()
    return written


def write_result(settings_sheet_: Any, result: BookConsolidated) -> None:
    """The lines «Kết quả lần tổng hợp gần nhất» into the settings sheet."""
    rows = [[label, excel_text(v)] for label, v in result.result_rows()]
    settings_sheet_.range((RESULT_ROW0 + 2, 1)).value = rows


def write_into_book(
    book: Any, settings_sheet_: Any, sheets: list[tuple[str, list[list[Any]]]], result: BookConsolidated
) -> list[str]:
    """The summary sheets' values into the open workbook after the settings sheet (an earlier run's sheets replaced),
    and the result of the run into the settings sheet. Returns the names of the sheets written."""
    _drop_earlier(book, settings_sheet_, {n for n, _g in sheets})
    last = book.sheets[settings_sheet_.name]
    written = []
    for name, grid in sheets:
        sheet = book.sheets.add(name, after=last)
        if grid and grid[0]:
            sheet.range("A1").value = [[excel_text(v) for v in row] for row in grid]
            _number_formats(sheet, grid)
        last = sheet
        written.append(name)
    write_result(settings_sheet_, result)
    return written


def _number_formats(sheet: Any, grid: list[list[Any]]) -> None:
    """Two decimals for the scores, a percentage for the shares of the overview («Tỷ lệ»), in column runs."""
    from xl_tthc.addin import blocks

    pct_cols = {c for row in grid for c, v in enumerate(row) if v == "Tỷ lệ"}
    cells = []
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if isinstance(v, float):
                cells.append((r, c, PERCENT_FORMAT if c in pct_cols else NUMBER_FORMAT))
    by_format: dict[str, list[tuple[int, int, Any]]] = {}
    for r, c, f in cells:
        by_format.setdefault(f, []).append((r, c, None))
    for fmt, group in by_format.items():
        for r0, c0, block in blocks(group):
            with contextlib.suppress(Exception):  # formats are cosmetic: an engine without them keeps the values
                sheet.range((r0 + 1, c0 + 1), (r0 + len(block), c0 + len(block[0]))).number_format = fmt


def run_in_excel(book: Any, found: tuple[Any, list[list[Any]]], *, jobs: int | None = None) -> BookConsolidated | None:
    """«Tính điểm» on an open consolidation workbook. Never raises: a job that cannot be done ends in a Vietnamese
    message box, an unexpected error in the log file as the add-in logs it."""
    from xl_tthc.addin import unexpected

    sheet, grid = found
    title = "Tính điểm"
    try:
        _status(book, f"{STATUS}: đang đọc thiết lập…")
        settings = read_settings(grid, book_folder(book), Path(book.name).stem)
        own = None
        base = book_folder(book)
        if base is not None:
            own = base / book.name
        _status(book, f"{STATUS}: đang đọc và chấm điểm các tệp trong «{_shown(settings.folder)}»…")
        with tempfile.TemporaryDirectory(prefix="xl_tthc-tong-hop-") as tmp:
            # a name no open workbook has: Excel cannot open two workbooks of one name
            scratch = Path(tmp) / f"Tong_hop_xl_tthc_{os.urandom(6).hex()}.xlsx"
            done = consolidate(settings, scratch, book=own, jobs=jobs, progress=_progress(book))
            result = BookConsolidated(own, None, settings, done)
            _status(book, f"{STATUS}: đang ghi các trang tổng hợp vào sổ…")
            grids = _summary_grids(scratch)
            if copies_sheets(book):
                written = copy_into_book(book, sheet, scratch, [n for n, _g in grids])
                write_result(sheet, result)
            else:
                written = write_into_book(book, sheet, grids, result)
        done.summary = None
        _status(book, False)
        book.app.alert(_message(result, written), title=title, mode="info")
        return result
    except api.Error as exc:
        _status(book, False)
        with contextlib.suppress(Exception):
            book.app.alert(f"Không tổng hợp được: {exc}", title=title, mode="critical")
        return None
    except Exception as exc:  # the one place a user could see a traceback: log it, show a sentence
        unexpected(book, exc, "Không tổng hợp được", title)
        return None


def _message(result: BookConsolidated, written: list[str]) -> str:
    from xl_tthc.core.numbers import fmt_int_vn

    rep = result.report
    lines = [
        f"Đã tổng hợp {fmt_int_vn(rep.files)} tệp, {fmt_int_vn(rep.units)} đơn vị trong thư mục «{_shown(result.settings.folder)}»"
        + (f", kỳ {rep.period}." if rep.period else "."),
    ]
    for fs in rep.consolidation.frameworks:
        for lv in fs.levels:
            counts = ", ".join(f"{k} {v}" for k, v in lv.band_counts.items() if v)
            lines.append(
                f"• {fs.framework.short_title or fs.framework.title} – {lv.label}: {counts or 'chưa có đơn vị'}"
            )
            if lv.missing:
                lines.append(f"  Chưa nộp tệp: {fmt_int_vn(len(lv.missing))} đơn vị (theo danh sách).")
    lines.append(
        f"Có {fmt_int_vn(rep.errors)} lỗi và {fmt_int_vn(rep.warnings)} cảnh báo: xem trang «Kết quả kiểm tra»."
    )
    lines.append("Các trang tổng hợp: " + ", ".join(f"«{n}»" for n in written) + ".")
    if result.done.report_docx is not None:
        lines.append(f"Dự thảo báo cáo: {_shown(result.done.report_docx)}")
    if result.done.comparisons:
        lines.append("Đã so sánh với kỳ trước (trang «So sánh kỳ trước»).")
    return "\n".join(lines)


__all__ = [
    "FILE_NAME",
    "SETTINGS_SHEET",
    "BookConsolidated",
    "Settings",
    "build_template",
    "fill",
    "is_consolidation_data",
    "is_consolidation_file",
    "read_settings",
    "run_in_excel",
    "settings_sheet",
]
