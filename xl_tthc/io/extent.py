"""The real extent of an openpyxl worksheet: the cells it holds, not its used range.

openpyxl's ``ws.max_row`` / ``ws.iter_rows()`` go by the used range, and ``iter_rows()`` creates every cell of it. One
formatted but empty cell at row 1.048.576 (a whole column coloured, a stray format) makes a 10 KB workbook a range of
millions of cells: walking it takes minutes and gigabytes. These helpers look only at the cells the file holds
(``ws._cells``, filled by the loader), so their cost follows the file's content.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from xl_tthc.io.reader import MAX_CELLS, MAX_ROWS


def _cells(ws: Any) -> dict[tuple[int, int], Any]:
    cells = getattr(ws, "_cells", None)
    if not isinstance(cells, dict):
        raise TypeError("present_cells needs an openpyxl Worksheet loaded in normal (not read-only) mode")
    return cells


def present_cells(ws: Any) -> Iterator[Any]:
    """Every cell the worksheet holds (with a value, a style or a comment), row by row, creating none.

    Use it instead of ``for row in ws.iter_rows(): for c in row`` whenever only existing cells matter (clearing
    colours and comments a previous run put, looking for a text).
    """
    cells = _cells(ws)
    for key in sorted(cells):
        yield cells[key]


def present_extent(ws: Any) -> tuple[int, int]:
    """(rows, columns) up to the last cell holding a value (1-based counts; (0, 0) for a sheet without values)."""
    rows = cols = 0
    for (r, c), cell in _cells(ws).items():
        v = cell.value
        if v is None or v == "":
            continue
        if r > rows:
            rows = r
        if c > cols:
            cols = c
    return rows, cols


def too_large(ws: Any) -> bool:
    """The batch reader's limit (:data:`~xl_tthc.io.reader.MAX_ROWS`, :data:`~xl_tthc.io.reader.MAX_CELLS`) applied
    to the extent of the values the sheet holds, so every reader refuses the same sheets."""
    rows, cols = present_extent(ws)
    return rows > MAX_ROWS or rows * cols > MAX_CELLS


__all__ = ["present_cells", "present_extent", "too_large"]
