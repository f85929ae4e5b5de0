"""A sheet with a cell too far away (a pasted export with a stray value at XFD1048576) beside the real form: the probe
leaves out that sheet only, with a warning naming the file, the sheet and the cell, and the other sheets are read
and scored as usual by the one reader (``fill``, the batch). A file with nothing else to read, a zip bomb, and the
.xls/.ods formats (python-calamine builds every sheet of those when it opens the file) are still refused.

The figures are the seeds' published ones, as asserted in tests/test_fill.py: seed 001 16,74/18 Xuất sắc; seed 002
Trung tâm QLĐĐ 58,94/85 → 69,34 Trung bình, UBND xã Núa Ngam 79,12/85 → 93,08 Xuất sắc, first of its section.
Whatever builds the far sheet by mistake would make python-calamine abort the process: ``fill`` and the batch run
in a child process here, and the checks run in-process use a far cell of a few million cells only.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from badinput.make_corpus import _rec, _xl_string, write_cfb
from conftest import write_ods

from xl_tthc import api
from xl_tthc.batch.roster import RosterError, read_roster
from xl_tthc.consolidation_book import is_consolidation_file
from xl_tthc.core.findings import Code, Severity
from xl_tthc.io import probe as probe_mod
from xl_tthc.io.probe import probe

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbooks" / "samples"
TTHC = SAMPLES / "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx"
SI459 = SAMPLES / "Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023.xlsx"
VENV_PY = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PY if VENV_PY.exists() else Path(sys.executable))
FAR = "Xuất từ phần mềm"
TTHC_UNIT = "UBND cấp huyện – huyện Điện Biên"


def with_far_sheet(src: Path, dst: Path, cell: str = "XFD1048576", *, first: bool = False) -> Path:
    """``src`` with one more sheet: a header at A1 and a stray value at ``cell``."""
    wb = openpyxl.load_workbook(src)
    ws = wb.create_sheet(FAR, 0 if first else None)
    ws["A1"] = "Mã hồ sơ"
    ws[cell] = "sót"
    wb.save(dst)
    return dst


def warning_text(file: str, ref: str, rows: str, cols: str) -> str:
    return (
        f"Tệp «{file}», trang tính «{FAR}» có ô dữ liệu ở {ref} ({rows} dòng × {cols} cột tính từ ô A1), quá xa so "
        "với giới hạn 4.000.000 ô của một trang; bỏ qua trang này, các trang khác vẫn được đọc và tính điểm. Nếu "
        "trang này có số liệu cần tính, xóa các dòng, cột thừa (thường do một ô sót ở rất xa) rồi gửi lại."
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------- the probe


def test_the_probe_leaves_out_only_the_far_sheet(tmp_path: Path) -> None:
    path = with_far_sheet(TTHC, tmp_path / "TTHC.xlsx")
    pr = probe(path)
    assert pr.ok and pr.finding is None
    assert pr.far_sheets == ((FAR, "XFD1048576", 1_048_576, 16_384),)  # 1.048.576 × 16.384 cells from A1
    assert pr.skip == {FAR}
    assert pr.sheets_xml is not None and set(pr.sheets_xml) == {"Đánh giá TTHC"}  # the far sheet is not handed on


def test_a_file_with_nothing_else_to_read_is_still_refused(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Trống"  # an empty sheet beside it: nothing else to read
    ws = wb.create_sheet(FAR)
    ws["A1"], ws["E1048576"] = "Mã hồ sơ", "sót"
    wb.save(tmp_path / "chỉ trang xa.xlsx")
    pr = probe(tmp_path / "chỉ trang xa.xlsx")
    assert not pr.ok and pr.finding is not None
    assert (pr.finding.code, pr.finding.severity, pr.finding.location.sheet) == (
        Code.SHEET_TOO_LARGE,
        Severity.ERROR,
        FAR,
    )
    assert pr.finding.message == (
        f"Trang «{FAR}» có ô dữ liệu ở E1048576 (1.048.576 dòng × 5 cột): quá lớn, không đọc tệp này (thường do một "
        "ô sót ở rất xa). Xóa các dòng, cột thừa rồi gửi lại."
    )
    # every sheet with data too far: refused, the first one named
    wb = openpyxl.Workbook()
    wb.active.title = "Xa 1"
    wb.active["A1"], wb.active["E1048576"] = 1, 2
    second = wb.create_sheet("Xa 2")
    second["A1"], second["F1048576"] = 1, 2
    wb.save(tmp_path / "hai trang xa.xlsx")
    pr = probe(tmp_path / "hai trang xa.xlsx")
    assert not pr.ok and pr.finding is not None and pr.finding.location.sheet == "Xa 1"


def test_the_whole_file_bound_still_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The zip-bomb guard is looked at first: a file over the uncompressed bound is refused whole, far sheet or not."""
    path = with_far_sheet(TTHC, tmp_path / "TTHC.xlsx")
    with zipfile.ZipFile(path) as zf:
        total = sum(i.file_size for i in zf.infolist())
    monkeypatch.setattr(probe_mod, "MAX_UNCOMPRESSED", total - 1)
    pr = probe(path)
    assert not pr.ok and pr.finding is not None and pr.finding.code is Code.FILE_TOO_LARGE
    assert "zip bomb" in pr.finding.message


def _xls(path: Path, sheets: list[tuple[str, dict[tuple[int, int], Any]]]) -> Path:
    """A BIFF8 .xls with several sheets of numbers and texts at the given (row, column) cells."""
    bof_globals = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    codepage = _rec(0x0042, struct.pack("<H", 1200))
    eof = _rec(0x000A, b"")

    def boundsheet(pos: int, name: str) -> bytes:
        return _rec(0x0085, struct.pack("<IBB", pos, 0, 0) + _xl_string(name, short=True))

    bodies = []
    for _name, cells in sheets:
        rows = max(r for r, _c in cells) + 1
        cols = max(c for _r, c in cells) + 1
        body = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06))
        body += _rec(0x0200, struct.pack("<IIHHH", 0, rows, 0, cols, 0))
        for (r, c), v in sorted(cells.items()):
            if isinstance(v, int | float):
                body += _rec(0x0203, struct.pack("<HHHd", r, c, 0, float(v)))
            else:
                body += _rec(0x0204, struct.pack("<HHH", r, c, 0) + _xl_string(str(v)))
        bodies.append(body + eof)
    pos = len(bof_globals) + len(codepage) + sum(len(boundsheet(0, n)) for n, _ in sheets) + len(eof)
    globals_ = bof_globals + codepage
    for (name, _cells), body in zip(sheets, bodies, strict=True):
        globals_ += boundsheet(pos, name)
        pos += len(body)
    write_cfb(path, {"Workbook": globals_ + eof + b"".join(bodies)})
    return path


def _ods(path: Path) -> Path:
    """An .ods with a small table «Phụ lục» and a table whose repetitions spread one value over 90.001 × 1.000."""
    cell = '<table:table-cell office:value-type="string"><text:p>STT</text:p></table:table-cell>'
    return write_ods(
        path,
        f'<table:table table:name="Phụ lục"><table:table-row>{cell}</table:table-row>'
        f'</table:table><table:table table:name="{FAR}"><table:table-row>{cell}</table:table-row>'
        '<table:table-row table:number-rows-repeated="90000"><table:table-cell office:value-type="float" '
        'office:value="1" table:number-columns-repeated="1000"><text:p>1</text:p></table:table-cell>'
        "</table:table-row></table:table>",
    )


def test_xls_and_ods_with_one_far_sheet_are_still_refused(tmp_path: Path) -> None:
    """python-calamine builds every sheet of an .xls or .ods when it opens the file (a 5 KB .xls with one value at
    IV65536 took 524 MB before a sheet was asked for): the sheet cannot be left out, the file is refused."""
    xls = _xls(
        tmp_path / "hai trang.xls", [("Phụ lục", {(0, 0): "STT", (1, 1): 12}), (FAR, {(0, 0): 1, (65_535, 255): 2})]
    )
    pr = probe(xls)
    assert not pr.ok and pr.finding is not None and pr.finding.code is Code.SHEET_TOO_LARGE
    assert pr.finding.location.sheet == FAR and "có ô dữ liệu ở IV65536 (65.536 dòng × 256 cột)" in pr.finding.message
    pr = probe(_ods(tmp_path / "hai trang.ods"))
    assert not pr.ok and pr.finding is not None and pr.finding.code is Code.SHEET_TOO_LARGE
    assert pr.finding.location.sheet == FAR and "(90.001 dòng × 1.000 cột)" in pr.finding.message


# ---------------------------------------------------------------------------- fill and the batch go on


def test_fill_scores_the_form_beside_a_far_sheet(tmp_path: Path) -> None:
    src = with_far_sheet(TTHC, tmp_path / "TTHC.xlsx")
    before = sha(src)
    out = tmp_path / "out.xlsx"
    proc = subprocess.run(
        [PYTHON, "-m", "xl_tthc", "fill", str(src), "-o", str(out), "--json"],
        capture_output=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")  # warnings only
    doc = json.loads(proc.stdout)
    assert [(u["unit"]["name"], u["total_shown"], u["band"]["label"], u["rank"]) for u in doc["units"]] == [
        (TTHC_UNIT, 16.74, "Xuất sắc", 1)
    ]
    far = [f for f in doc["findings"] if f["code"] == Code.SHEET_TOO_LARGE.value]
    assert [(f["severity"], f["location"]["sheet"], f["location"]["cell"], f["message"]) for f in far] == [
        ("warning", FAR, "XFD1048576", warning_text("TTHC.xlsx", "XFD1048576", "1.048.576", "16.384"))
    ]
    assert sha(src) == before  # the input is never modified
    assert FAR in openpyxl.load_workbook(out, read_only=True).sheetnames  # the officer's sheet stays in the copy


def test_the_batch_goes_on_and_scores_the_other_sheets(tmp_path: Path) -> None:
    """Two unit files, each with a far sheet: consolidated in a child process, every unit scored as in the files
    without the far sheet, one warning per file."""
    folder = tmp_path / "don-vi"
    folder.mkdir()
    with_far_sheet(TTHC, folder / "TTHC.xlsx")
    with_far_sheet(SI459, folder / "Phu luc 405.xlsx")
    out = tmp_path / "TONG_HOP.xlsx"
    proc = subprocess.run(
        [PYTHON, "-m", "xl_tthc", "consolidate", str(folder), "-o", str(out), "--jobs", "2", "--quiet", "--json"],
        capture_output=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode in (0, 1), proc.stderr.decode("utf-8", "replace")  # the 459 seed has errors (11,5 > 10)
    doc = json.loads(proc.stdout)
    assert out.exists()
    assert {(f["file"], f["status"]) for f in doc["files"]} == {("TTHC.xlsx", "ok"), ("Phu luc 405.xlsx", "ok")}
    units = {
        u["unit"]["name"]: (u["total_shown"], u["quy_doi"], u["band"]["label"], u["rank"])
        for fw in doc["consolidation"]["frameworks"]
        for lv in fw["levels"]
        for u in lv["units"]
    }
    assert len(units) == 27
    assert units[TTHC_UNIT] == (16.74, 16.74, "Xuất sắc", 1)  # no conversion: the quy đổi is the total
    assert units["Trung tâm QLĐĐ"][:3] == (58.94, 69.34, "Trung bình")
    assert units["UBND xã Núa Ngam"] == (79.12, 93.08, "Xuất sắc", 1)
    far = sorted(
        (f["location"]["file"], f["severity"], f["location"]["cell"], f["message"])
        for f in doc["consolidation"]["findings"]
        if f["code"] == Code.SHEET_TOO_LARGE.value
    )
    assert far == [
        (name, "warning", "XFD1048576", warning_text(name, "XFD1048576", "1.048.576", "16.384"))
        for name in ("Phu luc 405.xlsx", "TTHC.xlsx")
    ]
    # the same figures as the files without the far sheet
    plain = tmp_path / "goc"
    plain.mkdir()
    shutil.copy(TTHC, plain / "TTHC.xlsx")
    shutil.copy(SI459, plain / "Phu luc 405.xlsx")
    report = api.validate(plain, jobs=1)
    want = {r.unit: (r.total_shown, r.quy_doi, r.band_label, r.rank) for o in report.outcomes for _f, r in o.results}
    assert units == want


def test_a_far_cell_on_the_form_itself_is_an_error_when_nothing_else_is_scored(tmp_path: Path) -> None:
    """The stray cell is on the form, and another sheet holds only notes: the form is left out, and the finding says
    that nothing else could be scored (an error; fill exits 2 with it, the batch counts the file as unreadable)."""
    wb = openpyxl.load_workbook(TTHC)
    wb["Đánh giá TTHC"]["H1048576"] = "sót"  # 1.048.576 × 8 cells from A1
    wb.create_sheet("Ghi chú")["A1"] = "Ghi chú của đơn vị"
    (tmp_path / "in").mkdir()
    src = tmp_path / "in" / "TTHC.xlsx"
    wb.save(src)
    with pytest.raises(api.Error) as exc:
        api.fill_workbook(src, tmp_path / "out.xlsx")
    assert str(exc.value) == (
        "Tệp «TTHC.xlsx», trang tính «Đánh giá TTHC» có ô dữ liệu ở H1048576 (1.048.576 dòng × 8 cột tính từ ô A1), "
        "quá xa so với giới hạn 4.000.000 ô của một trang: bỏ qua trang này, các trang khác không có bảng chấm điểm "
        "nào. Thường do một ô sót ở rất xa: xóa các dòng, cột thừa rồi gửi lại."
    )
    report = api.validate(tmp_path / "in", jobs=1)
    [o] = report.outcomes
    assert o.status == "unreadable" and not o.results
    assert [(f.code, f.severity, f.location.sheet) for f in o.all_findings()] == [
        (Code.SHEET_TOO_LARGE, Severity.ERROR, "Đánh giá TTHC")
    ]


def test_the_roster_and_the_consolidation_workbook_never_build_a_far_sheet(tmp_path: Path) -> None:
    """The other readers of a probed file: a roster whose first sheet is too far is refused with the reason; the look
    for the consolidation workbook's settings passes over a far sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = FAR
    ws["A1"], ws["E1048576"] = "Tên đơn vị", "sót"
    wb.create_sheet("Danh sách").append(["Tên đơn vị", "Cấp"])
    wb.save(tmp_path / "danh sách.xlsx")
    with pytest.raises(RosterError) as exc:
        read_roster(tmp_path / "danh sách.xlsx")
    assert f"Trang «{FAR}» có ô dữ liệu ở E1048576 (1.048.576 dòng × 5 cột)" in str(exc.value)
    path = with_far_sheet(
        ROOT / "workbooks" / "Mau_Tong_hop.xlsx", tmp_path / "Mau_Tong_hop.xlsx", "E1048576", first=True
    )
    assert probe(path).skip == {FAR}
    assert is_consolidation_file(path)  # its settings sheet, read past the far sheet before it


def test_quick_bound_settles_small_sheets_and_counts_the_rest() -> None:
    # the probe's quick upper bound: a sheet whose references stay within ZZ999 (702 columns × 999 rows = 701.298
    # cells, under the 4.000.000 bound) is settled by one search; any reference past it is counted exactly
    from xl_tthc.io.probe import _bound

    small = b'<row r="1"><c r="A1"/><c r="ZZ999"/></row>'
    assert _bound(small, 0, 0) == (999, 702)
    assert _bound(small + b'<c r="XFD1048576"><v>1</v></c>', 0, 0) == (1048576, 16384)
    assert _bound(b'<c r="B1000"/>', 0, 0) == (1000, 2)
    assert _bound(b'<c r="AAA1"/>', 0, 0) == (1, 703)
    assert _bound(b'<c r="C7"/>', 5000, 3) == (5000, 702)  # a bound carried from an earlier chunk stays
