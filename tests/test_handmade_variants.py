"""Hand-typed variants of the three hand-made layouts, as officers type them in Excel, through the real reader.

Each variant is built with openpyxl the way a unit would type it (the table moved right, other title rows, other
header wording, headers over two merged rows, numbers typed as text, extra columns, totals and signature rows, an
instructions sheet first, ...), read back with python-calamine (as the batch does) and recognised. The expected
figures are the ones the seeds establish, never the output of the code under test:

* seed 001 (annex of Báo cáo 205/BC-UBND, UBND cấp huyện, Quý II/2021): total 16,74 of 18, Xuất sắc;
  1.147 dossiers received, 1.132 resolved;
* seed 002 (appendix of Báo cáo 405/BC-UBND, tháng 7/2023): the per-unit figures of ``tests/test_batch.py``
  (written by hand from the seed);
* seed 004 (PAR 2020 of Điện Biên): Σ appraised 84,68919, one stated-total mismatch.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, SV459, TTHC_HUYEN, load_seed, recognize, score_seed
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook
from test_batch import EXPECTED as SEED002_EXPECTED

from xl_tthc.api import validate
from xl_tthc.core.engine import score_unit
from xl_tthc.core.numbers import parse_number
from xl_tthc.recognise import Recognition
from xl_tthc.recognise.common import norm

sys.path.insert(0, str(DATA / "handmade"))
from make_handmade import AGENCIES, COMMUNES, SEED001_LEVELS

Row = list[Any]


def a1(r: int, c: int) -> str:
    """0-based (row, column) → A1, written independently of the code under test."""
    return f"{get_column_letter(c + 1)}{r + 1}"


def put(ws: Worksheet, rows: Sequence[Sequence[Any]], *, left: int = 0, top: int = 0) -> None:
    """Type rows into the sheet from (top, left), 0-based; None leaves the cell untouched."""
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is not None:
                ws.cell(top + i + 1, left + j + 1, v)


def merge(ws: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)


def grid_of(path: Path, name: str) -> list[list[Any]]:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    finally:
        wb.close()


def val(raw: Any) -> float | None:
    return parse_number(raw).value


def header_block(ws: Worksheet, top: int, left: int, labels: Sequence[Sequence[str | None]]) -> None:
    """A header of len(labels[i]) rows: a label followed by Nones below it is merged down, by Nones right of it
    (in its row, above other labels) merged right; exactly as an officer does with Merge & Center."""
    depth = len(labels[0])
    for j, col in enumerate(labels):
        for i, lab in enumerate(col):
            if lab is None:
                continue
            ws.cell(top + i + 1, left + j + 1, lab)
            below = i
            while below + 1 < depth and col[below + 1] is None:
                below += 1
            right = j
            if below == i:  # a group label: merge right over the columns with nothing at this row
                while (
                    right + 1 < len(labels)
                    and labels[right + 1][i] is None
                    and any(x is not None for x in labels[right + 1][i + 1 :])
                ):
                    right += 1
            merge(ws, top + i, left + j, top + below, left + right)


# ============================================================================ seed 001: TTHC annex

SEED001_TOTAL = 16.74
SEED001_META = [
    "Kỳ đánh giá: Quý II, Năm 2021",
    "Đơn vị: UBND CẤP HUYỆN",
    "Tổng số hồ sơ đã tiếp nhận trong kỳ: 1.147",
    "Tổng hồ sơ đã giải quyết trong kỳ: 1.132",
]
SEED001_TITLES = [
    "ĐÁNH GIÁ VIỆC GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH\nCỦA UBND HUYỆN ĐIỆN BIÊN, TỈNH ĐIỆN BIÊN",
    "(Kèm theo Báo cáo số 205/BC-UBND ngày 22/6/2021 của UBND huyện Điện Biên)",
]
# (key, header label rows top to bottom): the seed's own header
ANNEX_COLS: list[tuple[str, tuple[str | None, ...]]] = [
    ("stt", ("STT",)),
    ("title", ("Tiêu chí/Tiêu chí thành phần",)),
    ("max", ("Điểm tối đa",)),
    ("count", ("Số lượng hồ sơ",)),
    ("self", ("Điểm tự đánh giá",)),
    ("note", ("Ghi chú",)),
]


def seed001_records(total_label: str = "TỔNG ĐIỂM") -> list[dict[str, Any]]:
    """The rows of the annex as the seed prints them: keyed by column, "id" names the row for the assertions."""
    recs: list[dict[str, Any]] = [{"id": "total", "title": total_label, "max": "18,0", "self": "16,74"}]
    for code, (title, mx, n, stated, levels) in SEED001_LEVELS.items():
        note = "Đang giải quyết trong hạn 15 hồ sơ" if code == "1" else None
        recs.append({"id": code, "stt": int(code), "title": title, "max": mx, "count": n, "self": stated, "note": note})
        for k, (label, pts, v) in zip("abc", levels, strict=True):
            rec = {"id": f"{code}{k}", "title": label, "max": pts}
            rec["count" if int(code) <= 5 else "self"] = v
            recs.append(rec)
    return recs


def write_annex(
    path: Path,
    *,
    cols: Sequence[tuple[str, tuple[str | None, ...]]] = ANNEX_COLS,
    records: list[dict[str, Any]] | None = None,
    left: int = 0,
    titles: Sequence[str] = SEED001_TITLES,
    meta: Sequence[str] = SEED001_META,
    blank_before_header: int = 1,
    numbering: bool = True,
    footer: Sequence[Sequence[Any]] = (),
    spacer_after: frozenset[str] = frozenset(),
    before: Callable[[Workbook], None] | None = None,
    after: Callable[[Workbook], None] | None = None,
    sheet: str = "Phụ lục",
) -> dict[str, str]:
    """Write the annex; return the A1 cell of each (record id, column key) for the assertions."""
    wb = Workbook()
    ws = wb.active
    if before is not None:
        before(wb)
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    lines = [[t] for t in titles] + [[]] + [[m] for m in meta] + [[]] * blank_before_header
    put(ws, lines, left=left)
    top = len(lines)
    header_block(ws, top, left, [lab for _k, lab in cols])
    r = top + len(cols[0][1])
    if numbering:
        put(ws, [[f"({i})" for i in range(1, len(cols) + 1)]], left=left, top=r)
        r += 1
    keys = [k for k, _ in cols]
    where: dict[str, str] = {}
    for rec in records if records is not None else seed001_records():
        put(ws, [[rec.get(k) for k in keys]], left=left, top=r)
        for j, k in enumerate(keys):
            where[f"{rec['id']}/{k}"] = a1(r, left + j)
        r += 1
        if rec["id"] in spacer_after:
            r += 1  # a blank spacer row inside the table
    put(ws, footer, left=left, top=r + 1)
    if after is not None:
        after(wb)
    wb.save(path)
    return where


def check_seed001(rec: Recognition | None) -> Any:
    """Seed 001's figures: UBND cấp huyện of huyện Điện Biên, Quý II/2021, 16,74 of 18, Xuất sắc, no finding."""
    assert rec is not None and rec.framework.id == TTHC_HUYEN
    assert rec.findings == []
    [unit] = rec.units
    assert (unit.name, unit.level, unit.period) == ("UBND huyện Điện Biên", "huyen", "2021-Q2")
    assert {k: val(v) for k, v in unit.data["counts"].items()} == {"received_total": 1147, "resolved_total": 1132}
    assert {k: val(v) for k, v in unit.data["criteria"]["1"]["counts"].items()} == {"a": 1033, "b": 99, "c": 0}
    assert [norm(str(v)) if v is not None else None for v in unit.data["criteria"]["9"]["marks"].values()] == [
        None,
        "x",
        None,
    ]
    assert val(unit.data["stated_total"]) == SEED001_TOTAL
    result = score_unit(rec.framework, unit)
    assert result.status == "scored"
    assert result.total_shown == SEED001_TOTAL and result.band_label == "Xuất sắc"
    assert result.total == pytest.approx(score_seed("seed001_tthc_huyen")["units"][0]["total"])
    assert result.findings == []
    return unit


def recognise_annex(path: Path, sheet: str = "Phụ lục") -> Recognition | None:
    return recognize(grid_of(path, sheet), file=path.name, sheet=sheet)


def test_annex_moved_right_with_other_title_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    titles = ["UBND HUYỆN ĐIỆN BIÊN", "", *SEED001_TITLES, "", ""]
    where = write_annex(path, left=2, titles=titles, blank_before_header=2)
    unit = check_seed001(recognise_annex(path))
    assert unit.sources.get("criteria/1/counts/a").cell == where["1a/count"] == "F18"
    assert unit.sources.get("criteria/9/marks/b").cell == where["9b/self"]
    assert unit.sources.get("stated_total").cell == where["total/self"]


def test_annex_one_empty_column_one_title_row(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    where = write_annex(
        path, left=1, titles=SEED001_TITLES[:1], meta=SEED001_META, blank_before_header=0, numbering=False
    )
    unit = check_seed001(recognise_annex(path))
    assert unit.sources.get("criteria/5/counts/b").cell == where["5b/count"]


@pytest.mark.parametrize(
    "labels",
    [
        ("Số TT", "Nội dung tiêu chí", "Điểm tối đa", "Số lượng hồ sơ", "Điểm tự chấm", "Ghi chú"),
        ("TT", "Tiêu chí", "Điểm\ntối đa", "Số lượng\nhồ sơ", "Điểm tự\nđánh giá", "Ghi chú"),
        ("STT:", "Tiêu chí:", "Điểm tối đa:", "Số lượng hồ sơ:", "Điểm tự đánh giá:", "Ghi chú:"),
        ("  STT ", "TIÊU CHÍ/TIÊU CHÍ THÀNH PHẦN", "ĐIỂM TỐI ĐA", "SỐ LƯỢNG HỒ SƠ", "ĐIỂM TỰ ĐÁNH GIÁ", "GHI CHÚ"),
        (
            "Số  TT",
            "Tiêu  chí /  Tiêu chí thành phần",
            "Điểm  tối  đa",
            "Số  lượng  hồ sơ",
            "Điểm  tự  đánh giá",
            "Ghi chú",
        ),
        ("Số thứ tự", "Nội dung", "Điểm tối đa", "Số hồ sơ", "Điểm tự đánh giá", "Ghi chú"),
    ],
    ids=["so-tt-tu-cham", "line-breaks", "colons", "capitals", "double-spaces", "so-thu-tu"],
)
def test_annex_header_wording(tmp_path: Path, labels: tuple[str, ...]) -> None:
    path = tmp_path / "a.xlsx"
    cols = [(k, (lab,)) for (k, _), lab in zip(ANNEX_COLS, labels, strict=True)]
    write_annex(path, cols=cols)
    check_seed001(recognise_annex(path))


def test_annex_header_over_two_merged_rows(tmp_path: Path) -> None:
    # STT, Tiêu chí, Số lượng hồ sơ merged down; "Điểm" merged over "Tối đa" and "Tự đánh giá"
    cols = [
        ("stt", ("STT", None)),
        ("title", ("Tiêu chí/Tiêu chí thành phần", None)),
        ("count", ("Số lượng hồ sơ", None)),
        ("max", ("Điểm", "Tối đa")),
        ("self", (None, "Tự đánh giá")),
        ("note", ("Ghi chú", None)),
    ]
    path = tmp_path / "a.xlsx"
    where = write_annex(path, cols=cols)
    unit = check_seed001(recognise_annex(path))
    assert unit.sources.get("criteria/1/counts/a").cell == where["1a/count"] == "C14"
    assert unit.sources.get("criteria/9/marks/b").cell == where["9b/self"]


def test_annex_header_words_split_over_two_rows(tmp_path: Path) -> None:
    # each label typed over two cells, the second row continuing the first ("Điểm tự" / "đánh giá")
    cols = [
        ("stt", ("Số", "TT")),
        ("title", ("Tiêu chí/Tiêu chí", "thành phần")),
        ("max", ("Điểm", "tối đa")),
        ("count", ("Số lượng", "hồ sơ")),
        ("self", ("Điểm tự", "đánh giá")),
        ("note", ("Ghi chú", None)),
    ]
    path = tmp_path / "a.xlsx"
    write_annex(path, cols=cols)
    check_seed001(recognise_annex(path))


def _retype(recs: list[dict[str, Any]], fn: Callable[[str, str, Any], Any]) -> list[dict[str, Any]]:
    return [{k: (fn(r["id"], k, v) if k not in {"id", "title"} else v) for k, v in r.items()} for r in recs]


def test_annex_numbers_typed_as_text_and_floats(tmp_path: Path) -> None:
    def typed(rid: str, key: str, v: Any) -> Any:
        if v == "1.033":
            return "1 033" if rid.startswith(("1", "2")) else 1033.0  # a space as thousands separator; a float
        if v == "1.132":
            return " 1.132 " if rid in {"3", "4"} else 1132.0
        if v == 99:
            return "99"
        if key == "max" and isinstance(v, int):
            return float(v)
        if v == "1,91":
            return " 1,91 "
        if v == "x":
            return " X " if rid == "6a" else "x"
        if rid == "total" and key == "self":
            return "16,74/18"
        return v

    meta = ["Kỳ đánh giá: Quý II, Năm 2021", "Đơn vị: UBND CẤP HUYỆN", "Tổng số hồ sơ đã tiếp nhận trong kỳ: 1 147",
            "Tổng hồ sơ đã giải quyết trong kỳ: 1132"]  # fmt: skip
    path = tmp_path / "a.xlsx"
    write_annex(path, records=_retype(seed001_records(), typed), meta=meta)
    check_seed001(recognise_annex(path))


def test_annex_counts_as_excel_numbers(tmp_path: Path) -> None:
    """The officer typed 1147 in a cell of its own next to the label (an Excel number, 1147.0 once read)."""
    meta = ["Kỳ đánh giá: Quý II, Năm 2021", "Đơn vị: UBND CẤP HUYỆN"]
    path = tmp_path / "a.xlsx"

    def counts(wb: Workbook) -> None:
        ws = wb["Phụ lục"]
        put(
            ws,
            [
                ["Tổng số hồ sơ đã tiếp nhận trong kỳ:", None, 1147],
                ["Tổng hồ sơ đã giải quyết trong kỳ:", None, 1132.0],
            ],
            top=5,
        )

    write_annex(path, meta=[*meta, "", ""], after=counts)
    check_seed001(recognise_annex(path))


@pytest.mark.parametrize("position", [2, 4, 5])
def test_annex_extra_column_inserted(tmp_path: Path, position: int) -> None:
    cols = list(ANNEX_COLS)
    cols.insert(position, ("evidence", ("Tài liệu kiểm chứng",)))
    recs = [dict(r, evidence="Báo cáo số 205/BC-UBND") if r.get("stt") else r for r in seed001_records()]
    path = tmp_path / "a.xlsx"
    where = write_annex(path, cols=cols, records=recs)
    unit = check_seed001(recognise_annex(path))
    assert unit.sources.get("criteria/2/counts/a").cell == where["2a/count"]


def test_annex_columns_in_another_order(tmp_path: Path) -> None:
    order = ["stt", "title", "count", "self", "max", "note"]
    cols = sorted(ANNEX_COLS, key=lambda kv: order.index(kv[0]))
    path = tmp_path / "a.xlsx"
    where = write_annex(path, cols=cols)
    unit = check_seed001(recognise_annex(path))
    assert unit.sources.get("criteria/7/marks/a").cell == where["7a/self"]


def test_annex_level_rows_numbered_with_letters(tmp_path: Path) -> None:
    """Officers often number the level rows "a)", "b)", "c)" or "-" in the STT column."""
    recs = seed001_records()
    for r in recs:
        if r["id"][-1:] in {"a", "b", "c"} and r["id"] != "total":
            r["stt"] = f"{r['id'][-1]})" if int(r["id"][:-1]) % 2 else "-"
    path = tmp_path / "a.xlsx"
    write_annex(path, records=recs)
    check_seed001(recognise_annex(path))


def test_annex_totals_row_at_the_bottom_signature_and_spacers(tmp_path: Path) -> None:
    recs = seed001_records(total_label="Tổng cộng")
    recs.append(recs.pop(0))  # the totals row under the table
    footer = [
        [None, "Điện Biên, ngày 22 tháng 6 năm 2021"],
        [None, "NGƯỜI LẬP BIỂU", None, None, "THỦ TRƯỞNG ĐƠN VỊ"],
        [None, "(Ký, ghi rõ họ tên)", None, None, "(Ký tên, đóng dấu)"],
        [],
        [None, "Nguyễn Văn A", None, None, "Lò Văn B"],
    ]
    path = tmp_path / "a.xlsx"
    where = write_annex(path, records=recs, footer=footer, spacer_after=frozenset({"1", "1b", "4c", "9"}))
    unit = check_seed001(recognise_annex(path))
    assert unit.sources.get("stated_total").cell == where["total/self"]
    assert unit.sources.get("criteria/1/counts/c").cell == where["1c/count"]


def test_annex_batch_instructions_sheet_first_and_hidden_empty_sheet(tmp_path: Path) -> None:
    def instructions(wb: Workbook) -> None:
        ws = wb.active
        ws.title = "Hướng dẫn"
        put(ws, [["HƯỚNG DẪN NHẬP LIỆU"], ["1. Nhập số lượng hồ sơ vào cột «Số lượng hồ sơ»."],
                 ["2. Đánh dấu «x» vào mức đạt được ở cột «Điểm tự đánh giá»."], ["3. Không sửa tên cột."]])  # fmt: skip

    def hidden(wb: Workbook) -> None:
        wb.create_sheet("Sheet3").sheet_state = "hidden"

    folder = tmp_path / "Quý II"
    folder.mkdir()
    write_annex(folder / "huyen_dien_bien.xlsx", left=1, before=instructions, after=hidden)
    report = validate(folder, jobs=1)
    [out] = report.outcomes
    assert out.status == "ok", [f.message for f in out.findings]
    assert out.findings == []
    [(fid, result)] = out.results
    assert fid == TTHC_HUYEN
    assert (result.unit, result.level, result.period) == ("UBND huyện Điện Biên", "huyen", "2021-Q2")
    assert result.total_shown == SEED001_TOTAL and result.band_label == "Xuất sắc"
    assert result.findings == []


def test_annex_missing_column_is_a_finding_at_the_header_cell(tmp_path: Path) -> None:
    cols = [(k, ("Số liệu",) if k == "count" else lab) for k, lab in ANNEX_COLS]
    path = tmp_path / "a.xlsx"
    write_annex(path, cols=cols, left=2)
    rec = recognise_annex(path)
    assert rec is not None
    [f] = rec.findings
    assert f.code.value == "column_missing" and f.location.sheet == "Phụ lục"
    assert f.location.cell == "C9"  # the STT cell of the header row, where the table starts
    assert "thiếu cột «Số lượng hồ sơ»" in f.message


# ============================================================================ seed 002: service-index appendix

# (key, the three header rows): the seed's layout
APPENDIX_COLS: list[tuple[str, tuple[str | None, str | None, str | None]]] = [
    ("stt", ("STT", None, None)),
    ("name", ("TÊN ĐƠN VỊ", None, None)),
    ("1.1", ("ĐIỂM CÁC CHỈ SỐ", "Nhóm công khai, minh bạch", "Chỉ số 1 (5đ)")),
    ("1.2", (None, None, "Chỉ số 2 (5đ)")),
    ("1.3", (None, None, "Chỉ số 3 (10đ)")),
    ("2.1", (None, "Tiến độ, KQ giải quyết (30đ)", None)),
    ("3.1", (None, "Cung cấp DVCTT", "Chỉ số 1 (10đ)")),
    ("3.2", (None, None, "Chỉ số 2 (10đ)")),
    ("4.1", (None, "Số hóa hồ sơ", "Chỉ số 1 (5đ)")),
    ("4.2", (None, None, "Chỉ số 2 (10đ)")),
    ("5.1", (None, "Mức độ hài lòng", "Chỉ số 1 (5đ)")),
    ("5.2", (None, None, "Chỉ số 2 (5đ)")),
    ("5.3", (None, None, "Chỉ số 3 (5đ)")),
    ("total", ("TỔNG ĐIỂM ĐẠT ĐƯỢC", None, None)),
    ("quy_doi", ("TỔNG ĐIỂM QUY ĐỔI", None, None)),
    ("band", ("XẾP LOẠI", None, None)),
]
APPENDIX_KEYS = [k for k, _ in APPENDIX_COLS]
APPENDIX_TITLE = [
    "Phụ lục",
    "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP HUYỆN ĐIỆN BIÊN THÁNG 7 NĂM 2023",
    "(Kèm theo Báo cáo số 405 /BC-UBND ngày 17 tháng 8 năm 2023 của UBND huyện Điện Biên)",
    "",
]


def appendix_rows() -> list[dict[str, Any] | None]:
    rows: list[dict[str, Any] | None] = [{"stt": "I", "name": "CÁC CƠ QUAN CHUYÊN MÔN THUỘC HUYỆN"}]
    rows += [dict(zip(APPENDIX_KEYS, u, strict=True)) for u in AGENCIES]
    rows += [None, {"stt": "II", "name": "UBND CÁC XÃ"}]
    rows += [dict(zip(APPENDIX_KEYS, u, strict=True)) if u else None for u in COMMUNES]
    return rows


def write_appendix(
    path: Path,
    *,
    cols: Sequence[tuple[str, tuple[str | None, ...]]] = APPENDIX_COLS,
    rows: list[dict[str, Any] | None] | None = None,
    left: int = 0,
    titles: Sequence[str] = APPENDIX_TITLE,
    footer: Sequence[Sequence[Any]] = (),
) -> dict[str, str]:
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    put(ws, [[t] for t in titles], left=left)
    top = len(titles)
    header_block(ws, top, left, [lab for _k, lab in cols])
    keys = [k for k, _ in cols]
    r = top + len(cols[0][1])
    where: dict[str, str] = {}
    for row in rows if rows is not None else appendix_rows():
        if row is not None:
            put(ws, [[row.get(k) for k in keys]], left=left, top=r)
            for j, k in enumerate(keys):
                where[f"{norm(str(row.get('name')))}/{k}"] = a1(r, left + j)
        r += 1
    put(ws, footer, left=left, top=r + 1)
    wb.save(path)
    return where


SEED002_BY_NAME = {
    norm(name): (level, total, amax, qd, band) for name, level, total, amax, qd, band, _rk in SEED002_EXPECTED
}


def check_seed002(rec: Recognition | None, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every unit of seed 002 scored as tests/test_batch.py establishes (names compared without case)."""
    assert rec is not None and rec.framework.id == SV459
    assert [f for f in rec.findings if f.code.value == "column_missing"] == []
    got = {}
    for u in rec.units:
        if norm(u.name) in skip:
            continue
        r = score_unit(rec.framework, u)
        got[norm(u.name)] = (r.level, r.total_shown, r.applicable_max, r.quy_doi, r.band_label)
        assert u.period == "2023-07"
    assert set(got) == set(SEED002_BY_NAME)
    for name, (level, total, amax, qd, band) in SEED002_BY_NAME.items():
        assert got[name] == (level, pytest.approx(total), amax, pytest.approx(qd), band), name
    # the raw figures as the seed's appendix prints them
    seed = {norm(u["unit"]["name"]): u["data"]["indicators"] for u in load_seed("seed002_sv459")["units"]}
    for u in rec.units:
        if norm(u.name) in seed:
            for code, raw in seed[norm(u.name)].items():
                a, b = parse_number(u.data["indicators"][code]), parse_number(raw)
                assert (a.kind, a.value) == (b.kind, b.value), (u.name, code)
    return {norm(u.name): u for u in rec.units}


def recognise_appendix(path: Path) -> Recognition | None:
    return recognize(grid_of(path, "Phụ lục"), file=path.name, sheet="Phụ lục")


def test_appendix_moved_right_with_other_title_rows(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    titles = ["UBND HUYỆN ĐIỆN BIÊN", "VĂN PHÒNG HĐND-UBND", "", *APPENDIX_TITLE[1:], ""]
    where = write_appendix(path, left=2, titles=titles)
    units = check_seed002(recognise_appendix(path))
    nua = units[norm("UBND xã Núa Ngam")]
    assert nua.sources.get("indicators/4.2").cell == where[f"{norm('UBND xã Núa Ngam')}/4.2"] == "L29"


def test_appendix_header_wording_and_line_breaks(tmp_path: Path) -> None:
    labels = {
        "stt": ("Số TT", None, None),
        "name": ("Tên cơ quan,\nđơn vị", None, None),
        "total": ("Tổng\nđiểm", None, None),
        "quy_doi": ("Điểm\nquy đổi", None, None),
        "band": ("Xếp  loại:", None, None),
    }
    cols = [(k, labels.get(k, lab)) for k, lab in APPENDIX_COLS]
    path = tmp_path / "p.xlsx"
    write_appendix(path, cols=cols)
    check_seed002(recognise_appendix(path))


def test_appendix_total_column_called_tong_cong(tmp_path: Path) -> None:
    cols = [(k, ("TỔNG CỘNG", None, None) if k == "total" else lab) for k, lab in APPENDIX_COLS]
    path = tmp_path / "p.xlsx"
    where = write_appendix(path, cols=cols)
    rec = recognise_appendix(path)
    units = check_seed002(rec)
    assert rec is not None and rec.findings == []
    tp = units[norm("Phòng Tư pháp")]
    assert tp.sources.get("stated/total").cell == where[f"{norm('Phòng Tư pháp')}/total"]


def test_appendix_capitals_text_numbers_and_a_row_of_dashes(tmp_path: Path) -> None:
    rows = appendix_rows()
    for row in rows:
        if row and isinstance(row.get("stt"), int):
            row["name"] = str(row["name"]).upper()
            for k in ("2.1", "3.1"):  # numbers typed as text with a comma, or stored as floats
                v = row[k]
                row[k] = f" {v},00 " if isinstance(v, int) and row["stt"] % 2 else float(v) if isinstance(v, int) else v
    dashes = {k: "-" for k in APPENDIX_KEYS}
    dashes.update(stt=6, name="PHÒNG VĂN HÓA VÀ THÔNG TIN")
    rows.insert(6, dashes)
    path = tmp_path / "p.xlsx"
    where = write_appendix(path, rows=rows)
    rec = recognise_appendix(path)
    skip = norm("Phòng Văn hóa và Thông tin")
    units = check_seed002(rec, skip=frozenset({skip}))
    assert rec is not None
    assert units[norm("UBND xã Núa Ngam")].name == "UBND XÃ NÚA NGAM"
    # the row of dashes: nothing to score, and the officer is told where
    r = score_unit(rec.framework, units[skip])
    assert r.status != "scored" and r.total is None
    notes = [f for f in r.findings if f.code.value == "invalid_input"]
    assert len(notes) == 1 and notes[0].location.cell == where[f"{skip}/1.1"] == "C14"
    assert notes[0].location.sheet == "Phụ lục" and "«-»" in notes[0].message


def test_appendix_extra_columns_totals_row_and_signature(tmp_path: Path) -> None:
    cols = list(APPENDIX_COLS)
    cols.insert(2, ("code", ("Mã đơn vị", None, None)))
    cols.append(("note", ("Ghi chú", None, None)))
    rows = appendix_rows()
    for row in rows:
        if row and isinstance(row.get("stt"), int):
            row["code"], row["note"] = f"DV{row['stt']:02d}", "Đã đối chiếu"
    rows += [{"name": "Tổng cộng", "total": "1.627,36"}, {"name": "Trung bình", "quy_doi": "72,80"}]
    footer = [[None, "NGƯỜI LẬP BIỂU", None, None, None, None, None, None, None, None, "THỦ TRƯỞNG ĐƠN VỊ"],
              [], [None, "Nguyễn Thị C", None, None, None, None, None, None, None, None, "Lò Văn D"]]  # fmt: skip
    path = tmp_path / "p.xlsx"
    write_appendix(path, cols=cols, rows=rows, footer=footer)
    check_seed002(recognise_appendix(path))


# ============================================================================ seed 004: PAR table

PAR_COLS: list[tuple[str, tuple[str | None, ...]]] = [
    ("code", ("STT",)),
    ("title", ("Lĩnh vực/Tiêu chí/Tiêu chí thành phần",)),
    ("max", ("Điểm chuẩn",)),
    ("self", ("Điểm tự đánh giá",)),
    ("explanation", ("Giải trình",)),
    ("appraised", ("Điểm thẩm định",)),
    ("council_opinion", ("Ý kiến hội đồng thẩm định",)),
]


def dec(v: Any) -> Any:
    return str(v).replace(".", ",") if isinstance(v, float) else v


def par_records(total_label: str = "TỔNG ĐIỂM") -> list[dict[str, Any]]:
    from xl_tthc.core.framework import get

    doc = load_seed("seed004_par_tinh_2020")
    data = doc["units"][0]["data"]
    out = []
    for node in get(doc["framework"]).nodes():
        row = data["rows"].get(node.code, {}) if node.is_leaf else data["stated"].get(node.code, {})
        title = node.title.upper() if "." not in node.code else node.title
        out.append({"code": node.code, "title": title, "max": dec(node.max), "self": dec(row.get("self")),
                    "explanation": row.get("explanation"), "appraised": dec(row.get("appraised")),
                    "council_opinion": row.get("council_opinion")})  # fmt: skip
    tot = data["stated"]["total"]
    out.append(
        {"code": None, "title": total_label, "max": 100, "self": dec(tot["self"]), "appraised": dec(tot["appraised"])}
    )
    return out


def write_par(
    path: Path,
    *,
    cols: Sequence[tuple[str, tuple[str | None, ...]]] = PAR_COLS,
    records: list[dict[str, Any]] | None = None,
    left: int = 0,
    titles: Sequence[str] = (
        "BẢNG TỰ ĐÁNH GIÁ, CHẤM ĐIỂM VÀ THẨM ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2020",
        "Đơn vị: UBND tỉnh Điện Biên",
        "",
    ),
    footer: Sequence[Sequence[Any]] = (),
) -> dict[str, str]:
    wb = Workbook()
    ws = wb.active
    ws.title = "PAR INDEX 2020"
    put(ws, [[t] for t in titles], left=left)
    top = len(titles)
    header_block(ws, top, left, [lab for _k, lab in cols])
    keys = [k for k, _ in cols]
    r = top + len(cols[0][1])
    where: dict[str, str] = {}
    for rec in records if records is not None else par_records():
        put(ws, [[rec.get(k) for k in keys]], left=left, top=r)
        for j, k in enumerate(keys):
            where[f"{rec['code']}/{k}"] = a1(r, left + j)
        r += 1
    put(ws, footer, left=left, top=r + 1)
    wb.save(path)
    return where


def check_seed004(rec: Recognition | None) -> Any:
    assert rec is not None and rec.framework.id == "par-dienbien-tinh-2020"
    assert rec.findings == []
    [unit] = rec.units
    assert (unit.name, unit.level, unit.period) == ("UBND tỉnh Điện Biên", "tinh", "2020")
    result = score_unit(rec.framework, unit)
    want = score_seed("seed004_par_tinh_2020")["units"][0]
    assert result.total == pytest.approx(want["total"]) == pytest.approx(84.68919)
    assert [f.code.value for f in result.findings] == [f["code"] for f in want["findings"]]
    assert unit.data["rows"]["1.3.1"]["explanation"].startswith("Năm 2020, UBND tỉnh Điện Biên")
    return unit, result


def recognise_par(path: Path) -> Recognition | None:
    return recognize(grid_of(path, "PAR INDEX 2020"), file=path.name, sheet="PAR INDEX 2020")


def test_par_moved_right_with_other_title_rows(tmp_path: Path) -> None:
    titles = ("UBND TỈNH ĐIỆN BIÊN", "", "BẢNG TỰ ĐÁNH GIÁ, CHẤM ĐIỂM VÀ THẨM ĐỊNH CHỈ SỐ CCHC NĂM 2020", "",
              "Đơn vị: UBND tỉnh Điện Biên", "", "")  # fmt: skip
    path = tmp_path / "par.xlsx"
    where = write_par(path, left=2, titles=titles)
    unit, result = check_seed004(recognise_par(path))
    assert unit.sources.get("rows/1.3.1/appraised").cell == where["1.3.1/appraised"]
    assert result.findings[0].location.cell == where["None/appraised"]


@pytest.mark.parametrize(
    "labels",
    [
        ("Số TT", "Tiêu chí", "Điểm chuẩn", "Điểm tự chấm", "Giải trình", "Điểm thẩm định", "Ý kiến thẩm định"),
        (
            "TT",
            "Nội dung tiêu chí",
            "Điểm\nchuẩn",
            "Điểm tự\nđánh giá",
            "Giải\ntrình",
            "Điểm\nthẩm\nđịnh",
            "Ý kiến hội\nđồng thẩm\nđịnh",
        ),
        (
            "STT:",
            "LĨNH VỰC/TIÊU CHÍ",
            "ĐIỂM CHUẨN:",
            "ĐIỂM TỰ ĐÁNH GIÁ",
            "GIẢI TRÌNH",
            "ĐIỂM THẨM ĐỊNH",
            "Ý KIẾN HỘI ĐỒNG",
        ),
    ],
    ids=["words", "line-breaks", "capitals-colons"],
)
def test_par_header_wording(tmp_path: Path, labels: tuple[str, ...]) -> None:
    cols = [(k, (lab,)) for (k, _), lab in zip(PAR_COLS, labels, strict=True)]
    path = tmp_path / "par.xlsx"
    write_par(path, cols=cols)
    check_seed004(recognise_par(path))


def test_par_header_over_two_merged_rows(tmp_path: Path) -> None:
    cols = [
        ("code", ("STT", None)),
        ("title", ("Lĩnh vực/Tiêu chí/Tiêu chí thành phần", None)),
        ("max", ("Điểm chuẩn", None)),
        ("self", ("Điểm", "Tự đánh giá")),
        ("appraised", (None, "Thẩm định")),
        ("explanation", ("Giải trình", None)),
        ("evidence", ("Tài liệu kiểm chứng", None)),
        ("council_opinion", ("Ý kiến hội đồng thẩm định", None)),
    ]
    path = tmp_path / "par.xlsx"
    where = write_par(path, cols=cols)
    unit, _ = check_seed004(recognise_par(path))
    assert unit.sources.get("rows/1.3.1/appraised").cell == where["1.3.1/appraised"] == "E10"


def test_par_extra_column_totals_row_and_signature(tmp_path: Path) -> None:
    cols = list(PAR_COLS)
    cols.insert(5, ("evidence", ("Tài liệu kiểm chứng",)))
    recs = par_records(total_label="Tổng cộng")
    for r in recs:
        if r["code"] and r["code"].count(".") == 2:
            r["evidence"] = "Báo cáo số 401/BC-UBND"
    footer = [[None, "NGƯỜI LẬP BIỂU", None, None, "THỦ TRƯỞNG ĐƠN VỊ"], [None, "(Ký, ghi rõ họ tên)"]]
    path = tmp_path / "par.xlsx"
    where = write_par(path, cols=cols, records=recs, footer=footer)
    unit, result = check_seed004(recognise_par(path))
    assert unit.data["rows"]["1.3.1"]["evidence"] == "Báo cáo số 401/BC-UBND"
    assert result.findings[0].location.cell == where["None/appraised"]


def test_par_scores_as_floats_and_codes_with_trailing_dots(tmp_path: Path) -> None:
    recs = par_records()
    for r in recs:
        for k in ("self", "appraised", "max"):
            p = parse_number(r.get(k))
            if p.value is not None:
                r[k] = float(p.value)
        if r["code"] and "." in r["code"]:
            r["code"] = r["code"] + "."
    path = tmp_path / "par.xlsx"
    write_par(path, records=recs)
    check_seed004(recognise_par(path))


def test_par_header_words_split_over_two_rows(tmp_path: Path) -> None:
    cols = [
        ("code", ("STT", None)),
        ("title", ("Lĩnh vực/Tiêu chí/", "Tiêu chí thành phần")),
        ("max", ("Điểm", "chuẩn")),
        ("self", ("Điểm tự", "đánh giá")),
        ("explanation", ("Giải trình", None)),
        ("appraised", ("Điểm", "thẩm định")),
        ("council_opinion", ("Ý kiến hội đồng", "thẩm định")),
    ]
    path = tmp_path / "par.xlsx"
    where = write_par(path, cols=cols)
    unit, _ = check_seed004(recognise_par(path))
    assert unit.sources.get("rows/1.3.1/self").cell == where["1.3.1/self"]


@pytest.mark.parametrize("float_codes", [False, True], ids=["text-codes", "codes-as-excel-numbers"])
def test_par_headed_diem_toi_da_is_not_taken_for_a_tthc_annex(tmp_path: Path, float_codes: bool) -> None:
    """A PAR table headed "Tiêu chí" / "Điểm tối đa" / "Điểm tự đánh giá" (the TTHC annex's words); codes such as
    1.1 typed into number cells come back as floats (no seed 004 code ends in 0, so 1.1 cannot stand for 1.10)."""
    cols = [(k, ("Điểm tối đa",) if k == "max" else lab) for k, lab in PAR_COLS]
    cols[1] = ("title", ("Tiêu chí/Tiêu chí thành phần",))
    recs = par_records()
    if float_codes:
        for r in recs:
            if r["code"] and r["code"].count(".") <= 1:
                r["code"] = float(r["code"])
    path = tmp_path / "par.xlsx"
    write_par(path, cols=cols, records=recs)
    check_seed004(recognise_par(path))


def test_appendix_batch_second_sheet_after_instructions_and_hidden_empty_sheet(tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from test_batch import check_seed002 as check_consolidated

    folder = tmp_path / "Phụ lục tháng 7"
    folder.mkdir()
    path = folder / "phu_luc_405.xlsx"
    write_appendix(path, left=1, titles=["UBND HUYỆN ĐIỆN BIÊN", *APPENDIX_TITLE])
    wb = load_workbook(path)
    guide = wb.create_sheet("Hướng dẫn", 0)
    put(guide, [["HƯỚNG DẪN"], ["- Ghi «-» cho chỉ số đơn vị không phải thực hiện."], ["- Không gộp ô số liệu."]])
    wb.create_sheet("Sheet2").sheet_state = "hidden"
    wb.active = 1
    wb.save(path)
    report = validate(folder, jobs=1)
    [out] = report.outcomes
    assert out.status == "ok" and out.findings == []
    check_consolidated(report)  # figures, bands and ranks of every unit as tests/test_batch.py establishes
