"""LibreOffice headless as an independent engine: every template and every filled sample opens, recalculates and
converts to .xlsx and PDF without error values; the metadata and the fingerprint survive a LibreOffice save;
.ods and .xls copies are filled through python-calamine. Page 1 of each PDF is rendered to PNG.

Needs ``soffice`` (libreoffice-calc-nogui) and ``pdftoppm``/``pdftotext`` (poppler-utils); CI installs them.
The committed images in ``docs/images/`` are regenerated with ``scripts/render_images.py``.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xl_tthc.core.findings import Code
from xl_tthc.core.numbers import EXCEL_ERRORS
from xl_tthc.fill import REPORT_SHEET, fill_workbook
from xl_tthc.io.layouts import NAME_FINGERPRINT, NAME_FRAMEWORK, NAME_TEMPLATE, SPECS
from xl_tthc.io.templates import build_templates

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "workbooks" / "samples").glob("*.xlsx"))

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("soffice", "pdftoppm", "pdftotext")),
    reason="LibreOffice headless (soffice) or poppler-utils (pdftoppm, pdftotext) is not installed; "
    "install libreoffice-calc-nogui and poppler-utils (CI does, via .ci/run)",
)


def _render_module() -> Any:
    spec = importlib.util.spec_from_file_location("render_images", ROOT / "scripts" / "render_images.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["render_images"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build templates, fill the samples, then let LibreOffice convert everything (three soffice runs)."""
    rim = _render_module()
    work = tmp_path_factory.mktemp("libreoffice")
    prof = rim.profile(work / "profile")
    templates = build_templates(work / "templates")
    filled = rim.filled_samples(work / "filled")
    books = templates + filled
    return {
        "rim": rim,
        "work": work,
        "profile": prof,
        "templates": templates,
        "filled": filled,
        "xlsx": rim.convert(books, "xlsx", work / "xlsx", prof),
        "pdf": rim.convert(books, "pdf", work / "pdf", prof),
        "ods": rim.convert(SAMPLES, "ods", work / "ods", prof),
        "xls": rim.convert(SAMPLES, "xls", work / "xls", prof),
    }


def _all_values(path: Path) -> list[tuple[str, Any]]:
    out = []
    with CalamineWorkbook.from_path(str(path)) as wb:
        for name in wb.sheet_names:
            for row in wb.get_sheet_by_name(name).to_python():
                out += [(name, v) for v in row]
    return out


def test_every_book_recalculates_without_error_values(lo: dict[str, Any]) -> None:
    assert len(lo["xlsx"]) == len(SPECS) + len(SAMPLES)
    for path in lo["xlsx"]:
        values = _all_values(path)
        assert values, path.name
        bad = [
            (sheet, v)
            for sheet, v in values
            if isinstance(v, str) and (v.strip().upper() in EXCEL_ERRORS or v.startswith("Err:") or v.startswith("#"))
        ]
        assert not bad, (path.name, bad[:5])


def test_pdfs_have_the_vietnamese_titles_and_figures(lo: dict[str, Any]) -> None:
    texts = {}
    for pdf in lo["pdf"]:
        out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
        texts[pdf.stem] = out.stdout
    assert "ĐÁNH GIÁ VIỆC GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in texts["Mau_TTHC_cap_huyen"]
    assert "Tiêu chí/Tiêu chí thành phần" in texts["Mau_TTHC_cap_xa"]
    assert (
        "TÊN ĐƠN VỊ" in texts["Mau_Bo_chi_so_459_phu_luc"] and "ĐIỂM CÁC CHỈ SỐ" in texts["Mau_Bo_chi_so_459_phu_luc"]
    )
    assert "Ý kiến hội đồng thẩm định" in texts["Mau_Chi_so_CCHC_tinh_2020"]
    tthc = texts["Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021 - đã tính điểm"]
    assert "16,74" in tthc and "Xuất sắc" in tthc and "KẾT QUẢ KIỂM TRA SỐ LIỆU" in tthc  # vi-VN decimal comma
    si = texts["Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023 - đã tính điểm"]
    assert "58,94/85" in si and "93,08" in si
    par = texts["Vi_du_Chi_so_CCHC_tinh_Dien_Bien_2020 - đã tính điểm"]
    assert "84,68919" in par and "56,2967" in par


def test_metadata_and_fingerprint_survive_a_libreoffice_save(lo: dict[str, Any]) -> None:
    by_name = {p.stem: p for p in lo["xlsx"]}
    for spec in SPECS:
        wb = openpyxl.load_workbook(by_name[Path(spec.file_name).stem])
        assert wb.defined_names[NAME_TEMPLATE].attr_text == f'"{spec.template_id}"'
        assert wb.defined_names[NAME_FRAMEWORK].attr_text == f'"{spec.framework_id}"'
        assert {p.name: p.value for p in wb.custom_doc_props.props}[NAME_TEMPLATE] == spec.template_id
        ws = wb.worksheets[0]
        assert ws.protection.sheet and not ws.protection.password
    for original in lo["filled"]:
        resaved = by_name[original.stem]
        assert NAME_FINGERPRINT in openpyxl.load_workbook(resaved).defined_names
        again = fill_workbook(resaved, lo["work"] / "again" / original.name)
        first = fill_workbook(original, lo["work"] / "first" / original.name)
        assert not [f for f in again.findings if f.code is Code.STALE_RESULTS], original.name  # same inputs
        assert [(r.unit, r.total, r.quy_doi, r.band_label, r.rank) for r in again.results] == [
            (r.unit, r.total, r.quy_doi, r.band_label, r.rank) for r in first.results
        ]


@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_ods_and_xls_copies_are_filled_through_calamine(lo: dict[str, Any], fmt: str) -> None:
    for source, copy in zip(SAMPLES, lo[fmt], strict=True):
        want = fill_workbook(source, lo["work"] / "want" / f"{source.stem}.xlsx")
        got = fill_workbook(copy, None)
        assert got.output == copy.with_name(f"{copy.stem} - đã tính điểm.xlsx")
        assert (got.template_id, got.framework.id) == (want.template_id, want.framework.id)
        assert [(r.unit, r.total_shown, r.quy_doi, r.band_label, r.rank) for r in got.results] == [
            (r.unit, r.total_shown, r.quy_doi, r.band_label, r.rank) for r in want.results
        ]
        assert sorted(f.code.value for f in got.findings) == sorted(f.code.value for f in want.findings)
        wb = openpyxl.load_workbook(got.output)
        assert REPORT_SHEET in wb.sheetnames and NAME_TEMPLATE in wb.defined_names


def test_page_one_renders_to_png(lo: dict[str, Any]) -> None:
    rim = lo["rim"]
    out = lo["work"] / "png"
    books = lo["templates"] + lo["filled"]
    for book, pdf in zip(books, lo["pdf"], strict=True):
        png = rim.png_page1(pdf, out / rim.image_name(book), dpi=40)
        head = png.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        assert width > 200 and height > 200
        assert (ROOT / "docs" / "images" / png.name).exists(), f"run scripts/render_images.py ({png.name})"
