"""The roster: the units that must send a file (.xlsx/.xlsm/.xls/.ods or .csv).

Columns "Tên đơn vị" (required), "Cấp" and "Mã" (optional); headers are matched without regard to case or
diacritics ("TEN DON VI", "tên đơn vị", "Tên  đơn vị" all work). A level is read from the "Cấp" cell ("Xã",
"cấp xã", "Phòng", "UBND cấp huyện", or a code such as "xa").
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from xl_tthc.core.consolidate import RosterEntry
from xl_tthc.recognise.common import guess_level, norm, text

NAME_HEADERS = {"ten don vi", "don vi", "ten co quan, don vi", "ten co quan", "ten"}
LEVEL_HEADERS = {"cap", "cap don vi", "cap hanh chinh", "cap quan ly"}
CODE_HEADERS = {"ma", "ma don vi", "ma dvhc", "ma so"}
LEVEL_CODES = {"tinh", "so", "huyen", "phong", "xa"}


class RosterError(Exception):
    """The roster cannot be used (message in Vietnamese)."""


def read_roster(path: Path) -> list[RosterEntry]:
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"không tìm thấy tệp danh sách đơn vị «{path}».")
    rows = _csv_rows(path) if path.suffix.lower() in {".csv", ".txt"} else _sheet_rows(path)
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
    raise RosterError(f"tệp danh sách «{path.name}» không có cột «Tên đơn vị».")


def _csv_rows(path: Path) -> list[list[Any]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"không đọc được tệp «{path.name}» ({exc.strerror or exc.__class__.__name__}).") from None
    for enc in ("utf-8-sig", "cp1258", "latin-1"):
        try:
            content = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    try:
        dialect: Any = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(content), dialect)]


def _sheet_rows(path: Path) -> list[list[Any]]:
    import python_calamine as pc

    from xl_tthc.io.probe import probe

    pr = probe(path)
    if not pr.ok:
        assert pr.finding is not None
        raise RosterError(pr.finding.message)
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
        try:
            rows: list[list[Any]] = wb.get_sheet_by_index(0).to_python()
        finally:
            wb.close()
    except Exception as exc:
        raise RosterError(f"không đọc được tệp danh sách «{path.name}» ({exc.__class__.__name__}).") from None
    return rows


__all__ = ["RosterError", "read_roster"]
