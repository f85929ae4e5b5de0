"""Formula cells written by openpyxl get the values «Tính điểm» computed as their cached values (xl_tthc.io.cached)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from xl_tthc.io.cached import set_cached_values


def test_formulas_keep_their_text_and_get_the_values(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws["A1"] = 58.94
    ws["B1"] = "=ROUND(A1*100/85,2)"  # 58,94 × 100 / 85 = 69,341… → 69,34
    ws["C1"] = '=IF(B1>=70,"Khá","Trung bình")'
    ws["D1"] = "=A1"  # no value given: stays without one
    ws["E1"] = 7  # not a formula: left alone
    path = tmp_path / "f.xlsx"
    wb.save(path)
    n = set_cached_values(path, {"Phụ lục": {"B1": 69.34, "C1": "Trung bình", "E1": 99, "D1": None}})
    assert n == 2
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Phụ lục").to_python()
    assert rows[0][:5] == [58.94, 69.34, "Trung bình", "", 7]
    back = openpyxl.load_workbook(path)["Phụ lục"]
    assert (back["B1"].value, back["C1"].value, back["D1"].value) == (
        "=ROUND(A1*100/85,2)",
        '=IF(B1>=70,"Khá","Trung bình")',
        "=A1",
    )


def test_formulas_of_cells_are_read_from_the_sheet_xml(tmp_path: Path) -> None:
    from xl_tthc.io.cached import formulas

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["C1"] = 3, "=A1*2", '=IF(A1>2,"&","<")'
    wb.save(tmp_path / "f.xlsx")
    got = formulas(tmp_path / "f.xlsx", ws.title, {"A1", "B1", "C1", "Z9"})
    assert got == {"B1": "=A1*2", "C1": '=IF(A1>2,"&","<")'}
