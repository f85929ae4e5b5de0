"""«Tính điểm» checks the spreadsheet (issue 13 item 2): where our template computes, a number typed over a formula is
a finding at that cell and the formula comes back; a formula whose saved figure differs from the core's is a
finding; the formulas are written with the core's figures as their cached values.

Seed 001 (Báo cáo 205/BC-UBND, UBND huyện Điện Biên, quý II/2021): 3 × (1.033×2 + 99)/1.132 = 3 × 1,9125… plus
2 + 2 + 2 + 2 + 2 + 1 = 16,7376 → 16,74, Xuất sắc.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from xl_tthc import api
from xl_tthc.core.findings import Code, Severity
from xl_tthc.core.framework import default_registry
from xl_tthc.io.cached import set_cached_values
from xl_tthc.io.layouts import build_layout

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "workbooks" / "samples" / "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx"
LAYOUT = build_layout("tthc-unit", default_registry().get("tthc-dienbien-1187-2019-huyen"))
TOTAL = LAYOUT.output("total")


def _cached(path: Path, ref: str) -> object:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(LAYOUT.sheet).to_python()
    from xl_tthc.io.cells import parse_a1

    r, c = parse_a1(ref)
    return rows[r][c]


def test_a_number_typed_over_the_total_formula_is_a_finding_and_the_formula_comes_back(tmp_path: Path) -> None:
    src = tmp_path / "don-vi.xlsx"
    shutil.copy(SAMPLE, src)
    wb = openpyxl.load_workbook(src)
    assert str(wb[LAYOUT.sheet][TOTAL.ref].value).startswith("=")  # the template computes the total
    wb[LAYOUT.sheet][TOTAL.ref] = 17.5  # the officer types a total of his own over it
    wb.save(src)
    outcome = api.fill_workbook(src, tmp_path / "kq.xlsx")
    f = next(f for f in outcome.file_findings if f.code is Code.FORMULA_OVERWRITTEN)
    assert (f.location.sheet, f.location.cell, f.severity) == (LAYOUT.sheet, TOTAL.ref, Severity.WARNING)
    assert "17,5" in f.message or "17.5" in f.message
    out = openpyxl.load_workbook(outcome.output)[LAYOUT.sheet][TOTAL.ref].value
    assert out == "=" + TOTAL.formula  # the formula is back
    assert _cached(outcome.output, TOTAL.ref) == 16.74  # with the core's figure as its saved value
    assert outcome.results[0].total_shown == 16.74 and outcome.results[0].band_label == "Xuất sắc"


def test_a_formula_whose_saved_figure_differs_from_the_core_is_a_finding(tmp_path: Path) -> None:
    src = tmp_path / "don-vi.xlsx"
    shutil.copy(SAMPLE, src)
    set_cached_values(src, {LAYOUT.sheet: {TOTAL.ref: 15.0}})  # as if a spreadsheet computed 15,00
    outcome = api.fill_workbook(src, tmp_path / "kq.xlsx")
    f = next(f for f in outcome.file_findings if f.code is Code.FORMULA_DISAGREES)
    assert f.location.cell == TOTAL.ref and "15,00" in f.message and "16,74" in f.message
    assert not any(f.code is Code.FORMULA_OVERWRITTEN for f in outcome.file_findings)
    assert _cached(outcome.output, TOTAL.ref) == 16.74


def test_an_untouched_template_gives_no_formula_finding(tmp_path: Path) -> None:
    outcome = api.fill_workbook(SAMPLE, tmp_path / "kq.xlsx")
    assert not [f for f in outcome.file_findings if f.code in (Code.FORMULA_OVERWRITTEN, Code.FORMULA_DISAGREES)]
    assert openpyxl.load_workbook(outcome.output)[LAYOUT.sheet][TOTAL.ref].value == "=" + TOTAL.formula
