"""Formula cells with their values: what Excel saves and openpyxl cannot write.

openpyxl writes a formula cell as ``<c r="E30"><f>ROUND(…)</f><v></v></c>``: no cached value, so every reader that
does not calculate (python-calamine, a preview, the batch) sees an empty cell until a spreadsheet program opens and
saves the file. «Tính điểm» knows each value (the core computed it), so :func:`set_cached_values` writes it into the
saved file as the cached value of its formula, the way Excel would have saved it; the formula stays, and Excel and
LibreOffice recalculate it when the officer changes an input.
"""

from __future__ import annotations

import functools
import html
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xl_tthc.io.reader import FORMULA_ELEMENT, cell_body, may_hold_formula_or_error, sheet_part, sheet_xml

# a formula cell and its cached value, if any (openpyxl writes <v></v>), matched where its <c r="…" starts
_FORMULA_CELL = re.compile(rb'<c r="[^"]*"([^>]*)>(<f\b[^>]*?(?:/>|>.*?</f>))(<v\s*/>|<v>[^<]*</v>)?</c>', re.S)
_TYPE_ATTR = re.compile(rb'\s+t="[^"]*"')


def _formula_cell(xml: bytes, head: bytes) -> re.Match[bytes] | None:
    """The first formula cell whose start tag begins with ``head`` (``<c r="E30"``), or None."""
    at = xml.find(head)
    while at >= 0:
        m = _FORMULA_CELL.match(xml, at)
        if m is not None:
            return m
        at = xml.find(head, at + 1)
    return None


def _value_xml(value: Any) -> tuple[bytes, bytes] | None:
    """(type attribute, <v> content) of a cached value; None when there is none to write."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return b' t="b"', b"1" if value else b"0"
    if isinstance(value, int | float):
        x = float(value)
        return b"", (str(int(x)) if x.is_integer() else repr(x)).encode()
    return b' t="str"', html.escape(str(value), quote=False).encode("utf-8")


def set_cached_values(path: Path, values: Mapping[str, Mapping[str, Any]]) -> int:
    """Write ``values`` ({sheet name: {A1 ref: value}}) as the cached values of the formula cells of the .xlsx/.xlsm
    at ``path`` (rewritten in place: call it on a temporary output before it is renamed over the target). Cells
    that hold no formula are left alone. Returns how many cells were given a value."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        parts = {info.filename: zf.read(info.filename) for info in infos}
        targets = {name: sheet_part(zf, name) for name in values}
    done = 0
    for name, cells in values.items():
        part = targets.get(name)
        if part is None or part not in parts:
            continue
        xml = parts[part]
        for ref, value in cells.items():
            cached = _value_xml(value)
            if cached is None:
                continue
            t_attr, content = cached
            head = b'<c r="' + ref.encode() + b'"'
            m = _formula_cell(xml, head)  # a search for the literal start tag, not one regex compiled per cell
            if m is None:
                continue
            attrs = _TYPE_ATTR.sub(b"", m.group(1))
            cell = head + attrs + t_attr + b">" + m.group(2) + b"<v>" + content + b"</v></c>"
            xml = xml[: m.start()] + cell + xml[m.end() :]
            done += 1
        parts[part] = xml
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            out.writestr(info, parts[info.filename])
    path.write_bytes(buf.getvalue())
    return done


def formulas(
    path: Path | None, sheet: str, refs: set[str], data: bytes | None = None, known: Mapping[str, bytes] | None = None
) -> dict[str, str]:
    """The formulas (``"=…"``) of the given cells of an .xlsx/.xlsm sheet; cells without one are left out. Shared
    formulas (``<f t="shared" si="0"/>`` in all cells but the first) come back as ``"="``: the cell holds a formula,
    its text is the master's. Any problem reading the XML gives an empty answer."""
    if not refs:
        return {}
    xml = sheet_xml(path, sheet, data, known)  # inflated once for this check and the cell states
    if xml is None or not may_hold_formula_or_error(xml):
        return {}
    out: dict[str, str] = {}
    for ref in refs:  # the wanted cells only (a walk over every cell of the sheet cost as much as the read)
        body = cell_body(xml, ref)
        if body:
            f = FORMULA_ELEMENT.match(body) or FORMULA_ELEMENT.search(body)  # the formula is the cell's first child, as a rule
            if f is not None:
                out[ref] = _formula_text(f.group(1) or b"")
    return out


@functools.lru_cache(maxsize=4096)
def _formula_text(raw: bytes) -> str:
    """``"=" +`` the text of a formula element's raw content (the same formulas recur in every file of a folder)."""
    return "=" + html.unescape(raw.decode("utf-8", "replace"))


__all__ = ["formulas", "set_cached_values"]
