"""Reading a JSON input file (``xl-tthc score`` / ``report``) within limits, with Vietnamese messages naming the file.

Python's ``json`` accepts what no ``xl-tthc/input`` document holds and fails on it in unhelpful ways: a document nested
100.000 levels deep (RecursionError), a 5.000-digit integer (ValueError from the integer string limit), a 400-digit
number (read as ``inf`` and later shown as «Infinity»), the non-standard ``NaN``/``Infinity`` words. Here each of these
is a :class:`JsonInputError` saying what is wrong, in which file.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

MAX_JSON_BYTES = 64 * 1024 * 1024  # the largest real input (every commune of a province) is a few MB
MAX_DEPTH = 64  # an xl-tthc/input document is at most about ten levels deep
MAX_DIGITS = 30  # a count or a score never needs more digits than this


class JsonInputError(ValueError):
    """The JSON input is unusable (message in Vietnamese, naming the file)."""


class _Refused(Exception):
    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text.split("e")[0].split("E")[0])


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}…{text[-6:]}"


def _parse_int(text: str) -> int:
    n = _digits(text)
    if n > MAX_DIGITS:
        raise _Refused(f"có số nguyên quá dài ({n:,} chữ số: «{_short(text)}»)".replace(",", "."))
    return int(text)


def _parse_float(text: str) -> float:
    if _digits(text) > MAX_DIGITS + 20:
        raise _Refused(f"có số quá dài ({_digits(text):,} chữ số: «{_short(text)}»)".replace(",", "."))
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"có số quá lớn «{_short(text)}» (vượt giới hạn số thực)")
    return value


def _parse_constant(text: str) -> Any:
    raise _Refused(f"có giá trị «{text}» không hợp lệ trong JSON chuẩn")


def _depth(doc: Any) -> int:
    deepest = 0
    stack = [(doc, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, d)
            if d > MAX_DEPTH:
                return d
            stack.extend((v, d + 1) for v in (node.values() if isinstance(node, dict) else node))
    return deepest


def loads(text: str, name: str) -> Any:
    """Parse ``text`` (the contents of the file shown as ``name``) as JSON within the limits above."""
    try:
        doc = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except _Refused as exc:
        raise JsonInputError(f"tệp «{name}» {exc.why}: không phải tệp dữ liệu xl-tthc hợp lệ.") from None
    except RecursionError:
        raise JsonInputError(
            f"tệp «{name}» lồng nhau quá sâu (hơn {MAX_DEPTH} cấp): không phải tệp dữ liệu xl-tthc hợp lệ."
        ) from None
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"tệp «{name}» không phải JSON hợp lệ (dòng {exc.lineno}, cột {exc.colno}).") from None
    except ValueError as exc:  # anything else the decoder refuses (e.g. the integer string limit)
        raise JsonInputError(f"tệp «{name}» không đọc được dạng JSON ({exc.__class__.__name__}).") from None
    if _depth(doc) > MAX_DEPTH:
        raise JsonInputError(
            f"tệp «{name}» lồng nhau quá sâu (hơn {MAX_DEPTH} cấp): không phải tệp dữ liệu xl-tthc hợp lệ."
        )
    return doc


def load_file(path: str | os.PathLike[str], name: str | None = None) -> Any:
    """Read and parse a JSON file: only a regular file, at most :data:`MAX_JSON_BYTES`, UTF-8 (BOM allowed).

    Raises :class:`JsonInputError` for what is in the file and for a file that is not a regular one; ``OSError``
    (FileNotFoundError, PermissionError) is left to the caller.
    """
    from xl_tthc.io.paths import display_name
    from xl_tthc.io.probe import NotRegularFile, read_regular

    shown = name if name is not None else display_name(os.fspath(path))
    try:
        raw = read_regular(path, max_bytes=MAX_JSON_BYTES)
    except NotRegularFile as exc:
        raise JsonInputError(f"không đọc tệp «{shown}»: {exc.message}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JsonInputError(f"tệp «{shown}» không phải văn bản UTF-8 (byte lạ ở vị trí {exc.start}).") from None
    return loads(text, shown)


__all__ = ["MAX_DEPTH", "MAX_DIGITS", "MAX_JSON_BYTES", "JsonInputError", "load_file", "loads"]
