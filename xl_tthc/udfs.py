"""Worksheet functions (UDFs) of the Excel add-in, served by xlwings.

Function and argument names are ASCII (the VBA wrappers in ``macros/xlwings_udfs.bas`` are generated from
this module and VBA identifiers must be ASCII); docstrings and messages are Vietnamese. Each docstring is at
most 255 characters because Excel's ``MacroOptions`` keeps only that much.

Every function is array-aware, as xlwings recommends (one call for a whole column or table instead of one
COM round trip per cell): each argument may be one cell or a range (xlwings passes ranges as 2-D lists,
``ndim=2``). Arguments are broadcast like Excel does (a single cell, a single row or a single column is
repeated to the size of the others) and the result is a 2-D list of the same size (Excel 365 spills it; older
Excel needs an array formula). A 1×1 result is returned as a plain value.

Inputs may be numbers or the text officers type ("16,74", "1.132"); they are parsed with
:func:`xl_tthc.core.numbers.parse_number`. A bad cell gives a short text starting with ``#LỖI: `` in its
own place of the result; ranges whose sizes do not fit give one ``#LỖI: `` text. A function never raises
(Excel would show ``#VALUE!`` and xlwings a traceback).

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
    Value = float | str
    Result = Value | list[list[Value]]
else:  # what xlwings sees through typing.get_type_hints: the default converter
    Value = Any
    Result = Any

Cell = Any  # whatever Excel passes: float, str, bool, None, a 2-D list for a range

ERROR_PREFIX = "#LỖI: "
CATEGORY = "Tính điểm"
TTHC_POINTS = (2.0, 1.0, 0.0)  # before, on, after the deadline (TT 01/2018/TT-VPCP, criteria 1–2)
_EPS = 1e-9
_RANGE = {"ndim": 2, "err_to_str": True}  # a range (or one cell) arrives as a 2-D list; error cells as "#N/A" text, not None


class UdfError(Exception):
    """A bad argument; the message (Vietnamese, without the prefix) goes into the cell."""


def _error(exc: Exception) -> str:
    if isinstance(exc, UdfError):
        return ERROR_PREFIX + " ".join(str(exc).split())
    return f"{ERROR_PREFIX}lỗi ngoài dự kiến ({type(exc).__name__})"


_SEQ = (list, tuple)  # a tuple, not ``list | tuple``: this is checked for every cell


def _grid(raw: Cell) -> list[list[Any]] | None:
    """A range as a rectangular 2-D list (a flat list is a column); None for a single value."""
    if not isinstance(raw, _SEQ):
        return None
    rows = [r if isinstance(r, _SEQ) else [r] for r in raw]
    width = len(rows[0]) if rows else 0
    if not width or any(len(r) != width for r in rows):
        raise UdfError("vùng ô trống hoặc không phải hình chữ nhật")
    return rows  # type: ignore[return-value]


def _size(n: int, m: int) -> str:
    return f"{n}×{m}"


def _broadcast(one: Callable[..., Value], *args: Cell) -> Result:
    """Apply ``one`` cell by cell over the arguments broadcast to one size (Excel's rules); never raises."""
    try:
        grids = [_grid(a) for a in args]
        shapes = [(len(g), len(g[0])) for g in grids if g is not None]
        if not shapes or shapes == [(1, 1)] * len(shapes):  # single cells (xlwings passes them as [[v]])
            try:
                return one(*(a if g is None else g[0][0] for a, g in zip(args, grids, strict=True)))
            except Exception as exc:  # a worksheet function must never raise
                return _error(exc)
        n = max(r for r, _ in shapes)
        m = max(c for _, c in shapes)
        bad = [s for s in shapes if s[0] not in (1, n) or s[1] not in (1, m)]
        if bad:
            raise UdfError(
                f"các vùng không cùng kích thước ({_size(*bad[0])} so với {_size(n, m)} hàng × cột); "
                "mỗi vùng phải cùng kích thước hoặc chỉ một ô, một hàng, một cột"
            )
        # per argument: a constant, or a grid read at (i, j), (i, 0), (0, j) or (0, 0)
        picks = [
            (a, None, False, False) if g is None else (None, g, len(g) > 1, len(g[0]) > 1)
            for a, g in zip(args, grids, strict=True)
        ]
        out: list[list[Value]] = []
        for i in range(n):
            row: list[Value] = []
            for j in range(m):
                cells = [a if g is None else g[i if down else 0][j if across else 0] for a, g, down, across in picks]
                try:
                    row.append(one(*cells))
                except Exception as exc:  # a worksheet function must never raise
                    row.append(_error(exc))
            out.append(row)
    except Exception as exc:  # a worksheet function must never raise
        return _error(exc)
    return out


def _show(raw: object) -> str:
    """A cell value as the user sees it: Vietnamese decimal comma for numbers, long text cut short."""
    if isinstance(raw, float | int) and not isinstance(raw, bool) and math.isfinite(raw):
        return fmt_vn(float(raw), None)
    text = " ".join(str(raw).split())
    return text if len(text) <= 30 else text[:29] + "…"


def _number(raw: Cell, label: str, *, empty: float | None = None) -> float:
    """One number from a cell value; ``empty`` is used for a blank cell (None: a blank is an error)."""
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


def _tthc_one(before: Cell, on_time: Cell, late: Cell) -> Value:
    counts = (
        _count(before, "số hồ sơ trước hạn"),
        _count(on_time, "số hồ sơ đúng hạn"),
        _count(late, "số hồ sơ trễ hạn"),
    )
    total = math.fsum(counts)
    if total == 0:
        raise UdfError("chưa có hồ sơ nào (tổng bằng 0)")
    return math.fsum(p * c for p, c in zip(TTHC_POINTS, counts, strict=True)) / total


@xw.func(category=CATEGORY)
@xw.arg("so_truoc_han", doc="Số hồ sơ giải quyết trước hạn (2 điểm mỗi hồ sơ); một ô hoặc cả cột.", **_RANGE)
@xw.arg("so_dung_han", doc="Số hồ sơ giải quyết đúng hạn (1 điểm mỗi hồ sơ); một ô hoặc cả cột.", **_RANGE)
@xw.arg("so_tre_han", doc="Số hồ sơ giải quyết trễ hạn (0 điểm); một ô hoặc cả cột.", **_RANGE)
def TTHC_DIEM(so_truoc_han: Cell, so_dung_han: Cell, so_tre_han: Cell) -> Result:
    """Điểm tiêu chí TTHC từ số hồ sơ: (2 × trước hạn + 1 × đúng hạn + 0 × trễ hạn) / tổng số hồ sơ, chưa làm tròn. Ô trống tính là 0. Nhận cả cột: một lần gọi cho cả bảng."""
    return _broadcast(_tthc_one, so_truoc_han, so_dung_han, so_tre_han)


@xw.func(category=CATEGORY)
@xw.arg(
    "ty_le", doc="Tỷ lệ đạt, tính theo phần trăm: 96,34 hoặc «96,34%» (không phải 0,9634); một ô hoặc cả cột.", **_RANGE
)
@xw.arg("diem_toi_da", doc="Điểm tối đa của chỉ số (P); một ô hoặc cả cột.", **_RANGE)
@xw.arg("nguong", doc="Ngưỡng tỷ lệ T (%) nếu chỉ số chấm theo ngưỡng; bỏ trống nếu chấm tuyến tính.", **_RANGE)
def CHISO_DIEM(ty_le: Cell, diem_toi_da: Cell, nguong: Cell = None) -> Result:
    """Điểm chỉ số (Bộ chỉ số phục vụ thời gian thực) từ tỷ lệ %: P × R / 100, hoặc min(P, P × R / T) khi có ngưỡng T; không vượt P, chưa làm tròn. Tỷ lệ «-» cho «-». Nhận cả cột."""
    try:
        from xl_tthc.core.engine.service_index import indicator_score
        from xl_tthc.core.framework import Indicator
    except Exception as exc:  # a worksheet function must never raise
        return _error(exc)

    indicators: dict[tuple[float, float | None], Indicator] = {}

    def one(ratio_raw: Cell, points_raw: Cell, target_raw: Cell) -> Value:
        if parse_number(ratio_raw).kind is Kind.NOT_APPLICABLE:
            return "-"
        ratio = _non_negative(ratio_raw, "tỷ lệ", "tỷ lệ")
        points = _number(points_raw, "điểm tối đa")
        if points <= 0:
            raise UdfError("điểm tối đa phải lớn hơn 0")
        target: float | None = None
        if parse_number(target_raw).kind is not Kind.EMPTY:
            target = _number(target_raw, "ngưỡng")
            if target <= 0:
                raise UdfError("ngưỡng phải lớn hơn 0")
        ind = indicators.get((points, target))
        if ind is None:  # one per distinct (P, T) in a call: a column usually shares them
            rule = "linear" if target is None else "target"
            ind = indicators[points, target] = Indicator(code="", title="", max=points, rule=rule, target=target)
        return indicator_score(ind, ratio)

    return _broadcast(one, ty_le, diem_toi_da, nguong)


def _quy_doi_one(achieved_raw: Cell, applicable_raw: Cell) -> Value:
    achieved = _non_negative(achieved_raw, "điểm đạt", "điểm đạt")
    applicable = _number(applicable_raw, "điểm tối đa áp dụng")
    if applicable <= 0:
        raise UdfError("điểm tối đa áp dụng phải lớn hơn 0")
    if achieved > applicable + _EPS:
        raise UdfError("điểm đạt lớn hơn điểm tối đa áp dụng")
    return achieved / applicable * 100


@xw.func(category=CATEGORY)
@xw.arg("diem_dat", doc="Tổng điểm đạt được; một ô hoặc cả cột.", **_RANGE)
@xw.arg(
    "diem_toi_da_ap_dung",
    doc="Tổng điểm tối đa của các mục có áp dụng (bỏ các mục không áp dụng); một ô hoặc cả cột.",
    **_RANGE,
)
def QUY_DOI(diem_dat: Cell, diem_toi_da_ap_dung: Cell) -> Result:
    """Điểm quy đổi về thang 100: điểm đạt / điểm tối đa áp dụng × 100, chưa làm tròn. Nhận cả cột: một lần gọi cho cả bảng."""
    return _broadcast(_quy_doi_one, diem_dat, diem_toi_da_ap_dung)


@xw.func(category=CATEGORY)
@xw.arg(
    "diem",
    doc="Điểm cần xếp loại (tổng điểm, hoặc điểm quy đổi nếu khung xếp loại theo điểm quy đổi); một ô hoặc cả cột.",
    **_RANGE,
)
@xw.arg("khung", doc="Mã khung chấm điểm, ví dụ «sv766-national-2026».", **_RANGE)
def XEP_LOAI(diem: Cell, khung: Cell) -> Result:
    """Xếp loại theo ngưỡng của khung chấm điểm (ví dụ «sv766-national-2026»): trả về tên mức như «Xuất sắc», «Tốt», «Khá». Nhận cả cột: một lần gọi cho cả bảng."""
    try:
        from xl_tthc.core.framework import Framework, FrameworkError, default_registry
    except Exception as exc:  # a worksheet function must never raise
        return _error(exc)

    frameworks: dict[str, Framework] = {}  # looked up once per call, not once per row

    def framework(raw: Cell) -> Framework:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise UdfError("chưa nhập mã khung chấm điểm")
        if not isinstance(raw, str):
            raise UdfError(f"không có khung «{_show(raw)}»")
        fid = raw.strip()
        if fid not in frameworks:
            registry = default_registry()
            if fid not in registry.ids():
                raise UdfError(f"không có khung «{_show(fid)}»")
            try:
                frameworks[fid] = registry.get(fid)
            except FrameworkError as exc:
                raise UdfError(str(exc)) from None
        return frameworks[fid]

    def one(score_raw: Cell, fw_raw: Cell) -> Value:
        fw = framework(fw_raw)
        score = _non_negative(score_raw, "điểm", "điểm")
        if fw.bands is None:
            raise UdfError(f"khung «{fw.id}» không có thang xếp loại")
        top = fw.na_scale if fw.bands.scale == "quy_doi" else fw.max_total
        if score > top + _EPS:
            raise UdfError(f"điểm {_show(score_raw)} vượt điểm tối đa {fmt_vn(top, None)} của khung «{fw.id}»")
        return fw.bands.classify(score).label

    return _broadcast(one, diem, khung)


__all__ = ["CHISO_DIEM", "QUY_DOI", "TTHC_DIEM", "XEP_LOAI"]
