"""The «Tính điểm» button on a strict fake of xlwings 0.37.8's Windows engine (``tests/xlwings_windows_fake.py``).

The remote engine of ``test_addin_remote.py`` passes arguments through that Windows rejects; here every call the
add-in makes is checked as xlwings' Windows engine and Excel's COM objects check it, on the shipped sample
workbooks loaded with openpyxl (values, formulas, fills, notes, locked cells, sheet protection) and on the hand-made
forms of the seeds. Expected figures are the seeds' (see ``test_fill.py`` and ``test_addin_remote.py``).
"""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path
from typing import Any

import openpyxl
import pytest

xw = pytest.importorskip("xlwings")

import xlwings_windows_fake as fk  # noqa: E402 - after the importorskip
from test_addin_remote import SEED002, seed001_form, seed002_appendix  # noqa: E402

import xl_tthc.addin as addin  # noqa: E402
from xl_tthc.addin import FILLS, run  # noqa: E402
from xl_tthc.core.findings import Severity  # noqa: E402
from xl_tthc.pipeline import REPORT_SHEET as FINDINGS_SHEET  # noqa: E402
from xl_tthc.pipeline.plan import REPORT_HEADER_ROW  # noqa: E402

BAD_FILL, WARN_FILL = FILLS[Severity.ERROR], FILLS[Severity.WARNING]
from xl_tthc.core.findings import FINDING_ROW_HEADERS  # noqa: E402
from xl_tthc.core.framework import get  # noqa: E402
from xl_tthc.io.layouts import Layout, build_layout  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbooks" / "samples"
TTHC = "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx"
SI459 = "Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023.xlsx"
PAR = "Vi_du_Chi_so_CCHC_tinh_Dien_Bien_2020.xlsx"
LAYOUTS = {
    TTHC: ("tthc-unit", "tthc-dienbien-1187-2019-huyen"),
    SI459: ("si-appendix", "sv459-dienbien-2023"),
    PAR: ("par-self", "par-dienbien-tinh-2020"),
}


@pytest.fixture(autouse=True)
def _log_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(addin, "LOG_PATH", tmp_path / "xl_tthc-loi.log")


def layout_of(sample: str) -> Layout:
    tid, fid = LAYOUTS[sample]
    return build_layout(tid, get(fid))


def at(book: fk.Book, sheet: str, row: int, col: int) -> fk.Cell:
    """The fake's cell at a 0-based (row, col), as the layouts and the core number them."""
    return fk.sheet_data(book, sheet).peek(row + 1, col + 1)


def findings_table(book: fk.Book, name: str = FINDINGS_SHEET) -> list[list[Any]]:
    """The findings table (header and rows) below the sheet's four lines (title, file, counts, fingerprint)."""
    rows: list[list[Any]] = book.sheets[name].used_range.options(ndim=2).value
    assert rows[0][0] == "KẾT QUẢ KIỂM TRA SỐ LIỆU" and str(rows[3][0]).startswith("Mã kiểm tra số liệu: ")
    return rows[REPORT_HEADER_ROW:]


def assert_clean_run(book: fk.Book) -> None:
    """Nothing the add-in asked was refused, even where it catches the refusal (status bar, notes)."""
    log = fk.log(book)
    assert log.rejections == []
    assert log.status[-1] is False and book.app.status_bar is False  # the status bar is given back to Excel
    assert len(log.alerts) == 1


def run_sample(sample: str) -> tuple[fk.Book, Any]:
    book = fk.book_from_xlsx(SAMPLES / sample)
    outcome = run(book)
    assert outcome is not None
    return book, outcome


# ---------------------------------------------------------------------------- the shipped samples


def test_seed001_sample_scores_marks_and_protection() -> None:
    original = fk.protection_of(openpyxl.load_workbook(SAMPLES / TTHC).worksheets[0])
    assert original is not None and original["Contents"] and original["AllowFormattingColumns"]
    book, _outcome = run_sample(TTHC)
    layout = layout_of(TTHC)
    sheet = layout.sheet
    slot = {s.key: (s.row, s.col) for s in layout.outputs()}
    # (1033×2 + 99)/1132 = 1,9125… → 1,91; criteria 3–4 all at 2 points; 6–8 marked 2, 9 marked 1
    for code, score in {
        "1": 1.91,
        "2": 1.91,
        "3": 2.0,
        "4": 2.0,
        "5": 1.91,
        "6": 2.0,
        "7": 2.0,
        "8": 2.0,
        "9": 1.0,
    }.items():
        assert at(book, sheet, *slot[f"item/{code}"]).value == pytest.approx(score), code
    # 3 × 1,9125… + 2 + 2 + 2 + 2 + 2 + 1 = 16,7376 → 16,74
    assert at(book, sheet, *slot["total"]).value == pytest.approx(16.74)
    assert at(book, sheet, *slot["band"]).value == "Xuất sắc"
    assert [at(book, sheet, *slot[f"dossiers/{c}"]).value for c in "12345"] == [1132.0] * 5
    # criterion 9 marked at 1 point with 99/1.147 = 8,63 % online: a warning fill and note on the mark
    mark_9b = next(s for s in layout.inputs() if s.key == "criteria/9/marks/b")
    mark = at(book, sheet, mark_9b.row, mark_9b.col)
    assert book.sheets[sheet].range(mark_9b.ref).color == WARN_FILL
    assert mark.note is not None and mark.note.startswith("Cảnh báo:") and "99/1.147 = 8,63 %" in mark.note
    # the findings sheet is added after the form; one row, numbers come back as Excel's floats
    assert [s.name for s in book.sheets] == [sheet, FINDINGS_SHEET]
    table = findings_table(book)
    assert table[0] == list(FINDING_ROW_HEADERS)
    assert table[1][:3] == [1.0, "Cảnh báo", "level_contradicts_data"] and table[1][6] == mark_9b.ref
    assert len(table) == 2
    # the protection was lifted to write (else Windows refuses, see assert_clean_run) and put back
    api = book.sheets[sheet].api
    assert api.ProtectContents and api.ProtectDrawingObjects and api.Protection.AllowFormattingColumns
    # one message box, in a mode Windows knows
    alert = fk.log(book).alerts[0]
    assert (alert.mode, alert.title, alert.buttons) == ("info", "Tính điểm", "ok")
    assert "16,74/18 điểm" in alert.prompt and "xếp loại Xuất sắc" in alert.prompt
    assert fk.log(book).status[:2] == ["Tính điểm: đang đọc số liệu…", "Tính điểm: đang ghi kết quả…"]
    assert_clean_run(book)


def test_seed002_sample_459_units_and_the_11_5_cell() -> None:
    book, _outcome = run_sample(SI459)
    layout = layout_of(SI459)
    table = layout.table
    assert table is not None
    cols = {key: col for key, col, _k, _s in table.outputs}
    rows = {at(book, layout.sheet, r, table.name_col).value: r for r, _lvl in table.unit_rows}
    rows.pop(None, None)
    assert len(rows) == 26

    def unit(name: str) -> tuple[Any, ...]:
        r = rows[name]
        return tuple(at(book, layout.sheet, r, cols[k]).value for k in ("total", "quy_doi", "band", "rank"))

    # 4,81+23,45+5,16+5,60+1,26+5,33+5+5+3,33 = 58,94 (printed 58,69); 58,94/85×100 = 69,34 → Trung bình
    assert unit("Trung tâm QLĐĐ")[:3] == (pytest.approx(58.94), pytest.approx(69.34), "Trung bình")
    # 11,5 > 10 counted as 10: 80,62 − 1,5 = 79,12; 79,12/85×100 = 93,08 → Xuất sắc, first among the communes
    assert unit("UBND xã Núa Ngam")[:3] == (pytest.approx(79.12), pytest.approx(93.08), "Xuất sắc")
    assert unit("Phòng Tư pháp")[:3] == (pytest.approx(70.45), pytest.approx(82.88), "Tốt")  # 70,45/85 = 82,88
    # the 11,5 cell (Số hóa, chỉ số 2) is an error: red fill and a note
    col_42 = next(col for key, col, _k, _m in table.inputs if key == "indicators/4.2")
    bad = at(book, layout.sheet, rows["UBND xã Núa Ngam"], col_42)
    assert bad.value == 11.5 and bad.color == fk.rgb_to_int(BAD_FILL)  # the sample holds 11,5 as typed: a number
    assert bad.note is not None and bad.note.startswith("Lỗi:") and "11,5" in bad.note
    codes = {r[2] for r in findings_table(book)[1:]}
    assert "score_above_max" in codes  # the totals are the template's formulas (our figures cached): nothing stated
    assert book.sheets[layout.sheet].api.ProtectContents
    assert fk.log(book).alerts[0].mode == "info"
    assert_clean_run(book)


def test_seed002_sample_rank_column_is_filled() -> None:
    book, _outcome = run_sample(SI459)
    layout = layout_of(SI459)
    table = layout.table
    assert table is not None
    rank_c = next(col for key, col, _k, _s in table.outputs if key == "rank")
    ranks = {
        at(book, layout.sheet, r, table.name_col).value: at(book, layout.sheet, r, rank_c).value
        for r, _ in table.unit_rows
    }
    assert ranks["UBND xã Núa Ngam"] == 1.0 and ranks["Phòng Kinh tế và Hạ tầng"] == 1.0


def test_no_text_is_written_back_for_excel_to_reparse() -> None:
    book, _outcome = run_sample(TTHC)
    assert fk.log(book).coercions == []


def test_seed004_sample_par_totals() -> None:
    book, _outcome = run_sample(PAR)
    layout = layout_of(PAR)
    out = {s.key: at(book, layout.sheet, s.row, s.col).value for s in layout.outputs()}
    assert out["total/self"] == pytest.approx(56.2967, abs=1e-9)
    assert out["total/appraised"] == pytest.approx(84.68919, abs=1e-9)
    assert out["implementation"] == pytest.approx(56.9527, abs=1e-9)
    assert out["survey"] == pytest.approx(27.73649, abs=1e-9)
    assert book.sheets[layout.sheet].api.ProtectContents
    assert_clean_run(book)


@pytest.mark.parametrize("sample", [TTHC, SI459, PAR])
def test_protection_is_restored_as_in_the_file(sample: str) -> None:
    original = fk.protection_of(openpyxl.load_workbook(SAMPLES / sample).worksheets[0])
    assert original is not None and original["AllowFormattingRows"] and original["AllowFormattingColumns"]
    book, _outcome = run_sample(sample)
    assert fk.sheet_data(book, layout_of(sample).sheet).protection == original


# ---------------------------------------------------------------------------- hand-made forms, as typed in Excel


def test_seed001_hand_made_form() -> None:
    grid, rows = seed001_form()
    book = fk.book_from_grids("Phụ lục BC 205 - UBND huyện Điện Biên.xlsx", [("Phụ lục", grid)])
    run(book)
    col = 4  # "Điểm tự đánh giá"
    expected = {"1": 1.91, "2": 1.91, "3": 2.0, "4": 2.0, "5": 1.91, "6": 2.0, "7": 2.0, "8": 2.0, "9": 1.0}
    for code, score in expected.items():
        assert at(book, "Phụ lục", rows[code], col).value == pytest.approx(score), code
    assert at(book, "Phụ lục", rows["total"], col).value == pytest.approx(16.74)
    assert at(book, "Phụ lục", rows["6"] + 1, col).value == "x"  # an input inside the written block, kept
    mark = at(book, "Phụ lục", rows["9"] + 2, col)
    assert mark.color == fk.rgb_to_int(WARN_FILL) and mark.note is not None and mark.note.startswith("Cảnh báo:")
    assert "16,74/18 điểm" in fk.log(book).alerts[0].prompt
    assert_clean_run(book)


def test_seed002_hand_made_appendix_keeps_a_formula_in_the_written_block() -> None:
    grid, rows = seed002_appendix()
    # a subtotal formula typed on the «UBND CÁC XÃ» section row, inside the block the add-in writes (N..P)
    section_row = rows["UBND xã Mường Lói"] - 1
    grid[section_row] = [*grid[section_row], *[None] * (13 - len(grid[section_row])), "=SUM(N7:N11)"]
    book = fk.book_from_grids("Phụ lục BC 405 tháng 7-2023.xlsx", [("Phụ lục", grid)])
    outcome = run(book)
    assert outcome is not None and len(outcome.scored.scored[0].results) == len(SEED002)
    expected = {  # hand calculation in test_addin_remote.py
        "Trung tâm QLĐĐ": (58.94, 69.34, "Trung bình"),
        "Phòng Nội vụ": (36.15, 55.62, "Trung bình"),
        "Phòng Lao động - Thương binh và Xã hội": (69.8, 93.07, "Xuất sắc"),
        "UBND xã Núa Ngam": (79.12, 93.08, "Xuất sắc"),
        "UBND xã Thanh Luông": (64.72, 76.14, "Khá"),
    }
    for name, (total, qd, band) in expected.items():
        got = tuple(at(book, "Phụ lục", rows[name], c).value for c in (13, 14, 15))
        assert got == (pytest.approx(total), pytest.approx(qd), band), name
    assert at(book, "Phụ lục", section_row, 13).formula == "=SUM(N7:N11)"  # written back as a formula
    note = at(book, "Phụ lục", rows["Trung tâm QLĐĐ"], 13).note
    assert note is not None and "58,69" in note and "58,94" in note
    assert_clean_run(book)


def test_officers_own_459_appendix_with_merged_cells() -> None:
    """The seed 002 appendix as an officer typed it (tests/data/handmade: merged title, header and section rows)."""
    book = fk.book_from_xlsx(ROOT / "tests" / "data" / "handmade" / "phu_luc_405_thang7_2023.xlsx")
    data = fk.sheet_data(book, "Phụ lục")
    assert (15, 2, 15, 16) in data.merged  # «UBND CÁC XÃ» across B15:P15, inside the block the add-in writes
    section = data.peek(15, 2).value
    run(book)
    rows = {data.peek(r, 2).value: r for r in range(1, 42)}
    figures = {name: tuple(data.peek(rows[name], c).value for c in (14, 15, 16)) for name in rows if name}
    # 4,81+23,45+5,16+5,60+1,26+5,33+5+5+3,33 = 58,94 (printed 58,69); /85 = 69,34
    assert figures["Trung tâm QLĐĐ"] == (pytest.approx(58.94), pytest.approx(69.34), "Trung bình")
    # 11,5 counted as 10: 80,62 − 1,5 = 79,12; /85 = 93,08
    assert figures["UBND xã Núa Ngam"] == (pytest.approx(79.12), pytest.approx(93.08), "Xuất sắc")
    note = data.peek(rows["Trung tâm QLĐĐ"], 14).note
    assert note is not None and "58,69" in note and "58,94" in note
    assert data.peek(15, 2).value == section and data.peek(15, 14).value is None  # the merged row kept as it was
    assert_clean_run(book)


def test_unrecognised_workbook_message_uses_a_windows_mode() -> None:
    book = fk.book_from_grids("Sổ tay.xlsx", [("Trang 1", [["Họ và tên", "Điểm"], ["Nguyễn Văn A", 8]])])
    outcome = run(book)
    assert outcome is not None and outcome.scored.scored == []
    alert = fk.log(book).alerts[0]
    assert alert.prompt.startswith("Không nhận ra biểu mẫu chấm điểm")  # not «lỗi ngoài dự kiến (KeyError)»
    assert alert.mode == "critical"  # Windows shows MB_ICONWARNING for it
    # the findings sheet says why, with the same finding the batch gives for such a file
    table = findings_table(book)
    assert table[0] == list(FINDING_ROW_HEADERS) and len(table) == 2
    assert table[1][1:3] == ["Lỗi", "template_unknown"] and "Sổ tay.xlsx" in table[1][7]
    assert_clean_run(book)


def test_unexpected_error_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def boom(book: Any) -> Any:
        raise RuntimeError("hỏng")

    monkeypatch.setattr(addin, "compute", boom)
    book = fk.book_from_xlsx(SAMPLES / TTHC)
    assert run(book) is None
    alert = fk.log(book).alerts[0]
    assert alert.mode == "critical" and alert.prompt.startswith(
        "Không tính được điểm do lỗi ngoài dự kiến (RuntimeError)"
    )
    assert "Traceback" in (tmp_path / "xl_tthc-loi.log").read_text(encoding="utf-8")
    assert_clean_run(book)


def test_second_run_updates_notes_and_findings_sheet() -> None:
    book, _ = run_sample(TTHC)
    layout = layout_of(TTHC)
    mark_9b = next(s for s in layout.inputs() if s.key == "criteria/9/marks/b")
    fk.cell(book, layout.sheet, mark_9b.ref).note = "Cảnh báo: cũ"
    run(book)
    log = fk.log(book)
    assert log.rejections == [] and len(log.alerts) == 2
    assert [s.name for s in book.sheets] == [layout.sheet, FINDINGS_SHEET]  # cleared and rewritten, not added
    note = fk.cell(book, layout.sheet, mark_9b.ref).note
    assert note is not None and "99/1.147 = 8,63 %" in note  # the existing note's text replaced
    assert len(findings_table(book)) == 2
    assert book.sheets[layout.sheet].api.ProtectContents


def test_password_protected_form_is_refused_in_vietnamese() -> None:
    """A sheet protected with a password the add-in cannot lift: Windows refuses the write; the user gets a sentence."""
    book = fk.book_from_xlsx(SAMPLES / TTHC)
    sheet = book.sheets[0]
    sheet.api.Unprotect()
    sheet.api.Protect("mật khẩu", AllowFormattingColumns=True)
    assert run(book) is None
    alert = fk.log(book).alerts[-1]
    assert alert.mode == "critical" and "lỗi ngoài dự kiến (com_error)" in alert.prompt
    assert sheet.api.ProtectContents


def test_main_uses_book_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    book = fk.book_from_xlsx(SAMPLES / TTHC)
    book.set_mock_caller()
    monkeypatch.setattr(fk.Book, "_mock_caller", book)
    monkeypatch.setattr(xw.Book, "caller", fk.Book.caller)
    addin.main()
    assert "16,74/18 điểm" in fk.log(book).alerts[0].prompt
    assert_clean_run(book)


# ---------------------------------------------------------------------------- the fake rejects what Windows rejects


def small_book() -> fk.Book:
    return fk.book_from_grids("a.xlsx", [("Trang 1", [["Tên", 1, dt.datetime(2021, 6, 22)], [None, 2.5, "=B1+B2"]])])


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"mode": "warning"}, KeyError),  # the bug this fake was written for
        ({"mode": "error"}, KeyError),
        ({"buttons": "okay"}, KeyError),
        ({"buttons": "yes_no", "mode": "info"}, None),
        ({"mode": None}, None),
        ({"mode": "critical", "callback": "ignored on Windows"}, None),
    ],
)
def test_alert_modes_and_buttons(kwargs: dict[str, Any], exc: type[BaseException] | None) -> None:
    book = small_book()
    if exc is None:
        assert book.app.alert("Xin chào", "Tính điểm", **kwargs) in ("ok", "yes")
    else:
        with pytest.raises(exc):
            book.app.alert("Xin chào", "Tính điểm", **kwargs)
        assert fk.log(book).rejections and fk.log(book).alerts == []


def test_rejections_of_sheets_and_names() -> None:
    book = small_book()
    sheets = book.sheets
    with pytest.raises(fk.ComError):
        sheets["Không có"]
    with pytest.raises(IndexError):
        sheets[1]
    with pytest.raises(ValueError, match="already present"):
        sheets.add("trang 1")  # case-insensitive
    with pytest.raises(fk.ComError):  # Excel forbids ":" (xlwings' own check does not)
        sheets.add("Kết quả: 2021", after=sheets[0])
    assert [s.name for s in book.sheets] == ["Trang 1", "Sheet1"]  # Windows leaves the added sheet behind
    with pytest.raises(fk.ComError):
        sheets.add("Kết quả kiểm tra số liệu năm 2021")  # 33 characters: refused by Excel, not by xlwings
    with pytest.raises(ValueError, match=r"max\. length"):
        book.sheets[0].name = "x" * 32
    with pytest.raises(ValueError, match="must not contain"):
        book.sheets[0].name = "Quý I/2021"
    with pytest.raises(fk.ComError):
        book.sheets[0].name = "History"
    with pytest.raises(fk.WindowsPitfall):
        "Trang 1" in book.sheets  # noqa: B015 - always False on Windows


def test_rejections_of_ranges_values_colours_notes() -> None:
    book = small_book()
    s = book.sheets[0]
    with pytest.raises(IndexError):
        s.range((0, 1))
    with pytest.raises(fk.ComError):
        s.range("A0")
    with pytest.raises(fk.ComError):
        s.range("Tổng")  # defined names are not modelled; an unknown one fails in Excel too
    rng = s.range("A1")
    with pytest.raises(ValueError):
        rng.color = "red"
    with pytest.raises(ValueError):
        rng.color = "#fff"
    with pytest.raises(IndexError):
        rng.color = (255, 0)
    with pytest.raises(fk.ComError):
        rng.color = (0, 0, 256)
    rng.color = "#ffc7ce"
    assert rng.color == (255, 199, 206)
    with pytest.raises(TypeError, match="COM VARIANT"):
        s.range("D1").value = {"a": 1}
    with pytest.raises(Exception, match="same length"):
        s.range("D1").value = [[1, 2], [3]]
    assert fk.cell(book, "Trang 1", "D1").value is None  # nothing written
    with pytest.raises(fk.WindowsPitfall):
        s.range("A1:C2").options(ndims=2).value  # noqa: B018
    with pytest.raises(ValueError):
        s.range("A1:C2").options(ndim=3).value  # noqa: B018
    with pytest.raises(TypeError):
        rng.add_note(12)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        rng.add_note("")
    with pytest.raises(ValueError):
        s.range("A1:B2").add_note("hai ô")
    rng.add_note("Ghi chú")
    with pytest.raises(ValueError, match="already has a note"):
        rng.add_note("lần hai")
    with pytest.raises(TypeError):
        book.app.status_bar = object()  # type: ignore[assignment]
    with pytest.raises(fk.NotModelled):
        rng.colour = (255, 0, 0)  # type: ignore[attr-defined]
    with pytest.raises(fk.NotModelled):
        rng.autofit()  # type: ignore[attr-defined]


def test_rejections_on_a_protected_sheet() -> None:
    book = fk.book_from_xlsx(SAMPLES / TTHC)
    sheet = book.sheets[0]
    api = sheet.api
    assert api.ProtectContents
    with pytest.raises(fk.ComError):
        sheet.range("A1").value = "sửa"  # locked cell
    with pytest.raises(fk.ComError):
        sheet.range("A1").color = (255, 0, 0)  # no AllowFormattingCells
    with pytest.raises(fk.ComError):
        sheet.range("A1").add_note("x")  # DrawingObjects protected
    with pytest.raises(fk.ComError):
        sheet.clear_contents()
    with pytest.raises(TypeError, match="unexpected keyword"):
        api.Protect(AllowFormatingCells=True)  # misspelt COM parameter
    with pytest.raises(TypeError, match="unexpected keyword"):
        api.Protect(contents=True)  # pywin32's method has Excel's names, in Excel's case
    with pytest.raises(fk.ComError, match="Type mismatch"):
        api.Protect(Contents="có")
    api.Unprotect()
    sheet.range("A1").value = "sửa"
    api.Protect(Contents=True, AllowFormattingCells=True)
    sheet.range("B1").color = (255, 0, 0)
    api.Unprotect()
    api.Protect(Password="pw")
    with pytest.raises(fk.ComError, match="password"):
        api.Unprotect()
    with pytest.raises(fk.ComError, match="not correct"):
        api.Unprotect("sai")
    api.Unprotect("pw")
    assert not api.ProtectContents


def test_merged_cells_keep_only_their_top_left_value() -> None:
    book = fk.book_from_xlsx(ROOT / "tests" / "data" / "handmade" / "phu_luc_405_thang7_2023.xlsx")
    s = book.sheets["Phụ lục"]
    s.range("N15:P15").value = [[None, None, None]]  # empty into a merged area: harmless
    with pytest.raises(fk.WindowsPitfall, match="merged"):
        s.range("N15").value = 58.94  # Excel would not keep it
    with pytest.raises(fk.ComError, match="part of a merged cell"):
        s.range("N14:P15").clear_contents()
    s.range("B15:P15").clear_contents()  # the whole area is fine
    assert s.range("B15").value is None


def test_values_as_windows_returns_them() -> None:
    book = small_book()
    s = book.sheets[0]
    assert s.range("A1:C2").value == [["Tên", 1.0, dt.datetime(2021, 6, 22)], [None, 2.5, None]]
    assert isinstance(s.range("B1").value, float)
    assert s.range("B1").options(ndim=2).value == [[1.0]]
    assert s.range("A1:C1").value == ["Tên", 1.0, dt.datetime(2021, 6, 22)]  # one row: a flat list
    assert s.range("B1:B2").options(numbers=int).value == [1, 2]  # int(round(2.5)) = 2
    # Range.Formula ignores the options: a str for one cell, a tuple of tuples otherwise
    assert s.range("C2").formula == "=B1+B2"
    assert s.range("A1:C2").options(ndim=2).formula == (("Tên", "1", "6/22/2021"), ("", "2.5", "=B1+B2"))
    used = s.used_range
    assert (used.row, used.column, used.shape) == (1, 1, (2, 3))
    s.range("E5").value = [[1, None], ["8.32", "=E5*2"]]  # a block from its top-left cell
    assert fk.values(book, "Trang 1")["F6"] == "=E5*2" and fk.cell(book, "Trang 1", "F5").value is None
    assert ("Trang 1", "E6", "8.32") in fk.log(book).coercions  # Excel would turn this text into a number


# ---------------------------------------------------------------------------- meta: the fake covers what the add-in uses


COM_MEMBERS = {  # Excel's Worksheet / Protection members the fake models (documented in the Excel VBA reference)
    "Worksheet": {
        "Name",
        "ProtectContents",
        "ProtectDrawingObjects",
        "ProtectScenarios",
        "ProtectionMode",
        "Protection",
        "Protect",
        "Unprotect",
        "Cells",
        "Range",
    },
    "Protection": {name for name, _ in fk.PROTECT_PARAMS if name.startswith("Allow")},
    "ComRange": {"Row", "Column", "Find"},  # Excel's Range object behind sheet.api (S5, S6)
}


def _all_runs() -> set[tuple[str, str]]:
    touched: set[tuple[str, str]] = set()
    books = [fk.book_from_xlsx(SAMPLES / s) for s in (TTHC, SI459, PAR)]
    books.append(fk.book_from_xlsx(ROOT / "tests" / "data" / "handmade" / "phu_luc_405_thang7_2023.xlsx"))
    books.append(fk.book_from_grids("a.xlsx", [("Phụ lục", seed001_form()[0])]))
    books.append(fk.book_from_grids("b.xlsx", [("Phụ lục", seed002_appendix()[0])]))
    books.append(fk.book_from_grids("c.xlsx", [("Trang 1", [["Họ và tên"]])]))
    stretched = fk.book_from_xlsx(SAMPLES / TTHC)  # formats down to XFD1048576: the add-in asks where content ends
    fk.format_only(stretched, stretched.sheets[0].name, "XFD1048576")
    books.append(stretched)
    for book in books:
        run(book)
        run(book)  # the second run takes the «existing findings sheet» and «existing note» paths
        assert fk.log(book).rejections == []
        touched |= fk.log(book).touched
    return touched


def test_every_xlwings_member_the_addin_uses_is_modelled_with_the_real_signature() -> None:
    fk.check_version()
    touched = _all_runs()
    assert {
        ("App", "alert"),
        ("App", "status_bar"),
        ("Range", "add_note"),
        ("Range", "note"),
        ("Range", "color"),
    } <= touched
    assert {("Sheets", "add"), ("Sheet", "used_range"), ("Range", "formula"), ("Worksheet", "Protect")} <= touched
    assert {("Worksheet", "Cells"), ("Worksheet", "Range"), ("ComRange", "Find"), ("ComRange", "Row")} <= touched
    for cls_name, member in sorted(touched):
        if cls_name in COM_MEMBERS:
            assert member in COM_MEMBERS[cls_name], (cls_name, member)
            continue
        real_cls = getattr(xw.main, cls_name)
        assert hasattr(real_cls, member), f"xlwings.{cls_name} has no {member}"
        fake_attr = inspect.getattr_static(getattr(fk, cls_name), member)
        real_attr = inspect.getattr_static(real_cls, member)
        assert isinstance(fake_attr, property) == isinstance(real_attr, property), (cls_name, member)
        if isinstance(real_attr, property):
            assert (fake_attr.fset is None) == (real_attr.fset is None), (cls_name, member)
        elif callable(real_attr) and not member.startswith("__"):
            fake_sig = inspect.signature(getattr(getattr(fk, cls_name), member))
            real_sig = inspect.signature(getattr(real_cls, member))
            assert [(p.name, p.default, p.kind) for p in fake_sig.parameters.values()] == [
                (p.name, p.default, p.kind) for p in real_sig.parameters.values()
            ], (cls_name, member)


def test_the_fake_public_surface_mirrors_xlwings() -> None:
    """Every public member of the fake's xlwings classes exists in xlwings with the same kind and signature."""
    for cls_name in ("App", "Book", "Sheets", "Sheet", "Range", "Note"):
        fake_cls, real_cls = getattr(fk, cls_name), getattr(xw.main, cls_name)
        for member, fake_attr in vars(fake_cls).items():
            if member.startswith("_"):
                continue
            assert hasattr(real_cls, member), (cls_name, member)
            real_attr = inspect.getattr_static(real_cls, member)
            if isinstance(fake_attr, property):
                assert isinstance(real_attr, property), (cls_name, member)
                assert (fake_attr.fset is None) == (real_attr.fset is None), (cls_name, member)
            elif callable(fake_attr) or isinstance(fake_attr, classmethod):
                fake_sig = inspect.signature(getattr(fake_cls, member))
                real_sig = inspect.signature(getattr(real_cls, member))
                assert [(p.name, p.default) for p in fake_sig.parameters.values()] == [
                    (p.name, p.default) for p in real_sig.parameters.values()
                ], (cls_name, member)


def test_output_cells_are_written_in_rectangles_of_output_cells_only() -> None:
    from xl_tthc.addin import blocks

    # a column of scores with input rows between (TTHC form), and an appendix's 4 output columns over 3 unit rows
    # split by a section row: 3 + 2 rectangles, no input cell inside any of them
    cells = [(5, 4, 1.91), (9, 4, 1.91), (10, 4, 2.0)]
    cells += [(r, c, r * 10 + c) for r in (20, 21, 23) for c in (13, 14, 15, 16)]
    assert blocks(cells) == [
        (5, 4, [[1.91]]),
        (9, 4, [[1.91], [2.0]]),
        (20, 13, [[213, 214, 215, 216], [223, 224, 225, 226]]),
        (23, 13, [[243, 244, 245, 246]]),
    ]
