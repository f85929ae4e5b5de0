"""The worksheet functions (xl_tthc.udfs) as plain Python, their xlwings metadata and the generated VBA wrappers.

Off Windows the xlwings decorators are no-ops, so the UDFs are ordinary functions here. Expected values are
computed by hand in the tests, not by calling the core.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_tthc import udfs
from xl_tthc.udfs import CHISO_DIEM, QUY_DOI, TTHC_DIEM, XEP_LOAI

ROOT = Path(__file__).resolve().parent.parent
UDFS = [TTHC_DIEM, CHISO_DIEM, QUY_DOI, XEP_LOAI]
SV766 = "sv766-national-2026"


def is_error(value: object) -> bool:
    return isinstance(value, str) and value.startswith("#LỖI: ")


# ---------------------------------------------------------------------------- TTHC_DIEM


def test_tthc_diem_weighted_mean_of_counts() -> None:
    assert TTHC_DIEM(1033, 99, 0) == (1033 * 2 + 99) / 1132  # seed 001: 1,9125…
    assert TTHC_DIEM(10, 0, 10) == 1.0
    assert TTHC_DIEM(3, 0, 0) == 2.0
    assert TTHC_DIEM(0, 0, 5) == 0.0
    assert TTHC_DIEM(1, 1, 1) == 1.0


def test_tthc_diem_reads_vietnamese_text_and_blank_cells() -> None:
    assert TTHC_DIEM("1.033", "99", "0") == (1033 * 2 + 99) / 1132
    assert TTHC_DIEM("1.033", 99.0, None) == (1033 * 2 + 99) / 1132  # a blank cell counts 0
    assert TTHC_DIEM(" 1 132 ", "", "") == 2.0


def test_tthc_diem_errors() -> None:
    assert TTHC_DIEM(-1, 2, 3) == "#LỖI: số hồ sơ âm"
    assert TTHC_DIEM(1, "abc", 3) == "#LỖI: số hồ sơ đúng hạn «abc» không phải là số"
    assert TTHC_DIEM(0, 0, 0) == "#LỖI: chưa có hồ sơ nào (tổng bằng 0)"
    assert TTHC_DIEM(None, None, None) == "#LỖI: chưa có hồ sơ nào (tổng bằng 0)"
    assert TTHC_DIEM("10,5", 1, 1) == "#LỖI: số hồ sơ phải là số nguyên (số hồ sơ trước hạn = 10,5)"
    assert TTHC_DIEM(True, 1, 1) == "#LỖI: số hồ sơ trước hạn «True» không phải là số"
    assert TTHC_DIEM("-", 1, 1) == "#LỖI: số hồ sơ trước hạn ghi «-» (không áp dụng), cần một số"
    assert TTHC_DIEM("#N/A", 1, 1) == "#LỖI: số hồ sơ trước hạn đang là lỗi #N/A"


# ---------------------------------------------------------------------------- CHISO_DIEM


def test_chiso_diem_linear() -> None:
    assert CHISO_DIEM("96,34", 4) == pytest.approx(3.8536, abs=1e-12)  # 4 × 96,34 / 100
    assert CHISO_DIEM("96,34%", 4) == pytest.approx(3.8536, abs=1e-12)
    assert CHISO_DIEM(50, 10) == 5.0
    assert CHISO_DIEM(100, 6) == 6.0
    assert CHISO_DIEM(0, 6) == 0.0
    assert CHISO_DIEM(120, 4) == 4.0  # capped at P


def test_chiso_diem_target() -> None:
    assert CHISO_DIEM(80, 10, 90) == pytest.approx(80 / 9, abs=1e-12)  # 10 × 80 / 90 = 8,888…
    assert CHISO_DIEM(90, 10, 90) == 10.0
    assert CHISO_DIEM(95, 10, 90) == 10.0  # min(P, P × R / T)
    assert CHISO_DIEM("45", "2", "50") == pytest.approx(1.8, abs=1e-12)
    assert CHISO_DIEM(50, 10, "") == 5.0  # a blank threshold means linear


def test_chiso_diem_not_applicable_and_errors() -> None:
    assert CHISO_DIEM("-", 4) == "-"
    assert CHISO_DIEM(-1, 4) == "#LỖI: tỷ lệ âm"
    assert CHISO_DIEM(50, 0) == "#LỖI: điểm tối đa phải lớn hơn 0"
    assert CHISO_DIEM(50, 4, 0) == "#LỖI: ngưỡng phải lớn hơn 0"
    assert CHISO_DIEM(None, 4) == "#LỖI: chưa nhập tỷ lệ"
    assert CHISO_DIEM("chín mươi", 4) == "#LỖI: tỷ lệ «chín mươi» không phải là số"
    assert CHISO_DIEM(50, None) == "#LỖI: chưa nhập điểm tối đa"


# ---------------------------------------------------------------------------- QUY_DOI


def test_quy_doi() -> None:
    assert QUY_DOI("58,69", 85) == pytest.approx(5869 / 85, abs=1e-9)  # 69,047…
    assert QUY_DOI(85, 85) == 100.0
    assert QUY_DOI(0, 85) == 0.0
    assert QUY_DOI("16,74", "18") == pytest.approx(93.0, abs=1e-12)


def test_quy_doi_errors() -> None:
    assert QUY_DOI(90, 85) == "#LỖI: điểm đạt lớn hơn điểm tối đa áp dụng"
    assert QUY_DOI(1, 0) == "#LỖI: điểm tối đa áp dụng phải lớn hơn 0"
    assert QUY_DOI(-1, 85) == "#LỖI: điểm đạt âm"
    assert QUY_DOI("58,69/85", 85) == "#LỖI: điểm đạt «58,69/85» không phải là số"


# ---------------------------------------------------------------------------- XEP_LOAI


@pytest.mark.parametrize(
    ("diem", "label"),
    [
        (100, "Xuất sắc"),
        (90, "Xuất sắc"),
        ("89,99", "Tốt"),
        (80, "Tốt"),
        ("79,99", "Khá"),
        (70, "Khá"),
        (50, "Trung bình"),
        ("49,99", "Yếu"),
        (0, "Yếu"),
    ],
)
def test_xep_loai_sv766_bands(diem: Any, label: str) -> None:
    assert XEP_LOAI(diem, SV766) == label


def test_xep_loai_tthc_framework() -> None:
    assert XEP_LOAI("16,74", "tthc-dienbien-1187-2019-huyen") == "Xuất sắc"  # thang 18, from 15
    assert XEP_LOAI(11.99, " tthc-dienbien-1187-2019-huyen ") == "Khá"


def test_xep_loai_errors() -> None:
    assert XEP_LOAI(50, "abc") == "#LỖI: không có khung «abc»"
    assert XEP_LOAI(50, None) == "#LỖI: chưa nhập mã khung chấm điểm"
    assert XEP_LOAI(50, 3.0) == "#LỖI: không có khung «3»"
    assert XEP_LOAI("101,5", SV766) == "#LỖI: điểm 101,5 vượt điểm tối đa 100 của khung «sv766-national-2026»"
    assert XEP_LOAI(-1, SV766) == "#LỖI: điểm âm"
    assert XEP_LOAI("x", SV766) == "#LỖI: điểm «x» không phải là số"


# ---------------------------------------------------------------------------- arrays (one call per column)


def test_tthc_diem_whole_column_in_one_call() -> None:
    before = [[1033.0], [10.0], [3.0], [-1.0], [None]]
    on_time = [[99.0], [0.0], [0.0], [2.0], [None]]
    late = [[0.0], [10.0], [0.0], [3.0], [None]]
    assert TTHC_DIEM(before, on_time, late) == [
        [(1033 * 2 + 99) / 1132],
        [1.0],
        [2.0],
        ["#LỖI: số hồ sơ âm"],  # a bad row gives its own error, the others still score
        ["#LỖI: chưa có hồ sơ nào (tổng bằng 0)"],
    ]


def test_single_cells_and_rows_are_broadcast() -> None:
    # a 1×2 row against single cells: (2·1 + 1) / 3 = 1 and (2·2 + 1) / 4 = 1,25
    assert TTHC_DIEM([[1.0, 2.0]], 1, 1) == [[1.0, 1.25]]
    # a column of ratios, one P for all: 4 × 96,34 / 100 = 3,8536; 4 × 50 / 100 = 2; «-» stays «-»
    got = CHISO_DIEM([["96,34"], [50], ["-"]], 4)
    assert got == [[pytest.approx(3.8536, abs=1e-12)], [2.0], ["-"]]
    # a row of P against a column of ratios makes a table: 2 × 3
    assert CHISO_DIEM([[50], [100]], [[2, 10, 6]]) == [[1.0, 5.0, 3.0], [2.0, 10.0, 6.0]]
    assert QUY_DOI([[85], ["58,69"]], [[85]]) == [[100.0], [pytest.approx(5869 / 85, abs=1e-9)]]
    # xlwings passes a single cell as [[v]] (ndim=2): the result is a plain value, not a 1×1 table
    assert TTHC_DIEM([[1033]], [[99]], [[0]]) == (1033 * 2 + 99) / 1132
    assert CHISO_DIEM([[80]], [[10]], [[None]]) == 8.0


def test_flat_list_is_a_column_and_table_of_frameworks() -> None:
    assert XEP_LOAI([90, "49,99", "x"], SV766) == [["Xuất sắc"], ["Yếu"], ["#LỖI: điểm «x» không phải là số"]]
    assert XEP_LOAI([[16.74], [11.99]], [["tthc-dienbien-1187-2019-huyen"], [SV766]]) == [["Xuất sắc"], ["Yếu"]]


def test_ranges_of_different_sizes_give_one_error() -> None:
    assert TTHC_DIEM([[1], [2], [3]], [[1], [2]], 0) == (
        "#LỖI: các vùng không cùng kích thước (2×1 so với 3×1 hàng × cột); mỗi vùng phải cùng kích thước hoặc chỉ "
        "một ô, một hàng, một cột"
    )
    assert QUY_DOI([], 85) == "#LỖI: vùng ô trống hoặc không phải hình chữ nhật"
    assert QUY_DOI([[1.0, 2.0], [3.0]], 85) == "#LỖI: vùng ô trống hoặc không phải hình chữ nhật"


def test_array_call_matches_single_cell_calls() -> None:
    rows = [(i % 97, (i * 7) % 13, i % 5) for i in range(1, 3322)]
    column = TTHC_DIEM(*([[r[k]] for r in rows] for k in range(3)))
    assert isinstance(column, list) and len(column) == 3321
    assert [c[0] for c in column] == [TTHC_DIEM(*r) for r in rows]


# ---------------------------------------------------------------------------- never raise

cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["16,74", "1.132", "8.32", "-", "58,69/85", "96,34%", "#REF!", SV766, ""]),
    st.lists(st.lists(st.floats(allow_nan=False), max_size=2), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(a=cell_values, b=cell_values, c=cell_values)
def test_udfs_never_raise(a: Any, b: Any, c: Any) -> None:
    for result in (TTHC_DIEM(a, b, c), CHISO_DIEM(a, b, c), CHISO_DIEM(a, b), QUY_DOI(a, b), XEP_LOAI(a, b)):
        cells = [v for row in result for v in row] if isinstance(result, list) else [result]
        assert cells
        for value in cells:
            assert isinstance(value, float | str)
            if isinstance(value, str):
                assert "Traceback" not in value and "\n" not in value
                assert is_error(value) or value == "-" or value in {"Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu"}


def test_unexpected_exception_becomes_error_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object) -> float:
        raise ZeroDivisionError

    monkeypatch.setattr("xl_tthc.core.engine.service_index.indicator_score", boom)
    assert CHISO_DIEM(50, 4) == "#LỖI: lỗi ngoài dự kiến (ZeroDivisionError)"


# ---------------------------------------------------------------------------- Excel-facing metadata


def test_names_are_ascii_and_docs_fit_macrooptions() -> None:
    assert sorted(udfs.__all__) == sorted(f.__name__ for f in UDFS)
    for f in UDFS:
        assert f.__name__.isascii() and f.__name__.isupper()
        assert all(p.isascii() and p.isidentifier() for p in inspect.signature(f).parameters)
        assert f.__doc__ and len(f.__doc__) <= 255  # Excel's MacroOptions keeps 255 characters


def test_import_is_light() -> None:
    # pandas and numpy are blocked as on an office PC (xlwings imports them when they are installed)
    code = (
        "import sys; sys.modules.update(dict.fromkeys(['pandas', 'numpy', 'polars'])); import xl_tthc.udfs; "
        "heavy = ['openpyxl', 'python_calamine', 'xlsxwriter', 'docx', 'docxtpl', 'fastjsonschema', "
        "'xl_tthc.io', 'xl_tthc.core.framework', 'xl_tthc.core.engine.service_index']; "
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def _generator_probe() -> dict[str, Any]:
    """Run the wrapper generator's environment in a child process and report each UDF's xlwings metadata."""
    code = f"""
import json, runpy, sys
g = runpy.run_path({str(ROOT / "macros" / "gen_udf_vba.py")!r})
g["generate"]()
import xl_tthc.udfs as u
from xlwings.conversion import accessors
out = {{}}
for name in u.__all__:
    x = getattr(u, name).__xlfunc__
    out[name] = {{
        "category": x["category"],
        "args": [[a["name"], a["options"].get("convert") in accessors, a["doc"], "optional" in a, a["options"].get("ndim")] for a in x["args"]],
        "ret_ok": x["ret"]["options"].get("convert") in accessors,
        "doc": x["ret"]["doc"],
    }}
print(json.dumps(out, ensure_ascii=False))
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(res.stdout)  # type: ignore[no-any-return]


def test_xlwings_sees_registered_converters_and_vietnamese_docs() -> None:
    meta = _generator_probe()
    assert set(meta) == {f.__name__ for f in UDFS}
    for name, m in meta.items():
        assert m["category"] == "Tính điểm"
        assert m["ret_ok"], name  # an unregistered return annotation would fail inside Excel only
        for arg, conv_ok, doc, _optional, ndim in m["args"]:
            assert conv_ok, (name, arg)
            assert ndim == 2, (name, arg)  # ranges arrive as 2-D lists: one call for a whole column
            assert not doc.startswith("Positional argument") and len(doc) <= 255, (name, arg)
    assert [a[3] for a in meta["CHISO_DIEM"]["args"]] == [False, False, True]


def test_committed_vba_wrappers_are_current() -> None:
    bas = ROOT / "macros" / "xlwings_udfs.bas"
    res = subprocess.run(
        [sys.executable, str(ROOT / "macros" / "gen_udf_vba.py"), "--check", "-o", str(bas)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    data = bas.read_bytes()
    data.decode("cp1252")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    text = data.decode("cp1252")
    assert "Function CHISO_DIEM(ty_le, diem_toi_da, Optional nguong)" in text
    for f in UDFS:
        assert f'XLPy.CallUDF("xl_tthc.udfs", "{f.__name__}"' in text
    assert "ActiveWorkbook, Application.Caller" in text  # add-in flavour of the wrappers


def test_generator_detects_drift(tmp_path: Path) -> None:
    stale = tmp_path / "xlwings_udfs.bas"
    stale.write_bytes((ROOT / "macros" / "xlwings_udfs.bas").read_bytes().replace(b"nguong", b"threshold"))
    res = subprocess.run(
        [sys.executable, str(ROOT / "macros" / "gen_udf_vba.py"), "--check", "-o", str(stale)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 1
    assert "+Function CHISO_DIEM(ty_le, diem_toi_da, Optional nguong)" in res.stderr
