"""A workbook file as the pipeline reads it in every headless shell (``fill``, the batch): python-calamine for the
values (cached values of formulas), sheet states and merged ranges; the sheet XML, when needed, for cells that came
back empty (.xlsx/.xlsm). The add-in reads its grids through xlwings and never imports this module (nor the file
reader behind it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from pathlib import Path, PurePath

from xl_tthc.io.cached import formulas
from xl_tthc.io.reader import Sheet, cell_states, read_sheets
from xl_tthc.pipeline.model import SheetData, WorkbookData


def read_file(
    path: str,
    *,
    shown: str | None = None,
    data: bytes | None = None,
    is_xlsx: bool | None = None,
    sheets_xml: Mapping[str, bytes] | None = None,
    far: Iterable[tuple[str, str, int, int]] = (),
) -> WorkbookData:
    """A workbook file as the pipeline reads it in every headless shell: python-calamine for the values (cached
    values of formulas), sheet states and merged ranges; the sheet XML for cells that came back empty (.xlsx/.xlsm).
    ``far``: the sheets the probe left out (:attr:`xl_tthc.io.probe.Probe.far_sheets`), never built.
    Raises :class:`xl_tthc.io.reader.ReadError` when the file cannot be read."""
    sheets = read_sheets(Path(path), data=data, far=far)
    return workbook_data(sheets, path=path, shown=shown, data=data, is_xlsx=is_xlsx, sheets_xml=sheets_xml)


def workbook_data(
    sheets: list[Sheet],
    *,
    path: str,
    shown: str | None = None,
    data: bytes | None = None,
    is_xlsx: bool | None = None,
    sheets_xml: Mapping[str, bytes] | None = None,
) -> WorkbookData:
    """The sheets python-calamine read from ``path`` (``data``: its bytes, when already read; ``sheets_xml``: the
    sheets' XML the probe inflated, see :attr:`xl_tthc.io.probe.Probe.sheets_xml`) for the pipeline."""
    if is_xlsx is None:
        is_xlsx = PurePath(path).suffix.lower() in {".xlsx", ".xlsm"}
    return WorkbookData(
        file=shown if shown is not None else str(path),
        sheets=[
            SheetData(s.name, s.grid or [], s.state, s.rows, s.cols, s.merged, s.too_large, far=s.far) for s in sheets
        ],
        cell_states=partial(cell_states, Path(path), data=data, known=sheets_xml) if is_xlsx else None,  # type: ignore[arg-type]
        formulas=partial(formulas, Path(path), data=data, known=sheets_xml) if is_xlsx else None,
        stem=PurePath(path).stem,
    )


__all__ = ["read_file", "workbook_data"]
