"""The roster: the units that must send a file (.xlsx/.xlsm/.xls/.ods or .csv).

Columns "Tên đơn vị" (required), "Cấp" and "Mã" (optional); headers are matched without regard to case or
diacritics ("TEN DON VI", "tên đơn vị", "Tên  đơn vị" all work). A level is read from the "Cấp" cell ("Xã",
"cấp xã", "Phòng", "UBND cấp huyện", or a code such as "xa").

A .csv roster may come in UTF-8 (with or without BOM), UTF-16 (with BOM, or without one when its NUL bytes say so)
or Windows-1258 (cp1258, what Excel for a Vietnamese Windows saves as "CSV"); the encoding is detected, the text
brought to NFC (cp1258 writes tone marks as combining characters), and a cp1258 roster gets a note. Anything else is
a Vietnamese error naming the file and what was tried.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from pathlib import Path
from typing import Any

from xl_tthc.core.consolidate import RosterEntry
from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.recognise.common import guess_level, norm, text

NAME_HEADERS = {"ten don vi", "don vi", "ten co quan, don vi", "ten co quan", "ten"}
LEVEL_HEADERS = {"cap", "cap don vi", "cap hanh chinh", "cap quan ly"}
CODE_HEADERS = {"ma", "ma don vi", "ma dvhc", "ma so"}
LEVEL_CODES = {"tinh", "so", "huyen", "phong", "xa"}


class RosterError(Exception):
    """The roster cannot be used (message in Vietnamese)."""


MAX_ROSTER_BYTES = 64 * 1024 * 1024


def read_roster(path: Path, notes: list[Finding] | None = None) -> list[RosterEntry]:
    """The units of a roster file; ``notes`` (when given) receives a note about a legacy encoding."""
    from xl_tthc.io.paths import display_name

    path = Path(path)
    if not path.exists():
        raise RosterError(f"không tìm thấy tệp danh sách đơn vị «{display_name(str(path))}».")
    encoding = None
    if path.suffix.lower() in {".csv", ".txt"}:
        rows, encoding = _csv_rows(path)
        if notes is not None and encoding == CP1258:
            notes.append(
                Finding(
                    Code.FILE_LEGACY_FORMAT,
                    Severity.INFO,
                    f"Tệp danh sách «{display_name(path.name)}» dùng bảng mã {CP1258}: đã đọc được; nên lưu lại dạng "
                    "«CSV UTF-8».",
                    Location(file=display_name(str(path))),
                    value=encoding,
                )
            )
    else:
        rows = _sheet_rows(path)
    for h, row in enumerate(rows[:30]):
        heads = [norm(v) if isinstance(v, str) else "" for v in row]
        name_c = next((i for i, t in enumerate(heads) if t in NAME_HEADERS), None)
        if name_c is None:
            continue
        level_c = next((i for i, t in enumerate(heads) if t in LEVEL_HEADERS), None)
        code_c = next((i for i, t in enumerate(heads) if t in CODE_HEADERS), None)
        out = []
        for row2 in rows[h + 1 :]:
            name = text(row2[name_c]) if name_c < len(row2) else ""
            if not name:
                continue
            level = None
            if level_c is not None and level_c < len(row2):
                raw = text(row2[level_c])
                level = raw.lower() if raw.lower() in LEVEL_CODES else guess_level(raw)
            code = text(row2[code_c]) if code_c is not None and code_c < len(row2) else None
            out.append(RosterEntry(name=name, level=level, code=code or None))
        return out
    how = f" (đã đọc theo bảng mã {encoding})" if encoding else ""
    raise RosterError(f"tệp danh sách «{display_name(path.name)}» không có cột «Tên đơn vị»{how}.")


CP1258 = "Windows-1258 (cp1258)"


def decode_roster(raw: bytes, name: str) -> tuple[str, str]:
    """The text of a roster file and the name of its encoding (see the module docstring); RosterError otherwise."""
    from xl_tthc.io.paths import display_name

    for bom, codec, label in (
        (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
        (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
        (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 (có BOM)"),
        (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
    ):
        if raw.startswith(bom):
            try:
                return _clean(raw.decode(codec)), label
            except UnicodeDecodeError:
                raise RosterError(
                    f"tệp danh sách «{display_name(name)}» ghi dấu bảng mã {label} nhưng nội dung không đúng bảng mã đó: "
                    "lưu lại dạng «CSV UTF-8» rồi thử lại."
                ) from None
    head = raw[:4096]
    if head.count(0) * 4 > len(head):  # UTF-16 without a BOM: every other byte of Latin text is NUL
        codec = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            return _clean(raw.decode(codec)), "UTF-16 (không có BOM)"
        except UnicodeDecodeError:
            pass
    try:
        return _clean(raw.decode("utf-8")), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return _clean(raw.decode("cp1258")), CP1258
    except UnicodeDecodeError:
        raise RosterError(
            f"không nhận ra bảng mã của tệp danh sách «{display_name(name)}» (không phải UTF-8, UTF-16 hay "
            f"{CP1258}): mở bằng Excel rồi lưu lại dạng «CSV UTF-8»."
        ) from None


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\0", ""))


def _csv_rows(path: Path) -> tuple[list[list[Any]], str]:
    from xl_tthc.io.paths import display_name
    from xl_tthc.io.probe import NotRegularFile, read_regular

    try:
        raw = read_regular(path, max_bytes=MAX_ROSTER_BYTES)
    except NotRegularFile as exc:
        raise RosterError(f"tệp danh sách: {exc.message}") from None
    except OSError as exc:
        raise RosterError(
            f"không đọc được tệp «{display_name(path.name)}» ({exc.strerror or exc.__class__.__name__})."
        ) from None
    content, encoding = decode_roster(raw, path.name)
    try:
        dialect: Any = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(r) for r in csv.reader(io.StringIO(content), dialect)], encoding
    except csv.Error as exc:
        raise RosterError(
            f"tệp danh sách «{display_name(path.name)}» (bảng mã {encoding}) không đọc được dạng CSV ({exc})."
        ) from None


def _sheet_rows(path: Path) -> list[list[Any]]:
    import python_calamine as pc

    from xl_tthc.io.probe import probe, refuse_far

    pr = probe(path)
    if not pr.ok:
        assert pr.finding is not None
        raise RosterError(pr.finding.message)
    far = {f[0]: f for f in pr.far_sheets}
    hit = None
    rows: list[list[Any]] = []
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
        try:
            hit = far.get(wb.sheet_names[0]) if wb.sheet_names else None  # a sheet the probe left out: never built
            if hit is None:
                rows = wb.get_sheet_by_index(0).to_python()
        finally:
            wb.close()
    except Exception as exc:
        raise RosterError(f"không đọc được tệp danh sách «{path.name}» ({exc.__class__.__name__}).") from None
    if hit is not None:
        finding = refuse_far(path, *hit).finding
        assert finding is not None
        raise RosterError(finding.message)
    return rows


__all__ = ["CP1258", "RosterError", "decode_roster", "read_roster"]
