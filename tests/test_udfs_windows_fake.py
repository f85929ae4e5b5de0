"""The worksheet functions checked as xlwings 0.37.8 serves them on Windows (``tests/xlwings_windows_udfs.py``).

Expected values are hand calculations (seed 001: (1033×2 + 99)/1132 = 1,9125…; the 766 bands).
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("xlwings")

import xlwings_windows_fake as fk
import xlwings_windows_udfs as wu
from xlwings_windows_udfs import MISSING, Cells, call_like_windows

from xl_tthc.udfs import CHISO_DIEM, QUY_DOI, TTHC_DIEM, XEP_LOAI

NA = fk.ERROR_CODES["#N/A"]


def test_decorators_as_xlwings_on_windows_takes_them() -> None:
    meta = wu.udf_metadata()
    assert set(meta["functions"]) == {"TTHC_DIEM", "CHISO_DIEM", "QUY_DOI", "XEP_LOAI"}
    assert wu.problems(meta) == []
    chiso = meta["functions"]["CHISO_DIEM"]
    assert [(a["name"], a["has_default"], a["default"]) for a in chiso["args"]] == [
        ("ty_le", False, None),
        ("diem_toi_da", False, None),
        ("nguong", True, None),
    ]
    assert {f["category"] for f in meta["functions"].values()} == {"Tính điểm"}


def test_the_checks_catch_what_windows_would_ignore_or_refuse(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module with the mistakes the strict check exists for: each is reported."""
    (tmp_path / "bad_udfs.py").write_text(
        '''
from typing import Any
import xlwings as xw

@xw.func(category="Tính điểm", volatil=True)
@xw.arg("x", docs="misspelt doc")
@xw.ret(doc="ignored")
def QD1(x: Any) -> Any:
    """Quy đổi."""
    return x

@xw.func
@xw.arg("caller", doc="ô gọi")
def TINH(caller: Any, end: Any) -> Any:
    """Tính."""
    return 1

__all__ = ["QD1", "TINH"]
''',
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    found = wu.problems(wu.udf_metadata("bad_udfs"))
    wu.udf_metadata.cache_clear()
    assert "@xw.func on QD1: keyword 'volatil' is ignored by xlwings" in found
    assert "@xw.arg('x') on QD1: keyword 'docs' is ignored by xlwings" in found
    assert "@xw.ret on QD1: keyword 'doc' is ignored by xlwings" in found
    assert "QD1: Excel reads this name as a cell reference" in found
    assert "TINH(caller): xlwings passes the calling cell to a parameter named caller" in found
    assert "TINH(end): not usable as a VBA parameter name" in found
    assert any(p.startswith("TINH(end): no description") for p in found)


def test_an_unknown_argument_name_is_refused_like_excel_import(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad_arg_udfs.py").write_text(
        'import xlwings as xw\n\n@xw.func\n@xw.arg("y", doc="không có")\ndef F(x):\n    return x\n\n__all__ = ["F"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with pytest.raises(AssertionError, match="Invalid argument name 'y'"):
        wu.udf_metadata("bad_arg_udfs")
    wu.udf_metadata.cache_clear()


def test_calls_with_cells_as_windows_passes_them() -> None:
    # seed 001, criterion 1: (1033×2 + 99×1 + 0)/1132 = 1,91254…
    assert call_like_windows(TTHC_DIEM, Cells.of(1033), Cells.of(99), Cells.of(0)) == pytest.approx(2165 / 1132)
    # an empty cell counts 0; a typed constant is the same as a cell
    assert call_like_windows(TTHC_DIEM, Cells.of(1033), 99, Cells.of(None)) == pytest.approx(2165 / 1132)
    # text officers type, "1.033", is read by the function itself
    assert call_like_windows(TTHC_DIEM, Cells.of("1.033"), "99", Cells.of("")) == pytest.approx(2165 / 1132)
    # CHISO_DIEM without its optional threshold (the wrapper passes "missing"): linear, 10 × 96,34 / 100
    assert call_like_windows(CHISO_DIEM, Cells.of(96.34), 10, MISSING) == pytest.approx(9.634)
    # with a threshold of 80 %: min(10, 10 × 50/80) = 6,25
    assert call_like_windows(CHISO_DIEM, Cells.of(50), 10, Cells.of(80)) == pytest.approx(6.25)
    assert call_like_windows(QUY_DOI, Cells.of(58.94), Cells.of(85)) == pytest.approx(5894 / 85)  # 69,341…
    assert call_like_windows(XEP_LOAI, Cells.of(90), "sv766-national-2026") == "Xuất sắc"


def test_ranges_arrive_as_2d_lists_and_give_an_array() -> None:
    # a row of two units against single cells: (1033×2 + 99)/1132 = 1,91254…, (99×2 + 99)/198 = 1,5
    shown = call_like_windows(TTHC_DIEM, Cells.of((1033, 99)), Cells.of(99), Cells.of(0))
    assert shown == [[pytest.approx(2165 / 1132), 1.5]]
    # a column of achieved points over one maximum: 58,94/85 = 69,341…, 85/85 = 100
    assert call_like_windows(QUY_DOI, Cells.of(58.94, 85), Cells.of(85)) == [[pytest.approx(5894 / 85)], [100.0]]
    # a bad cell gets its own #LỖI text in its place; the others are computed
    shown = call_like_windows(QUY_DOI, Cells.of(42.5, "abc"), 85)
    assert shown[0] == [50.0] and shown[1][0].startswith("#LỖI: ")
    # sizes that do not fit: one #LỖI text
    shown = call_like_windows(QUY_DOI, Cells.of(1, 2, 3), Cells.of(4, 5))
    assert isinstance(shown, str) and shown.startswith("#LỖI: các vùng không cùng kích thước")


def test_an_error_cell_gives_a_loi_text_on_windows() -> None:
    shown = call_like_windows(TTHC_DIEM, Cells.of(NA), Cells.of(99), Cells.of(0))
    assert shown == "#LỖI: số hồ sơ trước hạn đang là lỗi #N/A"
