"""The «Tính điểm» button driven through xlwings' remote engine (no Excel here).

The payload is what Excel sends for an open workbook; the assertions are on the actions the button asks Excel
to perform (values, colours, notes, the findings sheet, the message box). ``XLWINGS_LICENSE_KEY=noncommercial``
is set for these tests only; the shipped add-in uses open-source xlwings over COM.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from xl_tthc.addin import FILLS, run
from xl_tthc.core.findings import Severity
from xl_tthc.core.framework import get
from xl_tthc.pipeline import REPORT_SHEET as FINDINGS_SHEET

BAD_FILL, WARN_FILL = FILLS[Severity.ERROR], FILLS[Severity.WARNING]

xw = pytest.importorskip("xlwings")


def _book(name: str, sheets: list[tuple[str, list[list[Any]]]], used: dict[str, str] | None = None) -> Any:
    """``used``: the used range the client reports for a sheet (``used_range_address``), else the values' extent."""
    width = max(len(r) for _, g in sheets for r in g)
    payload = {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": [
            {
                "name": n,
                "values": [list(r) + [None] * (width - len(r)) for r in g],
                "pictures": [],
                "tables": [],
                "notes": [],
                "notes_supported": True,
                **({"used_range_address": used[n]} if used and n in used else {}),
            }
            for n, g in sheets
        ],
    }
    return xw.Book(json=payload)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _cell_writes(actions: list[dict[str, Any]], sheet_position: int) -> dict[tuple[int, int], Any]:
    """Every cell value the actions write on one sheet, keyed by 0-based (row, column)."""
    out: dict[tuple[int, int], Any] = {}
    for a in actions:
        if a["func"] == "setValues" and a["sheet_position"] == sheet_position:
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    out[(a["start_row"] + i, a["start_column"] + j)] = v
    return out


def _cell(actions: list[dict[str, Any]], func: str, row: int, col: int) -> list[dict[str, Any]]:
    return [a for a in actions if a["func"] == func and a["start_row"] == row and a["start_column"] == col]


# ---------------------------------------------------------------------------- seed 001: the district annex


def seed001_form() -> tuple[list[list[Any]], dict[str, int]]:
    """The annex of Báo cáo 205/BC-UBND (seed 001) as typed in Excel, with the count block of its section 2.1.a.

    Returns the grid and the 0-based row of each criterion and of the TỔNG ĐIỂM row.
    """
    fw = get("tthc-dienbien-1187-2019-huyen")
    g: list[list[Any]] = [
        ["ĐÁNH GIÁ VIỆC GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH CỦA UBND HUYỆN ĐIỆN BIÊN, TỈNH ĐIỆN BIÊN"],
        ["(Kèm theo Báo cáo số 205/BC-UBND ngày 22/6/2021 của UBND huyện Điện Biên)"],
        ["Kỳ đánh giá: Quý II, Năm 2021"],
        ["Đơn vị: UBND CẤP HUYỆN"],
        ["Tổng số hồ sơ đã tiếp nhận trong kỳ: 1.147"],
        ["Tiếp nhận trực tuyến: 99"],
        ["Tiếp nhận trực tiếp và qua dịch vụ bưu chính: 1.047"],
        ["Từ kỳ trước chuyển sang: 1"],
        ["Tổng hồ sơ đã giải quyết trong kỳ: 1.132"],
        ["Giải quyết trước hạn: 1.033"],
        ["Giải quyết đúng hạn: 99"],
        ["Giải quyết quá hạn: 0"],
        ["Đang giải quyết trong hạn: 15"],
        ["Đang giải quyết quá hạn: 0"],
        ["STT", "Tiêu chí/Tiêu chí thành phần", "Điểm tối đa", "Số lượng hồ sơ", "Điểm tự đánh giá", "Ghi chú"],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
        [None, "TỔNG ĐIỂM", "18,0", None, None, None],
    ]
    rows = {"total": len(g) - 1}
    counts = {
        "1": ("1.132", ["1.033", 99, 0]),
        "2": ("1.132", ["1.033", 99, 0]),
        "3": ("1.132", ["1.132", 0, 0]),
        "4": ("1.132", ["1.132", 0, 0]),
        "5": ("1.132", ["1.033", 99, 0]),
    }
    marks = {"6": "a", "7": "a", "8": "a", "9": "b"}  # criterion 9 marked at 1 point, as in the seed
    for crit in fw.criteria:
        rows[crit.code] = len(g)
        total_count, level_counts = counts.get(crit.code, (None, [None, None, None]))
        note = "Đang giải quyết trong hạn 15 hồ sơ" if crit.code == "1" else None
        g.append([int(crit.code), crit.title, 2, total_count, None, note])
        for lv, n in zip(crit.levels, level_counts, strict=True):
            mark = "x" if marks.get(crit.code) == lv.key else None
            g.append([None, lv.label, int(lv.points), n, mark, None])
    return g, rows


def test_seed001_form_gets_the_seed_scores_and_the_criterion_9_warning() -> None:
    grid, rows = seed001_form()
    book = _book("Phụ lục BC 205 - UBND huyện Điện Biên.xlsx", [("Phụ lục", grid)])
    outcome = run(book)
    assert outcome is not None
    actions = book.json()["actions"]
    writes = _cell_writes(actions, 0)
    col = 4  # "Điểm tự đánh giá"
    # (1033×2 + 99×1)/1132 = 1,9125… → 1,91 (criteria 1, 2 and 5); 1132×2/1132 = 2 (criteria 3, 4)
    expected = {"1": 1.91, "2": 1.91, "3": 2.0, "4": 2.0, "5": 1.91, "6": 2.0, "7": 2.0, "8": 2.0, "9": 1.0}
    for code, score in expected.items():
        assert writes[(rows[code], col)] == pytest.approx(score), code
    # 3 × 1,9125… + 2 + 2 + 2 + 2 + 2 + 1 = 16,7376 → 16,74 (from unrounded scores; 16,73 if rounded first)
    assert writes[(rows["total"], col)] == pytest.approx(16.74)
    # only output cells are written: the "x" marks and the counts typed as text («1.033») are never written back
    assert (rows["6"] + 1, col) not in writes and (rows["1"] + 1, col - 1) not in writes
    # criterion 9: marked 1 point, but 99/1.147 = 8,63 % online < 15 % → a warning on the marked cell
    mark_row = rows["9"] + 2
    assert _cell(actions, "setRangeColor", mark_row, col)[0]["args"] == [_hex(WARN_FILL)]
    note = _cell(actions, "addNote", mark_row, col)[0]["args"][1]
    assert "99/1.147 = 8,63 %" in note and note.startswith("Cảnh báo:")
    # the findings sheet and one message box
    add = [a for a in actions if a["func"] == "addSheet"]
    assert add and add[0]["args"][1] == FINDINGS_SHEET
    table = next(a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 1)["values"]
    # the same findings sheet as «xl-tthc fill» writes: four lines (the last, the fingerprint), then the table
    assert table[0][0] == "KẾT QUẢ KIỂM TRA SỐ LIỆU" and str(table[3][0]).startswith("Mã kiểm tra số liệu: ")
    assert table[4] == ["STT", "Mức độ", "Mã", "Tệp", "Đơn vị", "Trang", "Ô", "Nội dung"]
    assert any(r[2] == "level_contradicts_data" and r[6] == f"E{mark_row + 1}" for r in table[5:])
    alerts = [a for a in actions if a["func"] == "alert"]
    assert len(alerts) == 1
    assert "16,74/18 điểm" in alerts[0]["args"][0] and alerts[0]["args"][1] == "Tính điểm"


# ---------------------------------------------------------------------------- seed 002: the appendix

SEED002 = [  # name, indicators as printed (11 columns), stated total, stated quy đổi, stated band
    ("phong", "Trung tâm QLĐĐ", "- 4,81 - 23,45 5,16 5,60 1,26 5,33 5 5 3,33", "58,69/85", "69,34", "Trung bình"),
    ("phong", "Phòng Tư pháp", "- 4,81 - 28,24 8.32 7,18 0,25 8,32 5 5 3,33", "70,45/85", "82,88", "Tốt"),
    ("phong", "Phòng Nội vụ", "- 4,81 - 13,96 - - 0 4,05 5 5 3,33", "36,15/65", "55,61", "Trung bình"),
    (
        "phong",
        "Phòng Lao động - Thương binh và Xã hội",
        "- 4,81 - 30 10 - 1,66 10 5 5 3,33",
        "69,8/75",
        "93,06",
        "Xuất sắc",
    ),
    ("phong", "Phòng Kinh tế và Hạ tầng", "- 4,81 - 30 10 10 5 10 5 5 3,33", "83,14/85", "97,81", "Xuất sắc"),
    ("xa", "UBND xã Mường Lói", "- 4,81 - 0 0 0 0 0 5 5 5", "19,81", "23,31", "Yếu"),
    ("xa", "UBND xã Núa Ngam", "- 4,81 - 29,71 10 4,81 4,79 11,5 5 5 5", "80,62", "94,85", "XS"),
    ("xa", "UBND xã Thanh Luông", "- 4,81 - 30 10 1,25 4,87 3,8 3,33 3,33 3,33", "64,72", "76,14", "Khá"),
]


def seed002_appendix() -> tuple[list[list[Any]], dict[str, int]]:
    head1 = [
        "STT",
        "TÊN ĐƠN VỊ",
        "ĐIỂM CÁC CHỈ SỐ",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "TỔNG ĐIỂM ĐẠT ĐƯỢC",
        "TỔNG ĐIỂM QUY ĐỔI",
        "XẾP LOẠI",
    ]
    head2 = [
        None,
        None,
        "Nhóm công khai, minh bạch",
        None,
        None,
        "Tiến độ, KQ giải quyết (30đ)",
        "Cung cấp DVCTT",
        None,
        "Số hóa hồ sơ",
        None,
        "Mức độ hài lòng",
        None,
        None,
        None,
        None,
        None,
    ]
    head3 = [
        None,
        None,
        "Chỉ số 1 (5đ)",
        "Chỉ số 2 (5đ)",
        "Chỉ số 3 (10đ)",
        None,
        "Chỉ số 1 (10đ)",
        "Chỉ số 2 (10đ)",
        "Chỉ số 1 (5đ)",
        "Chỉ số 2 (10đ)",
        "Chỉ số 1 (5đ)",
        "Chỉ số 2 (5đ)",
        "Chỉ số 3 (5đ)",
        None,
        None,
        None,
    ]
    g: list[list[Any]] = [
        ["KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP"],
        [],
        head1,
        head2,
        head3,
    ]
    rows: dict[str, int] = {}
    section = None
    n = 0
    for level, name, vals, total, qd, band in SEED002:
        if level != section:
            section, n = level, 0
            g.append(
                [
                    "I" if level == "phong" else "II",
                    "CÁC CƠ QUAN CHUYÊN MÔN THUỘC HUYỆN" if level == "phong" else "UBND CÁC XÃ",
                ]
            )
        n += 1
        rows[name] = len(g)
        g.append([n, name, *vals.split(), total, qd, band])
    g.append([])
    g.append(["Lưu ý: Các chỉ số đánh giá bởi dấu (-) là nhiệm vụ không phải thực hiện"])
    return g, rows


def test_seed002_appendix_is_filled_row_by_row() -> None:
    grid, rows = seed002_appendix()
    book = _book("Phụ lục BC 405 tháng 7-2023.xlsx", [("Phụ lục", grid)])
    outcome = run(book)
    assert outcome is not None and len(outcome.scored.scored[0].results) == len(SEED002)
    actions = book.json()["actions"]
    writes = _cell_writes(actions, 0)
    total_c, qd_c, band_c = 13, 14, 15
    # totals and quy đổi recomputed by hand from the printed indicators (the "-" columns are not applicable):
    expected = {
        "Trung tâm QLĐĐ": (
            58.94,
            69.34,
            "Trung bình",
        ),  # 4,81+23,45+5,16+5,60+1,26+5,33+5+5+3,33 = 58,94 (printed 58,69); /85
        "Phòng Tư pháp": (70.45, 82.88, "Tốt"),  # 70,45/85×100 = 82,88
        "Phòng Nội vụ": (36.15, 55.62, "Trung bình"),  # 36,15/65×100 = 55,615… → 55,62 (printed 55,61, truncated)
        "Phòng Lao động - Thương binh và Xã hội": (69.8, 93.07, "Xuất sắc"),  # 69,8/75×100 = 93,066… → 93,07
        "Phòng Kinh tế và Hạ tầng": (83.14, 97.81, "Xuất sắc"),
        "UBND xã Mường Lói": (19.81, 23.31, "Yếu"),
        "UBND xã Núa Ngam": (79.12, 93.08, "Xuất sắc"),  # 11,5 > 10 counted as 10: 80,62 − 1,5 = 79,12; /85 = 93,08
        "UBND xã Thanh Luông": (64.72, 76.14, "Khá"),
    }
    for name, (total, qd, band) in expected.items():
        r = rows[name]
        assert writes[(r, total_c)] == pytest.approx(total), name
        assert writes[(r, qd_c)] == pytest.approx(qd), name
        assert writes[(r, band_c)] == band, name
    # Núa Ngam's 11,5 (Số hóa chỉ số 2, column J) is marked as an error with a note
    r = rows["UBND xã Núa Ngam"]
    assert _cell(actions, "setRangeColor", r, 9)[0]["args"] == [_hex(BAD_FILL)]
    note = _cell(actions, "addNote", r, 9)[0]["args"][1]
    assert note.startswith("Lỗi:") and "11,5" in note and "10" in note
    # the stated 58,69 of Trung tâm QLĐĐ is flagged where it was written
    note = _cell(actions, "addNote", rows["Trung tâm QLĐĐ"], total_c)[0]["args"][1]
    assert "58,69" in note and "58,94" in note


def test_unrecognised_workbook_gets_a_clear_message() -> None:
    book = _book("Sổ tay.xlsx", [("Trang 1", [["Họ và tên", "Điểm"], ["Nguyễn Văn A", 8]])])
    outcome = run(book)
    assert outcome is not None and outcome.scored.scored == []
    alerts = [a for a in book.json()["actions"] if a["func"] == "alert"]
    assert "Không nhận ra biểu mẫu chấm điểm" in alerts[0]["args"][0]


def test_unexpected_error_is_logged_and_shown_in_vietnamese(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    import xl_tthc.addin as addin

    monkeypatch.setattr(addin, "LOG_PATH", tmp_path / "xl_tthc-loi.log")

    def boom(book: Any) -> Any:
        raise RuntimeError("hỏng")

    monkeypatch.setattr(addin, "compute", boom)
    grid, _ = seed001_form()
    book = _book("a.xlsx", [("Phụ lục", grid)])
    assert run(book) is None
    alert = next(a for a in book.json()["actions"] if a["func"] == "alert")["args"]
    assert alert[0].startswith("Không tính được điểm do lỗi ngoài dự kiến (RuntimeError)")
    assert "Traceback" not in alert[0]
    assert "Traceback" in (tmp_path / "xl_tthc-loi.log").read_text(encoding="utf-8")


def test_main_module_import_is_light() -> None:
    import subprocess
    import sys

    code = "import sys, xl_tthc.addin; print(json.dumps(sorted(m for m in ('pandas','openpyxl','python_calamine') if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", "import json;" + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def _grid_of(path: Any) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as wb:
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    return [[None if v == "" else v for v in row] for row in rows]


def test_official_template_sample_fills_its_output_cells() -> None:
    """The seed 001 sample made from our template: scores go to the template's own output cells."""
    from pathlib import Path

    from xl_tthc.io.layouts import build_layout

    root = Path(__file__).resolve().parent.parent
    grid = _grid_of(root / "workbooks/samples/Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx")
    book = _book("Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx", [("Chấm điểm TTHC", grid)])
    outcome = run(book)
    assert outcome is not None and len(outcome.scored.scored) == 1
    layout = build_layout("tthc-unit", get("tthc-dienbien-1187-2019-huyen"))
    writes = _cell_writes(book.json()["actions"], 0)
    slot = {s.key: (s.row, s.col) for s in layout.outputs()}
    # (1033×2 + 99)/1132 = 1,9125… → 1,91; criteria 3–4 all at 2 points; 6–8 marked 2, 9 marked 1
    for code, score in {"1": 1.91, "2": 1.91, "3": 2.0, "4": 2.0, "5": 1.91, "9": 1.0}.items():
        assert writes[slot[f"item/{code}"]] == pytest.approx(score)
    assert writes[slot["total"]] == pytest.approx(16.74)  # 3 × 1,9125… + 2 + 2 + 2 + 2 + 2 + 1
    assert writes[slot["band"]] == "Xuất sắc"


def test_summary_workbook_is_refreshed(tmp_path: Any) -> None:
    """Our summary workbook: after an officer corrects an indicator, totals, quy đổi, bands and ranks are redone."""
    import shutil
    from pathlib import Path

    from conftest import consolidate_dir
    from python_calamine import CalamineWorkbook

    root = Path(__file__).resolve().parent.parent
    folder = tmp_path / "don-vi"
    folder.mkdir()
    shutil.copy(root / "workbooks/samples/Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023.xlsx", folder)
    consolidate_dir(folder, period="2023-07", output=tmp_path / "TONG_HOP.xlsx")
    with CalamineWorkbook.from_path(str(tmp_path / "TONG_HOP.xlsx")) as wb:
        names = wb.sheet_names
        grids = {
            n: [
                [None if v == "" else v for v in row]
                for row in wb.get_sheet_by_name(n).to_python(skip_empty_area=False)
            ]
            for n in names
        }
    sheet = next(n for n in names if "Phòng" in n or "phòng" in n.lower() or "cấp huyện" in n.lower())
    g = grids[sheet]
    header = [str(v).split("\n")[0] if v else "" for v in g[3]]
    row = next(r for r in range(4, len(g)) if g[r][1] == "Trung tâm QLĐĐ")
    g[row][header.index("2.1")] = 30  # the officer corrects Tiến độ from 23,45 to 30
    book = _book("TONG_HOP.xlsx", [(n, grids[n] if n != sheet else g) for n in names])
    outcome = run(book)
    assert outcome is not None and any(sw.sheet.name == sheet for sw in outcome.scored.scored)
    pos = names.index(sheet)
    writes = _cell_writes(book.json()["actions"], pos)
    total_c, qd_c, band_c, rank_c = (header.index(h) for h in ("Tổng điểm", "Quy đổi", "Xếp loại", "Hạng"))
    # 58,94 − 23,45 + 30 = 65,49; 65,49/85 × 100 = 77,047… → 77,05 → Khá (was 69,34, Trung bình)
    assert writes[(row, total_c)] == pytest.approx(65.49)
    assert writes[(row, qd_c)] == pytest.approx(77.05)
    assert writes[(row, band_c)] == "Khá"
    # ranks among the five offices by quy đổi: 97,81; 93,07; 82,88; 77,05; 55,62 → Trung tâm QLĐĐ is 4th
    assert writes[(row, rank_c)] == 4
    # the consolidation's own «Kết quả kiểm tra» stays; the refresh lists its findings in a sheet of its own
    assert any(a["func"] == "addSheet" and a["args"][1] == "Kết quả tính lại" for a in book.json()["actions"])


# ---------------------------------------------------------------------------- a used range reaching XFD1048576


def test_a_used_range_reaching_XFD1048576_is_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client reports the used range A1:XFD1048576 (formats copied down, or a stray value) for a sheet beside
    the form. This engine cannot ask Excel where the content ends, so the sheet is left out with the batch's warning
    naming the used range's far corner, the form is scored, and the engine is never asked for the 17.179.869.184
    cells of the used range (it would pad its payload's values out to them)."""
    import xlwings.pro._xlremote as remote

    real, asked = remote.get_range_api, [0]

    def bounded(api_values: Any, arg1: Any, arg2: Any = None) -> Any:  # xlwings reads in chunks of 4.000.000 cells
        rows, cols = (arg2[0] - arg1[0] + 1, arg2[1] - arg1[1] + 1) if arg2 else (1, 1)
        asked[0] += rows * cols
        assert asked[0] <= 4_000_000, (arg1, arg2)
        return real(api_values, arg1, arg2)

    monkeypatch.setattr(remote, "get_range_api", bounded)
    grid, rows = seed001_form()
    name = "Phụ lục BC 205 - UBND huyện Điện Biên.xlsx"
    book = _book(name, [("Phụ lục", grid), ("Xuất từ phần mềm", [["Mã hồ sơ"]])], {"Xuất từ phần mềm": "A1:XFD1048576"})
    outcome = run(book)
    assert outcome is not None and [s.sheet.name for s in outcome.scored.scored] == ["Phụ lục"]
    actions = book.json()["actions"]
    assert _cell_writes(actions, 0)[(rows["total"], 4)] == pytest.approx(16.74)  # 3 × 1,9125… + 5 × 2 + 1
    far = [f for f in outcome.findings if f.code.value == "sheet_too_large"]
    assert [(f.severity, f.location.sheet, f.location.cell) for f in far] == [
        (Severity.WARNING, "Xuất từ phần mềm", "XFD1048576")
    ]
    assert far[0].message == (
        f"Tệp «{name}», trang tính «Xuất từ phần mềm» có ô dữ liệu ở XFD1048576 (1.048.576 dòng × 16.384 cột tính từ "
        "ô A1), quá xa so với giới hạn 4.000.000 ô của một trang; bỏ qua trang này, các trang khác vẫn được đọc và "
        "tính điểm. Nếu trang này có số liệu cần tính, xóa các dòng, cột thừa (thường do một ô sót ở rất xa) rồi gửi "
        "lại."
    )
    assert not _cell_writes(actions, 1)  # nothing is written on the sheet left out
    # the form itself reported as reaching XFD1048576: this engine leaves it out too, an error as nothing else is
    book = _book(name, [("Phụ lục", grid)], {"Phụ lục": "A1:XFD1048576"})
    outcome = run(book)
    assert outcome is not None and not outcome.scored.scored
    assert [(f.severity, f.location.cell) for f in outcome.findings if f.code.value == "sheet_too_large"] == [
        (Severity.ERROR, "XFD1048576")
    ]
    alert = next(a for a in book.json()["actions"] if a["func"] == "alert")
    assert alert["args"][0].startswith(f"Tệp «{name}», trang tính «Phụ lục» có ô dữ liệu ở XFD1048576")
