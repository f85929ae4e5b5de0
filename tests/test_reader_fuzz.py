"""Fuzzing the batch reader: mutated workbooks must give findings, never an exception.

Four kinds of mutation, driven by hypothesis: byte flips and truncation of a valid .xlsx, character edits inside
its sheet XML (re-zipped, so that they get past the zip checks into the XML parser and the recogniser), random
values in the input cells of a valid form, and random grids fed straight to the recogniser.
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import _unit_workbooks as gen  # noqa: E402
from conftest import recognize  # noqa: E402

from xl_tthc.batch.worker import FileOutcome, process_file  # noqa: E402
from xl_tthc.core.findings import Finding  # noqa: E402

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TMP = Path(tempfile.mkdtemp(prefix="xl_tthc_fuzz_"))


@cache
def valid_bytes() -> bytes:
    path = TMP / "base.xlsx"
    gen.write_unit_workbook(path, gen.make_unit(1))
    return path.read_bytes()


@cache
def sheet_xml() -> tuple[list[tuple[str, bytes]], bytes]:
    with zipfile.ZipFile(TMP / "base.xlsx" if (TMP / "base.xlsx").exists() else _write_base()) as zf:
        parts = [(i.filename, zf.read(i)) for i in zf.infolist()]
    return parts, next(d for n, d in parts if n == "xl/worksheets/sheet1.xml")


def _write_base() -> Path:
    valid_bytes()
    return TMP / "base.xlsx"


def run_file(data: bytes, name: str = "Xã Thử.xlsx") -> FileOutcome:
    path = TMP / name
    path.write_bytes(data)
    out = process_file((str(path), name))
    assert out.status != "error", out.trace
    assert out.trace is None
    for f in out.all_findings():
        assert isinstance(f, Finding) and f.message.strip()
    return out


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1, max_size=12))
def test_byte_flips(flips: list[tuple[int, int]]) -> None:
    data = bytearray(valid_bytes())
    for pos, byte in flips:
        data[pos % len(data)] = byte
    run_file(bytes(data))


@FUZZ
@given(cut=st.floats(min_value=0.0, max_value=1.0))
def test_truncation(cut: float) -> None:
    data = valid_bytes()
    out = run_file(data[: int(len(data) * cut)])
    if cut < 0.99:
        assert out.status in {"unreadable", "ok", "unknown"}


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.sampled_from(["delete", "insert", "replace"]), st.sampled_from(list('<>/"=&;x 0123456789#-,.ĐđẠ\n'))),
        min_size=1,
        max_size=8,
    )
)
def test_sheet_xml_edits(edits: list[tuple[int, str, str]]) -> None:
    parts, xml = sheet_xml()
    text = bytearray(xml)
    for pos, op, ch in edits:
        i = pos % max(1, len(text))
        b = ch.encode()
        if op == "delete":
            del text[i : i + 1]
        elif op == "insert":
            text[i:i] = b
        else:
            text[i : i + 1] = b
    path = TMP / "xml.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts:
            zf.writestr(name, bytes(text) if name == "xl/worksheets/sheet1.xml" else data)
    run_file(path.read_bytes(), "xml.xlsx")


CELL_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "-", "x", "X", "16,74", "1.132", "8.32", "58,69/85", "#REF!", "#DIV/0!", "=1+1", "@SUM(A1)", "không", "✓", "  ", "1e308"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),  # what a cell can hold
)


@FUZZ
@given(values=st.lists(st.tuples(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=6), CELL_VALUES), max_size=25))
def test_random_values_in_a_valid_form(values: list[tuple[int, int, Any]]) -> None:
    import openpyxl

    path = TMP / "values.xlsx"
    path.write_bytes(valid_bytes())
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    merged = {c for rng in ws.merged_cells.ranges for c in rng.cells}
    for r, c, v in values:
        if (r + 1, c + 1) in merged:
            continue
        ws.cell(r + 1, c + 1).value = v
    wb.save(path)
    run_file(path.read_bytes(), "values.xlsx")


@FUZZ
@given(
    st.lists(
        st.lists(st.one_of(CELL_VALUES, st.sampled_from(["STT", "TÊN ĐƠN VỊ", "Điểm chuẩn", "Tiêu chí", "Điểm tự đánh giá", "Chỉ số 1 (5đ)", "I", "II", "TỔNG ĐIỂM", "Đơn vị: UBND xã A", "Số lượng hồ sơ", "Điểm tối đa", "1.3.1"])), max_size=10),
        max_size=30,
    )
)
def test_random_grids_never_break_the_recogniser(grid: list[list[Any]]) -> None:
    rec = recognize(grid, file="g.xlsx", sheet="S")
    if rec is not None:
        for u in rec.units:
            assert isinstance(u.data, dict)
            for ic in rec.cells:
                assert 0 <= ic.unit < len(rec.units)


def test_huge_number_in_a_score_cell_is_a_finding() -> None:
    """A score of 1,5 × 10^28 (a slip of the keyboard) comes back as a finding, not as an internal error.

    (The fuzzing found that the core's ``fmt_vn`` raised ``decimal.InvalidOperation`` here; fixed in the core.)
    """
    from badinput.make_corpus import commune_row, write_appendix

    path = TMP / "huge.xlsx"
    write_appendix(path, [commune_row("UBND xã Số Lớn", 1.5e28)])
    out = process_file((str(path), "huge.xlsx"))
    assert out.status == "ok", out.trace
    assert [f.code.value for _, r in out.results for f in r.findings][:1] == ["score_above_max"]
