"""Official workbook templates, rendered from :mod:`xl_tthc.io.layouts` with XlsxWriter.

Plain .xlsx (no macros), reproducible byte for byte: XlsxWriter stamps every zip member 1980-01-01 and we fix
the document's creation/modification date, so a rebuild equals the committed copy in ``workbooks/``.

The template id, layout version and framework id/version are stored twice so that they survive editing in
Excel and LibreOffice: as workbook defined names (``XL_TTHC_TEMPLATE`` = ``"tthc-unit"`` …) and as custom
document properties of the same names. A visible last line (``Mã biểu mẫu: …``) keeps .xls/.ods copies
recognisable. Input cells are unlocked, output cells locked, and the sheet is protected without a password.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from xl_tthc.core.framework import Registry, level_label
from xl_tthc.core.keys import get_key
from xl_tthc.io.atomic import atomic_path
from xl_tthc.io.layouts import (
    COLOURS,
    FONT,
    LAYOUT_VERSION,
    NAME_FRAMEWORK,
    NAME_FRAMEWORK_VERSION,
    NAME_LAYOUT,
    NAME_TEMPLATE,
    Layout,
    Slot,
    spec_layouts,
    text_lines,
)

BUILD_DATE = datetime(2024, 1, 1)  # fixed: templates must rebuild byte-identical
NUMBER_FORMATS = {"count": "#,##0", "score": "0.00", "par": "General", "rank": "0", "band": "@"}

_BASE: dict[str, Any] = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
_BOX: dict[str, Any] = {"border": 1}

STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 13, "align": "center", "text_wrap": True},
    "subtitle": {"italic": True, "align": "center", "text_wrap": True},
    "label_bold": {"bold": True},
    "count_total": {**_BOX, "bold": True, "text_wrap": True},
    "count_part": {**_BOX, "indent": 1, "text_wrap": True},
    "count_label": {**_BOX, "text_wrap": True},
    "head": {**_BOX, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#" + COLOURS["head"]},
    "head_small": {
        **_BOX,
        "bold": True,
        "font_size": 10,
        "align": "center",
        "text_wrap": True,
        "bg_color": "#" + COLOURS["head"],
    },
    "colno": {**_BOX, "italic": True, "font_size": 9, "align": "center"},
    "code": {**_BOX, "align": "center"},
    "code_bold": {**_BOX, "align": "center", "bold": True},
    "text": {**_BOX, "text_wrap": True},
    "text_bold": {**_BOX, "text_wrap": True, "bold": True},
    "text_indent": {**_BOX, "indent": 5},
    "section": {**_BOX, "bold": True},
    "small": {**_BOX, "font_size": 9, "text_wrap": True},
    "small_italic": {**_BOX, "font_size": 9, "italic": True, "text_wrap": True},
    "max": {**_BOX, "align": "center"},
    "max_bold": {**_BOX, "align": "center", "bold": True},
    "blank": {**_BOX, "bg_color": "#" + COLOURS["blank"]},
    "note": {"italic": True, "font_size": 10, "text_wrap": True, "valign": "top"},
    "meta": {"italic": True, "font_size": 8, "font_color": "#7F7F7F"},
}


def slot_style(slot: Slot) -> dict[str, Any]:
    """XlsxWriter format properties of an input or output cell."""
    if slot.io == "input":
        props: dict[str, Any] = {**_BOX, "locked": False, "bg_color": "#" + COLOURS["input"]}
        if slot.kind == "count":
            props.update(num_format="#,##0", align="right")
        elif slot.kind in {"score", "si_score", "ratio"}:
            props.update(align="right")
        elif slot.kind == "mark":
            props.update(align="center", bold=True)
        elif slot.kind == "text":
            props.update(text_wrap=True, valign="top", font_size=10)
        else:  # name, period, level
            props.update(bold=True, text_wrap=True)
        return props
    props = {**_BOX, "bg_color": "#" + COLOURS["output"], "bold": True, "num_format": NUMBER_FORMATS[slot.kind]}
    props["align"] = "center" if slot.kind in {"band", "rank"} else "right"
    return props


def _validation(layout: Layout, slot: Slot, top_left: str) -> dict[str, Any] | None:
    error = {"error_title": "Số liệu không hợp lệ", "error_type": "stop"}
    if slot.kind == "count":
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            **error,
            "error_message": "Nhập số nguyên không âm.",
        }
    if slot.kind == "score":
        mx = slot.max if slot.max is not None else 1e9
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": mx,
            **error,
            "error_message": f"Nhập điểm từ 0 đến {_vn(mx)}.",
        }
    if slot.kind == "si_score":
        mx = slot.max if slot.max is not None else 1e9
        return {
            "validate": "custom",
            "value": f'=OR({top_left}="-",AND(ISNUMBER({top_left}),{top_left}>=0,{top_left}<={mx:g}))',
            **error,
            "error_message": layout.validation_notes.get("si_score", f"Nhập điểm từ 0 đến {_vn(mx)} hoặc dấu «-»."),
        }
    if slot.kind == "ratio":
        return {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            **error,
            "error_message": "Nhập tỷ lệ phần trăm (số không âm).",
        }
    if slot.kind == "mark":
        return {
            "validate": "list",
            "source": ["x"],
            **error,
            "error_message": layout.validation_notes.get("mark", "Chỉ nhập «x»."),
        }
    if slot.kind == "level":
        return {
            "validate": "list",
            "source": [level_label(lv) for lv in layout.framework.levels],
            **error,
            "error_message": "Chọn cấp đơn vị trong danh sách.",
        }
    return None


def _vn(x: float) -> str:
    from xl_tthc.core.numbers import fmt_vn

    return fmt_vn(x, None)


def _validation_ranges(slots: list[Slot]) -> list[tuple[Slot, int, int]]:
    """Group input slots by (column, kind, max) into runs of consecutive rows: (first slot, first row, last row)."""
    keyed = sorted(
        (s for s in slots if s.io == "input"),
        key=lambda s: (s.col, s.kind, -1.0 if s.max is None else s.max, s.row),
    )
    runs: list[tuple[Slot, int, int]] = []
    for s in keyed:
        if runs:
            first, r0, r1 = runs[-1]
            if (first.col, first.kind, first.max) == (s.col, s.kind, s.max) and s.row == r1 + 1:
                runs[-1] = (first, r0, s.row)
                continue
        runs.append((s, s.row, s.row))
    return runs


def render(
    layout: Layout,
    path: Path,
    values: Mapping[tuple[int, int], Any] | None = None,
) -> Path:
    """Write ``layout`` as an .xlsx at ``path`` (atomically). ``values`` pre-fills slots (used for samples)."""
    values = values or {}
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
        )
        _write(wb, layout, [(layout.sheet, values)])
        wb.close()
    return path


def render_sheets(
    layout: Layout,
    path: Path,
    sheets: list[tuple[str, Mapping[tuple[int, int], Any]]],
    *,
    lean: bool = False,
    cached: Any = "",
) -> Path:
    """Write ``layout`` once per (sheet name, slot values) into one .xlsx: many units' templates in one file, each
    sheet computing by itself (the LibreOffice recalculation check and benchmark). ``lean`` sheets hold only the
    slots (typed inputs and the output formulas at their cells), without labels, styles, validation or print
    setup: the same arithmetic for a fraction of the spreadsheet program's loading work. ``cached`` is the value
    stored with every formula ("" = none: spreadsheet programs compute such cells on opening)."""
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
        )
        if lean:
            for name, values in sheets:
                ws = wb.add_worksheet(name)
                for slot in layout.slots:
                    value = values.get((slot.row, slot.col))
                    if slot.formula:
                        ws.write_formula(slot.row, slot.col, "=" + slot.formula, None, cached)
                    elif value is not None:
                        _put(ws, slot.row, slot.col, value, None)
        else:
            _write(wb, layout, sheets, cached)
        wb.close()
    return path


def _write(
    wb: Any, layout: Layout, sheets: list[tuple[str, Mapping[tuple[int, int], Any]]], cached: Any = ""
) -> None:
    fw = layout.framework
    wb.set_properties(
        {
            "title": layout.title.capitalize() if layout.title.isupper() else layout.title,
            "subject": fw.title,
            "author": "xl_tthc",
            "manager": "",
            "company": "",
            "category": "Biểu mẫu chấm điểm",
            "keywords": f"xl_tthc; {layout.template_id}; {fw.id}",
            "comments": f"Biểu mẫu {layout.template_id} của xl_tthc, khung chấm điểm {fw.id} phiên bản {fw.version}.",
            "created": BUILD_DATE,
        }
    )
    meta = {
        NAME_TEMPLATE: layout.template_id,
        NAME_LAYOUT: LAYOUT_VERSION,
        NAME_FRAMEWORK: fw.id,
        NAME_FRAMEWORK_VERSION: fw.version,
    }
    for name, text in meta.items():
        wb.set_custom_property(name, text)
        wb.define_name(name, f'="{text}"')

    formats: dict[str, Any] = {}

    def fmt(key: str, props: dict[str, Any], base: bool = True) -> Any:
        if key not in formats:
            formats[key] = wb.add_format({**_BASE, **props} if base else props)
        return formats[key]

    for i, (name, values) in enumerate(sheets):
        _sheet(wb.add_worksheet(name), layout, values, fmt, active=i == 0, cached=cached)


def _sheet(
    ws: Any, layout: Layout, values: Mapping[tuple[int, int], Any], fmt: Any, *, active: bool, cached: Any
) -> None:
    for c, width in enumerate(layout.columns):
        ws.set_column(c, c, width)
    heights = dict(layout.row_heights)
    for cell in layout.cells:
        f = fmt(cell.style, STYLES[cell.style])
        if cell.last_row is not None or cell.last_col is not None:
            ws.merge_range(
                cell.row,
                cell.col,
                cell.last_row if cell.last_row is not None else cell.row,
                cell.last_col if cell.last_col is not None else cell.col,
                "",
                f,
            )
        _put(ws, cell.row, cell.col, cell.value, f)
    for slot in layout.slots:
        f = fmt(f"slot:{slot.io}:{slot.kind}", slot_style(slot))
        value = values.get((slot.row, slot.col))
        if slot.last_col is not None:
            ws.merge_range(slot.row, slot.col, slot.row, slot.last_col, "", f)
        if slot.formula:
            # the cached value is what the formula gives on these inputs when the caller knows it (samples), else
            # none at all: Excel and LibreOffice then compute on opening (fullCalcOnLoad) and readers see no value
            ws.write_formula(slot.row, slot.col, "=" + slot.formula, f, cached if value is None else value)
        else:
            _put(ws, slot.row, slot.col, value, f)
        if isinstance(value, str) and slot.io == "input" and slot.kind in {"text", "name", "period", "level"}:
            width = sum(layout.columns[slot.col : (slot.last_col or slot.col) + 1])
            small = slot.kind == "text"
            lines = text_lines(value, width, size=10 if small else 11, bold=not small)
            heights[slot.row] = max(heights.get(slot.row, 15.0), lines * (13.0 if small else 15.0) + 3)
    for row, height in sorted(heights.items()):
        ws.set_row(row, height)
    for nr in layout.number_rules:
        shown = fmt(nr.num_format, {"num_format": nr.num_format}, base=False)
        ws.conditional_format(
            nr.first_row, nr.col, nr.last_row, nr.col, {"type": "formula", "criteria": "=" + nr.criteria, "format": shown}
        )
    for first, r0, r1 in _validation_ranges(list(layout.slots)):
        rule = _validation(layout, first, first.ref)
        if rule is not None:
            ws.data_validation(r0, first.col, r1, first.col, rule)

    ws.hide_gridlines(2)
    ws.set_paper(9)  # A4
    if layout.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(*layout.repeat_rows)
    ws.set_footer('&C&"Times New Roman"&9Trang &P/&N')
    if layout.freeze:
        ws.freeze_panes(*layout.freeze)
    ws.protect(
        "",
        {
            "format_columns": True,
            "format_rows": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )
    if active:
        ws.activate()


def _put(ws: Any, row: int, col: int, value: Any, f: Any) -> None:
    if value is None:
        ws.write_blank(row, col, None, f)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, f)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, f)
    else:
        ws.write_string(row, col, str(value), f)


def build_templates(out_dir: Path, registry: Registry | None = None) -> list[Path]:
    """Build the template of every framework the registry finds into ``out_dir`` (``xl-tthc templates -o DIR``).

    Without ``registry`` the folders are read afresh: the shipped frameworks, ``XL_TTHC_FRAMEWORKS`` and
    ``--frameworks`` (which the CLI puts into that variable). Returns the written paths.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [render(layout, out_dir / layout.file_name) for layout in spec_layouts(registry or Registry())]


__all__ = ["BUILD_DATE", "build_templates", "render", "render_sheets", "slot_style"]


def single_unit_values(layout: Layout, unit: dict[str, Any], period: str) -> dict[tuple[int, int], Any]:
    """Slot values of a one-unit template from a unit of an ``xl-tthc/input`` document (raw values as typed)."""
    data = unit["data"]
    values: dict[tuple[int, int], Any] = {}
    for slot in layout.slots:
        if slot.io == "input":
            if slot.key == "unit/name":
                value = unit["unit"]["name"]
            elif slot.key == "period":
                value = period
            else:
                value = get_key(data, slot.key)
        else:
            value = get_key(data, slot.stated) if slot.stated else None
        if value is not None:
            values[(slot.row, slot.col)] = value
    return values


def appendix_values(layout: Layout, units: list[dict[str, Any]], period: str) -> dict[tuple[int, int], Any]:
    """Slot values of a multi-unit appendix from the units of an ``xl-tthc/input`` document, row by row."""
    table = layout.table
    assert table is not None
    values: dict[tuple[int, int], Any] = {}
    period_slot = next(s for s in layout.slots if s.key == "period")
    values[(period_slot.row, period_slot.col)] = period
    free = {level: [row for row, lv in table.unit_rows if lv == level] for level in {lv for _, lv in table.unit_rows}}
    for unit in units:
        row = free[unit["unit"]["level"]].pop(0)
        values[(row, table.name_col)] = unit["unit"]["name"]
        for key, col, _kind, _mx in table.inputs:
            v = get_key(unit["data"], key)
            if v is not None:
                values[(row, col)] = v
        for _key, col, _kind, stated in table.outputs:
            v = get_key(unit["data"], stated) if stated else None
            if v is not None:
                values[(row, col)] = v
    return values
