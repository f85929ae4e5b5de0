"""Batch speed-ups that must not change a figure: compact results between processes, the targeted look at the sheet
XML for cell states."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from xl_tthc.batch import run
from xl_tthc.batch.worker import compact_result, pack_result, process_files, unpack_result
from xl_tthc.core.framework import get
from xl_tthc.io.reader import CellState, cell_states
from xl_tthc.io.summary import write_summary

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbooks" / "samples"
SAMPLE_459 = SAMPLES / "Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023.xlsx"
SAMPLE_PAR = SAMPLES / "Vi_du_Chi_so_CCHC_tinh_Dien_Bien_2020.xlsx"
SAMPLE_TTHC = SAMPLES / "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx"


def _cells(path: Path) -> dict[str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as wb:
        return {n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names}


def _without_time(sheets: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
    # the overview sheet states when the workbook was made (to the minute)
    return {n: [[v for v in r if not (isinstance(v, str) and "lập lúc" in v)] for r in g] for n, g in sheets.items()}


def test_par_result_keeps_what_the_summary_shows() -> None:
    [out] = process_files([(str(SAMPLE_PAR), SAMPLE_PAR.name)])
    [(fid, full)] = out.results
    fw = get(fid)
    small = compact_result(fw, full)
    # seed 004: 153 rows scored; the summary shows the 8 fields (LV 1 … LV 8) and the two totals
    assert len(full.items) == 153
    assert [it.code for it in small.items] == [n.code for n in fw.tree] == [str(i) for i in range(1, 9)]
    assert all(it.detail == {} for it in small.items)
    assert {it.code: it.shown for it in small.items} == {
        it.code: it.shown for it in full.items if it.code in {str(i) for i in range(1, 9)}
    }
    assert set(small.extra) == {"self_total", "appraised_total"}
    assert small.extra["appraised_total"] == full.extra["appraised_total"]
    assert (small.unit, small.status, small.total, small.quy_doi, small.band_label, small.findings) == (
        full.unit,
        full.status,
        full.total,
        full.quy_doi,
        full.band_label,
        full.findings,
    )
    # across processes the compact result travels as plain tuples and comes back whole
    back = unpack_result(pack_result(fw, full))
    assert back == small


@pytest.mark.parametrize("sample", [SAMPLE_459, SAMPLE_PAR, SAMPLE_TTHC], ids=["459", "par", "tthc"])
def test_summary_workbook_is_the_same_with_compact_results(tmp_path: Path, sample: Path) -> None:
    folder = tmp_path / "Đơn vị"
    folder.mkdir()
    # enough copies for the worker processes to be used (a copy's units are duplicates: counted once, flagged)
    for i in range(9):
        shutil.copy(sample, folder / f"{sample.stem} {i}.xlsx")
    full = run(folder, jobs=2)
    small = run(folder, jobs=2, compact=True)
    assert [(o.file, o.status, len(o.results)) for o in small.outcomes] == [
        (o.file, o.status, len(o.results)) for o in full.outcomes
    ]
    assert [f.to_dict() for f in small.findings] == [f.to_dict() for f in full.findings]
    write_summary(full, tmp_path / "full.xlsx")
    write_summary(small, tmp_path / "compact.xlsx")
    assert _without_time(_cells(tmp_path / "compact.xlsx")) == _without_time(_cells(tmp_path / "full.xlsx"))


def _sheet_xml(path: Path, cells: str) -> Path:
    wb = (
        '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Trang 1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    )
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}</sheetData>"
        '<dataValidations count="1"><dataValidation sqref="D3"><formula1>0</formula1></dataValidation></dataValidations>'
        "</worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", wb)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def test_cell_states_finds_formulas_and_errors_wherever_the_r_attribute_stands(tmp_path: Path) -> None:
    cells = (
        '<row r="2"><c r="B2"><f>SUM(C2:D2)</f></c>'  # a formula never computed
        '<c s="3" t="e" r="C2"><v>#REF!</v></c>'  # an error value, r after other attributes
        '<c r="D2"><f>1+1</f><v>2</v></c>'  # a formula with its value: not reported
        '<c\nr="E2"\nt="str"><f>"a"</f></c></row>'  # a text formula (its empty value is a value)
        '<row r="3"><c r="B3" s="1"/><c r="C3"><f t="shared" si="0"/></c></row>'  # empty; a shared formula
    )
    path = _sheet_xml(tmp_path / "công thức.xlsx", cells)
    got = cell_states(path, "Trang 1", {"B2", "C2", "D2", "E2", "B3", "C3", "Z9"})
    assert got == {
        "B2": CellState("formula_without_value", "=SUM(C2:D2)"),
        "C2": CellState("error", "#REF!"),
        "C3": CellState("formula_without_value", ""),
    }


def test_cell_states_of_a_sheet_without_formulas_is_empty_at_once(tmp_path: Path) -> None:
    # <formula1> of a data validation is no formula cell
    path = _sheet_xml(tmp_path / "số liệu.xlsx", '<row r="2"><c r="B2" s="1"/><c r="C2"><v>5</v></c></row>')
    assert cell_states(path, "Trang 1", {"B2", "C2"}) == {}


def test_probe_extent_bound_settles_within_bounds_and_defers_to_the_exact_scan(tmp_path: Path) -> None:
    from xl_tthc.io.probe import MAX_DENSE_CELLS, _extent, probe

    for sample in (SAMPLE_459, SAMPLE_PAR, SAMPLE_TTHC):
        with zipfile.ZipFile(sample) as zf:
            info = zf.getinfo("xl/worksheets/sheet1.xml")
            bound, exact = _extent(zf, info, exact=False), _extent(zf, info, exact=True)
        assert bound[:2] >= exact[:2] and exact[0] * exact[1] <= MAX_DENSE_CELLS, sample.name
    # an empty styled cell far away widens the quick bound only: the exact scan (cells that hold something) decides
    far_empty = _sheet_xml(
        tmp_path / "ô trống xa.xlsx",
        '<row r="2"><c r="B2"><v>1</v></c></row><row r="900000"><c r="XFD900000" s="1"/></row>',
    )
    assert probe(far_empty).ok
    far_value = _sheet_xml(
        tmp_path / "ô xa.xlsx",
        '<row r="2"><c r="B2"><v>1</v></c></row><row r="900000"><c r="XFD900000"><v>2</v></c></row>',
    )
    pr = probe(far_value)
    assert not pr.ok and pr.finding is not None and "XFD900000" in pr.finding.message
