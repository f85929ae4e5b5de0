"""Recognising hand-made workbooks by their header labels (xl_tthc.recognise), on grids from python-calamine.

Expected figures come from the seeds: seed 001 (annex of Báo cáo 205/BC-UBND: 16,74/18), seed 002 (appendix of
Báo cáo 405/BC-UBND, 26 units), seed 004 (PAR 2020 of Điện Biên: Σ appraised 84,68919).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, SEEDS, SV459, TTHC_HUYEN, load_seed, recognize, score_seed
from python_calamine import CalamineWorkbook

from xl_tthc.core.engine import score_unit
from xl_tthc.core.numbers import parse_number
from xl_tthc.core.periods import parse_period
from xl_tthc.io.cells import a1, parse_a1
from xl_tthc.recognise.common import guess_level, pretty_name

sys.path.insert(0, str(DATA / "handmade"))
from make_handmade import write_seed001_annex, write_seed004_par

HANDMADE = DATA / "handmade" / "phu_luc_405_thang7_2023.xlsx"


def grid_of(path: Path, index: int = 0) -> list[list[Any]]:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return wb.get_sheet_by_index(index).to_python(skip_empty_area=False)
    finally:
        wb.close()


def test_a1_round_trip() -> None:
    for r, c in ((0, 0), (9, 3), (99, 25), (5, 26), (1048575, 16383)):
        assert parse_a1(a1(r, c)) == (r, c)
    assert a1(0, 0) == "A1" and a1(21, 3) == "D22" and a1(0, 27) == "AB1"


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Kỳ đánh giá: Quý II, Năm 2021", "2021-Q2"),
        ("quý 4 năm 2020", "2020-Q4"),
        ("HUYỆN ĐIỆN BIÊN THÁNG 7 NĂM 2023", "2023-07"),
        ("tháng 12/2022", "2022-12"),
        ("Năm 2020", "2020"),
        ("2023-07", "2023-07"),
        ("2021-q2", "2021-Q2"),
        # a date is not a period: "ngày 17 tháng 8 năm 2023" must not read as August
        ("(Kèm theo Báo cáo số 405 /BC-UBND ngày 17 tháng 8 năm 2023 của UBND huyện Điện Biên)", None),
        ("Báo cáo", None),
    ],
)
def test_parse_period(text: str, period: str | None) -> None:
    assert parse_period(text) == period


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("UBND CẤP HUYỆN", "huyen"),
        ("UBND XÃ SỐ 0001", "xa"),
        ("UBND xã Núa Ngam", "xa"),
        ("UBND thị trấn Tuần Giáo", "xa"),
        ("UBND thị xã Mường Lay", "huyen"),
        ("I CÁC CƠ QUAN CHUYÊN MÔN THUỘC HUYỆN", "phong"),
        ("II UBND CÁC XÃ", "xa"),
        ("Phòng Tư pháp", "phong"),
        ("Trung tâm QLĐĐ", "phong"),
        ("Sở Nội vụ", "so"),
        ("UBND tỉnh Điện Biên", "tinh"),
        ("Xã", "xa"),
        ("Hợp tác xã Hoa Ban", None),
    ],
)
def test_guess_level(text: str, level: str | None) -> None:
    assert guess_level(text) == level


def test_pretty_name_only_touches_all_capitals() -> None:
    assert pretty_name("UBND XÃ SỐ 0001") == "UBND xã Số 0001"
    assert pretty_name("UBND HUYỆN ĐIỆN BIÊN") == "UBND huyện Điện Biên"
    assert pretty_name("Phòng Tư pháp") == "Phòng Tư pháp"


def test_unknown_sheet_is_not_recognised() -> None:
    grid = [["DỰ TOÁN"], [], ["STT", "Nội dung", "Số tiền"], [1, "Văn phòng phẩm", 1500000]]
    assert recognize(grid, file="x.xlsx", sheet="S") is None
    assert recognize([], file="x.xlsx", sheet="S") is None


# ---------------------------------------------------------------------------- (b) seed 002 appendix


def test_seed002_appendix_maps_every_unit_and_cell() -> None:
    rec = recognize(grid_of(HANDMADE), file=HANDMADE.name, sheet="Phụ lục")
    assert rec is not None and rec.framework.id == SV459
    assert rec.findings == []  # every column found, every header maximum as in the framework
    seed = load_seed("seed002_sv459")["units"]
    assert [u.name for u in rec.units] == [u["unit"]["name"] for u in seed]
    assert [u.level for u in rec.units] == [u["unit"]["level"] for u in seed]
    assert {u.period for u in rec.units} == {"2023-07"}
    for got, want in zip(rec.units, seed, strict=True):
        for code, raw in want["data"]["indicators"].items():
            a, b = parse_number(got.data["indicators"][code]), parse_number(raw)
            assert (a.kind, a.value) == (b.kind, b.value), (got.name, code)
        for key in ("total", "quy_doi"):
            assert parse_number(got.data["stated"][key]).value == parse_number(want["data"]["stated"][key]).value
    # sources are real cells: Trung tâm QLĐĐ is the first unit row (9), Núa Ngam's 11,5 sits in J26
    first, nua = rec.units[0], next(u for u in rec.units if u.name == "UBND xã Núa Ngam")
    assert first.sources.get("indicators/2.1").cell == "F9"  # type: ignore[union-attr]
    assert first.sources.get("stated/total").cell == "N9"  # type: ignore[union-attr]
    assert nua.sources.get("indicators/4.2").cell == "J26"  # type: ignore[union-attr]
    assert nua.data["indicators"]["4.2"] == "11,5"


def test_seed002_appendix_ods_reads_the_same() -> None:
    ods = HANDMADE.with_suffix(".ods")
    if not ods.exists():
        pytest.skip("phu_luc_405_thang7_2023.ods not generated (make_handmade.py --ods needs LibreOffice)")
    a = recognize(grid_of(HANDMADE), file="a", sheet="Phụ lục")
    b = recognize(grid_of(ods), file="b", sheet="Phụ lục")
    assert a is not None and b is not None
    assert [(u.name, u.level) for u in a.units] == [(u.name, u.level) for u in b.units]
    for ua, ub in zip(a.units, b.units, strict=True):
        for code in ua.data["indicators"]:
            assert parse_number(ua.data["indicators"][code]).value == parse_number(ub.data["indicators"][code]).value


def test_service_index_header_maximum_differing_from_framework_is_reported() -> None:
    grid = [list(r) for r in grid_of(HANDMADE)]
    grid[6][9] = "Chỉ số 2 (15đ)"  # J7: indicator 4.2 is worth 10 in the framework
    rec = recognize(grid, file="f.xlsx", sheet="Phụ lục")
    assert rec is not None
    [f] = rec.findings
    assert (f.code.value, f.severity.value, f.location.cell, f.item) == ("stated_max_mismatch", "warning", "J7", "4.2")
    assert "điểm tối đa ghi trên biểu là 15" in f.message


def test_header_findings_point_into_each_file_when_many_files_share_the_header() -> None:
    # a folder's files share one header: its fit to the frameworks is worked out once, but each file's finding on
    # the header must still name that file and sheet (J7, indicator 4.2 written as worth 15 against 10)
    grid = [list(r) for r in grid_of(HANDMADE)]
    grid[6][9] = "Chỉ số 2 (15đ)"
    got = []
    for file, sheet in (("a.xlsx", "Phụ lục"), ("b.xlsx", "PL 2"), ("a.xlsx", "Phụ lục")):
        rec = recognize(grid, file=file, sheet=sheet)
        assert rec is not None and len(rec.units) == 26
        [f] = rec.findings
        got.append((f.location.file, f.location.sheet, f.location.cell, f.item))
        assert {u.file for u in rec.units} == {file} and rec.units[0].where("indicators/4.2").file == file
    assert got == [("a.xlsx", "Phụ lục", "J7", "4.2"), ("b.xlsx", "PL 2", "J7", "4.2"), ("a.xlsx", "Phụ lục", "J7", "4.2")]


def test_service_index_missing_indicator_column_is_reported() -> None:
    grid = [list(r) for r in grid_of(HANDMADE)]
    for row in grid:  # drop column J (indicator 4.2) altogether
        del row[9]
    rec = recognize(grid, file="f.xlsx", sheet="Phụ lục")
    assert rec is not None
    missing = [f for f in rec.findings if f.code.value == "column_missing"]
    assert [f.item for f in missing] == ["4.2"]
    assert "thiếu cột chỉ số 4.2" in missing[0].message
    assert "4.2" not in rec.units[0].data["indicators"]


# ---------------------------------------------------------------------------- (a) seed 001 annex


def test_seed001_annex(tmp_path: Path) -> None:
    path = write_seed001_annex(tmp_path / "phu_luc_205.xlsx")
    rec = recognize(grid_of(path), file=path.name, sheet="Phụ lục")
    assert rec is not None and rec.framework.id == TTHC_HUYEN
    [unit] = rec.units
    assert (unit.name, unit.level, unit.period) == ("UBND huyện Điện Biên", "huyen", "2021-Q2")
    assert unit.data["counts"] == {"received_total": "1.147", "resolved_total": "1.132"}
    assert unit.sources.get("counts/received_total").cell == "A6"  # type: ignore[union-attr]
    assert unit.data["criteria"]["1"]["counts"] == {"a": "1.033", "b": 99, "c": 0}
    assert unit.data["criteria"]["9"]["marks"] == {"a": None, "b": "x", "c": None}
    assert unit.data["stated_total"] == "16,74"
    result = score_unit(rec.framework, unit)
    # seed 001: 3 × 1,9125… + 2 × 2 + 2 + 2 + 2 + 1 = 16,7376 → 16,74 (the published total is right)
    assert result.status == "scored"
    assert result.total_shown == 16.74 and result.band_label == "Xuất sắc"
    assert result.total == pytest.approx(score_seed("seed001_tthc_huyen")["units"][0]["total"])
    assert result.findings == []


def test_tthc_annex_missing_count_column(tmp_path: Path) -> None:
    path = write_seed001_annex(tmp_path / "a.xlsx")
    grid = [list(r) for r in grid_of(path)]
    for row in grid:
        if len(row) > 3 and row[3] == "Số lượng hồ sơ":
            row[3] = "Số liệu"
    rec = recognize(grid, file="a.xlsx", sheet="S")
    assert rec is not None
    assert [(f.code.value, f.location.cell) for f in rec.findings] == [("column_missing", "A9")]


# ---------------------------------------------------------------------------- (c) seed 004 PAR


def test_seed004_par_table(tmp_path: Path) -> None:
    path = write_seed004_par(tmp_path / "par.xlsx", SEEDS / "seed004_par_tinh_2020.json")
    rec = recognize(grid_of(path), file=path.name, sheet="PAR INDEX 2020")
    assert rec is not None and rec.framework.id == "par-dienbien-tinh-2020"
    [unit] = rec.units
    assert (unit.name, unit.level, unit.period) == ("UBND tỉnh Điện Biên", "tinh", "2020")
    result = score_unit(rec.framework, unit)
    want = score_seed("seed004_par_tinh_2020")["units"][0]
    assert result.total == pytest.approx(want["total"]) == pytest.approx(84.68919)
    assert [f.code.value for f in result.findings] == [f["code"] for f in want["findings"]]
    mismatch = result.findings[0]
    assert mismatch.location.sheet == "PAR INDEX 2020" and mismatch.location.cell is not None
    assert unit.data["rows"]["1.3.1"]["explanation"].startswith("Năm 2020, UBND tỉnh Điện Biên")
