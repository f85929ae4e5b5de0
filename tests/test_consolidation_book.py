"""The consolidation workbook ``Mau_Tong_hop.xlsx``: «Tính điểm» on it consolidates its folder like ``xl-tthc
consolidate``, headless (``xl-tthc fill``), in Excel (the strict Windows fake) and through xlwings' remote engine.

The folder holds the seed 002 appendix (Báo cáo 405/BC-UBND, 26 units). Expected figures are the hand-checked ones of
``tests/test_batch.py`` (``EXPECTED``, ``BANDS``: e.g. Trung tâm QLĐĐ 58,94/85 → quy đổi 69,34, Trung bình; the
report's "02 Xuất sắc, 01 Tốt, 02 Trung bình" and "01 Xuất sắc, 07 Tốt, 10 Khá, 03 Yếu"); on top of them every cell
of every summary sheet must equal the one ``xl-tthc consolidate`` writes for the same folder.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from test_batch import BANDS, EXPECTED, HANDMADE, check_seed002, sha256_tree

from xl_tthc import api, consolidation_book, excel
from xl_tthc.consolidation_book import FIELD_ROW0, FIELDS, FILE_NAME, RESULT_ROW0, SETTINGS_SHEET
from xl_tthc.recognise.ours import CONSOLIDATION_MARKER, CONSOLIDATION_SCAN_ROWS, is_consolidation_settings

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "workbooks" / FILE_NAME
SAMPLES = ROOT / "workbooks" / "samples"
ROW = {key: FIELD_ROW0 + i for i, (key, _label, _hint) in enumerate(FIELDS)}  # 0-based row of each setting
TB = "Trung bình"


def grids(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's values as python-calamine reads them (None for an empty cell), rows trimmed at the right."""
    out = {}
    with CalamineWorkbook.from_path(str(path)) as wb:
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            out[name] = [_trim([None if v == "" else v for v in row]) for row in rows]
    return out


def _trim(row: list[Any]) -> list[Any]:
    while row and row[-1] is None:
        row.pop()
    return row


def comparable(sheet: list[list[Any]]) -> list[list[Any]]:
    """A summary sheet without the time it was written (the overview's «… lập lúc HH:MM ngày …» line)."""
    out = [list(r) for r in sheet]
    while out and not out[-1]:
        out.pop()
    for r in out:
        for i, v in enumerate(r):
            if isinstance(v, str) and " – lập lúc " in v:
                r[i] = v.split(" – lập lúc ")[0]
            if isinstance(v, float) and v.is_integer():
                r[i] = int(v)  # the spreadsheet keeps numbers; Excel gives every number back as a float
    return out


def folder_with_book(tmp: Path, book: Path = TEMPLATE) -> Path:
    folder = tmp / "Phụ lục tháng 7"
    folder.mkdir(parents=True)
    shutil.copyfile(HANDMADE, folder / HANDMADE.name)
    shutil.copyfile(book, folder / FILE_NAME)
    return folder


def typed_book(target: Path, **values: str) -> Path:
    """The template with settings typed in column B (as an officer types them), saved at ``target``."""
    wb = openpyxl.load_workbook(TEMPLATE)
    ws = wb[SETTINGS_SHEET]
    for key, text in values.items():
        ws.cell(ROW[key] + 1, 2, text)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, dict[str, list[list[Any]]]]:
    """``xl-tthc consolidate`` (the library API) on a folder holding the appendix and the blank consolidation workbook."""
    tmp = tmp_path_factory.mktemp("reference")
    folder = folder_with_book(tmp)
    out = tmp / "TONG_HOP.xlsx"
    done = api.consolidate(folder, out, jobs=1)
    return folder, done.report, grids(out)


# ---------------------------------------------------------------------------- the template


def test_template_is_built_by_templates_and_matches_the_committed_copy(tmp_path: Path) -> None:
    built = api.templates(tmp_path / "biểu mẫu")
    assert built[-1].name == FILE_NAME
    assert built[-1].read_bytes() == TEMPLATE.read_bytes(), "run `xl-tthc templates -o workbooks`"
    assert consolidation_book.build_template(tmp_path / "lại").read_bytes() == TEMPLATE.read_bytes()


def test_template_settings_sheet_and_marker_in_any_reader() -> None:
    g = grids(TEMPLATE)
    assert list(g) == [SETTINGS_SHEET]
    sheet = g[SETTINGS_SHEET]
    assert is_consolidation_settings(sheet)
    assert any(r and isinstance(r[0], str) and r[0].startswith(CONSOLIDATION_MARKER) for r in sheet)
    labels = [sheet[ROW[k]][0] for k, _l, _h in FIELDS]
    assert labels == [label for _k, label, _h in FIELDS]
    assert "Thư mục chứa tệp của các đơn vị" in labels and "Tệp danh sách đơn vị phải nộp" in labels
    ws = openpyxl.load_workbook(TEMPLATE)[SETTINGS_SHEET]
    for key in ROW:  # the input cells are text cells, so that Excel keeps «2023-07» as typed
        assert ws.cell(ROW[key] + 1, 2).number_format == "@"
    assert consolidation_book.is_consolidation_file(TEMPLATE)
    assert consolidation_book.MARKER_ROW0 < CONSOLIDATION_SCAN_ROWS  # the ribbon finds the marker in column A alone
    assert not consolidation_book.is_consolidation_file(HANDMADE)
    assert not consolidation_book.is_consolidation_file(SAMPLES / "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx")


def test_the_batch_leaves_the_consolidation_workbook_out(reference: Any) -> None:
    _folder, report, _ = reference
    check_seed002(report)  # 26 units, the seed's figures and band counts: the workbook adds no unit
    status = {o.file: o.status for o in report.outcomes}
    assert status == {FILE_NAME: "skipped", HANDMADE.name: "ok"}
    assert not [f for f in report.findings if f.location.file == FILE_NAME and f.severity.value != "info"]


# ---------------------------------------------------------------------------- headless: xl-tthc fill


def test_fill_consolidates_the_folder_as_consolidate_does(tmp_path: Path, reference: Any) -> None:
    _ref_folder, ref_report, ref = reference
    folder = folder_with_book(tmp_path)
    before = sha256_tree(folder)
    done = api.fill_workbook(folder / FILE_NAME)
    assert isinstance(done, consolidation_book.BookConsolidated)
    out = folder / f"{Path(FILE_NAME).stem} - đã tính điểm.xlsx"
    docx = folder / f"{Path(FILE_NAME).stem} - dự thảo báo cáo.docx"
    assert done.output == out and done.done.report_docx == docx and docx.stat().st_size > 10_000
    check_seed002(done.report)
    assert done.has_errors() and done.count(done.report.findings[0].severity) >= 1  # the seed's 58,69 and 11,5
    # unit files and the workbook itself are untouched; only the two outputs were added
    after = sha256_tree(folder)
    assert {k: v for k, v in after.items() if k in before} == before
    assert sorted(set(after) - set(before)) == sorted([out.name, docx.name])
    got = grids(out)
    names = list(got)
    assert names[0] == SETTINGS_SHEET and names[1:] == list(ref)
    for name in ref:  # every cell of every summary sheet as xl-tthc consolidate writes it
        assert comparable(got[name]) == comparable(ref[name]), name
    settings = got[SETTINGS_SHEET]
    result = {r[0]: r[1] for r in settings[RESULT_ROW0 + 1 : RESULT_ROW0 + 9]}
    assert result["Kỳ đánh giá"] == "2023-07" and result["Số đơn vị đã chấm điểm"] == 26
    assert result["Số tệp đã xét"] == 2 and result["Số lỗi (cần sửa)"] == ref_report.errors == 4
    assert result["Tệp dự thảo báo cáo"] == docx.name  # relative to the workbook's folder
    assert result["Thư mục đã tổng hợp"] == f"thư mục chứa sổ này («{folder.name}»)"
    assert is_consolidation_settings(settings)
    # the output is our summary: a later consolidation of the folder leaves it out as well
    again = api.consolidate(folder, None, jobs=1)
    assert {o.file: o.status for o in again.report.outcomes}[out.name] == "skipped"
    check_seed002(again.report)


def _level_rows(sheet: list[list[Any]]) -> dict[str, dict[str, Any]]:
    head = [str(v).split("\n")[0] if v else "" for v in sheet[3]]
    rows = {}
    for row in sheet[4:]:
        if len(row) < 2 or not row[1] or row[0] is None:
            break
        rows[row[1]] = dict(zip(head, row + [None] * (len(head) - len(row)), strict=True))
    return rows


def test_fill_figures_are_the_seeds(tmp_path: Path) -> None:
    folder = folder_with_book(tmp_path)
    done = api.fill_workbook(folder / FILE_NAME)
    assert done.output is not None
    g = grids(done.output)
    units = {**_level_rows(g["Chỉ số SV459 – Phòng"]), **_level_rows(g["Chỉ số SV459 – Xã"])}
    assert len(units) == 26
    for name, _level, total, amax, qd, band, rank in EXPECTED:
        u = units[name]
        assert (u["Tổng điểm"], u["Điểm tối đa áp dụng"], u["Quy đổi"], u["Xếp loại"], u["Hạng"]) == (
            pytest.approx(total),
            amax,
            pytest.approx(qd),
            band,
            rank,
        ), name
    assert (units["Trung tâm QLĐĐ"]["Tổng điểm"], units["Trung tâm QLĐĐ"]["Quy đổi"]) == (58.94, 69.34)
    assert units["Trung tâm QLĐĐ"]["Xếp loại"] == TB
    tables: list[dict[str, int]] = []
    for row in g["Tổng hợp"]:
        if row and row[0] == "Xếp loại / tình trạng":
            tables.append({})
        elif (
            tables and len(row) > 1 and isinstance(row[0], str) and isinstance(row[1], int | float) and row[0] != "Cộng"
        ):
            tables[-1][row[0]] = int(row[1])
    assert tables == [BANDS["phong"], BANDS["xa"]]
    import zipfile

    with zipfile.ZipFile(done.output) as zf:  # the charts of the summary: two per level on the overview, one a sheet
        assert len([n for n in zf.namelist() if n.startswith("xl/charts/chart")]) == 6


def test_settings_folder_period_roster_history_and_report(tmp_path: Path) -> None:
    """Relative paths from the workbook's folder: the units in «don-vi», a roster with a unit that sent nothing, two
    periods recorded in the history file (the second one compared with the first), the report under its own name."""
    units = tmp_path / "tong-hop" / "don-vi"
    units.mkdir(parents=True)
    shutil.copyfile(HANDMADE, units / HANDMADE.name)
    roster = tmp_path / "tong-hop" / "danh-sach.csv"
    with roster.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Tên đơn vị", "Cấp"])
        for name, level, *_ in EXPECTED:
            w.writerow([name, "Xã" if level == "xa" else "Phòng"])
        w.writerow(["UBND xã Chưa Nộp", "Xã"])
    book = typed_book(
        tmp_path / "tong-hop" / "Tổng hợp tháng 7.xlsx",
        folder="don-vi",
        period="tháng 7 năm 2023",
        roster="danh-sach.csv",
        history="lich-su.sqlite",
        report="Báo cáo tháng 7.docx",
        issuer="UBND HUYỆN ĐIỆN BIÊN",
        place="Điện Biên",
    )
    first = api.fill_workbook(book)
    assert isinstance(first, consolidation_book.BookConsolidated)
    xa = first.report.consolidation.frameworks[0].levels[1]
    assert [m.name for m in xa.missing] == ["UBND xã Chưa Nộp"]
    assert first.report.period == "2023-07" and first.report.roster_size == 27
    assert (tmp_path / "tong-hop" / "Báo cáo tháng 7.docx").exists() and (
        tmp_path / "tong-hop" / "lich-su.sqlite"
    ).exists()
    assert first.done.comparisons == []
    ov = grids(first.output)["Tổng hợp"]  # type: ignore[arg-type]
    assert ["Chưa nộp tệp (theo danh sách)", 1] in [r[:2] for r in ov]
    import zipfile

    with zipfile.ZipFile(tmp_path / "tong-hop" / "Báo cáo tháng 7.docx") as zf:  # the heading is in a table
        text = zf.read("word/document.xml").decode("utf-8")
    assert "HUYỆN ĐIỆN BIÊN" in text and "Điện Biên, ngày" in text


def test_history_compares_with_the_previous_period(tmp_path: Path) -> None:
    """Two quarters consolidated from the same workbook and history file: the second has «So sánh kỳ trước»."""
    from xl_tthc.demo import _unit_workbooks

    q1, q2 = tmp_path / "q1", tmp_path / "q2"
    q1.mkdir()
    q2.mkdir()
    _unit_workbooks(q1, "2021-Q1", "Quý I, năm 2021", 0)
    _unit_workbooks(q2, "2021-Q2", "Quý II, năm 2021", 1)
    common = {"history": "lich-su.sqlite", "issuer": "UBND HUYỆN ĐIỆN BIÊN"}
    first = api.fill_workbook(typed_book(tmp_path / "Quý I.xlsx", folder="q1", period="2021-Q1", **common))
    second = api.fill_workbook(typed_book(tmp_path / "Quý II.xlsx", folder="q2", period="Quý II năm 2021", **common))
    assert isinstance(first, consolidation_book.BookConsolidated) and first.done.comparisons == []
    assert isinstance(second, consolidation_book.BookConsolidated) and second.done.comparisons
    assert second.output is not None
    got = grids(second.output)
    rows = [r for r in got["So sánh kỳ trước"] if len(r) > 1 and r[1]]
    assert any(r[1] == "UBND xã Thanh Nưa" and r[9] == "Kỳ này chưa có số liệu" for r in rows)
    assert (tmp_path / "Quý II - dự thảo báo cáo.docx").exists()
    # the same through `xl-tthc consolidate`: the same comparison rows
    ref = api.consolidate(q2, tmp_path / "ref.xlsx", period="2021-Q2", history=tmp_path / "ref.sqlite", jobs=1)
    api.consolidate(q1, None, period="2021-Q1", history=tmp_path / "ref2.sqlite", jobs=1)
    assert ref.comparisons == []  # its own history starts with this quarter


def test_fill_guards_inputs(tmp_path: Path) -> None:
    folder = folder_with_book(tmp_path)
    with pytest.raises(api.Error, match="không ghi đè dữ liệu đầu vào"):
        api.fill_workbook(folder / FILE_NAME, folder / HANDMADE.name)  # a unit file is never an output
    with pytest.raises(api.Error, match="không ghi đè dữ liệu đầu vào"):
        api.fill_workbook(folder / FILE_NAME, folder / FILE_NAME)
    book = typed_book(tmp_path / "khác" / FILE_NAME, folder=str(folder), report=str(folder / HANDMADE.name))
    with pytest.raises(api.Error, match=r"\.docx"):
        api.fill_workbook(book)
    book = typed_book(tmp_path / "khác 2" / FILE_NAME, folder=str(tmp_path / "không có"))
    with pytest.raises(api.Error, match="không tìm thấy thư mục"):
        api.fill_workbook(book)
    assert sha256_tree(folder) == sha256_tree(folder)  # nothing was written into the folder
    assert sorted(p.name for p in folder.iterdir()) == sorted([FILE_NAME, HANDMADE.name])


def test_in_place_writes_the_summary_into_the_workbook(tmp_path: Path) -> None:
    folder = folder_with_book(tmp_path)
    done = api.fill_workbook(folder / FILE_NAME, in_place=True)
    assert done.output == folder / FILE_NAME
    g = grids(folder / FILE_NAME)
    assert next(iter(g)) == SETTINGS_SHEET and "Chỉ số SV459 – Xã" in g
    check_seed002(api.consolidate(folder, None, jobs=1).report)  # the filled workbook is still left out


def test_cli_fill_on_the_consolidation_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from xl_tthc.cli import main

    folder = folder_with_book(tmp_path)
    assert main(["fill", str(folder / FILE_NAME)]) == 1  # the seed's appendix has errors (58,69; 11,5)
    out = capsys.readouterr().out
    assert "Xuất sắc 2, Tốt 1, Trung bình 2" in out and "Xuất sắc 1, Tốt 7, Khá 10, Yếu 3" in out
    assert "Đã ghi tệp tổng hợp" in out and "Traceback" not in out


# ---------------------------------------------------------------------------- in Excel: the strict Windows fake

xw = pytest.importorskip("xlwings")
import xlwings_windows_fake as fk  # noqa: E402


@pytest.fixture(autouse=True)
def _log_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import xl_tthc.addin as addin

    monkeypatch.setattr(addin, "LOG_PATH", tmp_path / "xl_tthc-loi.log")


def book_sheets(book: fk.Book) -> dict[str, list[list[Any]]]:
    out = {}
    for s in book.sheets:
        rows = s.used_range.options(ndim=2).value
        out[s.name] = [_trim(list(r)) for r in rows]
    return out


def test_windows_fake_consolidates_into_the_open_workbook(
    tmp_path: Path, reference: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _f, _r, ref = reference
    folder = folder_with_book(tmp_path)
    before = sha256_tree(folder)
    book = fk.book_from_xlsx(folder / FILE_NAME)
    assert book.fullname == str((folder / FILE_NAME).resolve())
    monkeypatch.setattr(fk.Book, "_mock_caller", book)
    monkeypatch.setattr(xw.Book, "caller", fk.Book.caller)
    import xl_tthc

    xl_tthc.main()  # the ribbon button: xl_tthc.main() → xl_tthc.excel.main()
    log = fk.log(book)
    assert log.rejections == [] and log.coercions == []
    assert [a.mode for a in log.alerts] == ["info"]
    alert = log.alerts[0].prompt
    assert "26 đơn vị" in alert and "Xuất sắc 2, Tốt 1, Trung bình 2" in alert
    assert any(isinstance(s, str) and s.startswith("Tổng hợp: đang đọc và chấm điểm") for s in log.status)
    assert "Tổng hợp: đã đọc 2/2 tệp…" in log.status  # the appendix and the workbook itself (left out)
    assert log.status[-1] is False
    got = book_sheets(book)
    assert list(got) == [SETTINGS_SHEET, *ref]
    for name in ref:  # the same cells as xl-tthc consolidate's summary workbook
        assert comparable(got[name]) == comparable(ref[name]), name
    rows = _level_rows(got["Chỉ số SV459 – Phòng"])
    assert (rows["Trung tâm QLĐĐ"]["Tổng điểm"], rows["Trung tâm QLĐĐ"]["Quy đổi"]) == (58.94, 69.34)
    sheet = fk.sheet_data(book, "Chỉ số SV459 – Phòng")
    qd_col = [str(v).split("\n")[0] for v in got["Chỉ số SV459 – Phòng"][3]].index("Quy đổi") + 1
    assert sheet.peek(5, qd_col).number_format == "#,##0.00"
    result = {r[0]: r[1] for r in got[SETTINGS_SHEET][RESULT_ROW0 + 1 : RESULT_ROW0 + 9]}
    assert result["Số đơn vị đã chấm điểm"] == 26 and result["Kỳ đánh giá"] == "2023-07"
    # Excel on the desktop copied the sheets of the summary file: its charts came along, their series re-pointed at
    # the copies in this workbook (a column and a pie chart per level on the overview, a bar chart per level sheet)
    charts = {name: fk.sheet_data(book, name).charts for name in ref}
    assert [c.kind for c in charts["Tổng hợp"]] == ["BarChart", "PieChart", "BarChart", "PieChart"]
    assert [len(charts[n]) for n in ("Chỉ số SV459 – Phòng", "Chỉ số SV459 – Xã", "Kết quả kiểm tra")] == [1, 1, 0]
    assert all(ref.startswith(f"'{name}'!") for name, cs in charts.items() for c in cs for ref in c.refs)
    assert fk.sheet_data(book, "Tổng hợp").merged  # the merged title rows too
    assert book.app._books == [book]  # the temporary summary file was closed
    # a second click replaces the sheets of the first (no «Tổng hợp (2)»), the unit file is never touched
    excel.run(book)
    assert list(book_sheets(book)) == [SETTINGS_SHEET, *ref] and fk.log(book).rejections == []
    after = sha256_tree(folder)
    assert {k: v for k, v in after.items() if k != f"{Path(FILE_NAME).stem} - dự thảo báo cáo.docx"} == before


def test_windows_fake_values_route(tmp_path: Path, reference: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The route the remote engine takes (values and number formats, no file opened), on the strict fake."""
    _f, _r, ref = reference
    monkeypatch.setattr(consolidation_book, "copies_sheets", lambda book: False)
    folder = folder_with_book(tmp_path)
    book = fk.book_from_xlsx(folder / FILE_NAME)
    assert excel.run(book) is not None and excel.run(book) is not None  # twice: the first run's sheets replaced
    log = fk.log(book)
    assert log.rejections == [] and log.coercions == [] and [a.mode for a in log.alerts] == ["info", "info"]
    got = book_sheets(book)
    assert list(got) == [SETTINGS_SHEET, *ref]
    for name in ref:
        assert comparable(got[name]) == comparable(ref[name]), name
    sheet = fk.sheet_data(book, "Chỉ số SV459 – Phòng")
    qd_col = [str(v).split("\n")[0] for v in got["Chỉ số SV459 – Phòng"][3]].index("Quy đổi") + 1
    assert sheet.peek(5, qd_col).number_format == "#,##0.00" and not sheet.charts
    pct_col = got["Tổng hợp"][11].index("Tỷ lệ") + 1
    assert fk.sheet_data(book, "Tổng hợp").peek(13, pct_col).number_format == "0.0%"


def test_windows_fake_other_workbooks_go_to_the_addin() -> None:
    book = fk.book_from_xlsx(SAMPLES / "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx")
    outcome = excel.run(book)
    assert outcome is not None and "16,74/18 điểm" in fk.log(book).alerts[0].prompt
    assert fk.log(book).rejections == []


def test_windows_fake_unsaved_workbook_asks_for_a_folder() -> None:
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(TEMPLATE)) as wb:
        grid = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    book = fk.book_from_grids("Book1", [(SETTINGS_SHEET, [[None if v == "" else v for v in r] for r in grid])])
    assert book.fullname == "Book1"
    assert excel.run(book) is None
    [alert] = fk.log(book).alerts
    assert alert.mode == "critical" and "chưa được lưu vào thư mục nào" in alert.prompt
    assert fk.log(book).status[-1] is False


def test_sheet_delete_rules_of_the_fake() -> None:
    book = fk.book_from_grids("a.xlsx", [("A", [[1]]), ("B", [[2]])])
    book.sheets["A"].delete()
    assert [s.name for s in book.sheets] == ["B"]
    with pytest.raises(fk.ComError):
        book.sheets["B"].delete()  # the last visible sheet
    rng = book.sheets["B"].range("A1")
    rng.number_format = "0.00%"
    assert rng.number_format == "0.00%"
    with pytest.raises(fk.ComError):
        rng.number_format = 2  # type: ignore[assignment]
    rng.value = "'=1+1"
    assert fk.cell(book, "B", "A1").value == "=1+1" and fk.cell(book, "B", "A1").formula is None


# ---------------------------------------------------------------------------- through xlwings' remote engine


def _remote_book(name: str, grid: list[list[Any]]) -> Any:
    width = max(len(r) for r in grid)
    payload = {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": [
            {
                "name": SETTINGS_SHEET,
                "values": [list(r) + [None] * (width - len(r)) for r in grid],
                "pictures": [],
                "tables": [],
                "notes": [],
                "notes_supported": True,
            }
        ],
    }
    return xw.Book(json=payload)


def test_remote_engine_gives_the_figures_of_consolidate(tmp_path: Path, reference: Any) -> None:
    _f, _r, ref = reference
    folder = folder_with_book(tmp_path)
    grid = [[None if v == "" else v for v in r] for r in grids(TEMPLATE)[SETTINGS_SHEET]]
    grid[ROW["folder"]] = [grid[ROW["folder"]][0], str(folder), *grid[ROW["folder"]][2:]]  # no path here: typed
    book = _remote_book(FILE_NAME, grid)
    result = excel.run(book)
    assert result is not None
    check_seed002(result.report)
    actions = book.json()["actions"]
    added = [a["args"][1] for a in actions if a["func"] == "addSheet"]
    assert added == list(ref)
    written: dict[int, dict[tuple[int, int], Any]] = {}
    for a in actions:
        if a["func"] == "setValues":
            cells = written.setdefault(a["sheet_position"], {})
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    cells[(a["start_row"] + i, a["start_column"] + j)] = v
    for pos, name in enumerate(ref, start=1):
        cells = written[pos]
        height = max(r for r, _c in cells) + 1
        width = max(c for _r, c in cells) + 1
        sheet = [
            _trim([None if cells.get((r, c)) == "" else cells.get((r, c)) for c in range(width)]) for r in range(height)
        ]
        assert comparable(sheet) == comparable(ref[name]), name
    alert = next(a for a in actions if a["func"] == "alert")["args"]
    assert alert[3] == "info" and "Xuất sắc 1, Tốt 7, Khá 10, Yếu 3" in alert[0]


def test_excel_module_import_is_light() -> None:
    code = (
        "import json, sys, xl_tthc.excel; "
        "print(json.dumps(sorted(m for m in ('pandas', 'openpyxl', 'python_calamine', 'xl_tthc.batch') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_xlwings_member_the_consolidation_uses_is_real(tmp_path: Path) -> None:
    """What the consolidation route touched on the fake exists in xlwings 0.37.8 with the same kind and signature."""
    import inspect

    fk.check_version()
    folder = folder_with_book(tmp_path)
    book = fk.book_from_xlsx(folder / FILE_NAME)
    excel.run(book)
    excel.run(book)  # the second run deletes the first run's sheets
    touched = set(fk.log(book).touched)
    assert {
        ("Book", "fullname"),
        ("Sheet", "delete"),
        ("Sheet", "copy"),
        ("Books", "open"),
        ("Book", "close"),
    } <= touched
    values_route = fk.book_from_xlsx(folder / FILE_NAME)
    consolidation_book.write_into_book(
        values_route,
        values_route.sheets[0],
        [("Tổng hợp", [["Tỷ lệ", 0.5]])],
        excel.run(book),  # type: ignore[arg-type]
    )
    touched |= fk.log(values_route).touched
    assert {("Range", "number_format"), ("Sheets", "add")} <= touched
    for cls_name, member in sorted(touched):
        if cls_name in ("Worksheet", "Protection") or member.startswith("__"):
            continue
        real_cls = getattr(xw.main, cls_name)
        assert hasattr(real_cls, member), f"xlwings.{cls_name} has no {member}"
        fake_attr = inspect.getattr_static(getattr(fk, cls_name), member)
        real_attr = inspect.getattr_static(real_cls, member)
        assert isinstance(fake_attr, property) == isinstance(real_attr, property), (cls_name, member)
        if isinstance(real_attr, property):
            assert (fake_attr.fset is None) == (real_attr.fset is None), (cls_name, member)
        elif callable(real_attr):
            fake_sig = inspect.signature(getattr(getattr(fk, cls_name), member))
            real_sig = inspect.signature(getattr(real_cls, member))
            assert [(p.name, p.default) for p in fake_sig.parameters.values()] == [
                (p.name, p.default) for p in real_sig.parameters.values()
            ], (cls_name, member)


def test_consolidated_workbook_renders_in_libreoffice(tmp_path: Path) -> None:
    """Pages 1 (the settings sheet with the result of the run) and 2 (the overview with its charts) of the headless
    output; ``XL_TTHC_UPDATE_IMAGES=1`` refreshes the committed pictures."""
    import os

    if shutil.which("soffice") is None or shutil.which("pdftoppm") is None:
        pytest.skip("LibreOffice (soffice) or poppler (pdftoppm) is not installed; CI installs both")
    folder = tmp_path / "Tổng hợp tháng 7"
    folder.mkdir()
    shutil.copyfile(HANDMADE, folder / HANDMADE.name)
    typed_book(folder / FILE_NAME, period="2023-07", issuer="UBND HUYỆN ĐIỆN BIÊN", place="Điện Biên")
    done = api.fill_workbook(folder / FILE_NAME)
    assert done.output is not None
    import importlib.util

    spec = importlib.util.spec_from_file_location("render_images", ROOT / "scripts" / "render_images.py")
    assert spec is not None and spec.loader is not None
    rim = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rim)
    profile = rim.profile(tmp_path / "lo-profile")  # the vi-VN profile of the other pictures (decimal comma)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(done.output),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    pdf = tmp_path / f"{done.output.stem}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "SỔ TỔNG HỢP KẾT QUẢ CHẤM ĐIỂM CÁC ĐƠN VỊ" in text and "TỔNG HỢP KẾT QUẢ CHẤM ĐIỂM CÁC ĐƠN VỊ" in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 2 and all(p.stat().st_size > 10_000 for p in pages)
    images = ROOT / "docs" / "images"
    names = ["Mau_Tong_hop_da_tinh_diem.png", "Mau_Tong_hop_da_tinh_diem_trang2.png"]
    if os.environ.get("XL_TTHC_UPDATE_IMAGES") == "1":
        for page, name in zip(pages, names, strict=True):
            shutil.copyfile(page, images / name)
    assert all((images / n).exists() for n in names)


def test_progress_is_told_as_files_are_read(tmp_path: Path) -> None:
    """``api.consolidate(progress=…)``, which the status bar shows: every file counted once, in worker processes too."""
    folder = tmp_path / "nhiều tệp"
    for i in range(9):  # enough files for the process pool (4 × jobs)
        sub = folder / f"đợt {i}"
        sub.mkdir(parents=True)
        shutil.copyfile(HANDMADE, sub / HANDMADE.name)
    calls: list[tuple[int, int]] = []
    api.consolidate(folder, None, jobs=2, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (9, 9) and all(t == 9 for _d, t in calls)
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)
