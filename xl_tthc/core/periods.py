"""Evaluation periods: the one parser, start date and sort key every shell uses.

The machine form of a period is ``2020`` (a year), ``2021-Q2`` (a quarter) or ``2023-07`` (a month). Officers
write them in many ways; :func:`parse_period` reads every way seen in the seeds and in units' own forms, and
refuses what is not a real period (quarter 5, month 13) instead of guessing: «Quý V, năm 2021» is no period, not
the whole year 2021.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from typing import Any

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_CANON = re.compile(r"^(\d{4})(?:-Q(\d)|-(\d{2}))?$")
_QUARTER = re.compile(r"\bquy\s*(i{1,3}|iv|v|\d{1,2})\b[\s,/.\-]*(?:nam\s*)?(\d{4})\b")
_MONTH = re.compile(r"\bthang\s*(\d{1,2})\s*(?:nam|/|-|\.)\s*(\d{4})\b")
_MONTH_YEAR = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{4})$")  # 7/2021, 07-2021
_YEAR = re.compile(r"^(?:nam\s*)?(\d{4})$|\bnam\s*(\d{4})\b")
_DATE = re.compile(r"\bngay\s*\d{1,2}\s*(?:thang\s*\d{1,2}\s*nam|/\s*\d{1,2}\s*/)\s*\d{4}")  # a date, not a period
_PERIOD_WORDS = re.compile(r"\b(quy|thang)\b")
MIN_YEAR, MAX_YEAR = 1990, 2100


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    t = "".join(ch for ch in t if unicodedata.category(ch) != "Mn")
    return " ".join(t.lower().split())


def _year_ok(y: str | int) -> bool:
    return MIN_YEAR <= int(y) <= MAX_YEAR


def _month(y: str, m: str | int) -> str | None:
    return f"{y}-{int(m):02d}" if _year_ok(y) and 1 <= int(m) <= 12 else None


def _quarter(y: str, q: str) -> str | None:
    n = _ROMAN.get(q) if not q.isdigit() else int(q)
    return f"{y}-Q{n}" if n is not None and 1 <= n <= 4 and _year_ok(y) else None


def parse_period(raw: Any) -> str | None:
    """The machine form of a period, or None when ``raw`` holds no real period.

    >>> [parse_period(x) for x in ("Quý II, Năm 2021", "tháng 7 năm 2023", "7/2021", "Năm 2020", 2020, "2021-q2")]
    ['2021-Q2', '2023-07', '2021-07', '2020', '2020', '2021-Q2']
    >>> [parse_period(x) for x in ("Quý V, năm 2021", "2021-Q5", "13/2021", "ngày 30/06/2021", None, "")]
    [None, None, None, None, None, None]
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, datetime | date):  # "7/2021" typed into a cell Excel turned into 1 July 2021
        return _month(str(raw.year), raw.month)
    if isinstance(raw, int | float):
        return str(int(raw)) if float(raw).is_integer() and _year_ok(int(raw)) else None
    return _period_of_text(str(raw).strip())


@lru_cache(maxsize=4096)
def _period_of_text(s: str) -> str | None:
    """:func:`parse_period` of a stripped text (titles repeat from file to file: each is read once)."""
    if not s:
        return None
    m = _CANON.match(s.upper())
    if m:
        y, q, mo = m.groups()
        if q is not None:
            return _quarter(y, q)
        if mo is not None:
            return _month(y, mo)
        return y if _year_ok(y) else None
    t = _DATE.sub(" ", _fold(s))
    m = _MONTH_YEAR.match(t)
    if m:
        return _month(m.group(2), m.group(1))
    m = _QUARTER.search(t)
    if m:
        return _quarter(m.group(2), m.group(1))
    m = _MONTH.search(t)
    if m:
        return _month(m.group(2), m.group(1))
    if _PERIOD_WORDS.search(t):
        return None  # a quarter or month was meant but cannot be read: not the whole year
    m = _YEAR.search(t)
    if m:
        y = m.group(1) or m.group(2)
        return y if _year_ok(y) else None
    return None


@lru_cache(maxsize=1024)
def period_start(period: str | None) -> date | None:
    """First day of a period written as 2021, 2021-Q2, 2023-07 or 2023-07-15; None if unreadable (every unit of a
    batch asks for the same few periods)."""
    if not period:
        return None
    p = period.strip().upper()
    try:
        if len(p) == 4 and p.isdigit():
            return date(int(p), 1, 1)
        if len(p) == 7 and p[4:6] == "-Q":
            return date(int(p[:4]), 3 * int(p[6]) - 2, 1) if p[6] in "1234" else None
        if len(p) == 7 and p[4] == "-":
            return date(int(p[:4]), int(p[5:7]), 1)
        return date.fromisoformat(p)
    except ValueError:
        return None


def period_key(period: str) -> tuple[date, int, str]:
    """Chronological sort key: 2020 < 2021-Q1 < 2021-Q2 < 2023-06 < 2023-07 (unreadable periods last)."""
    p = period.strip().upper()
    start = period_start(p) or date.max
    if len(p) == 4:
        grain = 0
    elif len(p) == 7 and p[4:6] == "-Q":
        grain = 1
    elif len(p) == 7:
        grain = 2
    else:
        grain = 3
    return (start, grain, p)


PERIOD_EXAMPLES_VI = "ví dụ: «Quý II năm 2021», «Tháng 7 năm 2023», «7/2021», «Năm 2020», 2021-Q2"

__all__ = ["PERIOD_EXAMPLES_VI", "parse_period", "period_key", "period_start"]
