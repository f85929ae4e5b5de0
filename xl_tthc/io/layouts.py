"""Where every input and output lives in each official template: the single source of truth.

A :class:`Layout` is derived from a framework (criterion, indicator and row texts, maxima and codes all come
from the framework JSON) and a template id:

* ``tthc-unit`` – the TTHC annex of Báo cáo 205/BC-UBND (seed 001): header counts, then one row per criterion
  followed by its level rows; dossier counts for ``weighted_count`` criteria, "x" marks for ``level_choice``;
* ``si-appendix`` – the service-index appendix of Báo cáo 405/BC-UBND (seed 002): one row per unit under
  section rows that give the unit level;
* ``si766-unit`` – one unit of the national 766 index: numerator and denominator (or a published ratio) per
  indicator;
* ``par-self`` – the PAR self-assessment table (seed 004): one row per field, criterion and sub-criterion.

The template builder (:mod:`xl_tthc.io.templates`) renders a layout; the filler (:mod:`xl_tthc.fill`) reads
the input slots, maps them to the core's input keys and writes the output slots. Every output slot also carries
the spreadsheet formula that computes it (``Slot.formula``, generated from the framework data; see "formulas"
below and docs/templates.md), so a template computes by itself. This module is pure data: it imports no
spreadsheet library.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import field, replace
from functools import partial
from typing import Any

from xl_tthc.core.framework import Framework, Indicator, Node, Registry, default_registry, level_label
from xl_tthc.core.model import STATUS_LABEL_VI, UnitResult
from xl_tthc.core.numbers import fmt_vn
from xl_tthc.core.records import record
from xl_tthc.io.cells import a1

LAYOUT_VERSION = "1"

# Workbook metadata: defined names (constant string formulas) and custom document properties of the same name.
NAME_TEMPLATE = "XL_TTHC_TEMPLATE"
NAME_LAYOUT = "XL_TTHC_LAYOUT"
NAME_FRAMEWORK = "XL_TTHC_FRAMEWORK"
NAME_FRAMEWORK_VERSION = "XL_TTHC_FRAMEWORK_VERSION"
NAME_FINGERPRINT = "XL_TTHC_FINGERPRINT"
META_PREFIX = "Mã biểu mẫu:"  # a visible last line, so that .xls/.ods copies stay recognisable
META_RE = re.compile(
    r"Mã biểu mẫu:\s*(?P<template>[\w-]+)\s*;\s*khung chấm điểm:\s*(?P<framework>[\w.-]+)"
    r"\s*,\s*phiên bản\s*(?P<version>[\w-]+(?:\.[\w-]+)*)"
)

FONT = "Times New Roman"

# Fill colours (RGB hex without "#"): the template's and the filler's shared vocabulary.
COLOURS = {
    "input": "FFF2CC",  # light yellow: the officer types here
    "output": "DDEBF7",  # light blue: written by «Tính điểm»
    "head": "D9D9D9",  # table headers
    "blank": "F2F2F2",  # a table cell that takes nothing
    "error": "FFC7CE",
    "warning": "FFEB9C",
    "info": "E4DFEC",
}

# Input kinds: count (whole >= 0), score (decimal 0..max), si_score (decimal 0..max or "-"), mark ("x"),
# ratio (decimal >= 0, percent), level (a unit level label), text, name, period.
# Output kinds: score (0.00), par (as computed), count (#,##0), band (text), rank (whole).
INPUT_KINDS = frozenset({"count", "score", "si_score", "mark", "ratio", "level", "text", "name", "period"})
OUTPUT_KINDS = frozenset({"score", "par", "count", "band", "rank"})


class LayoutError(Exception):
    """A template id does not fit a framework (message is Vietnamese)."""


@record(frozen=True)
class Cell:
    """A static cell: a label, a heading or an empty styled cell. ``last_row``/``last_col`` merge."""

    row: int
    col: int
    value: str | float | None
    style: str
    last_row: int | None = None
    last_col: int | None = None


@record(frozen=True)
class Slot:
    """An input or output cell.

    ``key`` is the core's input key for inputs (``counts/received_total``) and an output key for outputs
    (``item/1``, ``total``). ``stated`` is the core's key for a figure already written in an output cell of a
    workbook that was never filled (a hand-typed total is then checked). ``also`` lists further input keys that
    findings may name and that point at this cell.
    """

    key: str
    row: int
    col: int
    io: str  # "input" | "output"
    kind: str
    label: str = ""
    max: float | None = None
    stated: str | None = None
    also: tuple[str, ...] = ()
    last_col: int | None = None  # merged input (unit name, period)
    formula: str | None = None  # output slots: the spreadsheet formula that computes the cell (without "=")

    @property
    def ref(self) -> str:
        return a1(self.row, self.col)


@record(frozen=True)
class Anchor:
    """A label the filler expects at a cell; ``required`` anchors decide whether a sheet is this template."""

    row: int
    col: int
    text: str
    required: bool = True


@record(frozen=True)
class Section:
    """A section row of a multi-unit sheet: "I  CÁC CƠ QUAN CHUYÊN MÔN THUỘC HUYỆN" → level ``phong``."""

    row: int
    number: str
    label: str
    level: str


@record(frozen=True)
class RowTable:
    """The unit rows of a multi-unit sheet (si-appendix). The filler scans rows, so inserted rows work too."""

    first_row: int  # first row under the header (a section row)
    stt_col: int
    name_col: int
    inputs: tuple[tuple[str, int, str, float | None], ...]  # (input key, column, kind, max)
    outputs: tuple[tuple[str, int, str, str | None], ...]  # (output key, column, kind, stated key)
    sections: tuple[Section, ...]
    unit_rows: tuple[tuple[int, str], ...]  # template capacity: (row, level)

    def section_level(self, text: str) -> str | None:
        key = norm(text)
        for s in self.sections:
            if norm(s.label) == key:
                return s.level
        return None


@record(frozen=True)
class NumberRule:
    """A conditional number format: cells ``first_row..last_row`` of ``col`` take ``num_format`` where ``criteria``
    (a formula written for ``first_row``, relative rows) is true. Used for "58,94/85" on rescaled totals."""

    first_row: int
    last_row: int
    col: int
    criteria: str
    num_format: str


@record(frozen=True)
class Layout:
    template_id: str
    framework: Framework
    file_name: str
    sheet: str
    title: str
    columns: tuple[float, ...]
    cells: tuple[Cell, ...]
    slots: tuple[Slot, ...]
    anchors: tuple[Anchor, ...]
    row_heights: dict[int, float]
    repeat_rows: tuple[int, int]
    landscape: bool
    freeze: tuple[int, int] | None = None
    table: RowTable | None = None
    meta_row: int = 0
    validation_notes: dict[str, str] = field(default_factory=dict)
    number_rules: tuple[NumberRule, ...] = ()

    def inputs(self) -> list[Slot]:
        return [s for s in self.slots if s.io == "input"]

    def outputs(self) -> list[Slot]:
        return [s for s in self.slots if s.io == "output"]

    def formulas(self) -> dict[str, str]:
        """``{A1 ref: formula text ("=…")}`` of every output cell that the template computes."""
        return {s.ref: "=" + s.formula for s in self.slots if s.io == "output" and s.formula}

    def output(self, key: str) -> Slot:
        for s in self.slots:
            if s.io == "output" and s.key == key:
                return s
        raise KeyError(key)

    @property
    def meta_text(self) -> str:
        return meta_text(self.template_id, self.framework)


@record(frozen=True)
class TemplateSpec:
    file_name: str
    template_id: str
    framework_id: str


# The templates of the shipped frameworks (ASCII file names; Vietnamese titles inside). They are data: each
# framework JSON names its layout and file under "template"; `template_specs()` reads them for every framework
# of a registry (a test checks that it gives exactly these for the shipped folder).
SPECS: tuple[TemplateSpec, ...] = (
    TemplateSpec("Mau_TTHC_cap_huyen.xlsx", "tthc-unit", "tthc-dienbien-1187-2019-huyen"),
    TemplateSpec("Mau_TTHC_cap_xa.xlsx", "tthc-unit", "tthc-dienbien-1187-2019-xa"),
    TemplateSpec("Mau_Bo_chi_so_459_phu_luc.xlsx", "si-appendix", "sv459-dienbien-2023"),
    TemplateSpec("Mau_Bo_chi_so_766_don_vi.xlsx", "si766-unit", "sv766-national-2026"),
    TemplateSpec("Mau_Chi_so_CCHC_tinh_2020.xlsx", "par-self", "par-dienbien-tinh-2020"),
    TemplateSpec("Mau_Chi_so_CCHC_huyen_2019.xlsx", "par-self", "par-dienbien-huyen-2019"),
)

TEMPLATE_KINDS = {"tthc-unit": "tthc", "si-appendix": "service_index", "si766-unit": "service_index", "par-self": "par"}
# The layout of a framework whose JSON has no "template" (the schema allows only layouts of its kind).
DEFAULT_LAYOUT = {"tthc": "tthc-unit", "service_index": "si-appendix", "par": "par-self"}

# Section rows of the si-appendix (label as in Báo cáo 405/BC-UBND, the unit level they give).
SI_SECTIONS = (
    ("I", "CÁC CƠ QUAN CHUYÊN MÔN THUỘC HUYỆN", "phong", 12),
    ("II", "UBND CÁC XÃ", "xa", 30),
)


# ---------------------------------------------------------------------------- helpers


def norm(text: object) -> str:
    """Label comparison: NFC, case-folded, whitespace collapsed; whole numbers as "1" not "1.0"."""
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    s = unicodedata.normalize("NFC", str(text))
    return " ".join(s.split()).casefold()


def meta_text(template_id: str, fw: Framework) -> str:
    return f"{META_PREFIX} {template_id}; khung chấm điểm: {fw.id}, phiên bản {fw.version}. Tạo bởi xl_tthc."


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def _pts(x: float) -> str:
    return f"{fmt_vn(x, None)}đ"


def _roman(n: int) -> str:
    table = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, sym in table:
        while n >= value:
            out += sym
            n -= value
    return out


def text_lines(text: str, width: float, size: float = 11, bold: bool = False) -> int:
    """Lines a wrapped Times New Roman text needs in a column ``width`` characters wide (an estimate)."""
    cap = max(1.0, width * 1.2 * 11 / size * (0.88 if bold else 1.0))  # in lower-case letter widths
    total = 0
    for para in str(text).split("\n"):
        lines, used = 1, 0.0
        for word in para.split():
            w = sum(1.45 if ch.isupper() else 1.0 for ch in word)
            if used and used + 1 + w > cap:
                lines, used = lines + 1, w
            else:
                used += (1 if used else 0) + w
            while used > cap:  # a word longer than the line breaks anywhere
                lines, used = lines + 1, used - cap
        total += lines
    return max(1, total)


LINE_PT = 15.0
BOLD_STYLES = frozenset(
    {"title", "label_bold", "count_total", "head", "head_small", "code_bold", "text_bold", "section"}
)


class _Grid:
    """Accumulates cells, slots and anchors for one sheet."""

    def __init__(self, widths: Iterable[float]) -> None:
        self.widths = tuple(widths)
        self.cells: list[Cell] = []
        self.slots: list[Slot] = []
        self.slot_at: dict[tuple[int, int], int] = {}  # (row, col) → index of the first slot there
        self.anchors: list[Anchor] = []
        self.heights: dict[int, float] = {}
        self.taken: set[tuple[int, int]] = set()

    def width(self, col: int, last_col: int | None) -> float:
        return sum(self.widths[col : (last_col if last_col is not None else col) + 1])

    def fit(
        self,
        row: int,
        text: str,
        col: int,
        last_col: int | None = None,
        line: float = LINE_PT,
        size: float = 11,
        bold: bool = False,
    ) -> None:
        need = text_lines(text, self.width(col, last_col), size, bold) * line + 3
        self.heights[row] = max(self.heights.get(row, 0.0), need)

    def cell(
        self,
        row: int,
        col: int,
        value: str | float | None,
        style: str,
        *,
        last_row: int | None = None,
        last_col: int | None = None,
        anchor: bool | None = None,
        wrap: bool = False,
    ) -> None:
        if isinstance(value, float):
            value = _num(value)
        self.cells.append(Cell(row, col, value, style, last_row, last_col))
        for r in range(row, (last_row if last_row is not None else row) + 1):
            for c in range(col, (last_col if last_col is not None else col) + 1):
                self.taken.add((r, c))
        if anchor is not None and value is not None:
            self.anchors.append(Anchor(row, col, str(value), anchor))
        if wrap and isinstance(value, str) and last_row is None:
            self.fit(row, value, col, last_col, bold=style in BOLD_STYLES, size=10 if style == "head_small" else 11)

    def slot(self, slot: Slot) -> None:
        self.slot_at.setdefault((slot.row, slot.col), len(self.slots))
        self.slots.append(slot)
        for c in range(slot.col, (slot.last_col if slot.last_col is not None else slot.col) + 1):
            self.taken.add((slot.row, c))

    def set_formula(self, row: int, col: int, formula: str) -> None:
        i = self.slot_at.get((row, col))
        if i is None:
            raise KeyError(a1(row, col))
        self.slots[i] = replace(self.slots[i], formula=formula)

    def blanks(self, rows: Iterable[int], cols: Iterable[int]) -> None:
        cols = list(cols)
        for r in rows:
            for c in cols:
                if (r, c) not in self.taken:
                    self.cell(r, c, None, "blank")

    def layout(self, template_id: str, fw: Framework, file_name: str, sheet: str, title: str, **kw: object) -> Layout:
        return Layout(
            template_id=template_id,
            framework=fw,
            file_name=file_name,
            sheet=sheet,
            title=title,
            columns=self.widths,
            cells=tuple(self.cells),
            slots=tuple(self.slots),
            anchors=tuple(self.anchors),
            row_heights=dict(sorted(self.heights.items())),
            **kw,  # type: ignore[arg-type]
        )


def _title_block(g: _Grid, title: str, subtitle: str, last_col: int) -> None:
    g.cell(0, 0, title, "title", last_col=last_col, anchor=False)
    g.fit(0, title, 0, last_col, line=19, size=13, bold=True)
    g.cell(1, 0, subtitle, "subtitle", last_col=last_col, anchor=False)
    g.fit(1, subtitle, 0, last_col)


def _header(g: _Grid, row: int, labels: Iterable[str]) -> int:
    labels = list(labels)
    for c, text in enumerate(labels):
        g.cell(row, c, text, "head", anchor=True, wrap=True)
    for c in range(len(labels)):
        g.cell(row + 1, c, f"({c + 1})", "colno")
    return row + 2


def _footer(g: _Grid, row: int, last_col: int, template_id: str, fw: Framework, notes: Iterable[str] = ()) -> int:
    row += 1
    for note in notes:
        g.cell(row, 0, note, "note", last_col=last_col)
        g.fit(row, note, 0, last_col)
        row += 1
    legend = (
        "Ô nền vàng: đơn vị nhập số liệu. Ô nền xanh: phần mềm ghi kết quả khi bấm «Tính điểm» "
        "(hoặc chạy lệnh xl-tthc fill). Trang tính được khóa không đặt mật khẩu để tránh sửa nhầm các ô kết quả."
    )
    g.cell(row, 0, legend, "note", last_col=last_col)
    g.fit(row, legend, 0, last_col)
    row += 1
    g.cell(row, 0, meta_text(template_id, fw), "meta", last_col=last_col)
    return row


def _refs(fw: Framework) -> str:
    """Document numbers of the framework's legal basis ("61/2018/NĐ-CP, 01/2018/TT-VPCP, …")."""
    return ", ".join(r.number for r in fw.references if "/" in r.number)


# ---------------------------------------------------------------------------- tthc-unit


def _tthc_unit(fw: Framework, file_name: str) -> Layout:
    g = _Grid((6, 55, 9, 10, 10, 16))
    last = 5
    title = "ĐÁNH GIÁ VIỆC GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    _title_block(g, title, f"({fw.short_title or fw.title}; căn cứ {_refs(fw)})", last)
    row = 3
    g.cell(row, 1, "Kỳ đánh giá:", "label_bold", anchor=False)
    g.slot(Slot("period", row, 3, "input", "period", "Kỳ đánh giá", last_col=last))
    row += 1
    g.cell(row, 1, "Đơn vị:", "label_bold", anchor=False)
    g.slot(Slot("unit/name", row, 3, "input", "name", "Đơn vị", last_col=last, also=("unit/level",)))
    row += 2
    totals = {chk.total for chk in fw.count_checks}
    group_has_total = {f.group for f in fw.count_fields if f.key in totals}
    count_rows: dict[str, int] = {}
    crit_rows: list[tuple[int, list[int]]] = []  # (criterion row, its level rows)
    first_count = True
    for f in fw.count_fields:
        is_total = f.key in totals
        indent = not is_total and f.group in group_has_total
        label = f"– {f.label}" if indent else f.label
        g.cell(row, 1, label, "count_total" if is_total else ("count_part" if indent else "count_label"), last_col=2)
        also = ("counts",) if first_count else ()
        first_count = False
        g.slot(Slot(f"counts/{f.key}", row, 3, "input", "count", f.label, also=also))
        count_rows[f.key] = row
        row += 1
    row += 1
    header_row = row
    row = _header(
        g,
        row,
        ("STT", "Tiêu chí/Tiêu chí thành phần", "Điểm tối đa", "Số lượng hồ sơ", "Điểm tự đánh giá", "Ghi chú"),
    )
    table_top = row
    g.cell(row, 1, "TỔNG ĐIỂM", "text_bold", anchor=True)
    g.cell(row, 2, float(fw.max_total), "max_bold")
    g.slot(Slot("total", row, 4, "output", "score", "Tổng điểm", stated="stated_total"))
    row += 1
    g.cell(row, 1, "XẾP LOẠI", "text_bold", anchor=True)
    g.slot(Slot("band", row, 4, "output", "band", "Xếp loại"))
    row += 1
    for crit in fw.criteria:
        weighted = crit.rule == "weighted_count"
        g.cell(row, 0, crit.code, "code_bold", anchor=True)
        g.cell(row, 1, crit.title, "text_bold", wrap=True)
        g.cell(row, 2, crit.max, "max_bold")
        if weighted:
            g.slot(Slot(f"dossiers/{crit.code}", row, 3, "output", "count", f"Tiêu chí {crit.code} – số hồ sơ"))
        g.slot(
            Slot(
                f"item/{crit.code}",
                row,
                4,
                "output",
                "score",
                f"Tiêu chí {crit.code}",
                stated=f"criteria/{crit.code}/stated_score",
            )
        )
        g.slot(Slot(f"criteria/{crit.code}/note", row, 5, "input", "text", f"Ghi chú tiêu chí {crit.code}"))
        crit_rows.append((row, list(range(row + 1, row + 1 + len(crit.levels)))))
        row += 1
        for i, lv in enumerate(crit.levels):
            g.cell(row, 1, lv.label, "text", wrap=True)
            g.cell(row, 2, lv.points, "max")
            label = f"Tiêu chí {crit.code} – {lv.label}"
            if weighted:
                also = (f"criteria/{crit.code}/counts",) if i == 0 else ()
                g.slot(Slot(f"criteria/{crit.code}/counts/{lv.key}", row, 3, "input", "count", label, also=also))
            else:
                also = (f"criteria/{crit.code}/choice",) if i == 0 else ()
                g.slot(Slot(f"criteria/{crit.code}/marks/{lv.key}", row, 4, "input", "mark", label, also=also))
            row += 1
    g.blanks(range(table_top, row), range(last + 1))
    _tthc_formulas(g, fw, count_rows, crit_rows, table_top)
    meta = _footer(g, row, last, "tthc-unit", fw)
    return g.layout(
        "tthc-unit",
        fw,
        file_name,
        "Đánh giá TTHC",
        title,
        repeat_rows=(header_row, header_row + 1),
        landscape=False,
        meta_row=meta,
        validation_notes={"mark": "Đánh dấu «x» vào một mức của tiêu chí."},
    )


# ---------------------------------------------------------------------------- si-appendix


def _si_appendix(fw: Framework, file_name: str) -> Layout:
    indicators = [i for i in fw.indicators() if not i.monitoring_only]
    n = len(indicators)
    widths = [5.0, 32.0] + [7.0] * n + [9.5, 9.5, 10.0, 7.5]
    g = _Grid(widths)
    c_total, c_qd, c_band, c_rank = 2 + n, 3 + n, 4 + n, 5 + n
    last = c_rank
    title = (
        "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP TRONG GIẢI QUYẾT TTHC, DVC "
        "THEO THỜI GIAN THỰC TRÊN MÔI TRƯỜNG ĐIỆN TỬ"
    )
    _title_block(g, title, f"({fw.short_title or fw.title})", last)
    g.cell(2, 1, "Kỳ đánh giá:", "label_bold", anchor=False)
    g.slot(Slot("period", 2, 2, "input", "period", "Kỳ đánh giá", last_col=7))
    h = 4
    g.cell(h, 0, "STT", "head", last_row=h + 2, anchor=True)
    g.cell(h, 1, "TÊN ĐƠN VỊ", "head", last_row=h + 2, anchor=True)
    g.cell(h, 2, "ĐIỂM CÁC CHỈ SỐ", "head", last_col=1 + n, anchor=True)
    for col, text in (
        (c_total, "TỔNG ĐIỂM ĐẠT ĐƯỢC"),
        (c_qd, "TỔNG ĐIỂM QUY ĐỔI"),
        (c_band, "XẾP LOẠI"),
        (c_rank, "XẾP HẠNG"),
    ):
        g.cell(h, col, text, "head", last_row=h + 2, anchor=True)
    col = 2
    for grp in fw.groups:
        inds = [i for i in grp.indicators if not i.monitoring_only]
        if not inds:
            continue
        if len(inds) == 1:
            g.cell(h + 1, col, f"{grp.title} ({_pts(grp.max)})", "head_small", last_row=h + 2, anchor=True)
        else:
            g.cell(
                h + 1,
                col,
                f"Nhóm {grp.title[:1].lower()}{grp.title[1:]}",
                "head_small",
                last_col=col + len(inds) - 1,
                anchor=True,
            )
            g.fit(h + 1, f"Nhóm {grp.title}", col, col + len(inds) - 1, line=14, size=10, bold=True)
            for k, ind in enumerate(inds):
                g.cell(h + 2, col + k, f"Chỉ số {k + 1} ({_pts(ind.max)})", "head_small", anchor=True)
        col += len(inds)
    g.heights[h + 2] = max(g.heights.get(h + 2, 0.0), 3 * 14.0 + 3)
    g.heights[h] = max(g.heights.get(h, 0.0), 2 * 14.0 + 3)
    first = h + 3
    row = first
    sections: list[Section] = []
    unit_rows: list[tuple[int, str]] = []
    inputs = tuple((f"indicators/{ind.code}", 2 + k, "si_score", ind.max) for k, ind in enumerate(indicators))
    outputs = (
        ("total", c_total, "score", "stated/total"),
        ("quy_doi", c_qd, "score", "stated/quy_doi"),
        ("band", c_band, "band", "stated/band"),
        ("rank", c_rank, "rank", None),
    )
    for number, label, level, capacity in SI_SECTIONS:
        g.cell(row, 0, number, "code_bold")
        g.cell(row, 1, label, "section", last_col=last)
        sections.append(Section(row, number, label, level))
        row += 1
        for k in range(capacity):
            g.cell(row, 0, k + 1, "code")
            g.slot(Slot("unit/name", row, 1, "input", "name", "Tên đơn vị"))
            for key, c, kind, mx in inputs:
                g.slot(Slot(key, row, c, "input", kind, key, max=mx))
            for key, c, kind, stated in outputs:
                g.slot(Slot(key, row, c, "output", kind, key, stated=stated))
            unit_rows.append((row, level))
            row += 1
    shorts = [f"{b.short} - {b.label}" for b in (fw.bands.items if fw.bands else ()) if b.short]
    notes = [
        "Lưu ý: – Các chỉ số đánh dấu (-) là nhiệm vụ cơ quan, đơn vị, UBND xã không phải thực hiện hoặc chưa đến "
        "thời điểm báo cáo; tổng điểm quy đổi = tổng điểm đạt được / tổng điểm tối đa các chỉ số áp dụng × 100."
    ]
    if shorts:
        notes.append("– Các chữ viết tắt: " + ", ".join(shorts) + ".")
    rules = _appendix_formulas(g, fw, indicators, unit_rows, sections, (c_total, c_qd, c_band, c_rank))
    meta = _footer(g, row, last, "si-appendix", fw, notes)
    table = RowTable(
        first_row=first,
        stt_col=0,
        name_col=1,
        inputs=inputs,
        outputs=outputs,
        sections=tuple(sections),
        unit_rows=tuple(unit_rows),
    )
    return g.layout(
        "si-appendix",
        fw,
        file_name,
        "Phụ lục",
        title,
        repeat_rows=(h, h + 2),
        landscape=True,
        freeze=(first, 2),
        table=table,
        meta_row=meta,
        validation_notes={"si_score": "Nhập điểm từ 0 đến điểm tối đa của chỉ số, hoặc dấu «-» nếu không áp dụng."},
        number_rules=rules,
    )


# ---------------------------------------------------------------------------- si766-unit


def _si766_unit(fw: Framework, file_name: str) -> Layout:
    g = _Grid((6, 46, 8, 11, 11, 10, 10, 9, 34))
    last = 8
    title = "ĐÁNH GIÁ CHẤT LƯỢNG PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP THEO THỜI GIAN THỰC TRÊN MÔI TRƯỜNG ĐIỆN TỬ"
    _title_block(g, title, f"({fw.short_title or fw.title}; căn cứ {_refs(fw)})", last)
    g.cell(3, 1, "Kỳ đánh giá:", "label_bold", anchor=False)
    g.slot(Slot("period", 3, 2, "input", "period", "Kỳ đánh giá", last_col=5))
    g.cell(4, 1, "Đơn vị:", "label_bold", anchor=False)
    g.slot(Slot("unit/name", 4, 2, "input", "name", "Đơn vị", last_col=5))
    g.cell(5, 1, "Cấp đơn vị:", "label_bold", anchor=False)
    g.slot(Slot("unit/level", 5, 2, "input", "level", "Cấp đơn vị", last_col=5))
    header_row = 7
    row = _header(
        g,
        header_row,
        (
            "STT",
            "Nhóm/Chỉ số",
            "Điểm tối đa",
            "Tử số",
            "Mẫu số",
            "Tỷ lệ đã công bố (%)",
            "Tỷ lệ tính điểm (%)",
            "Điểm",
            "Cách tính",
        ),
    )
    top = row
    si_rows: list[tuple[int, list[tuple[Indicator, int]]]] = []  # (group row, [(indicator, row)])
    g.cell(row, 1, "TỔNG ĐIỂM", "text_bold", anchor=True)
    g.cell(row, 2, float(fw.max_total), "max_bold")
    g.slot(Slot("total", row, 7, "output", "score", "Tổng điểm", stated="stated/total"))
    row += 1
    g.cell(row, 1, "XẾP LOẠI", "text_bold", anchor=True)
    g.slot(Slot("band", row, 7, "output", "band", "Xếp loại", stated="stated/band"))
    row += 1
    first_indicator = True
    for gi, grp in enumerate(fw.groups):
        g.cell(row, 0, _roman(gi + 1), "code_bold", anchor=True)
        g.cell(row, 1, grp.title, "text_bold", wrap=True)
        g.cell(row, 2, grp.max, "max_bold")
        g.slot(Slot(f"group/{grp.code}", row, 7, "output", "score", grp.title))
        si_rows.append((row, []))
        row += 1
        for ind in grp.indicators:
            base = f"indicators/{ind.code}"
            g.cell(row, 0, ind.code, "code", anchor=True)
            g.cell(row, 1, ind.title, "text", wrap=True)
            g.cell(row, 2, ind.max, "max")
            how: list[str] = []
            if ind.monitoring_only:
                how.append("Chỉ theo dõi, không tính điểm.")
            else:
                also = ("indicators",) if first_indicator else ()
                first_indicator = False
                if ind.numerator_label:
                    g.slot(
                        Slot(
                            f"{base}/numerator",
                            row,
                            3,
                            "input",
                            "count",
                            f"Chỉ số {ind.code} – tử số",
                            also=(base, *also),
                        )
                    )
                    g.slot(Slot(f"{base}/denominator", row, 4, "input", "count", f"Chỉ số {ind.code} – mẫu số"))
                    g.slot(Slot(f"{base}/ratio", row, 5, "input", "ratio", f"Chỉ số {ind.code} – tỷ lệ"))
                    how.append(f"Tử số: {ind.numerator_label}. Mẫu số: {ind.denominator_label}.")
                else:
                    g.slot(
                        Slot(
                            f"{base}/ratio", row, 5, "input", "ratio", f"Chỉ số {ind.code} – tỷ lệ", also=(base, *also)
                        )
                    )
                    how.append("Nhập tỷ lệ đã công bố.")
                g.slot(Slot(f"ratio/{ind.code}", row, 6, "output", "score", f"Chỉ số {ind.code} – tỷ lệ"))
                si_rows[-1][1].append((ind, row))
                g.slot(Slot(f"item/{ind.code}", row, 7, "output", "score", f"Chỉ số {ind.code}"))
                if ind.rule == "target" and ind.target:
                    how.append(f"Đạt {fmt_vn(ind.target, None)} % trở lên: đủ điểm.")
                if ind.zero_denominator == "full":
                    how.append("Mẫu số bằng 0: đủ điểm.")
                if ind.scope:
                    how.append(f"Dùng số liệu của {level_label(ind.scope)}.")
            text = " ".join(how)
            g.cell(row, 8, text, "small")
            g.fit(row, text, 8, size=9, line=12.5)
            row += 1
    g.blanks(range(top, row), range(last + 1))
    _unit_index_formulas(g, fw, top, si_rows)
    notes = [
        "Nhập tử số và mẫu số; chỉ khi không có số liệu gốc mới nhập tỷ lệ đã công bố (%). "
        "Điểm chỉ số = điểm tối đa × tỷ lệ / 100 (chỉ số có mức đạt thì so với mức đạt), không vượt điểm tối đa."
    ]
    meta = _footer(g, row, last, "si766-unit", fw, notes)
    return g.layout(
        "si766-unit",
        fw,
        file_name,
        "Bộ chỉ số 766",
        title,
        repeat_rows=(header_row, header_row + 1),
        landscape=True,
        meta_row=meta,
    )


# ---------------------------------------------------------------------------- par-self


def _par_self(fw: Framework, file_name: str) -> Layout:
    g = _Grid((8, 42, 8, 9, 46, 24, 9, 24))
    last = 7
    title = "TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH"
    _title_block(g, title, f"({fw.title})", last)
    g.cell(3, 1, "Đơn vị:", "label_bold", anchor=False)
    g.slot(Slot("unit/name", 3, 2, "input", "name", "Đơn vị", last_col=4, also=("unit/level",)))
    g.cell(4, 1, "Năm đánh giá:", "label_bold", anchor=False)
    g.slot(Slot("period", 4, 2, "input", "period", "Năm đánh giá", last_col=4))
    header_row = 6
    row = _header(
        g,
        header_row,
        (
            "STT",
            "Lĩnh vực/Tiêu chí/Tiêu chí thành phần",
            "Điểm chuẩn",
            "Điểm tự đánh giá",
            "Giải trình",
            "Tài liệu kiểm chứng",
            "Điểm thẩm định",
            "Ý kiến hội đồng thẩm định",
        ),
    )
    top = row
    first = True

    def walk(node_list: Iterable[Node], depth: int) -> None:
        nonlocal row, first
        for node in node_list:
            base = f"rows/{node.code}"
            bold = depth < 2 and not node.is_leaf
            title_text = node.title.upper() if depth == 0 else node.title
            g.cell(row, 0, node.code, "code_bold" if bold else "code", anchor=True)
            g.cell(row, 1, title_text, "text_bold" if bold else "text", wrap=True)
            g.cell(row, 2, node.max, "max_bold" if bold else "max")
            if node.is_leaf:
                also = ("rows",) if first else ()
                first = False
                if node.source != "survey":
                    g.slot(
                        Slot(
                            f"{base}/self",
                            row,
                            3,
                            "input",
                            "score",
                            f"Mục {node.code} – tự đánh giá",
                            max=node.max,
                            also=(base, *also),
                        )
                    )
                    g.slot(Slot(f"{base}/explanation", row, 4, "input", "text", f"Mục {node.code} – giải trình"))
                    g.slot(Slot(f"{base}/evidence", row, 5, "input", "text", f"Mục {node.code} – tài liệu kiểm chứng"))
                    g.slot(
                        Slot(
                            f"{base}/appraised", row, 6, "input", "score", f"Mục {node.code} – thẩm định", max=node.max
                        )
                    )
                else:
                    g.cell(row, 4, "Điểm điều tra xã hội học (đơn vị không tự chấm)", "small_italic")
                    g.slot(
                        Slot(
                            f"{base}/appraised",
                            row,
                            6,
                            "input",
                            "score",
                            f"Mục {node.code} – thẩm định",
                            max=node.max,
                            also=(base, f"{base}/self", *also),
                        )
                    )
                g.slot(Slot(f"{base}/council_opinion", row, 7, "input", "text", f"Mục {node.code} – ý kiến hội đồng"))
            else:
                g.slot(
                    Slot(
                        f"self/{node.code}",
                        row,
                        3,
                        "output",
                        "par",
                        f"Mục {node.code} – tự đánh giá",
                        stated=f"stated/{node.code}/self",
                    )
                )
                g.slot(
                    Slot(
                        f"appraised/{node.code}",
                        row,
                        6,
                        "output",
                        "par",
                        f"Mục {node.code} – thẩm định",
                        stated=f"stated/{node.code}/appraised",
                    )
                )
            row += 1
            walk(node.children, depth + 1)

    walk(fw.tree, 0)
    par_rows = {node.code: r for node, r in zip(fw.nodes(), range(top, row), strict=True)}
    g.cell(row, 1, "TỔNG ĐIỂM", "text_bold", anchor=True)
    g.cell(row, 2, float(fw.max_total), "max_bold")
    g.slot(Slot("total/self", row, 3, "output", "par", "Tổng điểm tự đánh giá", stated="stated/total/self"))
    g.slot(Slot("total/appraised", row, 6, "output", "par", "Tổng điểm thẩm định", stated="stated/total/appraised"))
    row += 1
    survey_max = sum(n.max for n in fw.nodes() if n.is_leaf and n.source == "survey")
    if survey_max:
        g.cell(row, 1, "Trong đó: – Điểm đánh giá kết quả triển khai", "text", wrap=True)
        g.cell(row, 2, float(fw.max_total - survey_max), "max")
        g.slot(
            Slot(
                "implementation",
                row,
                6,
                "output",
                "par",
                "Điểm đánh giá kết quả triển khai",
                stated="stated/implementation",
            )
        )
        row += 1
        g.cell(row, 1, "– Điểm điều tra xã hội học", "text_indent")
        g.cell(row, 2, float(survey_max), "max")
        g.slot(Slot("survey", row, 6, "output", "par", "Điểm điều tra xã hội học", stated="stated/survey"))
        row += 1
    if fw.bands:
        g.cell(row, 1, "XẾP LOẠI", "text_bold", anchor=True)
        g.slot(Slot("band", row, 6, "output", "band", "Xếp loại"))
        row += 1
    g.blanks(range(top, row), range(last + 1))
    _par_formulas(g, fw, par_rows)
    meta = _footer(g, row, last, "par-self", fw)
    return g.layout(
        "par-self",
        fw,
        file_name,
        "Chỉ số CCHC",
        title,
        repeat_rows=(header_row, header_row + 1),
        landscape=True,
        freeze=(header_row + 2, 0),
        meta_row=meta,
    )


# ---------------------------------------------------------------------------- formulas
#
# Every output cell of a template carries a formula generated from the framework data, so that the workbook
# computes by itself in Excel 2010+, LibreOffice and WPS (plain functions only: SUM, MIN, ROUND, IF, AND, OR, N,
# ISNUMBER, COUNTA, COUNTIF, SUMPRODUCT, LOOKUP, RANK). The core stays the source of truth: docs/templates.md
# lists what the formulas do not reproduce and «Tính điểm» checks.

NOT_SCORED = STATUS_LABEL_VI["not_scored"]
NO_DOSSIERS = STATUS_LABEL_VI["no_dossiers"]
INVALID = STATUS_LABEL_VI["invalid"]


def _n(x: float) -> str:
    """A number as formula text: 2, 0.5, 15 (never "2.0")."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def _abs_row(row: int, col: int) -> str:
    """ "R$12": a reference whose row stays put when the formula is copied down."""
    ref = a1(row, col)
    i = next(k for k, ch in enumerate(ref) if ch.isdigit())
    return f"{ref[:i]}${ref[i:]}"


def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _ranges(col: int, rows: Iterable[int]) -> list[str]:
    """A1 ranges covering ``rows`` of ``col``, one per run of consecutive rows ("D7:D16", "E41")."""
    out: list[str] = []
    run: list[int] = []
    for r in sorted(set(rows)):
        if run and r != run[-1] + 1:
            out.append(_span(col, run))
            run = []
        run.append(r)
    if run:
        out.append(_span(col, run))
    return out


def _span(col: int, run: list[int]) -> str:
    return a1(run[0], col) if len(run) == 1 else f"{a1(run[0], col)}:{a1(run[-1], col)}"


def _any_typed(refs: list[str]) -> str:
    """True when any of the ranges holds something (COUNTA takes at most 255 arguments: chunked)."""
    chunks = [refs[i : i + 200] for i in range(0, len(refs), 200)] or [[]]
    return "(" + "+".join(f"COUNTA({','.join(c)})" for c in chunks if c) + ">0)" if refs else "(FALSE)"


def band_formula(fw: Framework, basis: str) -> str:
    """``LOOKUP(basis, {mins}, {labels})``: the highest band whose inclusive minimum ``basis`` reaches."""
    if not fw.bands:
        return '""'
    items = list(reversed(fw.bands.items))  # ascending minimum; the lowest band has none
    mins = ",".join("-1E+307" if b.min is None else _n(b.min) for b in items)
    labels = ",".join(_q(b.label) for b in items)
    return f"LOOKUP({basis},{{{mins}}},{{{labels}}})"


def _round(expr: str, decimals: int) -> str:
    return f"ROUND({expr},{decimals})"


def _sum(terms: list[str]) -> str:
    return "+".join(terms) if terms else "0"


def _tthc_formulas(
    g: _Grid, fw: Framework, count_rows: dict[str, int], crit_rows: list[tuple[int, list[int]]], table_top: int
) -> None:
    """TTHC: Σ(points × dossiers)/Σ dossiers per weighted criterion, the marked level's points per level choice."""
    dec = fw.rounding.decimals
    count = {k: a1(r, 3) for k, r in count_rows.items()}
    typed = _ranges(3, count_rows.values())
    scores: list[str] = []  # unrounded criterion scores
    oks: list[str] = []  # the criterion can be scored
    weighted_rows: list[tuple[int, str, str]] = []
    choice_rows: list[tuple[int, str, str]] = []
    for crit, (crow, lrows) in zip(fw.criteria, crit_rows, strict=True):
        if crit.rule == "weighted_count":
            typed += _ranges(3, lrows)
            eff = []
            for lv, r in zip(crit.levels, lrows, strict=True):
                ref = a1(r, 3)
                src = count.get(lv.count_from) if lv.count_from else None
                eff.append((lv.points, f'IF({ref}="",N({src}),{ref})' if src else f"N({ref})"))
            n = "(" + _sum([e for _p, e in eff]) + ")"
            w = "(" + _sum([(e if p == 1 else f"{_n(p)}*{e}") for p, e in eff if p]) + ")"
            score = f"{w}/{n}"
            if fw.rounding.sum_rounded_items:
                score = _round(score, dec)
            scores.append(score)
            oks.append(f"{n}>0")
            weighted_rows.append((crow, n, w))
        else:
            typed += _ranges(4, lrows)
            marks = f"{a1(lrows[0], 4)}:{a1(lrows[-1], 4)}"
            pts = (
                "("
                + _sum(
                    [f'({a1(r, 4)}="x")*{_n(lv.points)}' for lv, r in zip(crit.levels, lrows, strict=True) if lv.points]
                )
                + ")"
            )
            scores.append(pts)
            oks.append(f'COUNTIF({marks},"x")=1')
            choice_rows.append((crow, marks, pts))
    nothing = f"NOT{_any_typed(typed)}"
    none = [nothing]
    if "resolved_total" in count:
        res = count["resolved_total"]
        rec = f"N({count['received_total']})=0" if "received_total" in count else "TRUE"
        none_dossiers = f"AND(ISNUMBER({res}),{res}=0,{rec})"
        none.append(none_dossiers)
    else:
        none_dossiers = "FALSE"
    for crow, n, w in weighted_rows:
        g.set_formula(crow, 3, f'IF(OR({",".join(none)},{n}=0),"",{n})')
        g.set_formula(crow, 4, f'IF(OR({",".join(none)},{n}=0),"",{_round(f"{w}/{n}", dec)})')
    for crow, marks, pts in choice_rows:
        g.set_formula(crow, 4, f'IF(OR({nothing},COUNTIF({marks},"x")<>1),"",{_round(pts, dec)})')
    complete = f"AND({','.join(oks)})" if oks else "TRUE"
    total = _sum(scores)
    g.set_formula(table_top, 4, f'IF(OR({",".join(none)},NOT({complete})),"",{_round(total, dec)})')
    band = (
        f"IF({nothing},{_q(NOT_SCORED)},IF({none_dossiers},{_q(NO_DOSSIERS)},"
        f"IF(NOT({complete}),{_q(INVALID)},{band_formula(fw, total)})))"
    )
    g.set_formula(table_top + 1, 4, band)


def _appendix_formulas(
    g: _Grid,
    fw: Framework,
    indicators: list[Indicator],
    unit_rows: list[tuple[int, str]],
    sections: list[Section],
    cols: tuple[int, int, int, int],
) -> tuple[NumberRule, ...]:
    """Service index, one unit per row: scores as typed (capped at each maximum), "-" dropped and the total
    converted to /100 (quy đổi) where the framework rescales, band and rank within the section (unit level)."""
    c_total, c_qd, c_band, c_rank = cols
    dec, qdec = fw.rounding.decimals, fw.rounding.quy_doi_decimals
    rescale = fw.na_mode == "rescale"
    n = len(indicators)
    by_level: dict[str, list[int]] = {}
    for r, level in unit_rows:
        by_level.setdefault(level, []).append(r)

    def applicable_max(r: int) -> str:
        if not rescale:
            return _n(sum(i.max for i in indicators))
        return _sum([f'({a1(r, 2 + k)}<>"-")*{_n(ind.max)}' for k, ind in enumerate(indicators)])

    for r, level in unit_rows:
        cells = f"{a1(r, 2)}:{a1(r, 1 + n)}"
        name = a1(r, 1)
        empty = f"COUNTA({cells})=0"
        items = [f"MIN({_n(ind.max)},N({a1(r, 2 + k)}))" for k, ind in enumerate(indicators)]
        if fw.rounding.sum_rounded_items:
            items = [_round(i, dec) for i in items]
        total = "(" + _sum(items) + ")"
        amax = "(" + applicable_max(r) + ")"
        ok = f'COUNT({cells})+SUMPRODUCT(--({cells}="-"))={n}' if rescale else f"COUNT({cells})={n}"
        bad = f"OR(NOT({ok}),{amax}=0)"
        total_ref, qd_ref = a1(r, c_total), a1(r, c_qd)
        g.set_formula(r, c_total, f'IF(OR({empty},{bad}),"",{_round(total, dec)})')
        if rescale:
            qd = _round(f"{total}/{amax}*{_n(fw.na_scale)}", qdec)
            g.set_formula(r, c_qd, f'IF(OR({empty},{bad}),"",{qd})')
        else:
            g.set_formula(r, c_qd, f'IF(ISNUMBER({total_ref}),{total_ref},"")')
        basis = qd_ref if fw.bands and fw.bands.scale == "quy_doi" else total
        g.set_formula(
            r,
            c_band,
            f'IF({empty},IF({name}="","",{_q(NOT_SCORED)}),IF({bad},{_q(INVALID)},{band_formula(fw, basis)}))',
        )
        rows = by_level[level]
        section = f"{_abs_row(rows[0], c_qd)}:{_abs_row(rows[-1], c_qd)}"
        g.set_formula(r, c_rank, f'IF(ISNUMBER({qd_ref}),RANK({qd_ref},{section}),"")')
    if not rescale or not unit_rows:
        return ()
    # "58,94/85": the total shows the applicable maximum when some indicators are "-" (one rule per possible sum)
    sums = {0.0}
    for ind in indicators:
        sums |= {round(s + ind.max, 9) for s in sums}
    full = round(sum(i.max for i in indicators), 9)
    possible = sorted(s for s in sums if 0 < s < full)
    if len(possible) > 60:
        return ()
    first, last_row = unit_rows[0][0], unit_rows[-1][0]
    amax = applicable_max(first)
    return tuple(
        NumberRule(first, last_row, c_total, f"({amax})={_n(s)}", f'0.00"/{fmt_vn(s, None)}"') for s in possible
    )


def _unit_index_formulas(
    g: _Grid, fw: Framework, top: int, groups: list[tuple[int, list[tuple[Indicator, int]]]]
) -> None:
    """Service index, one unit (766 layout): ratio from numerator/denominator or the published ratio, linear or
    target rule capped at the maximum, 0/0 policy, "-" policy, group and total sums, band."""
    dec = fw.rounding.decimals
    rescale = fw.na_mode == "rescale"
    typed: list[str] = []
    broken: list[str] = []
    gmax_terms: list[str] = []
    group_scores: list[str] = []  # unrounded (or rounded when the framework sums rounded scores)
    for grow, members in groups:
        app_terms: list[str] = []
        item_terms: list[str] = []
        for ind, r in members:
            num, den, rat, score_cell = (a1(r, c) for c in (3, 4, 5, 7))
            has_nd = bool(ind.numerator_label)
            typed += [f"{num}:{rat}"] if has_nd else [rat]
            blank_nd = f'AND({num}="",{den}="")' if has_nd else "TRUE"
            nd_ok = f"AND(ISNUMBER({num}),ISNUMBER({den}))"
            used, rule = partial(_used_ratio, ind), partial(_indicator_rule, ind)
            zero = {"full": _n(ind.max), "zero": "0"}.get(ind.zero_denominator, '""')
            ratio_nd = f'IF({nd_ok},IF({den}=0,"",{used(f"100*{num}/{den}")}),"")'
            score_nd = f'IF({nd_ok},IF({den}=0,{zero},{rule(f"100*{num}/{den}")}),"")'
            ratio_only = f'IF(ISNUMBER({rat}),{used(rat)},"")'
            score_only = f'IF(ISNUMBER({rat}),{rule(rat)},"")'
            if has_nd:
                g.set_formula(r, 6, f"IF({blank_nd},{ratio_only},{ratio_nd})")
                unrounded = f"IF({blank_nd},{score_only},{score_nd})"
            else:
                g.set_formula(r, 6, ratio_only)
                unrounded = score_only
            g.set_formula(r, 7, _rounded_if(unrounded, dec))
            not_app: list[str] = []
            if rescale:
                not_app.append(f'IF({blank_nd},{rat}="-",OR({num}="-",{den}="-"))' if has_nd else f'{rat}="-"')
            if ind.zero_denominator == "not_applicable" and has_nd:
                not_app.append(f"AND(NOT({blank_nd}),{nd_ok},N({den})=0)")
            app = f"NOT(OR({','.join(not_app)}))" if not_app else "TRUE"
            app_terms.append(f"{app}*{_n(ind.max)}")
            broken.append(f"AND({app},NOT(ISNUMBER({score_cell})))")
            item_terms.append(f"N({score_cell})" if fw.rounding.sum_rounded_items else f"N({unrounded})")
        gmax = "(" + _sum(app_terms) + ")"
        gmax_terms.append(gmax)
        gsum = "(" + _sum(item_terms) + ")"
        g.set_formula(grow, 7, f'IF({gmax}>0,{_round(gsum, dec)},"")')
        group_scores.append(f"N({a1(grow, 7)})" if fw.rounding.sum_rounded_items else gsum)
    entered = _any_typed(typed)
    amax = "(" + _sum(gmax_terms) + ")"
    bad = f"OR({','.join(broken)},{amax}=0)" if broken else f"{amax}=0"
    total = _sum(group_scores)
    if fw.rounding.sum_rounded_items:
        total = _round(total, dec)
    g.set_formula(top, 7, f'IF(OR(NOT{entered},{bad}),"",{_round(total, dec)})')
    if fw.bands and fw.bands.scale == "quy_doi":
        basis = (
            _round(f"({total})/{amax}*{_n(fw.na_scale)}", fw.rounding.quy_doi_decimals)
            if rescale
            else _round(total, dec)
        )
    else:
        basis = total
    g.set_formula(top + 1, 7, f"IF(NOT{entered},{_q(NOT_SCORED)},IF({bad},{_q(INVALID)},{band_formula(fw, basis)}))")


def _used_ratio(ind: Indicator, x: str) -> str:
    """The ratio an indicator scores from: rounded to 2 decimals first where the portal states ratios so."""
    return _round(x, 2) if ind.use_stated_ratio else x


def _indicator_rule(ind: Indicator, x: str) -> str:
    """max × ratio / 100 (linear) or max × ratio / target (target), never above the maximum."""
    div = _n(ind.target) if ind.rule == "target" and ind.target else "100"
    return f"MIN({_n(ind.max)},{_n(ind.max)}*{_used_ratio(ind, x)}/{div})"


def _rounded_if(expr: str, dec: int) -> str:
    return f'IF(ISNUMBER({expr}),ROUND({expr},{dec}),"")'


def _par_formulas(g: _Grid, fw: Framework, rows: dict[str, int]) -> None:
    """PAR tree: a parent is the sum of its children capped at its standard points, leaves capped too; totals,
    the implementation/survey split and the band on the appraised (else self-assessed) total."""
    dec = fw.rounding.decimals
    nodes = fw.nodes()
    has = {}
    for col in (3, 6):
        leaves = [rows[n.code] for n in nodes if n.is_leaf and (col == 6 or n.source != "survey")]
        has[col] = _any_typed(_ranges(col, leaves))

    def value(node: Node, col: int) -> str:
        ref = a1(rows[node.code], col)
        if not node.is_leaf:
            return f"N({ref})"
        if col == 3 and node.source == "survey":
            return "0"
        return f"MIN({_n(node.max)},N({ref}))"

    for node in nodes:
        if node.is_leaf:
            continue
        for col in (3, 6):
            parts = _sum([value(c, col) for c in node.children])
            g.set_formula(rows[node.code], col, f'IF(NOT{has[col]},"",MIN({_n(node.max)},{parts}))')
    outs = {s.key: s for s in g.slots if s.io == "output"}
    totals = {}
    for col, key in ((3, "total/self"), (6, "total/appraised")):
        s = outs[key]
        totals[col] = a1(s.row, s.col)
        g.set_formula(s.row, s.col, f'IF(NOT{has[col]},"",{_sum([value(r, col) for r in fw.tree])})')
    survey = _sum([value(n, 6) for n in nodes if n.is_leaf and n.source == "survey"])
    if "survey" in outs:
        s = outs["survey"]
        g.set_formula(s.row, s.col, f'IF(NOT{has[6]},"",{survey})')
    if "implementation" in outs:
        s = outs["implementation"]
        g.set_formula(s.row, s.col, f'IF(NOT{has[6]},"",N({totals[6]})-({survey}))')
    if "band" in outs and fw.bands:
        s = outs["band"]
        basis = f"IF({has[6]},N({totals[6]}),N({totals[3]}))"
        if fw.bands.scale == "quy_doi":
            basis = _round(f"{basis}/{_n(fw.max_total)}*100", dec)
        g.set_formula(s.row, s.col, f"IF(AND(NOT{has[3]},NOT{has[6]}),{_q(NOT_SCORED)},{band_formula(fw, basis)})")


# ---------------------------------------------------------------------------- entry points

_BUILDERS = {"tthc-unit": _tthc_unit, "si-appendix": _si_appendix, "si766-unit": _si766_unit, "par-self": _par_self}


def template_spec(fw: Framework) -> TemplateSpec:
    """The template of ``fw`` from its data: ``"template": {"layout": …, "file": …}`` (the layout is inherited
    through ``extends``, the file name is not), else the kind's default layout and ``Mau_<id>.xlsx``."""
    raw = fw.raw.get("template")
    spec: dict[str, Any] = raw if isinstance(raw, dict) else {}
    layout = str(spec.get("layout") or DEFAULT_LAYOUT[fw.kind])
    file_name = str(spec.get("file") or f"Mau_{fw.id}.xlsx")
    return TemplateSpec(file_name, layout, fw.id)


def template_specs(registry: Registry) -> list[TemplateSpec]:
    """One template per framework of ``registry``, in id order; a file name two frameworks claim goes to the first
    and the other gets ``Mau_<id>.xlsx`` (ids are unique and ASCII, so names stay stable)."""
    out: list[TemplateSpec] = []
    taken: set[str] = set()
    for fw in registry.all():
        spec = template_spec(fw)
        if spec.file_name.casefold() in taken:
            spec = TemplateSpec(f"Mau_{fw.id}.xlsx", spec.template_id, fw.id)
        taken.add(spec.file_name.casefold())
        out.append(spec)
    return out


def build_layout(template_id: str, fw: Framework, file_name: str | None = None) -> Layout:
    """The layout of template ``template_id`` for framework ``fw``."""
    kind = TEMPLATE_KINDS.get(template_id)
    if kind is None:
        raise LayoutError(f"Không có biểu mẫu «{template_id}» (có: {', '.join(TEMPLATE_KINDS)}).")
    if fw.kind != kind:
        raise LayoutError(f"Biểu mẫu «{template_id}» không dùng được cho khung chấm điểm {fw.id} (loại {fw.kind}).")
    if file_name is None:
        own = template_spec(fw)
        file_name = own.file_name if own.template_id == template_id else f"{template_id}.xlsx"
    return _BUILDERS[template_id](fw, file_name)


def spec_layouts(registry: Registry | None = None) -> list[Layout]:
    """The layout of every framework's template in ``registry`` (default: the shipped and configured frameworks)."""
    reg = registry or default_registry()
    return [build_layout(s.template_id, reg.get(s.framework_id), s.file_name) for s in template_specs(reg)]


def formula_cells(layout: Layout) -> dict[str, str]:
    """``{A1 ref: "=…"}`` of every formula cell of ``layout`` (what «Tính điểm» compares with the core and restores)."""
    return layout.formulas()


def slot_colour(slot: Slot) -> str:
    """The fill colour a slot has in a fresh template (restored when an old mark is removed)."""
    return COLOURS["input" if slot.io == "input" else "output"]


def output_values(fw: Framework, result: UnitResult, *, scalars_only: bool = False) -> dict[str, Any]:
    """What each output key of a unit holds after scoring (None clears the cell). ``scalars_only``: the unit's
    figures (total, quy đổi, band, rank, the PAR totals) without the item columns."""
    scored = result.status == "scored"
    out: dict[str, Any] = {
        "total": result.total_shown if scored else None,
        "quy_doi": result.quy_doi if scored else None,
        "band": result.band_label if scored and result.band_label else (None if scored else result.status_label),
        "rank": result.rank,
    }
    if fw.kind == "par":
        ex = result.extra
        for key, ex_key in (
            ("total/self", "self_total"),
            ("total/appraised", "appraised_total"),
            ("implementation", "appraised_without_survey"),
            ("survey", "survey_total"),
        ):
            v = ex.get(ex_key)
            out[key] = round(v, 6) if isinstance(v, int | float) else None
    if scalars_only:
        return out
    for it in [*result.items, *result.groups]:
        out[f"item/{it.code}"] = it.shown
        out[f"group/{it.code}"] = it.shown
        dossiers = it.detail.get("dossiers") if it.detail else None
        out[f"dossiers/{it.code}"] = int(dossiers) if isinstance(dossiers, int | float) else None
        ratio = it.detail.get("ratio") if it.detail else None
        out[f"ratio/{it.code}"] = round(ratio, 2) if isinstance(ratio, int | float) else None
        if fw.kind == "par":
            for col in ("self", "appraised"):
                v = it.detail.get(col)
                out[f"{col}/{it.code}"] = round(v, 6) if isinstance(v, int | float) else None
    return out
