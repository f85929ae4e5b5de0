"""«Tính điểm» on sheets whose used range reaches far beyond their data, on the strict Windows fake.

Excel's UsedRange also covers cells that only carry formatting (formats copied down to row 1.048.576, a space typed
in XFD1): reading ``.value`` of such a range through COM freezes Excel for minutes. The fake refuses any read of
more than 4.000.000 cells (rule R12, ``WindowsPitfall``) and lists every read, so these tests show what the add-in
reads. The figures are the seed's published ones, as in tests/test_addin_windows_fake.py: 16,74/18 Xuất sắc, criteria
1, 2 and 5 at 1,91 ((1.033 × 2 + 99)/1.132 = 1,9125…), criterion 9 marked 1 point with 99/1.147 = 8,63 % online
(one warning). A value really at XFD1048576 gives the warning the batch gives for that sheet
(tests/test_far_sheet.py), and the form is still scored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

xw = pytest.importorskip("xlwings")

import xlwings_windows_fake as fk  # noqa: E402 - after the importorskip

import xl_tthc.addin as addin  # noqa: E402
from xl_tthc import consolidation_book  # noqa: E402
from xl_tthc.addin import FILLS, read_sheet, run  # noqa: E402
from xl_tthc.core.findings import Severity  # noqa: E402
from xl_tthc.core.framework import get  # noqa: E402
from xl_tthc.io import probe  # noqa: E402
from xl_tthc.io.layouts import build_layout  # noqa: E402
from xl_tthc.pipeline import REPORT_SHEET as FINDINGS_SHEET  # noqa: E402
from xl_tthc.pipeline.plan import REPORT_HEADER_ROW  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TTHC = ROOT / "workbooks" / "samples" / "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx"
FILE = TTHC.name
FORM = "Đánh giá TTHC"
EXPORT = "Xuất từ phần mềm"
LAYOUT = build_layout("tthc-unit", get("tthc-dienbien-1187-2019-huyen"))
SLOT = {s.key: (s.row, s.col) for s in LAYOUT.outputs()}


@pytest.fixture(autouse=True)
def _log_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(addin, "LOG_PATH", tmp_path / "xl_tthc-loi.log")


def with_export(cells: dict[str, Any], formatted: str | None = None) -> fk.Book:
    """The TTHC sample with one more sheet after the form: ``cells`` typed in it, ``formatted`` only formatted."""
    book = fk.book_from_xlsx(TTHC)
    sheet = book.sheets.add(EXPORT, after=book.sheets[0])
    for ref, value in cells.items():
        sheet.range(ref).value = value
    if formatted:
        fk.format_only(book, EXPORT, formatted)
    fk.log(book).status.clear()
    return book


def findings(book: fk.Book) -> list[list[Any]]:
    """The findings sheet's rows below its header (STT, Mức độ, Mã, Tệp, Đơn vị, Trang, Ô, Nội dung)."""
    rows = fk.sheet_data(book, FINDINGS_SHEET)
    last = max(r for r, _ in rows.cells)
    return [[rows.peek(r, c).value for c in range(1, 9)] for r in range(REPORT_HEADER_ROW + 2, last + 1)]


def assert_seed_figures(book: fk.Book) -> None:
    form = fk.sheet_data(book, FORM)

    def out(key: str) -> Any:
        r, c = SLOT[key]
        return form.peek(r + 1, c + 1).value

    # (1.033 × 2 + 99)/1.132 = 1,9125… → 1,91; criteria 3–4 all at 2 points; 6–8 marked 2, 9 marked 1
    scores = {"1": 1.91, "2": 1.91, "3": 2.0, "4": 2.0, "5": 1.91, "6": 2.0, "7": 2.0, "8": 2.0, "9": 1.0}
    assert {code: out(f"item/{code}") for code in scores} == pytest.approx(scores)
    assert out("total") == pytest.approx(16.74) and out("band") == "Xuất sắc"  # 3 × 1,9125… + 5 × 2 + 1
    alert = fk.log(book).alerts[-1]
    assert alert.mode == "info" and "UBND cấp huyện – huyện Điện Biên: 16,74/18 điểm, xếp loại Xuất sắc" in alert.prompt


CRITERION_9 = [  # STT, Mức độ, Mã, Tệp, Đơn vị, Trang, Ô of the criterion 9 warning
    1.0,
    "Cảnh báo",
    "level_contradicts_data",
    FILE,
    "UBND cấp huyện – huyện Điện Biên",
    FORM,
    "E56",
]


def test_the_add_in_reads_the_probes_limit() -> None:
    assert addin.READ_LIMIT == probe.MAX_DENSE_CELLS == 4_000_000


def test_a_sheet_stretched_by_formatting_is_read_to_its_content_only() -> None:
    """(a) formats reach XFD1048576 on the export sheet, its content ends at C3: A1:C3 is read, nothing is said."""
    book = with_export({"A1": "Mã hồ sơ", "A2": "H01", "C3": 5}, formatted="XFD1048576")
    used = book.sheets[EXPORT].used_range
    assert (used.row, used.column, used.shape) == (1, 1, (1_048_576, 16_384))
    outcome = run(book)
    assert outcome is not None
    log = fk.log(book)
    assert log.rejections == []
    # the value and the formula read of each sheet, the sample's form is A1:F60: nothing near the bound
    assert log.reads[:4] == [(FORM, "A1:F60", 360), (FORM, "A1:F60", 360), (EXPORT, "A1:C3", 9), (EXPORT, "A1:C3", 9)]
    assert_seed_figures(book)
    assert "Có 0 lỗi và 1 cảnh báo" in log.alerts[0].prompt
    [row] = findings(book)
    assert row[:7] == CRITERION_9
    # Excel's search settings are left as a new Excel has them (the officer's next Ctrl+F is not changed)
    assert log.find_settings == {"LookIn": fk.XL_FORMULAS, "LookAt": fk.XL_PART, "SearchOrder": fk.XL_BY_ROWS}


FAR_WARNING = (
    f"Tệp «{FILE}», trang tính «{EXPORT}» có ô dữ liệu ở XFD1048576 (1.048.576 dòng × 16.384 cột tính từ ô A1), "
    "quá xa so với giới hạn 4.000.000 ô của một trang; bỏ qua trang này, các trang khác vẫn được đọc và tính điểm. "
    "Nếu trang này có số liệu cần tính, xóa các dòng, cột thừa (thường do một ô sót ở rất xa) rồi gửi lại."
)


def test_a_value_at_XFD1048576_gives_the_batch_warning_and_the_form_is_scored() -> None:
    """(b) a stray value really at XFD1048576: the sheet is left out with the batch's warning, never read."""
    book = with_export({"A1": "Mã hồ sơ", "XFD1048576": "sót"})
    outcome = run(book)
    assert outcome is not None
    log = fk.log(book)
    assert log.rejections == []
    assert [r for r in log.reads if r[0] == EXPORT] == []
    assert_seed_figures(book)
    assert "Có 0 lỗi và 2 cảnh báo" in log.alerts[0].prompt
    rows = findings(book)
    assert [r[1:] for r in rows if r[2] == "sheet_too_large"] == [
        ["Cảnh báo", "sheet_too_large", FILE, None, EXPORT, "XFD1048576", FAR_WARNING]
    ]
    assert [r[2:7] for r in rows if r[2] != "sheet_too_large"] == [CRITERION_9[2:]]
    assert [s.name for s in book.sheets] == [FORM, EXPORT, FINDINGS_SHEET]
    assert fk.sheet_data(book, EXPORT).peek(1_048_576, 16_384).color is None  # no mark on a sheet left out


def test_the_form_itself_stretched_by_formatting_is_scored() -> None:
    """(c) the protected form with formats down to XFD1048576: A1:F60 read, figures, marks and protection as usual."""
    book = fk.book_from_xlsx(TTHC)
    fk.format_only(book, FORM, "XFD1048576")
    protection = dict(fk.sheet_data(book, FORM).protection or {})
    outcome = run(book)
    assert outcome is not None
    log = fk.log(book)
    assert log.rejections == []
    assert log.reads[:2] == [(FORM, "A1:F60", 360), (FORM, "A1:F60", 360)]
    assert max(cells for _s, _a, cells in log.reads) == 360
    assert_seed_figures(book)
    [row] = findings(book)
    assert row[:7] == CRITERION_9
    assert fk.cell(book, FORM, "E56").color == fk.rgb_to_int(FILLS[Severity.WARNING])
    assert fk.sheet_data(book, FORM).protection == protection


def test_without_find_the_far_corner_of_the_used_range_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Excel refusing the search (or an engine without it): the stretched sheet is left out with the far warning
    naming the used range's far corner, never read, and the form is scored."""

    def refused(self: fk.Worksheet) -> None:
        raise fk.ComError(fk.DISP_E_EXCEPTION, "Exception occurred.", "refused")

    monkeypatch.setattr(fk.Worksheet, "Cells", property(refused))
    book = with_export({"A1": "Mã hồ sơ", "C3": 5}, formatted="XFD1048576")
    run(book)
    assert [r for r in fk.log(book).reads if r[0] == EXPORT] == []
    assert_seed_figures(book)
    assert [EXPORT, "XFD1048576", FAR_WARNING] in [r[5:8] for r in findings(book)]


def test_the_far_cell_is_the_one_spanning_most_and_content_is_read_to_its_last_row_and_column() -> None:
    book = with_export({"A1": "Mã hồ sơ", "XFD1": "sót", "A1048576": "sót"})
    data, box = read_sheet(book.sheets[EXPORT])
    # rows 1.048.576 × columns 16.384 from A1; A1048576 spans 1.048.576 cells from A1, XFD1 16.384
    assert (data.far, data.rows, data.cols, data.grid, box) == ("A1048576", 1_048_576, 16_384, [], None)

    book = with_export({"B2": "Mã hồ sơ", "C5000": 7, "Z10": "x"}, formatted="XFD1048576")
    data, box = read_sheet(book.sheets[EXPORT])
    assert data.far is None and box == (2, 2, 5000, 26)  # from the used range's top-left B2 to row 5.000, column Z
    assert fk.log(book).reads == [(EXPORT, "B2:Z5000", 4999 * 25), (EXPORT, "B2:Z5000", 4999 * 25)]
    assert len(data.grid) == 5000 and data.grid[0] == [] and data.grid[1][:2] == [None, "Mã hồ sơ"]
    assert data.grid[4999][2] == 7.0 and data.grid[9][25] == "x" and len(data.grid[9]) == 26

    book = with_export({}, formatted="XFD1048576")  # formats only: nothing to read, nothing to say
    data, box = read_sheet(book.sheets[EXPORT])
    assert (data.far, data.grid, box) == (None, [], None) and fk.log(book).reads == []


def test_the_consolidation_workbook_settings_sheet_stretched_by_formatting() -> None:
    book = fk.book_from_xlsx(ROOT / "workbooks" / "Mau_Tong_hop.xlsx")
    settings = consolidation_book.SETTINGS_SHEET
    fk.format_only(book, settings, "XFD1048576")
    found = consolidation_book.settings_sheet(book)
    assert found is not None and found[0].name == settings
    assert fk.log(book).rejections == []
    assert max(cells for _s, _a, cells in fk.log(book).reads) < 10_000


# ---------------------------------------------------------------------------- the fake's Find and huge reads


def finder() -> tuple[fk.Book, Any]:
    book = fk.book_from_grids("a.xlsx", [("Trang 1", [["Tên", None, None], [None, None, 2], [None, "=A1", None]])])
    return book, book.sheets[0].api


def test_find_checks_its_arguments_as_excel_and_pywin32_do() -> None:
    book, ws = finder()
    cells = ws.Cells
    full = {"What": "*", "LookIn": fk.XL_FORMULAS, "LookAt": fk.XL_PART, "SearchOrder": fk.XL_BY_ROWS}
    with pytest.raises(TypeError):
        cells.Find(what="*")  # pywin32's method has Excel's names as Python parameters
    with pytest.raises(TypeError):
        cells.Find(*["*"] * 10)
    with pytest.raises(fk.ComError, match="not optional"):
        cells.Find(LookIn=fk.XL_FORMULAS)
    with pytest.raises(fk.ComError, match="Find property"):
        cells.Find(**{**full, "SearchOrder": 3})
    with pytest.raises(fk.ComError, match="Type mismatch"):
        cells.Find(**{**full, "LookIn": "xlFormulas"})
    with pytest.raises(fk.ComError, match="one cell of the range"):
        ws.Range("A1").Find(**full, After=ws.Range("C3"))
    with pytest.raises(fk.WindowsPitfall, match="LookAt, SearchOrder"):
        cells.Find("*", LookIn=fk.XL_FORMULAS)  # Excel would take the officer's last search settings
    with pytest.raises(fk.NotModelled):
        cells.Find(**{**full, "LookIn": fk.XL_VALUES})
    assert len(fk.log(book).rejections) == 5  # the TypeErrors are Python's own, NotModelled is not a rejection


def test_find_wraps_round_in_row_or_column_order() -> None:
    _book, ws = finder()
    cells, a1 = ws.Cells, ws.Range("A1")
    full = {"What": "*", "LookIn": fk.XL_FORMULAS, "LookAt": fk.XL_PART}

    def at(**kw: Any) -> tuple[int, int] | None:
        hit = cells.Find(**full, **kw)
        return None if hit is None else (hit.Row, hit.Column)

    # the content: A1 "Tên", C2 2, B3 "=A1" (a formula counts); SearchDirection defaults to xlNext
    assert at(SearchOrder=fk.XL_BY_ROWS) == (2, 3)  # after A1 in row order
    assert at(SearchOrder=fk.XL_BY_COLUMNS) == (3, 2)  # after A1 in column order
    assert at(After=a1, SearchOrder=fk.XL_BY_ROWS, SearchDirection=fk.XL_PREVIOUS) == (3, 2)  # the last row: 3
    assert at(After=a1, SearchOrder=fk.XL_BY_COLUMNS, SearchDirection=fk.XL_PREVIOUS) == (2, 3)  # the last column: C
    assert at(After=ws.Range("C2"), SearchOrder=fk.XL_BY_ROWS) == (3, 2)
    assert at(After=ws.Range("B3"), SearchOrder=fk.XL_BY_ROWS) == (1, 1)  # wraps round to A1
    empty = fk.book_from_grids("b.xlsx", [("Trống", [])]).sheets[0].api
    assert empty.Cells.Find(**full, SearchOrder=fk.XL_BY_ROWS) is None  # COM's Nothing


def test_reading_a_huge_range_is_excel_hanging_and_merge_cells_is_cheap() -> None:
    book = fk.book_from_xlsx(TTHC)
    fk.format_only(book, FORM, "XFD1048576")
    used = book.sheets[FORM].used_range
    with pytest.raises(fk.WindowsPitfall, match="stops responding"):
        used.options(ndim=2).value  # noqa: B018
    with pytest.raises(fk.WindowsPitfall):
        used.formula  # noqa: B018
    assert fk.log(book).reads == [(FORM, "A1:XFD1048576", 17_179_869_184)] * 2
    assert book.sheets[FORM].range("A2000:B2000").value == [None, None]  # 2 cells: fine
    assert used.merge_cells is None  # the sample's merged title rows are some of its cells
    assert book.sheets[FORM].range("A100:XFD1048576").merge_cells is False
