"""The README's first command: the demo runs end to end and leaves the inputs untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
from docx import Document

from xl_tthc.demo import COMMUNES, OFFICES, run


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_demo_end_to_end(tmp_path: Path) -> None:
    lines: list[str] = []
    steps = run(tmp_path, echo=lines.append)
    assert len(steps) == 1 + 2 * 4 + 1
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
    from xl_tthc.batch import validate

    validate(q2, period="2021-Q2")
    assert {p.name: _sha(p) for p in q2.glob("*.xlsx")} == before
