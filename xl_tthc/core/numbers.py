"""Vietnamese number handling: parsing what officers type, formatting what they read, rounding.

Officers type ``16,74`` (decimal comma) and ``1.132`` (thousands dot); hand-made workbooks also carry
``8.32`` (a decimal dot), ``58,69/85`` (score over maximum) and ``-`` (not applicable).

A text with two slashes (``30/06/2021``) or a date value is never a number (:attr:`Parsed.date`); ``a/b`` is read with
its denominator in :attr:`Parsed.over`, which a reader accepts only where the layout states a ratio. Digits other than
ASCII (full-width ``１２``, Arabic-Indic ``١٢``) are read, with :attr:`Parsed.foreign_digits` set for a note.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from xl_tthc.core.records import record


class Kind(StrEnum):
    NUMBER = "number"
    EMPTY = "empty"
    NOT_APPLICABLE = "not_applicable"
    INVALID = "invalid"
    ERROR_VALUE = "error_value"


NA_MARKS = frozenset({"-", "–", "—", "_", "k/a", "ka", "không áp dụng", "n/a", "na"})
EXCEL_ERRORS = frozenset(
    {"#REF!", "#VALUE!", "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)

_INT = re.compile(r"^[+-]?\d+$")
_THOUSANDS_DOT = re.compile(r"^[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?$")
_THOUSANDS_COMMA_EN = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+\.\d+$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_DECIMAL_DOT = re.compile(r"^[+-]?\d*\.\d+$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DATE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}$")  # 30/06/2021, 2021-06-30, 30.06.2021, 30-6-21
_ARABIC_SEPARATORS = str.maketrans({"\u066b": ",", "\u066c": ".", "\u2212": "-"})  # decimal, thousands, minus


def _ascii_digits(text: str) -> tuple[str, bool]:
    """``text`` with full-width forms (NFKC) and any other decimal digits made ASCII; whether any digit changed."""
    if text.isascii():
        return text, False
    folded = unicodedata.normalize("NFKC", text).translate(_ARABIC_SEPARATORS)
    out = []
    changed = folded != text and any(c.isdigit() for c in text)
    for ch in folded:
        if ch.isdigit() and not ch.isascii():
            d = unicodedata.decimal(ch, None)
            if d is None:
                return text, False  # superscripts and the like: not a digit anyone types in a count
            out.append(str(d))
            changed = True
        else:
            out.append(ch)
    return "".join(out), changed


@record(frozen=True)
class Parsed:
    kind: Kind
    value: float | None = None
    raw: object = None
    ambiguous: bool = False  # a decimal dot where Vietnamese writing expects a comma ("8.32")
    over: float | None = None  # the denominator of "58,69/85"
    percent: bool = False
    date: bool = False  # a date (a date value, or text such as "30/06/2021"): never a number
    foreign_digits: bool = False  # typed with digits other than ASCII ("１２", "١٢"): read, worth a note

    @property
    def ok(self) -> bool:
        return self.kind is Kind.NUMBER


def parse_number(raw: object) -> Parsed:
    """Parse one cell value the way an officer means it.

    >>> parse_number("16,74").value, parse_number("1.132").value, parse_number("8.32").ambiguous
    (16.74, 1132.0, True)
    """
    if raw is None:
        return Parsed(Kind.EMPTY, raw=raw)
    if isinstance(raw, bool):
        return Parsed(Kind.INVALID, raw=raw)
    if isinstance(raw, date | time | timedelta):  # datetime is a date
        return Parsed(Kind.INVALID, raw=raw, date=True)
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            return Parsed(Kind.INVALID, raw=raw)
        return Parsed(Kind.NUMBER, float(raw), raw)
    if not isinstance(raw, str):
        return Parsed(Kind.INVALID, raw=raw)
    text, foreign = _ascii_digits(_SPACES.sub("", raw.strip()))
    if text == "":
        return Parsed(Kind.EMPTY, raw=raw)
    if text.upper() in EXCEL_ERRORS:
        return Parsed(Kind.ERROR_VALUE, raw=raw)
    if text.lower() in NA_MARKS or " ".join(raw.split()).lower() in NA_MARKS:  # "không áp dụng" has spaces
        return Parsed(Kind.NOT_APPLICABLE, raw=raw)
    if _DATE.match(text) and not _THOUSANDS_DOT.match(text) and not _DECIMAL_DOT.match(text):
        return Parsed(Kind.INVALID, raw=raw, date=True)
    over: float | None = None
    if "/" in text:
        head, _, tail = text.partition("/")
        if "/" in tail:
            return Parsed(Kind.INVALID, raw=raw)
        den = parse_number(tail)
        if not den.ok:
            return Parsed(Kind.INVALID, raw=raw)
        over = den.value
        text = head
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    value: float
    ambiguous = False
    if _INT.match(text):
        value = float(text)
    elif _THOUSANDS_DOT.match(text):
        value = float(text.replace(".", "").replace(",", "."))
    elif _DECIMAL_COMMA.match(text):
        value = float(text.replace(",", "."))
    elif _THOUSANDS_COMMA_EN.match(text):
        value = float(text.replace(",", ""))
        ambiguous = True
    elif _DECIMAL_DOT.match(text):
        value = float(text)
        ambiguous = True
    else:
        return Parsed(Kind.INVALID, raw=raw)
    if not math.isfinite(value):
        return Parsed(Kind.INVALID, raw=raw)  # "1" followed by 400 zeros is no count and no score
    return Parsed(Kind.NUMBER, value, raw, ambiguous=ambiguous, over=over, percent=percent, foreign_digits=foreign)


def is_integral(x: float) -> bool:
    return math.isfinite(x) and float(x).is_integer()


# ---------------------------------------------------------------------------- rounding


_POW10 = tuple(10.0**i for i in range(10))


def _half_up(exact: Callable[[float], Decimal], name: str, doc: str) -> Callable[[float, int], float]:
    """A half-up rounder: the nearest value at ``decimals`` straight from the double when it is clearly not near a
    half (the common case, no call made); else ``exact(x)`` (the Decimal the half is decided on)."""

    def rounder(x: float, decimals: int = 2) -> float:
        scale = _POW10[decimals] if decimals < 10 else 10.0**decimals
        y = x * scale
        if -1e15 < y < 1e15:
            f = math.floor(y)
            frac = y - f
            if not -1e-6 < frac - 0.5 < 1e-6:
                return (f + 1 if frac > 0.5 else f) / scale
        elif not -9e15 < y < 9e15:
            return x  # past 2**53 a double has no fraction at this scale (and ±inf, NaN): nothing to round
        return float(exact(x).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))

    rounder.__name__ = rounder.__qualname__ = name
    rounder.__doc__ = doc
    return rounder


round_half_up_binary = _half_up(
    Decimal,
    "round_half_up_binary",
    """Round half-up on the exact binary value of the double (JavaScript ``x.toFixed(2)``).

    5.145 is stored as 5.14499999… and becomes 5.14; 0.625 is exact and becomes 0.63.
    """,
)
round_half_up_decimal = _half_up(
    lambda x: Decimal(f"{x:.15g}"),
    "round_half_up_decimal",
    """Round half-up on the decimal text of the double (what a person and Excel's ROUND do).

    5.145 becomes 5.15. Like Excel, the double is first read to 15 significant digits, so that the noise of
    float arithmetic does not decide a half: 32,3/80 × 100 is 40,37499999999999… as a double and becomes 40,38.
    """,
)


def truncate(x: float, decimals: int = 2) -> float:
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_DOWN))


ROUNDERS = {"half_up_binary": round_half_up_binary, "half_up_decimal": round_half_up_decimal}


def fsum(values: list[float]) -> float:
    return math.fsum(values)


# ---------------------------------------------------------------------------- formatting


def fmt_vn(x: float | None, decimals: int | None = 2, *, trim: bool = False) -> str:
    """Vietnamese number text: ``16,74``, ``1.132``, ``84,68919``.

    ``decimals=None`` prints the shortest exact text of the value. ``trim`` drops trailing zeros
    (``2,00`` -> ``2``).
    """
    if x is None:
        return ""
    if decimals is None:
        d = Decimal(repr(float(x)))
        if d == d.to_integral_value():
            d = d.to_integral_value()
        text = f"{d:,f}"
    else:
        d = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        text = f"{d:,.{decimals}f}"
    text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    if trim and "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def fmt_int_vn(n: int | float) -> str:
    """``1147`` -> ``1.147``."""
    return f"{int(n):,}".replace(",", ".")


def fmt_percent_vn(x: float, decimals: int = 2) -> str:
    return fmt_vn(x, decimals) + " %"


def add_up(values: Iterable[float]) -> float:
    """Left-to-right addition, as the portals and spreadsheets add (and as Python's ``sum()`` did before 3.12, which
    now compensates rounding errors): the same binary figure on every Python the add-in (3.12) and the CLI run on,
    so a total that lands on a rounding half rounds the same way everywhere."""
    total = 0.0
    for v in values:
        total += v
    return total
