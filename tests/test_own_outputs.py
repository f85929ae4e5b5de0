"""Our own outputs are read as what they are (issue 12 item 5): a workbook that went through «Tính điểm» (officers
send these back all the time), its findings sheet, and the summary workbook of a consolidation.

Before the one pipeline, `validate` took the «Kết quả kiểm tra» sheet of a filled 459 appendix for a second
appendix and reported 11 false errors; a summary workbook left in the folder would have had its units counted again.
Expected figures: seed 002 (Báo cáo 405/BC-UBND, tháng 7/2023) has 26 units; its own published figures give 4
errors (the 11,5 > 10 cell and the stated totals/quy đổi that do not add up); a filled copy carries our figures, so
nothing of the officer's is left to compare and no error is left but the 11,5 one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import consolidate_dir

from xl_tthc import api
from xl_tthc.core.findings import Code, Severity

ROOT = Path(__file__).resolve().parent.parent
SI459 = ROOT / "workbooks" / "samples" / "Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023.xlsx"


def _codes(report: object, file: str) -> list[str]:
    return sorted(f.code.value for f in report.findings if f.location.file == file and f.severity is Severity.ERROR)  # type: ignore[attr-defined]


def _type_seed_total(path: Path) -> None:
    """The seed's own «58,69/85» typed over the total formula of Trung tâm QLĐĐ (the sample's output cells are the
    template's formulas, with our figures cached: nothing of the officer's to compare until one is typed)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "Trung tâm QLĐĐ")
    ws.cell(row=cell.row, column=cell.column + 12).value = "58,69/85"  # TỔNG ĐIỂM ĐẠT ĐƯỢC, after the 11 indicators
    wb.save(path)


def test_a_filled_workbook_is_read_once_and_its_findings_sheet_is_never_data(tmp_path: Path) -> None:
    folder = tmp_path / "don-vi"
    folder.mkdir()
    original = folder / "phu-luc.xlsx"
    shutil.copy(SI459, original)
    _type_seed_total(original)
    before = api.validate(folder, jobs=1)
    assert before.units == 26  # seed 002: 12 offices and 14 communes
    first = _codes(before, "phu-luc.xlsx")
    assert "score_above_max" in first and "stated_total_mismatch" in first  # 11,5 > 10; 58,69 stated, 58,94 computed

    filled = api.fill_workbook(original, tmp_path / "da-tinh.xlsx")
    original.unlink()
    shutil.copy(filled.output, folder / "phu-luc - đã tính điểm.xlsx")
    after = api.validate(folder, jobs=1)
    assert after.units == 26  # the findings sheet is not a second appendix
    errors = _codes(after, "phu-luc - đã tính điểm.xlsx")
    assert errors == ["score_above_max"]  # no stated figure of ours is compared again
    assert not any(f.code is Code.STALE_RESULTS for f in after.findings)
    totals = {r.unit: r.total for _fid, r in after.outcomes[0].results}
    assert round(totals["Trung tâm QLĐĐ"], 2) == 58.94  # - 4,81 - 23,45 5,16 5,60 1,26 5,33 5 5 3,33


def test_a_changed_filled_workbook_says_its_figures_are_stale(tmp_path: Path) -> None:
    import openpyxl

    filled = api.fill_workbook(SI459, tmp_path / "da-tinh.xlsx").output
    wb = openpyxl.load_workbook(filled)
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "Trung tâm QLĐĐ")
    ws.cell(row=cell.row, column=cell.column + 3).value = 10  # the officer changes an indicator after «Tính điểm»
    wb.save(filled)
    folder = tmp_path / "don-vi"
    folder.mkdir()
    shutil.copy(filled, folder / "phu-luc.xlsx")
    report = api.validate(folder, jobs=1)
    assert any(f.code is Code.STALE_RESULTS for f in report.findings)
    again = api.fill_workbook(folder / "phu-luc.xlsx", tmp_path / "lan-2.xlsx")
    assert any(f.code is Code.STALE_RESULTS for f in again.file_findings)


def test_a_summary_workbook_in_the_folder_is_left_out(tmp_path: Path) -> None:
    folder = tmp_path / "don-vi"
    folder.mkdir()
    shutil.copy(SI459, folder / "phu-luc.xlsx")
    consolidate_dir(folder, output=folder / "TONG_HOP.xlsx", jobs=1)
    shutil.copy(folder / "TONG_HOP.xlsx", folder / "TONG_HOP thang truoc.xlsx")  # not ours to replace: read
    report = consolidate_dir(folder, output=tmp_path / "TONG_HOP moi.xlsx", jobs=1)
    assert report.units == 26  # not 52
    status = {o.file: o.status for o in report.outcomes}
    assert status["TONG_HOP thang truoc.xlsx"] == "skipped"
    assert any(
        f.code is Code.FILE_UNSUPPORTED and f.location.file == "TONG_HOP thang truoc.xlsx" and f.severity is Severity.INFO
        for f in report.findings
    )
