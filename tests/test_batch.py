"""Batch consolidation of the seed 002 appendix (26 units), the summary workbook, the roster and the CLI.

Expected figures are written by hand from seed 002 (appendix of Báo cáo 405/BC-UBND ngày 17/8/2023 của UBND huyện
Điện Biên): the hand sum of each row's indicators ("-" left out), quy đổi = total / applicable maximum × 100
rounded half-up, bands 90/80/70/50 on quy đổi, competition ranks within each level. Where the seed prints another
figure the comment says why (58,69 is a wrong sum; 11,5 is above the maximum of 10; 55,61 and 93,06 are truncated).
The summary workbook is read back with openpyxl, a different library than the XlsxWriter that wrote it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, consolidate_dir

from xl_tthc.api import validate
from xl_tthc.batch import BatchError, run
from xl_tthc.batch.roster import RosterError, read_roster
from xl_tthc.core.findings import FINDING_ROW_HEADERS

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PY if VENV_PY.exists() else Path(sys.executable))
HANDMADE = DATA / "handmade" / "phu_luc_405_thang7_2023.xlsx"
SAMPLES = ROOT / "workbooks" / "samples"
IMAGES = ROOT / "docs" / "images"

XS, TOT, KHA, TB, YEU = "Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu"
# (name, level, total, applicable max, quy đổi, band, rank within its level)
EXPECTED = [
    (
        "Trung tâm QLĐĐ",
        "phong",
        58.94,
        85,
        69.34,
        TB,
        4,
    ),  # seed prints 58,69: 4,81+23,45+5,16+5,60+1,26+5,33+13,33 = 58,94
    ("Phòng Tư pháp", "phong", 70.45, 85, 82.88, TOT, 3),
    ("Phòng Nội vụ", "phong", 36.15, 65, 55.62, TB, 5),  # seed 55,61: 55,615… truncated
    ("Phòng Lao động - Thương binh và Xã hội", "phong", 69.80, 75, 93.07, XS, 2),  # seed 93,06: truncated
    ("Phòng Kinh tế và Hạ tầng", "phong", 83.14, 85, 97.81, XS, 1),
    ("UBND xã Hua Thanh", "xa", 60.51, 85, 71.19, KHA, 17),
    ("UBND xã Hẹ Muông", "xa", 60.21, 85, 70.84, KHA, 18),
    ("UBND xã Mường Lói", "xa", 19.81, 85, 23.31, YEU, 19),
    ("UBND xã Mường Nhà", "xa", 70.89, 85, 83.40, TOT, 4),
    ("UBND xã Mường Pồn", "xa", 72.74, 85, 85.58, TOT, 2),
    ("UBND xã Na Tông", "xa", 19.81, 85, 23.31, YEU, 19),
    ("UBND xã Na Ư", "xa", 62.51, 85, 73.54, KHA, 16),
    ("UBND xã Noong Hẹt", "xa", 66.37, 85, 78.08, KHA, 11),
    ("UBND xã Noong Luống", "xa", 65.81, 85, 77.42, KHA, 13),
    ("UBND xã Núa Ngam", "xa", 79.12, 85, 93.08, XS, 1),  # seed 80,62/94,85 counts 11,5 for an indicator worth 10
    ("UBND xã Pa Thơm", "xa", 68.17, 85, 80.20, TOT, 8),
    ("UBND xã Phu Luông", "xa", 65.21, 85, 76.72, KHA, 14),
    ("UBND xã Pom Lót", "xa", 69.27, 85, 81.49, TOT, 6),
    ("UBND xã Sam Mứn", "xa", 71.85, 85, 84.53, TOT, 3),
    ("UBND xã Thanh An", "xa", 68.80, 85, 80.94, TOT, 7),
    ("UBND xã Thanh Chăn", "xa", 67.75, 85, 79.71, KHA, 9),
    ("UBND xã Thanh Hưng", "xa", 67.00, 85, 78.82, KHA, 10),
    ("UBND xã Thanh Luông", "xa", 64.72, 85, 76.14, KHA, 15),
    ("UBND xã Thanh Nưa", "xa", 19.81, 85, 23.31, YEU, 19),
    ("UBND xã Thanh Xương", "xa", 66.35, 85, 78.06, KHA, 12),
    ("UBND xã Thanh Yên", "xa", 70.12, 85, 82.49, TOT, 5),
]
# the report text: "02 Xuất sắc, 01 Tốt, 02 Trung bình" (agencies); "01 Xuất sắc, 07 Tốt, 10 Khá, 03 Yếu" (communes)
BANDS = {
    "phong": {XS: 2, TOT: 1, KHA: 0, TB: 2, YEU: 0, "Chưa chấm điểm": 0, "Chưa phát sinh hồ sơ": 0},
    "xa": {XS: 1, TOT: 7, KHA: 10, TB: 0, YEU: 3, "Chưa chấm điểm": 0, "Chưa phát sinh hồ sơ": 0},
}


def sha256_tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def one_file_folder(tmp: Path, src: Path, name: str | None = None) -> Path:
    folder = tmp / "Phụ lục tháng 7"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, folder / (name or src.name))
    return folder


def figures(report: Any) -> dict[str, tuple[Any, ...]]:
    out = {}
    for fs in report.consolidation.frameworks:
        assert fs.framework.id == "sv459-dienbien-2023"
        for lv in fs.levels:
            for r in lv.results:
                out[r.unit] = (r.level, r.total_shown, r.applicable_max, r.quy_doi, r.band_label, r.rank)
    return out


def check_seed002(report: Any) -> None:
    got = figures(report)
    assert len(got) == 26
    for name, level, total, amax, qd, band, rank in EXPECTED:
        assert got[name] == (level, pytest.approx(total), amax, pytest.approx(qd), band, rank), name
    [fs] = report.consolidation.frameworks
    assert [lv.level for lv in fs.levels] == ["phong", "xa"]
    for lv in fs.levels:
        counts = {k: v for k, v in lv.band_counts.items() if k != "Chưa tính được (số liệu có lỗi)"}
        assert counts == BANDS[lv.level]


@pytest.fixture(scope="module")
def seed002_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path, Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("seed002")
    folder = one_file_folder(tmp, HANDMADE)
    before = sha256_tree(folder)
    out = tmp / "TONG_HOP.xlsx"
    report = consolidate_dir(folder, output=out, jobs=1)
    return report, folder, out, before


def test_handmade_appendix_reproduces_every_unit(seed002_report: Any) -> None:
    report, folder, _out, before = seed002_report
    check_seed002(report)
    assert report.period == "2023-07"
    assert sha256_tree(folder) == before  # the input file is never modified


def test_handmade_appendix_findings_point_at_cells(seed002_report: Any) -> None:
    report = seed002_report[0]
    found = {(f.code.value, f.unit, f.location.cell) for f in report.findings}
    assert ("stated_total_mismatch", "Trung tâm QLĐĐ", "N9") in found  # 58,69 printed, 58,94 computed
    assert ("score_above_max", "UBND xã Núa Ngam", "J26") in found  # 11,5 > 10
    assert ("stated_quy_doi_mismatch", "UBND xã Núa Ngam", "O26") in found
    assert ("stated_quy_doi_truncated", "Phòng Nội vụ", "O11") in found  # 55,61 for 55,615…
    assert ("ambiguous_decimal_separator", "Phòng Tư pháp", "G10") in found  # "8.32"
    assert all(f.location.file == HANDMADE.name for f in report.findings)


def test_ods_version_consolidates_to_the_same_figures(tmp_path: Path) -> None:
    ods = HANDMADE.with_suffix(".ods")
    if not ods.exists():
        pytest.skip("phu_luc_405_thang7_2023.ods not generated (make_handmade.py --ods needs LibreOffice)")
    check_seed002(validate(one_file_folder(tmp_path, ods), jobs=1))


def test_template_sample_consolidates_to_the_same_figures(tmp_path: Path, seed002_report: Any) -> None:
    samples = sorted(SAMPLES.glob("*459*")) if SAMPLES.is_dir() else []
    if not samples:
        pytest.skip("workbooks/samples/ has no seed 002 sample yet (written by the template developer)")
    folder = tmp_path / "mau"
    folder.mkdir()
    for s in samples:
        shutil.copyfile(s, folder / s.name)
    report = validate(folder, jobs=1)
    assert figures(report) == figures(seed002_report[0])


def test_parallel_run_gives_the_same_result(tmp_path: Path, seed002_report: Any) -> None:
    folder = tmp_path / "nhiều tệp"
    for i in range(9):  # nine copies of different sections: enough files for the process pool (4 × jobs)
        sub = folder / f"đợt {i}"
        sub.mkdir(parents=True)
        shutil.copyfile(HANDMADE, sub / HANDMADE.name)
    report = run(folder, jobs=2)
    assert report.jobs == 2 and report.files == 9 and report.units == 9 * 26
    dups = [f for f in report.findings if f.code.value == "duplicate_unit"]
    assert len(dups) == 8 * 26  # the first copy counts; every later copy of a unit is a duplicate
    assert figures(report) == figures(seed002_report[0])


def test_default_jobs_use_every_cpu_this_process_may_run_on() -> None:
    from xl_tthc.batch import DEFAULT_JOBS, MAX_DEFAULT_JOBS

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    assert max(1, min(MAX_DEFAULT_JOBS, cpus)) == DEFAULT_JOBS  # both cores of a two-core machine


# ---------------------------------------------------------------------------- the summary workbook


def test_summary_workbook_read_back_with_openpyxl(seed002_report: Any) -> None:
    import openpyxl

    report, _folder, out, _ = seed002_report
    wb = openpyxl.load_workbook(out)
    names = wb.sheetnames
    assert names[0] == "Tổng hợp" and names[-2:] == ["Danh sách tệp", "Kết quả kiểm tra"]
    level_sheets = names[1:-2]
    assert len(level_sheets) == 2
    # one row per unit: rank, name, the 11 indicators, total, applicable max, quy đổi, band, file
    rows: dict[str, dict[str, Any]] = {}
    for sheet in level_sheets:
        ws = wb[sheet]
        head = [c.value for c in ws[4]]
        assert head[:2] == ["Hạng", "Đơn vị"]
        assert head[-5:] == ["Tổng điểm", "Điểm tối đa áp dụng", "Quy đổi", "Xếp loại", "Tệp"]
        assert ws.freeze_panes == "C5"
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A4:")
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        for row in ws.iter_rows(min_row=5, values_only=True):
            if row[1] is None or row[0] is None:
                break
            rows[row[1]] = dict(zip(head, row, strict=True))
    assert len(rows) == 26
    for name, _level, total, amax, qd, band, rank in EXPECTED:
        r = rows[name]
        assert (r["Hạng"], r["Tổng điểm"], r["Điểm tối đa áp dụng"], r["Quy đổi"], r["Xếp loại"]) == (
            rank,
            pytest.approx(total),
            amax,
            pytest.approx(qd),
            band,
        )
        assert isinstance(r["Quy đổi"], float)  # numbers are written as numbers
    assert rows["Trung tâm QLĐĐ"]["1.1\n(5đ)"] == "-" and rows["Trung tâm QLĐĐ"]["2.1\n(30đ)"] == pytest.approx(23.45)
    cell = wb[level_sheets[0]]["N5"]
    assert cell.number_format == "#,##0.00"
    # the overview: band counts per level, including «Chưa chấm điểm» and «Chưa phát sinh hồ sơ»
    ov = wb["Tổng hợp"]
    tables: list[dict[str, int]] = []
    for row in ov.iter_rows(values_only=True):
        if row[0] == "Xếp loại / tình trạng":
            tables.append({})
        elif tables and isinstance(row[0], str) and isinstance(row[1], int) and row[0] != "Cộng":
            tables[-1][row[0]] = row[1]
    assert tables == [BANDS["phong"], BANDS["xa"]]
    # the findings sheet
    ks = wb["Kết quả kiểm tra"]
    assert tuple(c.value for c in ks[3]) == FINDING_ROW_HEADERS  # the columns of every findings sheet
    messages = [r for r in ks.iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(messages) == len(report.findings)
    assert ("Phụ lục", "J26", "score_above_max", "Lỗi") in {(r[5], r[6], r[2], r[1]) for r in messages}
    # native charts: two per level on the overview (column + pie), one bar chart per level sheet
    with zipfile.ZipFile(out) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        kinds = [zf.read(n) for n in charts]
    assert len(charts) == 6
    assert sum(b'<c:barDir val="col"/>' in k for k in kinds) == 2 and sum(b"<c:pieChart>" in k for k in kinds) == 2


def test_summary_is_written_atomically(tmp_path: Path, seed002_report: Any) -> None:
    from xl_tthc.io.summary import write_summary

    target = tmp_path / "TONG_HOP.xlsx"
    target.write_bytes(b"old")
    write_summary(seed002_report[0], target)
    assert target.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir()] == ["TONG_HOP.xlsx"]  # no temporary file left behind


def test_summary_renders_in_libreoffice(tmp_path: Path, seed002_report: Any) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    if soffice is None or pdftoppm is None:
        pytest.skip("LibreOffice (soffice) or poppler (pdftoppm) is not installed; CI installs both")
    out = seed002_report[2]
    profile = tmp_path / "lo-profile"
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = tmp_path / "TONG_HOP.pdf"
    assert pdf.exists(), proc.stdout + proc.stderr
    subprocess.run(
        [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page")], check=True, timeout=120
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 2
    assert pages[0].stat().st_size > 10_000
    # the committed pictures are refreshed on request only, so that a test run leaves the checkout clean
    if os.environ.get("XL_TTHC_UPDATE_IMAGES") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pages[0], IMAGES / "batch_summary_page1.png")
        shutil.copyfile(pages[1], IMAGES / "batch_summary_page2.png")
    assert (IMAGES / "batch_summary_page1.png").exists() and (IMAGES / "batch_summary_page2.png").exists()


# ---------------------------------------------------------------------------- roster


@pytest.mark.parametrize("header", ["Tên đơn vị", "TÊN ĐƠN VỊ", "ten don vi", "Tên  Đơn  Vị"])
def test_roster_csv_headers_are_matched_without_case_or_diacritics(tmp_path: Path, header: str) -> None:
    p = tmp_path / "ds.csv"
    p.write_text(
        f"STT;{header};Cấp\n1;UBND xã Núa Ngam;Xã\n2;Phòng Tư pháp;phòng\n3;Sở Nội vụ;\n", encoding="utf-8-sig"
    )
    entries = read_roster(p)
    assert [(e.name, e.level) for e in entries] == [
        ("UBND xã Núa Ngam", "xa"),
        ("Phòng Tư pháp", "phong"),
        ("Sở Nội vụ", None),
    ]


def test_roster_xlsx(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH ĐƠN VỊ PHẢI NỘP"])
    ws.append(["STT", "TEN DON VI", "CAP"])
    ws.append([1, "UBND xã Núa Ngam", "cấp xã"])
    ws.append([2, "Trung tâm QLĐĐ", "Phòng"])
    p = tmp_path / "ds.xlsx"
    wb.save(p)
    assert [(e.name, e.level) for e in read_roster(p)] == [("UBND xã Núa Ngam", "xa"), ("Trung tâm QLĐĐ", "phong")]


def test_roster_without_name_column_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "ds.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(RosterError, match="Tên đơn vị"):
        read_roster(p)
    with pytest.raises(BatchError, match="không tìm thấy thư mục"):
        run(tmp_path / "không có")


def test_roster_missing_and_extra_units(tmp_path: Path) -> None:
    folder = one_file_folder(tmp_path, HANDMADE)
    roster = tmp_path / "ds.csv"
    with roster.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Tên đơn vị", "Cấp"])
        for name, level, *_ in EXPECTED:
            if name != "UBND xã Thanh Yên":
                w.writerow([name, "Xã" if level == "xa" else "Phòng"])
        w.writerow(["UBND xã Chưa Nộp", "Xã"])
    report = consolidate_dir(folder, roster=roster, output=tmp_path / "th.xlsx", jobs=1)
    codes = {(f.code.value, f.unit) for f in report.findings}
    assert ("unit_not_on_roster", "UBND xã Thanh Yên") in codes
    assert ("unit_missing", "UBND xã Chưa Nộp") in codes
    xa = report.consolidation.frameworks[0].levels[1]
    assert [m.name for m in xa.missing] == ["UBND xã Chưa Nộp"]


# ---------------------------------------------------------------------------- CLI


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "xl_tthc", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_cli_validate_prints_a_vietnamese_summary(tmp_path: Path) -> None:
    folder = one_file_folder(tmp_path, HANDMADE)
    proc = cli("validate", str(folder), "--quiet")
    assert proc.returncode == 1, proc.stderr  # the seed's published totals have errors
    out = proc.stdout
    assert "Kiểm tra thư mục" in out and "1 tệp, 26 đơn vị" in out
    assert "Tệp" in out and "Tình trạng" in out and "Đã đọc" in out
    assert "Lỗi cần sửa:" in out and "ô J26" in out
    assert "Traceback" not in proc.stderr


def test_cli_validate_json(tmp_path: Path) -> None:
    folder = one_file_folder(tmp_path, HANDMADE)
    proc = cli("validate", str(folder), "--json", "--jobs", "1")
    doc = json.loads(proc.stdout)
    assert doc["format"] == "xl-tthc/batch" and doc["summary"]["files"] == 1 and doc["summary"]["units"] == 26
    assert doc["files"][0]["status"] == "ok"


def test_cli_consolidate_writes_the_summary(tmp_path: Path) -> None:
    folder = one_file_folder(tmp_path, HANDMADE)
    out = tmp_path / "kết quả" / "TONG_HOP.xlsx"
    proc = cli("consolidate", str(folder), "-o", str(out), "--period", "tháng 7 năm 2023", "--quiet")
    assert proc.returncode == 1, proc.stderr
    assert out.exists()
    assert "Xuất sắc 2, Tốt 1, Trung bình 2" in proc.stdout
    assert "Xuất sắc 1, Tốt 7, Khá 10, Yếu 3" in proc.stdout
    assert f"Đã ghi tệp tổng hợp: {out}" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "/không/có/thư/mục"], "không tìm thấy thư mục"),
        (["validate", ".", "--jobs", "0"], "--jobs phải là số nguyên dương"),
        (["validate", ".", "--period", "hôm qua"], "không hiểu kỳ đánh giá"),
        (["consolidate", ".", "-o", "x.csv"], "phải có đuôi .xlsx"),
        (["consolidate", ".", "-o", "x.xlsx", "--roster", "/không/có.csv"], "không tìm thấy tệp danh sách"),
    ],
)
def test_cli_usage_errors_are_short_vietnamese_messages(args: list[str], message: str) -> None:
    proc = cli(*args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_consolidate_with_history_compares_with_the_previous_period(tmp_path: Path) -> None:
    """Two quarters through ``xl-tthc consolidate --history --report``: the second summary has a comparison sheet."""
    import openpyxl as _openpyxl

    from xl_tthc.cli import main
    from xl_tthc.demo import _unit_workbooks

    db, q1, q2 = tmp_path / "lich-su.sqlite", tmp_path / "q1", tmp_path / "q2"
    q1.mkdir()
    q2.mkdir()
    _unit_workbooks(q1, "2021-Q1", "Quý I, năm 2021", 0)
    _unit_workbooks(q2, "2021-Q2", "Quý II, năm 2021", 1)
    common = ["--history", str(db), "--quiet", "--issuer", "UBND HUYỆN ĐIỆN BIÊN"]
    assert main(["consolidate", str(q1), "-o", str(tmp_path / "t1.xlsx"), "--period", "2021-Q1", *common]) in (0, 1)
    code = main(
        [
            "consolidate",
            str(q2),
            "-o",
            str(tmp_path / "t2.xlsx"),
            "--period",
            "2021-Q2",
            "--report",
            str(tmp_path / "b2.docx"),
            *common,
        ]
    )
    assert code in (0, 1)
    wb = _openpyxl.load_workbook(tmp_path / "t2.xlsx", read_only=True)
    assert "So sánh kỳ trước" in wb.sheetnames
    rows = [r for r in wb["So sánh kỳ trước"].iter_rows(values_only=True) if r and r[1]]
    names = {r[1] for r in rows[1:]}
    assert "UBND xã Hua Thanh" in names
    # Thanh Nưa sent a file in Q1 but not in Q2
    assert any(r[1] == "UBND xã Thanh Nưa" and r[9] == "Kỳ này chưa có số liệu" for r in rows)
    # the change column is current − previous for every unit scored in both quarters
    for r in rows[1:]:
        if isinstance(r[2], float) and isinstance(r[3], float):
            assert r[4] == pytest.approx(round(r[3] - r[2], 2), abs=0.011)
    assert (tmp_path / "b2.docx").stat().st_size > 0
