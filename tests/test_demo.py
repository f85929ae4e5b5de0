"""The README's first command: the demo runs end to end, from an installed package, and leaves the inputs untouched."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
from docx import Document

from xl_tthc.demo import COMMUNES, OFFICES

ROOT = Path(__file__).resolve().parent.parent


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _installed_package(tmp_path: Path) -> Path:
    """The package as a wheel installs it (no source tree beside it): built with pip, unpacked into a folder."""
    wheels = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    site = tmp_path / "site"
    with zipfile.ZipFile(next(wheels.glob("xl_tthc-*.whl"))) as zf:
        zf.extractall(site)
    return site


def test_demo_end_to_end(tmp_path: Path) -> None:
    site = _installed_package(tmp_path / "build")
    out = tmp_path / "demo"
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(site)!r})\n"
        "import xl_tthc\n"
        f"assert xl_tthc.__file__.startswith({str(site)!r}), xl_tthc.__file__\n"
        "from xl_tthc import api\n"
        f"steps = api.demo({str(out)!r})\n"
        "print('STEPS', len(steps))\n"
    )
    # run where no source tree is: the demo needs nothing but the installed package
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[-1] == f"STEPS {1 + 2 * 4 + 1}"
    tmp_path = out
    q1, q2 = tmp_path / "don-vi-2021-Q1", tmp_path / "don-vi-2021-Q2"
    assert len(list(q1.glob("*.xlsx"))) == len(COMMUNES) + len(OFFICES)
    assert len(list(q2.glob("*.xlsx"))) == len(COMMUNES) + len(OFFICES) - 1  # Thanh Nưa sent nothing in Q2
    # every generated workbook got a filled copy; the generated originals are not modified by fill/validate
    before = {p.name: _sha(p) for p in q2.glob("*.xlsx")}
    assert {p.name for p in (tmp_path / "da-tinh-diem-2021-Q2").glob("*.xlsx")} == set(before)
    # the summary workbook (read back with openpyxl, not the XlsxWriter that wrote it) holds all units
    wb = openpyxl.load_workbook(tmp_path / "TONG_HOP_2021-Q2.xlsx", read_only=True)
    text = " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "UBND xã Thanh Nưa" in text  # listed as missing against the roster
    assert "Phòng Nội vụ" in text and "UBND xã Pa Thơm" in text
    # the two planted slips are found: a mistyped count and two "x" in one criterion
    joined = "\n".join(lines)
    assert "25 tệp, 25 đơn vị, 2 lỗi" in joined
    # the Q2 report compares with Q1 (history) and the seed 002 report is rebuilt
    doc = "\n".join(p.text for p in Document(str(tmp_path / "BAO_CAO_2021-Q2.docx")).paragraphs)
    assert "kỳ trước" in doc.lower() or "quý i" in doc.lower()
    seed = "\n".join(p.text for p in Document(str(tmp_path / "vi-du-that" / "BAO_CAO_thang_7_2023.docx")).paragraphs)
    assert "UBND xã Núa Ngam" in seed or "Núa Ngam" in seed
    assert (tmp_path / "lich-su.sqlite").exists()
    # running validate again leaves every input byte-identical
    from xl_tthc.api import validate

    validate(q2, period="2021-Q2")
    assert {p.name: _sha(p) for p in q2.glob("*.xlsx")} == before
