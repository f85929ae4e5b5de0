"""Reading raw input values into numbers, with a finding for everything that is off."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

from xl_tthc.core.findings import Code, Findings, Severity
from xl_tthc.core.framework import Framework
from xl_tthc.core.keys import get_key
from xl_tthc.core.model import UnitInput, UnitResult
from xl_tthc.core.numbers import Kind, Parsed, fmt_vn, is_integral, parse_number
from xl_tthc.core.records import record

NA = "not_applicable"


def plain_number(raw: Any) -> float | None:
    """``raw`` as a float when it is a plain finite int or float (not bool), else None: the fast path.

    For such values ``parse_number(raw)`` is ``Parsed(Kind.NUMBER, float(raw))`` with nothing ambiguous;
    anything else (text, marks, bool, NaN, infinity, None) is left to ``parse_number``.
    """
    t = type(raw)
    if t is float or t is int:
        value = float(raw)
        if -math.inf < value < math.inf:
            return value
    return None


def new_result(fw: Framework, unit: UnitInput, *, applicable_max: float | None = None) -> UnitResult:
    """An empty, "scored" result for ``unit`` under ``fw`` that a scorer fills in."""
    return UnitResult(
        framework_id=fw.id,
        framework_version=fw.version,
        kind=fw.kind,
        unit=unit.name,
        level=unit.level,
        period=unit.period,
        status="scored",
        items=[],
        max_total=fw.max_total,
        applicable_max=fw.max_total if applicable_max is None else applicable_max,
        unit_code=unit.code,
        file=unit.file,
    )


def whole_count(raw: Any) -> float | None:
    """``raw`` as a float when it is a plain non-negative whole int or float: the fast path for counts."""
    t = type(raw)
    if t is int:
        return float(raw) if raw >= 0 else None
    if t is float and raw >= 0 and raw.is_integer():
        return float(raw)
    return None


@record
class Reader:
    unit: UnitInput
    findings: Findings

    def raw(self, key: str) -> Any:
        return get_key(self.unit.data, key)

    def number(
        self,
        key: str,
        label: str | Callable[[], str],
        *,
        integer: bool = False,
        allow_na: bool = False,
        item: str | None = None,
        required: bool = False,
        ratio: bool = False,
    ) -> float | str | None:
        """A non-negative number, ``NA`` ("-") when allowed, or None (empty or unusable)."""
        return self.value(
            self.raw(key), key, label, integer=integer, allow_na=allow_na, item=item, required=required, ratio=ratio
        )

    def value(
        self,
        raw: Any,
        key: str,
        label: str | Callable[[], str],
        *,
        integer: bool = False,
        allow_na: bool = False,
        item: str | None = None,
        required: bool = False,
        ratio: bool = False,
    ) -> float | str | None:
        """Like :meth:`number` for a raw value the caller already looked up under ``key``.

        ``label`` may be a callable: it is only called when a finding needs the text. ``ratio``: the layout says the
        cell states a ratio, so «a/b» is read as a (over b); anywhere else «a/b» (a fraction, a date) is a finding.
        """
        fast = plain_number(raw)
        if fast is not None and fast >= 0 and (not integer or fast.is_integer()):
            return fast  # the common case needs no Parsed, no Location and no label
        p: Parsed = parsed(raw)
        if read_cleanly(p, integer=integer):
            return p.value  # typed as text ("4,81", "1.132") and read cleanly: no finding, no label
        if callable(label):
            label = label()
        loc = self.unit.where(key)
        if p.kind is Kind.EMPTY:
            if required:
                self.findings.add(Code.MISSING_VALUE, Severity.ERROR, f"Chưa nhập «{label}».", loc, item=item)
            return None
        if p.kind is Kind.NOT_APPLICABLE:
            if allow_na:
                return NA
            self.findings.add(
                Code.NOT_A_NUMBER,
                Severity.ERROR,
                f"«{label}» ghi «{raw}» (không áp dụng) nhưng mục này bắt buộc phải có số.",
                loc,
                item=item,
                value=raw,
            )
            return None
        if p.kind is Kind.ERROR_VALUE:
            self.findings.add(
                Code.ERROR_VALUE,
                Severity.ERROR,
                f"«{label}» có giá trị lỗi {str(raw).strip()}: kiểm tra lại công thức hoặc số liệu.",
                loc,
                item=item,
                value=raw,
            )
            return None
        if p.date:
            shown = raw.strftime("%d/%m/%Y") if isinstance(raw, date) else str(raw).strip()
            self.findings.add(
                Code.NOT_A_NUMBER,
                Severity.ERROR,
                f"«{label}» ghi ngày tháng «{shown}», không phải là số"
                + (" hồ sơ." if integer else ".")
                + " Kiểm tra lại ô này (ô có thể đang định dạng kiểu ngày).",
                loc,
                item=item,
                value=_jsonable(raw),
            )
            return None
        if p.kind is Kind.INVALID or p.value is None:
            self.findings.add(
                Code.NOT_A_NUMBER,
                Severity.ERROR,
                f"«{label}» ghi «{raw}», không phải là số.",
                loc,
                item=item,
                value=_jsonable(raw),
            )
            return None
        value = p.value
        if p.over is not None and not ratio:
            self.findings.add(
                Code.NOT_A_NUMBER,
                Severity.ERROR,
                f"«{label}» ghi «{str(raw).strip()}» (dạng a/b), không phải là một số"
                + (" hồ sơ" if integer else "")
                + ": chỉ ghi một số vào ô này.",
                loc,
                item=item,
                value=_jsonable(raw),
            )
            return None
        if p.foreign_digits:
            self.findings.add(
                Code.NON_ASCII_DIGITS,
                Severity.INFO,
                f"«{label}» ghi «{str(raw).strip()}» bằng chữ số không phải chữ số thường (chữ số toàn độ rộng hoặc "
                f"chữ số Ả Rập); đã hiểu là {fmt_vn(value, None)}.",
                loc,
                item=item,
                value=_jsonable(raw),
                expected=value,
            )
        if p.ambiguous:
            self.findings.add(
                Code.AMBIGUOUS_DECIMAL,
                Severity.WARNING,
                f"«{label}» ghi «{raw}» với dấu chấm; đã hiểu là số thập phân {fmt_vn(value, None)}"
                " (số thập phân viết bằng dấu phẩy).",
                loc,
                item=item,
                value=raw,
                expected=value,
            )
        if value < 0:
            self.findings.add(
                Code.NEGATIVE_VALUE,
                Severity.ERROR,
                f"«{label}» là số âm ({fmt_vn(value, None)}).",
                loc,
                item=item,
                value=value,
            )
            return None
        if integer and not is_integral(value):
            self.findings.add(
                Code.NOT_AN_INTEGER,
                Severity.ERROR,
                f"«{label}» phải là số nguyên (số hồ sơ), đang ghi {fmt_vn(value, None)}.",
                loc,
                item=item,
                value=value,
            )
            return None
        return value


def read_cleanly(p: Parsed, *, integer: bool = False) -> bool:
    """``p`` is a non-negative number (whole when ``integer``) that :meth:`Reader.value` takes with no finding."""
    return (
        p.kind is Kind.NUMBER
        and p.value is not None
        and not p.ambiguous
        and p.over is None
        and not p.foreign_digits
        and p.value >= 0
        and (not integer or is_integral(p.value))
    )


_PARSED: dict[str, Parsed] = {}


def parsed(raw: Any) -> Parsed:
    """``parse_number(raw)``, remembered for text: the same few strings ("-", "4,81", "x") recur in every unit.

    A ``Parsed`` is immutable and depends on nothing but the text, so sharing one between units is safe.
    """
    if type(raw) is not str:
        return parse_number(raw)
    hit = _PARSED.get(raw)
    if hit is None:
        hit = parse_number(raw)
        if len(_PARSED) >= 65536:
            _PARSED.clear()
        _PARSED[raw] = hit
    return hit


def _jsonable(raw: Any) -> Any:
    return raw if isinstance(raw, str | int | float | bool) or raw is None else str(raw)


def stated_decimals(raw: Any) -> int:
    """How many decimals a published figure was written with ("16,74" -> 2, "1.132" -> 0, 79.42 -> 2)."""
    if isinstance(raw, str):
        text = raw.split("/")[0].strip()
        if "," in text:
            return len(text.rsplit(",", 1)[1])
        if "." in text and parse_number(text).ambiguous:
            return len(text.rsplit(".", 1)[1])
        return 0
    value = float(raw)
    hit = _DECIMALS.get(value)
    if hit is None:
        hit = next((d for d in range(7) if round(value, d) == value), 6)  # fewest decimals that give it back
        if len(_DECIMALS) > 65536:
            _DECIMALS.clear()
        _DECIMALS[value] = hit
    return hit


_DECIMALS: dict[float, int] = {}


def stated_number(raw: Any, rd: Reader | None = None, key: str = "") -> float | None:
    """A figure the form states (typed as a number or as text such as "16,74"), or None when there is none. With
    ``rd``, a figure typed in digits other than ASCII is read with a note at ``key`` (:func:`note_foreign_digits`)."""
    fast = plain_number(raw)
    if fast is not None:
        return fast
    p = parsed(raw)
    if rd is not None:
        note_foreign_digits(rd, raw, p, key)
    return p.value if p.ok else None


def note_foreign_digits(rd: Reader, raw: Any, p: Parsed, key: str) -> None:
    """The note a stated figure typed in full-width or Arabic-Indic digits gets: read, and said so."""
    if p.ok and p.foreign_digits and p.value is not None:
        rd.findings.add(
            Code.NON_ASCII_DIGITS,
            Severity.INFO,
            f"Con số ghi «{str(raw).strip()}» bằng chữ số không phải chữ số thường (chữ số toàn độ rộng hoặc chữ số "
            f"Ả Rập); đã hiểu là {fmt_vn(p.value, None)}.",
            rd.unit.where(key),
            value=_jsonable(raw),
            expected=p.value,
        )


def matches_stated(computed: float, stated: float, raw: Any) -> bool:
    """True when the published figure is the computed one at the precision it was written with."""
    diff = abs(computed - stated)
    if diff <= 5e-7:
        return True
    if diff > 0.5 + 1e-9:
        return False
    d = stated_decimals(raw)
    return bool(diff <= 0.5 * 10.0 ** (-d) + 1e-9)


def is_mark(raw: Any) -> bool:
    """A level-choice cell counts as chosen when it holds a mark ("x", "X", "✓", 1, True)."""
    if raw is None or raw is False:
        return False
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return bool(raw != 0)
    text = str(raw).strip().lower()
    return text not in {"", "0", "-", "không", "khong", "false"}
