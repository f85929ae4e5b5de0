"""A1 cell references: the one place that converts between "D21" and 0-based (row, column)."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=65536)
def a1(row: int, col: int) -> str:
    """(0, 0) → "A1"."""
    letters = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def parse_a1(ref: str) -> tuple[int, int]:
    """ "A1" → (0, 0)."""
    m = _A1.match(ref.strip())
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1
