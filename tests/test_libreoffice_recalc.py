"""The templates compute by themselves: LibreOffice headless recalculates them and every figure equals the core's.

One soffice run recalculates (a) the seeds' samples, only their inputs typed into the templates, and (b) at least
500 generated units per shipped framework (``scripts/recalc_check.py``: zeros, 0/0, maxima, values above the
maximum, "-", blanks, totals around each band threshold, scores on a rounding half). Numbers must agree to
0,005, bands, statuses and ranks exactly; the only accepted differences are the documented ones
(docs/templates.md: the 766 portal's half-up rounding on the binary value). The counts and every exception are
printed into the test log.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from xl_tthc.io.layouts import SPECS

ROOT = Path(__file__).resolve().parent.parent
UNITS = 500

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice headless (soffice) is not installed; install libreoffice-calc-nogui (CI does, via .ci/run)",
)


def _script() -> Any:
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location("recalc_check", ROOT / "scripts" / "recalc_check.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["recalc_check"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, Any]]:
    rc = _script()
    return rc.run(UNITS, rc.DEFAULT_SEED, tmp_path_factory.mktemp("recalc"))


def test_every_recalculated_figure_equals_the_core(
    recalculated: tuple[Any, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    report, facts = recalculated
    with capsys.disabled():
        print()
        for line in report.lines():
            print(line)
        print(f"LibreOffice: {facts['books']} workbooks, {facts['sheets']} sheets, one run, {facts['seconds']:.1f} s")
    for spec in SPECS:
        units = report.by_framework[spec.framework_id][2]
        assert units >= UNITS, spec.framework_id
    assert report.equal + len(report.mismatches) == report.cells > 90_000
    assert not report.unexplained, "\n".join(report.lines())
    assert {m.book for m in report.mismatches} <= {"sv766-national-2026"}  # only the portal's binary rounding
    assert all(m.reason.startswith("766 ") for m in report.mismatches)


def test_the_seeds_samples_computed_by_libreoffice_alone(recalculated: tuple[Any, dict[str, Any]]) -> None:
    report, facts = recalculated
    for name in (
        "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021",
        "Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023",
        "Vi_du_Chi_so_CCHC_tinh_Dien_Bien_2020",
    ):
        equal, cells, _units = report.by_framework[name]
        assert equal == cells > 0, name
    out = {p.stem: p for p in facts["outputs"]}

    def grid(stem: str) -> list[list[Any]]:
        with CalamineWorkbook.from_path(str(out[stem])) as wb:
            return wb.get_sheet_by_index(0).to_python(skip_empty_area=False)

    def row(g: list[list[Any]], label: str) -> list[Any]:
        return next(r for r in g if label in r)

    tthc = grid("Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021")  # seed 001: 3 × 1,9125 + 2 × 2 + 2 + 2 + 2 + 1 = 16,74
    assert row(tthc, "TỔNG ĐIỂM")[4] == pytest.approx(16.74) and row(tthc, "XẾP LOẠI")[4] == "Xuất sắc"
    si = grid("Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023")  # seed 002: 58,94/85 → 69,34 Trung bình
    qldd = row(si, "Trung tâm QLĐĐ")
    assert qldd[13:16] == [pytest.approx(58.94), pytest.approx(69.34), "Trung bình"]
    nua = row(si, "UBND xã Núa Ngam")  # 11,5 over a maximum of 10: capped, 79,12/85 → 93,08 Xuất sắc, rank 1
    assert nua[13:17] == [pytest.approx(79.12), pytest.approx(93.08), "Xuất sắc", 1]
    par = grid("Vi_du_Chi_so_CCHC_tinh_Dien_Bien_2020")  # seed 004: tự đánh giá 56,2967, thẩm định 84,68919
    total = row(par, "TỔNG ĐIỂM")
    assert total[3] == pytest.approx(56.2967, abs=1e-9) and total[6] == pytest.approx(84.68919, abs=1e-9)


def test_pictures_computed_by_libreoffice_alone_are_committed() -> None:
    for stem in (
        "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021",
        "Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023",
        "Vi_du_Chi_so_CCHC_tinh_Dien_Bien_2020",
    ):
        png = ROOT / "docs" / "images" / f"{stem}_LibreOffice_tu_tinh.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"run scripts/render_images.py ({png.name})"
