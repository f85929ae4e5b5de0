"""Worksheet functions (UDFs) of the Excel add-in, served by xlwings.

Function and argument names are ASCII (the VBA wrappers in ``macros/xlwings_udfs.bas`` are generated from
this module and VBA identifiers must be ASCII); docstrings and messages are Vietnamese. Each docstring is at
most 255 characters because Excel's ``MacroOptions`` keeps only that much.

Inputs may be numbers or the text officers type ("16,74", "1.132"); they are parsed with
:func:`xl_tthc.core.numbers.parse_number`. A bad argument gives a short text starting with ``#LỖI: ``; a
function never raises (Excel would show ``#VALUE!`` and xlwings a traceback).

The arithmetic comes from the core: ``CHISO_DIEM`` calls
:func:`xl_tthc.core.engine.service_index.indicator_score`, ``XEP_LOAI`` uses the framework's bands. Those
modules are imported on first use, so that importing this module costs little more than xlwings itself.

On Linux/macOS without Excel the xlwings decorators are no-ops, so these are plain Python functions (the
tests call them directly). Argument annotations are ``Any`` and the runtime return annotation is ``Any``
because xlwings looks annotations up as converters, and only registered types (``Any`` among them) work.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import xlwings as xw

from xl_tthc.core.numbers import Kind, fmt_vn, parse_number

if TYPE_CHECKING:
    Result = float | str
else:  # what xlwings sees through typing.get_type_hints: the default converter
    Result = Any

Cell = Any  # whatever Excel passes: float, str, bool, None, a 2-D list for a range

ERROR_PREFIX = "#LỖI: "
CATEGORY = "Tính điểm"
TTHC_POINTS = (2.0, 1.0, 0.0)  # before, on, after the deadline (TT 01/2018/TT-VPCP, criteria 1–2)
_EPS = 1e-9


class UdfError(Exception):
    """A bad argument; the message (Vietnamese, without the prefix) goes into the cell."""


def _guard(compute: Callable[[], Result]) -> Result:
    try:
        return compute()
    except UdfError as exc:
        return ERROR_PREFIX + " ".join(str(exc).split())
    except Exception as exc:  # a worksheet function must never raise
        return f"{ERROR_PREFIX}lỗi ngoài dự kiến ({type(exc).__name__})"


def _show(raw: object) -> str:
    """A cell value as the user sees it: Vietnamese decimal comma for numbers, long text cut short."""
    if isinstance(raw, float | int) and not isinstance(raw, bool) and math.isfinite(raw):
        return fmt_vn(float(raw), None)
    text = " ".join(str(raw).split())
    return text if len(text) <= 30 else text[:29] + "…"


def _number(raw: Cell, label: str, *, empty: float | None = None) -> float:
    """One number from a cell value; ``empty`` is used for a blank cell (None: a blank is an error)."""
    if isinstance(raw, list | tuple):
        raise UdfError(f"{label} phải là một ô, không phải một vùng")
    p = parse_number(raw)
    if p.kind is Kind.EMPTY:
        if empty is None:
            raise UdfError(f"chưa nhập {label}")
        return empty
    if p.kind is Kind.ERROR_VALUE:
        raise UdfError(f"{label} đang là lỗi {_show(raw)}")
    if p.kind is Kind.NOT_APPLICABLE:
        raise UdfError(f"{label} ghi «{_show(raw)}» (không áp dụng), cần một số")
    if not p.ok or p.value is None or p.over is not None:
        raise UdfError(f"{label} «{_show(raw)}» không phải là số")
    return p.value


def _non_negative(raw: Cell, label: str, noun: str, *, empty: float | None = None) -> float:
    value = _number(raw, label, empty=empty)
    if value < 0:
        raise UdfError(f"{noun} âm")
    return value


def _count(raw: Cell, label: str) -> float:
    value = _non_negative(raw, label, "số hồ sơ", empty=0.0)
    if not value.is_integer():
        raise UdfError(f"số hồ sơ phải là số nguyên ({label} = {_show(raw)})")
    return value


@xw.func(category=CATEGORY)
@xw.arg("so_truoc_han", doc="Số hồ sơ giải quyết trước hạn (2 điểm mỗi hồ sơ).")
@xw.arg("so_dung_han", doc="Số hồ sơ giải quyết đúng hạn (1 điểm mỗi hồ sơ).")
@xw.arg("so_tre_han", doc="Số hồ sơ giải quyết trễ hạn (0 điểm).")
def TTHC_DIEM(so_truoc_han: Cell, so_dung_han: Cell, so_tre_han: Cell) -> Result:
    """Điểm một tiêu chí TTHC từ số hồ sơ: (2 × trước hạn + 1 × đúng hạn + 0 × trễ hạn) / tổng số hồ sơ, chưa làm tròn. Ô trống tính là 0."""

    def compute() -> Result:
        counts = (
            _count(so_truoc_han, "số hồ sơ trước hạn"),
            _count(so_dung_han, "số hồ sơ đúng hạn"),
            _count(so_tre_han, "số hồ sơ trễ hạn"),
        )
        total = math.fsum(counts)
        if total == 0:
            raise UdfError("chưa có hồ sơ nào (tổng bằng 0)")
        return math.fsum(p * c for p, c in zip(TTHC_POINTS, counts, strict=True)) / total

    return _guard(compute)


@xw.func(category=CATEGORY)
@xw.arg("ty_le", doc="Tỷ lệ đạt, tính theo phần trăm: 96,34 hoặc «96,34%» (không phải 0,9634).")
@xw.arg("diem_toi_da", doc="Điểm tối đa của chỉ số (P).")
@xw.arg("nguong", doc="Ngưỡng tỷ lệ T (%) nếu chỉ số chấm theo ngưỡng; bỏ trống nếu chấm tuyến tính.")
def CHISO_DIEM(ty_le: Cell, diem_toi_da: Cell, nguong: Cell = None) -> Result:
    """Điểm một chỉ số (Bộ chỉ số phục vụ thời gian thực) từ tỷ lệ %: P × R / 100, hoặc min(P, P × R / T) khi có ngưỡng T; không vượt P, chưa làm tròn. Tỷ lệ «-» cho kết quả «-»."""

    def compute() -> Result:
        if parse_number(ty_le).kind is Kind.NOT_APPLICABLE:
            return "-"
        ratio = _non_negative(ty_le, "tỷ lệ", "tỷ lệ")
        points = _number(diem_toi_da, "điểm tối đa")
        if points <= 0:
            raise UdfError("điểm tối đa phải lớn hơn 0")
        target: float | None = None
        if parse_number(nguong).kind is not Kind.EMPTY:
            target = _number(nguong, "ngưỡng")
            if target <= 0:
                raise UdfError("ngưỡng phải lớn hơn 0")
        from xl_tthc.core.engine.service_index import indicator_score
        from xl_tthc.core.framework import Indicator

        ind = Indicator(
            code="",
            title="",
            max=points,
            rule="linear" if target is None else "target",
            target=target,
        )
        return indicator_score(ind, ratio)

    return _guard(compute)


@xw.func(category=CATEGORY)
@xw.arg("diem_dat", doc="Tổng điểm đạt được.")
@xw.arg("diem_toi_da_ap_dung", doc="Tổng điểm tối đa của các mục có áp dụng (bỏ các mục không áp dụng).")
def QUY_DOI(diem_dat: Cell, diem_toi_da_ap_dung: Cell) -> Result:
    """Điểm quy đổi về thang 100: điểm đạt / điểm tối đa áp dụng × 100, chưa làm tròn."""

    def compute() -> Result:
        achieved = _non_negative(diem_dat, "điểm đạt", "điểm đạt")
        applicable = _number(diem_toi_da_ap_dung, "điểm tối đa áp dụng")
        if applicable <= 0:
            raise UdfError("điểm tối đa áp dụng phải lớn hơn 0")
        if achieved > applicable + _EPS:
            raise UdfError("điểm đạt lớn hơn điểm tối đa áp dụng")
        return achieved / applicable * 100

    return _guard(compute)


@xw.func(category=CATEGORY)
@xw.arg("diem", doc="Điểm cần xếp loại (tổng điểm, hoặc điểm quy đổi nếu khung xếp loại theo điểm quy đổi).")
@xw.arg("khung", doc="Mã khung chấm điểm, ví dụ «sv766-national-2026».")
def XEP_LOAI(diem: Cell, khung: Cell) -> Result:
    """Xếp loại theo ngưỡng của khung chấm điểm (ví dụ «sv766-national-2026»): trả về tên mức như «Xuất sắc», «Tốt», «Khá»."""

    def compute() -> Result:
        if khung is None or (isinstance(khung, str) and not khung.strip()):
            raise UdfError("chưa nhập mã khung chấm điểm")
        if not isinstance(khung, str):
            raise UdfError(f"không có khung «{_show(khung)}»")
        fid = khung.strip()
        score = _non_negative(diem, "điểm", "điểm")
        from xl_tthc.core.framework import FrameworkError, default_registry

        registry = default_registry()
        if fid not in registry.ids():
            raise UdfError(f"không có khung «{_show(fid)}»")
        try:
            fw = registry.get(fid)
        except FrameworkError as exc:
            raise UdfError(str(exc)) from None
        if fw.bands is None:
            raise UdfError(f"khung «{fid}» không có thang xếp loại")
        top = fw.na_scale if fw.bands.scale == "quy_doi" else fw.max_total
        if score > top + _EPS:
            raise UdfError(f"điểm {_show(diem)} vượt điểm tối đa {fmt_vn(top, None)} của khung «{fid}»")
        return fw.bands.classify(score).label

    return _guard(compute)


__all__ = ["CHISO_DIEM", "QUY_DOI", "TTHC_DIEM", "XEP_LOAI"]
