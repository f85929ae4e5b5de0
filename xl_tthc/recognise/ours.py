"""Sheets xl_tthc wrote itself: the findings sheet of a scored workbook, and the sheets of our summary workbook.

They are read as what they are: a findings sheet is never taken for data; a unit table of the summary workbook
(``xl-tthc consolidate``) is a :class:`Recognition` with role ``summary`` — its item scores are the inputs, its
totals, quy đổi, bands and ranks the outputs that «Tính điểm» refreshes — and the batch leaves such a workbook out
of a consolidation instead of counting its units a second time.
"""

from __future__ import annotations

from xl_tthc.core.engine import item_table
from xl_tthc.core.findings import FINDING_ROW_HEADERS
from xl_tthc.core.model import UnitInput
from xl_tthc.recognise.common import CellSources, Context, Grid, Recognition, norm, row_cells

FINDINGS_SHEETS = ("Kết quả kiểm tra", "Kết quả tính lại")
# first cells of the summary workbook's other sheets (xl_tthc/io/summary.py)
SUMMARY_TITLES = frozenset(
    norm(t)
    for t in (
        "TỔNG HỢP KẾT QUẢ CHẤM ĐIỂM CÁC ĐƠN VỊ",
        "DANH SÁCH TỆP ĐÃ XÉT",
        "SO SÁNH VỚI KỲ TRƯỚC",
        "KẾT QUẢ KIỂM TRA SỐ LIỆU",
    )
)
_FINDING_HEADER = tuple(norm(h) for h in FINDING_ROW_HEADERS)
# the visible line that marks the settings sheet of our consolidation workbook (xl_tthc/consolidation_book.py)
CONSOLIDATION_ID = "tong-hop"
CONSOLIDATION_MARKER = f"Mã biểu mẫu: {CONSOLIDATION_ID}"
_CONSOLIDATION_KEY = norm(CONSOLIDATION_MARKER)
CONSOLIDATION_SCAN_ROWS = 80
SUMMARY_OUTPUTS = {
    "tong diem": "total",
    "diem toi da ap dung": "applicable_max",
    "quy doi": "quy_doi",
    "xep loai": "band",
    "hang": "rank",
}


def is_ours(grid: Grid, sheet: str | None) -> bool:
    """A findings sheet or a non-table sheet of our summary workbook: never data."""
    if sheet in FINDINGS_SHEETS:
        return True
    first = next((v for _c, v in row_cells(grid, 0)), None)
    if isinstance(first, str) and norm(first) in SUMMARY_TITLES:
        return True
    for r in range(min(len(grid), 8)):  # the findings header (row 1 in the add-in's sheet, row 5 in fill's)
        labels = tuple(norm(v) for _c, v in row_cells(grid, r) if isinstance(v, str))
        if labels[: len(_FINDING_HEADER)] == _FINDING_HEADER:
            return True
    return False


def is_consolidation_settings(grid: Grid) -> bool:
    """The settings sheet of our consolidation workbook: a cell of its first column starts with the marker line."""
    for r in range(min(len(grid), CONSOLIDATION_SCAN_ROWS)):
        first = grid[r][0] if grid[r] else None
        if isinstance(first, str) and first.lstrip()[:1] in ("M", "m") and norm(first).startswith(_CONSOLIDATION_KEY):
            return True
    return False


def summary_table(grid: Grid, ctx: Context) -> Recognition | None:
    """A unit table of our summary workbook: its second row is the framework's full title, its fourth the header
    (Hạng, Đơn vị, the items' codes with their maxima, Tổng điểm, Điểm tối đa áp dụng, Quy đổi, Xếp loại).

    The settings sheet of our consolidation workbook is recognised here too, as a summary without units: the batch
    leaves such a workbook out of a consolidation like the summary workbook itself."""
    if is_consolidation_settings(grid):
        return Recognition(None, [], [], "Sổ tổng hợp của xl_tthc", role="summary")
    if len(grid) < 5 or not grid[1] or not isinstance(grid[1][0], str):
        return None
    title = grid[1][0].strip()
    fw = ctx.registry.with_title(title)
    if fw is None:
        return None
    header = [norm(v.split("\n")[0]) if isinstance(v, str) else "" for v in grid[3]]
    if "don vi" not in header:
        return None
    name_c = header.index("don vi")
    prefix = {"tthc": "tc ", "par": "lv "}.get(fw.kind, "")
    codes = {code for code, _t, _m in item_table.top_items(fw)}
    item_cols = {h[len(prefix) :]: c for c, h in enumerate(header) if h.startswith(prefix) and h[len(prefix) :] in codes}
    out_cols = {SUMMARY_OUTPUTS[h]: c for c, h in enumerate(header) if h in SUMMARY_OUTPUTS}
    if len(item_cols) != len(codes) or "total" not in out_cols:
        return None
    rec = Recognition(fw, [], [], "Bảng tổng hợp của xl_tthc", role="summary")
    cells = {f"items/{code}": (0, c) for code, c in item_cols.items()}
    for r in range(4, len(grid)):
        name = grid[r][name_c] if name_c < len(grid[r]) else None
        if not isinstance(name, str) or not name.strip():
            break
        data = {"items": {code: grid[r][c] if c < len(grid[r]) else None for code, c in item_cols.items()}}
        src = CellSources(ctx.file, ctx.sheet, {key: (r, c) for key, (_r, c) in cells.items()})
        rec.units.append(UnitInput(name.strip(), data, file=ctx.file, sheet=ctx.sheet, sources=src))
        rec.outputs.append({key: (r, c) for key, c in out_cols.items()})
    return rec


__all__ = [
    "CONSOLIDATION_ID",
    "CONSOLIDATION_MARKER",
    "FINDINGS_SHEETS",
    "is_consolidation_settings",
    "is_ours",
    "summary_table",
]
