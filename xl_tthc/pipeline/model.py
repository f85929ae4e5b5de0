"""What a reader hands the pipeline: a workbook as rows of raw values per sheet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING

from xl_tthc.core.model import UnitResult
from xl_tthc.core.records import record
from xl_tthc.io import VISIBLE
from xl_tthc.io.cells import a1
from xl_tthc.recognise import Recognition
from xl_tthc.recognise.common import Grid

if TYPE_CHECKING:
    from xl_tthc.io.reader import CellState


@record
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
    far: str | None = None  # a sheet the probe left out, with a cell this far away (rows, cols: its extent)


@record
class WorkbookData:
    """A workbook as rows of raw values. ``cell_states``: (sheet, A1 refs) → the refs that hold a formula without
    a cached value or an error value (.xlsx/.xlsm read from a file; None where the reader needs no such check)."""

    file: str  # as shown to the user
    sheets: list[SheetData]
    cell_states: Callable[[str, set[str]], dict[str, CellState]] | None = None
    formulas: Callable[[str, set[str]], dict[str, str]] | None = None  # (sheet, A1 refs) → the refs' formulas
    # (sheet, cells) → the merged areas holding any of them, for a reader that cannot list a sheet's merged ranges
    # cheaply (Excel through xlwings: one call per cell asked)
    merged_at: Callable[[str, set[tuple[int, int]]], list[tuple[tuple[int, int], tuple[int, int]]]] | None = None
    stem: str = ""  # the file name without suffix: the unit name when a form names none


@record
class SheetOutcome:
    sheet: SheetData
    recognition: Recognition
    results: list[UnitResult] = field(default_factory=list)
    own_formulas: set[tuple[int, int]] = field(default_factory=set)  # output cells with the officer's own formula
    restore: dict[tuple[int, int], str] = field(default_factory=dict)  # our template's formula to write back


def formulas_at(wb: WorkbookData, sh: SheetData, cells: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The formulas ("=…") of the given cells, from the reader's formula grid (xlwings) or the file (calamine)."""
    if not cells:
        return {}
    if sh.formulas is not None:
        grid = sh.formulas
        out = {}
        for r, c in cells:
            f = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
            if isinstance(f, str) and f.startswith("=") and len(f) > 1:
                out[(r, c)] = f
        return out
    if wb.formulas is None:
        return {}
    refs = {a1(r, c): (r, c) for r, c in cells}
    return {refs[ref]: f for ref, f in wb.formulas(sh.name, set(refs)).items()}


__all__ = ["SheetData", "SheetOutcome", "WorkbookData", "formulas_at"]
