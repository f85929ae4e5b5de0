"""Reading one workbook for the batch: python-calamine for the values, a light look at the sheet XML when needed.

calamine gives every sheet's values, its visibility and its merged ranges. It returns ``""`` both for a formula
whose cached value was never saved (files written by openpyxl and other programs) and for an Excel error value
such as ``#REF!``; :func:`cell_states` tells these apart by reading the cells of the sheet XML, and is only called
for input cells that came back empty.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from xl_tthc.core.records import record
from xl_tthc.io import HIDDEN, MAX_CELLS, MAX_ROWS, VERY_HIDDEN, VISIBLE


class ReadError(Exception):
    """The workbook could not be read (message: the library's reason, for the log and the finding)."""


@record
class Sheet:
    name: str
    state: str  # visible | hidden | veryhidden
    rows: int
    cols: int
    grid: list[list[Any]] | None = None  # None when too large or not loaded
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    far: str | None = None  # the far cell of a sheet the probe left out (grid None; rows, cols: the probe's)

    @property
    def too_large(self) -> bool:
        return self.rows > MAX_ROWS or self.rows * self.cols > MAX_CELLS

    def has_data(self) -> bool:
        return bool(self.grid) and any(v != "" and v is not None for row in self.grid or () for v in row)


def _state(meta: Any) -> str:
    v = str(getattr(meta, "visible", "Visible")).rsplit(".", 1)[-1].lower()
    return {"visible": VISIBLE, "hidden": HIDDEN, "veryhidden": VERY_HIDDEN}.get(v, VISIBLE)


def read_sheets(
    path: Path,
    *,
    load_hidden: bool = True,
    data: bytes | None = None,
    far: Iterable[tuple[str, str, int, int]] = (),
) -> list[Sheet]:
    """All worksheets of a workbook with their values (absolute coordinates), state and merged ranges.

    ``data``: the file's bytes when the caller already read them (the probe does), so the file is read once.
    ``far``: the sheets the probe found too far-flung (:attr:`xl_tthc.io.probe.Probe.far_sheets`): listed, never built.
    Raises :class:`ReadError` when calamine cannot read the file.
    """
    skip = {name: (ref, rows, cols) for name, ref, rows, cols in far}
    import python_calamine as pc

    try:
        wb = (
            pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
            if data is not None
            else pc.CalamineWorkbook.from_path(str(path))
        )
    except Exception as exc:  # calamine raises its own error types, and OSError/ValueError for odd files
        raise ReadError(f"{exc.__class__.__name__}: {exc}") from None
    out: list[Sheet] = []
    try:
        for meta in wb.sheets_metadata:
            if "work" not in str(getattr(meta, "typ", "WorkSheet")).lower():
                continue  # chart sheets and dialog sheets hold no cells
            state = _state(meta)
            if meta.name in skip:
                ref, rows, cols = skip[meta.name]
                out.append(Sheet(meta.name, state, rows, cols, far=ref))
                continue
            try:
                sh = wb.get_sheet_by_name(meta.name)
            except Exception as exc:
                raise ReadError(f"{exc.__class__.__name__}: {exc}") from None
            end = sh.end
            rows, cols = (end[0] + 1, end[1] + 1) if end else (0, 0)
            sheet = Sheet(meta.name, state, rows, cols)
            out.append(sheet)
            if sheet.too_large or (state != VISIBLE and not load_hidden):
                continue
            sheet.grid = sh.to_python(skip_empty_area=False) if rows else []
            merged = sh.merged_cell_ranges
            if merged:
                sheet.merged = list(merged)
    finally:
        wb.close()
    return out


# ---------------------------------------------------------------------------- sheet XML (xlsx/xlsm only)

_TAG_ATTRS = re.compile(rb'([\w:]+)="([^"]*)"')
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
# a formula element, empty (a shared formula's follower) or with its text, and a value: their text holds no "<" (XML
# writes it &lt;), so it is scanned to the next tag, not character by character
FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)")
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>([^<]*)</(?:\w+:)?v>")


# A formula element ends in "f>" (<f>…</f>, <x:f>…</x:f>) unless it is an empty shared-formula reference
# (<f t="shared" si="0"/>) or a data table (<f t="dataTable" …/>); an error value is a cell typed t="e".
_FORMULA_OR_ERROR_TOKENS = (b"f>", b'si="', b"dataTable", b't="e"', b"t='e'")


def may_hold_formula_or_error(xml: bytes) -> bool:
    """False only when the sheet XML has no formula element and no error-typed cell (plain substring searches: a
    regex over the whole sheet cost more than the rest of the look). A false True only means a closer look."""
    return any(token in xml for token in _FORMULA_OR_ERROR_TOKENS)


def _cell_element(xml: bytes, ref: bytes) -> re.Match[bytes] | None:
    """The ``<c r="ref">`` element of a sheet's XML, found by its r attribute (the nearest "<" before the attribute
    starts its tag: XML escapes "<" inside attribute values), or None."""
    needle = b'r="' + ref + b'"'
    at = xml.find(needle)
    while at > 0:
        if xml[at - 1 : at].isspace():  # r="…", not ref="…" or another name ending in r
            start = xml.rfind(b"<", 0, at)
            m = _CELL.match(xml, start) if start >= 0 else None
            if m is not None and _attrs(m.group(1)).get(b"r") == ref:
                return m
        at = xml.find(needle, at + 1)
    return None


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return {k.split(b":")[-1] if k != b"r:id" else k: v for k, v in _TAG_ATTRS.findall(raw)}


def sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip path of a worksheet's XML, found through xl/workbook.xml and its relationships."""
    try:
        wb = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    rid = None
    for m in _SHEET_TAG.finditer(wb):
        a = _attrs(m.group(1))
        if html.unescape(a.get(b"name", b"").decode("utf-8", "replace")) == sheet_name:
            rid = next((v for k, v in a.items() if k.endswith(b"id") and k != b"sheetId"), None)
            break
    if rid is None:
        return None
    for m in _REL_TAG.finditer(rels):
        a = _attrs(m.group(1))
        if a.get(b"Id") == rid:
            target = a.get(b"Target", b"").decode("utf-8", "replace")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


_LAST_XML: list[tuple[object, str, bytes | None]] = []  # the last sheet XML inflated: (its source, sheet, XML)


def sheet_xml(
    path: Path | None, sheet_name: str, data: bytes | None = None, known: Mapping[str, bytes] | None = None
) -> bytes | None:
    """The XML of one worksheet of an .xlsx/.xlsm (``data``: the file's bytes when the caller already read them;
    ``known``: sheets' XML the probe already inflated, by sheet name), or None when it cannot be read. The last one
    is kept: the checks after a read (cell states, formulas) ask for the same sheet of the same bytes one after the
    other, and it is inflated once."""
    if known is not None and sheet_name in known:
        return known[sheet_name]
    source: object = data if data is not None else path
    if _LAST_XML and _LAST_XML[0][0] is source and _LAST_XML[0][1] == sheet_name:
        return _LAST_XML[0][2]
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as zf:  # type: ignore[arg-type]
            part = sheet_part(zf, sheet_name)
            xml = zf.read(part) if part is not None else None
    except (OSError, KeyError, zipfile.BadZipFile, EOFError, RuntimeError, ValueError):
        xml = None
    _LAST_XML[:] = [(source, sheet_name, xml)]
    return xml


def cell_element(xml: bytes, ref: str) -> tuple[dict[bytes, bytes], bytes] | None:
    """The attributes and the content of the ``<c r="ref">`` element of a sheet's XML, when that cell holds a formula
    or an error value (the only cells the checks after a read look at); None otherwise."""
    hit = _special_cell(xml, ref)
    if hit is None:
        return None
    r, attrs, body = hit
    return _attrs(b'r="' + r + b'"' + attrs if r else attrs), body


def cell_body(xml: bytes, ref: str) -> bytes | None:
    """The content of the ``<c r="ref">`` element, as :func:`cell_element` finds it, without its attributes."""
    hit = _special_cell(xml, ref)
    return None if hit is None else hit[2]


def _special_cell(xml: bytes, ref: str) -> tuple[bytes, bytes, bytes] | None:
    special = _special_cells(xml)
    if special is None:
        m = _cell_element(xml, ref.encode())
        return None if m is None else (b"", m.group(1), m.group(2) or b"")
    return special.get(ref.encode())


# per cell: (its reference when the attributes lack it, the (other) attributes, the content)
_Special = dict[bytes, tuple[bytes, bytes, bytes]]
_LAST_SPECIAL: list[tuple[bytes, _Special | None]] = []
_TAG_END = (b" ", b">", b"/", b"\n", b"\r", b"\t")
# A formula cell as Excel, LibreOffice and openpyxl write it: the reference its first attribute, the formula its first
# child. One pass of this over the sheet finds them all; any other spelling is found token by token below.
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"([^>]*)>(<f[\s>/][^<]*(?:<(?!/c>)[^<]*)*)</c>')
_FORMULA_TAG = re.compile(rb"<f[\s>/]")
# (a regex search runs through a sheet's XML several times faster than bytes.find for these short needles)
_PREFIXED_CELL = re.compile(rb":c[ >]")
_ERROR_TYPE = re.compile(rb't="e"')


def _special_cells(xml: bytes) -> _Special | None:
    """Every cell of a sheet's XML that holds a formula element or an error value, by reference, as (its reference
    or b"", the raw attributes, the content); None when the XML writes its element names with a prefix (<x:c>: then
    cells are looked up one by one). Found from the few <f and t="e" in the sheet rather than by a Python walk over
    every cell; kept for the last sheet asked about."""
    if _LAST_SPECIAL and _LAST_SPECIAL[0][0] is xml:
        return _LAST_SPECIAL[0][1]
    out: _Special | None = None
    if _PREFIXED_CELL.search(xml) is None:
        found: _Special = {}
        tokens: list[bytes] = []
        expected = len(_FORMULA_TAG.findall(xml))
        if expected:
            fast = {g[0]: g for g in _FORMULA_CELL.findall(xml)}
            if len(fast) == expected:  # every formula element found in the one pass
                found = fast
            else:
                tokens.append(b"<f")
        if _ERROR_TYPE.search(xml) is not None:
            tokens.append(b't="e"')
        for token in tokens:
            _special_by_token(xml, token, found)
        out = found
    _LAST_SPECIAL[:] = [(xml, out)]
    return out


def _special_by_token(xml: bytes, token: bytes, out: _Special) -> None:
    """The cells around each ``token`` (``<f`` or ``t="e"``) of the sheet's XML, into ``out``."""
    pos = xml.find(token)
    while pos >= 0:
        if token == b't="e"' or xml[pos + 2 : pos + 3] in _TAG_END:  # <f …>, not <formula1>
            start = xml.rfind(b"<c", 0, pos)
            while start >= 0 and xml[start + 2 : start + 3] not in _TAG_END:  # <c …>, not <col> or <cfRule>
                start = xml.rfind(b"<c", 0, start)
            m = _CELL.match(xml, start) if start >= 0 else None
            if m is not None and m.end() > pos:
                ref = _attrs(m.group(1)).get(b"r")
                if ref:
                    out[ref] = (b"", m.group(1), m.group(2) or b"")
        pos = xml.find(token, pos + 1)


@record(frozen=True)
class CellState:
    kind: str  # "formula_without_value" | "error"
    text: str  # the formula, or the error value such as "#REF!"


def cell_states(
    path: Path, sheet_name: str, refs: set[str], data: bytes | None = None, known: Mapping[str, bytes] | None = None
) -> dict[str, CellState]:
    """For the given A1 refs of an .xlsx/.xlsm sheet: formulas without a cached value and error values.

    ``data``: the file's bytes when the caller already read them. Returns only the refs that are one of the two.
    Any problem reading the XML gives an empty answer (the values calamine returned stand).
    """
    if not refs:
        return {}
    xml = sheet_xml(path, sheet_name, data, known)
    if xml is None:
        return {}
    out: dict[str, CellState] = {}
    if not may_hold_formula_or_error(xml):
        return out  # no formula and no error value anywhere in the sheet: an empty cell is simply empty
    # only the wanted cells that hold a formula or an error are looked at (a Python loop over every cell of the sheet
    # cost as much as reading the file)
    for ref in sorted(refs):
        cell = cell_element(xml, ref)
        if cell is None:
            continue
        a, body = cell
        v = _VALUE.search(body)
        cached = v.group(1).strip() if v else b""
        if a.get(b"t") == b"e":
            out[ref] = CellState("error", html.unescape(cached.decode("utf-8", "replace")) or "#VALUE!")
            continue
        f = FORMULA_ELEMENT.search(body)
        if f is not None and not cached and a.get(b"t") not in {b"str", b"inlineStr"}:
            formula = html.unescape((f.group(1) or b"").decode("utf-8", "replace"))
            out[ref] = CellState("formula_without_value", "=" + formula if formula else "")
    return out


__all__ = [
    "FORMULA_ELEMENT",
    "HIDDEN",
    "MAX_CELLS",
    "MAX_ROWS",
    "VERY_HIDDEN",
    "VISIBLE",
    "CellState",
    "ReadError",
    "Sheet",
    "cell_body",
    "cell_element",
    "cell_states",
    "may_hold_formula_or_error",
    "read_sheets",
    "sheet_part",
    "sheet_xml",
]
