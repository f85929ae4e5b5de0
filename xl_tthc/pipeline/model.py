"""What a reader hands the pipeline: a workbook as rows of raw values per sheet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xl_tthc.io.reader import VISIBLE, CellState
from xl_tthc.recognise.common import Grid


@dataclass(slots=True)
class SheetData:
    """One worksheet as a reader gives it. ``merged`` is None when the reader cannot tell merged ranges."""

    name: str
    grid: Grid
    state: str = VISIBLE
    rows: int = 0
    cols: int = 0
    merged: list[tuple[tuple[int, int], tuple[int, int]]] | None = None
    too_large: bool = False
    formulas: Grid | None = None  # the formulas, where the reader has them (xlwings)


@dataclass(slots=True)
class WorkbookData:
    """A workbook as rows of raw values. ``cell_states``: (sheet, A1 refs) → the refs that hold a formula without
    a cached value or an error value (.xlsx/.xlsm read from a file; None where the reader needs no such check)."""

    file: str  # as shown to the user
    sheets: list[SheetData]
    cell_states: Callable[[str, set[str]], dict[str, CellState]] | None = None
    stem: str = ""  # the file name without suffix: the unit name when a form names none


__all__ = ["SheetData", "WorkbookData"]
