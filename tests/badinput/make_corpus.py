"""The bad-input corpus of the batch, generated at test time (nothing binary is committed).

``make_corpus(root)`` writes one folder per kind of bad input, each holding the bad file and a good unit workbook
beside it, plus a roster (``danh_sach_don_vi.csv``, outside the folder that is consolidated). It returns the kinds
with the precise finding each must produce (code, severity, file, sheet, cell, a Vietnamese message fragment)
and the good files that must still be scored. Run it by hand to look at the files:

    .venv/bin/python -m tests.badinput.make_corpus /tmp/corpus
"""

from __future__ import annotations

import csv
import dataclasses
import io
import random
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import _unit_workbooks as gen  # noqa: E402

PERIOD = gen.PERIOD  # 2021-Q2: the period the corpus is consolidated for
ROSTER_NAME = "danh_sach_don_vi.csv"
SHEET = gen.SHEET  # "Chấm điểm TTHC"


# Every kind the corpus makes, in order (the test ids). "older_template_version" and "renamed_sheet" need the
# official template modules (xl_tthc.io.layouts, xl_tthc.io.templates).
KIND_NAMES = (
    "corrupt_zip", "empty_file", "password_protected", "old_xls", "lock_file", "wrong_template",
    "older_template_version", "renamed_sheet", "text_in_number_cell", "decimal_text_in_count", "negative_count",
    "counts_do_not_add_up", "two_marks", "no_mark", "score_above_max", "formula_without_value", "error_ref",
    "error_div0", "hidden_sheet", "very_hidden_sheet", "merged_inputs", "zip_bomb", "xml_external_entity",
    "formula_injection", "duplicate_unit", "unit_not_on_roster", "other_period", "truncated_file", "huge_sheet",
    "not_a_spreadsheet", "missing_column", "header_max_differs", "stated_total_wrong",
    # issue 12: what offices really send
    "fifo_named_xlsx", "symlink_to_device", "socket_named_xlsx", "symlink_out_of_folder", "file_over_size_cap",
    "name_not_utf8", "name_255_bytes", "name_nfd", "name_control_chars",
    "date_text_in_count", "date_value_in_count", "fraction_in_count", "fullwidth_digits", "arabic_indic_digits",
    "strict_ooxml", "xlsx_named_xls", "biff8_named_xlsx", "stray_value_last_row", "formatted_far_cell",
)  # fmt: skip

# The class of bad input each issue-12 kind belongs to (the closing note counts kinds per class).
KIND_CLASSES = {
    "not a regular file": ("fifo_named_xlsx", "symlink_to_device", "socket_named_xlsx", "symlink_out_of_folder",
                           "file_over_size_cap"),
    "names as bytes": ("name_not_utf8", "name_255_bytes", "name_nfd", "name_control_chars"),
    "values": ("date_text_in_count", "date_value_in_count", "fraction_in_count", "fullwidth_digits",
               "arabic_indic_digits"),
    "readers agree": ("strict_ooxml", "xlsx_named_xls", "biff8_named_xlsx"),
    "sheet extent": ("stray_value_last_row", "formatted_far_cell", "huge_sheet"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Expect:
    code: str
    severity: str
    file: str | None  # relative to the corpus folder, "/" separators; None for roster-level findings
    fragment: str  # a piece of the Vietnamese message
    sheet: str | None = None
    cell: str | None = None
    unit: str | None = None


@dataclass(slots=True)
class Kind:
    name: str
    title: str  # Vietnamese, for the table test
    files: list[str] = field(default_factory=list)
    expect: list[Expect] = field(default_factory=list)
    good: list[str] = field(default_factory=list)  # files of this kind that must be read and scored as they are
    pending: str | None = None  # the expectation needs a call site the pipeline does not wire yet (which one)


@dataclass(slots=True)
class Corpus:
    folder: Path  # what the batch reads
    roster: Path
    period: str
    kinds: list[Kind]
    good: list[tuple[str, str]]  # (file, unit name) of the good workbooks
    units_on_roster: list[str]


# ---------------------------------------------------------------------------- cell helpers (stand-in layout)


def ref(r0: int, c0: int) -> str:
    letters, n = "", c0 + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{r0 + 1}"


def count_cell(key: str) -> str:
    keys = [k for k, _ in gen.COUNT_ROWS]
    return ref(gen.ROW_COUNTS + keys.index(key), gen.COL_COUNT)


def level_cell(crit: int, level: int) -> str:
    """Criterion 1–9, level 0–2: the count cell (criteria 1–5) or the mark cell (6–9) of that level row."""
    r = gen.ROW_CRITERIA + 4 * (crit - 1) + 1 + level
    return ref(r, gen.COL_COUNT if crit <= 5 else gen.COL_SELF)


TOTAL_CELL = ref(gen.ROW_TOTAL, gen.COL_SELF)


# ---------------------------------------------------------------------------- writers


def write_unit(path: Path, index: int, **changes: Any) -> gen.Unit:
    """A good stand-in TTHC workbook for commune ``index`` (optionally with changed Unit fields)."""
    unit = gen.make_unit(index)
    if changes:
        unit = dataclasses.replace(unit, **changes)
    path.parent.mkdir(parents=True, exist_ok=True)
    gen.write_unit_workbook(path, unit)
    return unit


def mutate(path: Path, fn: Callable[[Any, Any], None]) -> None:
    """Load with openpyxl, change, save (openpyxl writes formulas without cached values, errors as t="e")."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    fn(wb, wb.worksheets[0])
    wb.save(path)


def rezip(path: Path, change: Callable[[str, bytes], bytes]) -> None:
    with zipfile.ZipFile(path) as zin:
        items = [(i.filename, zin.read(i)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            zout.writestr(name, change(name, data))


INDICATOR_HEADERS = [
    ("C6", "Nhóm công khai, minh bạch"), ("F6", "Tiến độ, KQ giải quyết (30đ)"), ("G6", "Cung cấp DVCTT"),
    ("I6", "Số hóa hồ sơ"), ("K6", "Mức độ hài lòng"),
    ("C7", "Chỉ số 1 (5đ)"), ("D7", "Chỉ số 2 (5đ)"), ("E7", "Chỉ số 3 (10đ)"), ("G7", "Chỉ số 1 (10đ)"),
    ("H7", "Chỉ số 2 (10đ)"), ("I7", "Chỉ số 1 (5đ)"), ("J7", "Chỉ số 2 (10đ)"), ("K7", "Chỉ số 1 (5đ)"),
    ("L7", "Chỉ số 2 (5đ)"), ("M7", "Chỉ số 3 (5đ)"),
]  # fmt: skip
APPENDIX_FIRST_UNIT_ROW = 9  # Excel row of the first unit (row 8 is the section row)


def write_appendix(path: Path, communes: list[tuple[Any, ...]], headers: dict[str, str] | None = None) -> None:
    """A small hand-made service-index appendix (seed 002 layout) with one section of communes.

    Each commune is (name, 11 indicator values, stated total, quy đổi, band); the name cell is always text.
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws["A1"] = "Phụ lục"
    ws["A2"] = "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP"  # no period: no mismatch
    for cell, text in {"A5": "STT", "B5": "TÊN ĐƠN VỊ", "C5": "ĐIỂM CÁC CHỈ SỐ", "N5": "TỔNG ĐIỂM ĐẠT ĐƯỢC",
                       "O5": "TỔNG ĐIỂM QUY ĐỔI", "P5": "XẾP LOẠI", **dict(INDICATOR_HEADERS), **(headers or {})}.items():
        ws[cell] = text  # fmt: skip
    for rng in ("A5:A7", "B5:B7", "C5:M5", "N5:N7", "O5:O7", "P5:P7", "C6:E6", "F6:F7", "G6:H6", "I6:J6", "K6:M6"):
        ws.merge_cells(rng)
    ws["A8"], ws["B8"] = "II", "UBND CÁC XÃ"
    for k, row in enumerate(communes):
        r = APPENDIX_FIRST_UNIT_ROW + k
        ws.cell(r, 1, k + 1)
        for c, v in enumerate(row, start=2):
            cell = ws.cell(r, c, v)
            if isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"  # typed text that looks like a formula (formula injection)
    ws.cell(APPENDIX_FIRST_UNIT_ROW + len(communes) + 1, 1, "Lưu ý: dấu (-) là chỉ số không áp dụng.")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def commune_row(name: str, d42: Any = "2,6") -> tuple[Any, ...]:
    # 4,81 + 30 + 10 + 3,48 + 5 + d42 + 15 (as UBND xã Mường Nhà in seed 002 with 4.2 = 2,6: 70,89 → 83,40 Tốt)
    return (name, "-", "4,81", "-", 30, 10, "3,48", 5, d42, 5, 5, 5, None, None, None)


# ---------------------------------------------------------------------------- containers made by hand

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def write_cfb(path: Path, streams: dict[str, bytes]) -> None:
    """A minimal Compound File Binary (OLE2) container with the given root-level streams (each ≥ 4.096 bytes)."""
    sector = 512
    data = b""
    chains: list[tuple[int, int]] = []  # (first sector, size) per stream
    for body in streams.values():
        body = body + b"\0" * (max(4096, len(body)) - len(body)) if len(body) < 4096 else body
        first = len(data) // sector
        padded = body + b"\0" * (-len(body) % sector)
        chains.append((first, len(body)))
        data += padded
    n_data = len(data) // sector
    entries = 1 + len(streams)
    n_dir = -(-entries * 128 // sector)
    n_fat = 1
    while (n_data + n_dir + n_fat) > n_fat * (sector // 4):
        n_fat += 1
    fat = [_FREE] * (n_fat * sector // 4)
    for (first, size), _ in zip(chains, streams, strict=True):
        count = -(-size // sector)
        for i in range(count):
            fat[first + i] = first + i + 1 if i < count - 1 else _END
    dir_first = n_data
    for i in range(n_dir):
        fat[dir_first + i] = dir_first + i + 1 if i < n_dir - 1 else _END
    fat_first = n_data + n_dir
    for i in range(n_fat):
        fat[fat_first + i] = _FAT

    def entry(name: str, typ: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), typ, 1)
            + struct.pack("<III", _FREE, right, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    dirs = entry("Root Entry", 5, 1, _FREE, _END, 0)
    for i, name in enumerate(names):
        first, size = chains[i]
        dirs += entry(name, 2, _FREE, i + 2 if i + 1 < len(names) else _FREE, first, size)
    dirs = dirs.ljust(n_dir * sector, b"\0")
    # unused directory slots must say "no sibling/child"
    dirs = b"".join(
        dirs[i : i + 128] if dirs[i : i + 64].strip(b"\0") else (b"\0" * 68 + struct.pack("<III", _FREE, _FREE, _FREE) + b"\0" * 48)
        for i in range(0, len(dirs), 128)
    )
    difat = [fat_first + i for i in range(n_fat)] + [_FREE] * (109 - n_fat)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, n_fat, dir_first, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<109I", *difat)
    )
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    path.write_bytes(header + data + dirs + fat_bytes)


def _rec(rtype: int, body: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(body)) + body


def _xl_string(text: str, short: bool = False) -> bytes:
    raw = text.encode("utf-16-le")
    return (struct.pack("<B", len(text)) if short else struct.pack("<H", len(text))) + b"\x01" + raw


def write_xls(path: Path, sheet: str, grid: list[list[Any]]) -> None:
    """A real Excel 97–2003 (.xls, BIFF8) workbook with one sheet of numbers and texts."""
    bof_globals = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    codepage = _rec(0x0042, struct.pack("<H", 1200))
    eof = _rec(0x000A, b"")
    boundsheet_len = len(_rec(0x0085, struct.pack("<IBB", 0, 0, 0) + _xl_string(sheet, short=True)))
    sheet_pos = len(bof_globals) + len(codepage) + boundsheet_len + len(eof)
    boundsheet = _rec(0x0085, struct.pack("<IBB", sheet_pos, 0, 0) + _xl_string(sheet, short=True))
    rows = len(grid)
    cols = max((len(r) for r in grid), default=0)
    body = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06))
    body += _rec(0x0200, struct.pack("<IIHHH", 0, rows, 0, cols, 0))
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, int | float) and not isinstance(v, bool):
                body += _rec(0x0203, struct.pack("<HHHd", r, c, 0, float(v)))
            else:
                body += _rec(0x0204, struct.pack("<HHH", r, c, 0) + _xl_string(str(v)[:2000]))
    body += eof
    write_cfb(path, {"Workbook": bof_globals + codepage + boundsheet + eof + body})


def write_encrypted(src: Path, path: Path) -> None:
    """The workbook encrypted with a password (msoffcrypto-tool when present, else the two OLE streams)."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile

        with src.open("rb") as fh:
            doc = OOXMLFile(fh)
            out = io.BytesIO()
            doc.encrypt("matkhau", out)
        path.write_bytes(out.getvalue())
    except ImportError:
        write_cfb(path, {"EncryptionInfo": b"\x04\x00\x04\x00" + b"\0" * 4092, "EncryptedPackage": src.read_bytes()})


_STRICT_NAMESPACES = (
    ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/relationships", "http://purl.oclc.org/ooxml/officeDocument/relationships"),
    ("http://schemas.openxmlformats.org/drawingml/2006/main", "http://purl.oclc.org/ooxml/drawingml/main"),
)  # fmt: skip


def write_strict(src: Path, path: Path) -> None:
    """``src`` (a transitional .xlsx) as Excel saves «Strict Open XML Spreadsheet»: the ISO 29500 strict namespaces
    in every part and relationship type, ``conformance="strict"`` on the workbook."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith((".xml", ".rels")):
                text = data.decode("utf-8")
                for old, new in _STRICT_NAMESPACES:
                    text = text.replace(old, new)
                if info.filename == "xl/workbook.xml":
                    text = text.replace("<workbook ", '<workbook conformance="strict" ', 1)
                data = text.encode("utf-8")
            zout.writestr(info, data)


def write_xls_copy(src: Path, path: Path) -> None:
    """A real BIFF8 workbook holding the first sheet of ``src`` (its values), whatever the name of ``path``."""
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(src))
    try:
        grid = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
        name = wb.sheet_names[0]
    finally:
        wb.close()
    write_xls(path, name, grid)


# ---------------------------------------------------------------------------- the corpus


def make_corpus(root: Path) -> Corpus:
    import python_calamine as pc

    root = Path(root)
    folder = root / "Hồ sơ các đơn vị"
    folder.mkdir(parents=True, exist_ok=True)
    kinds: list[Kind] = []
    good: list[tuple[str, str]] = []
    roster: list[str] = []
    next_good = [200]

    def kind(name: str, title: str, sub: str) -> tuple[Kind, Path]:
        assert name in KIND_NAMES, name
        k = Kind(name, title)
        kinds.append(k)
        d = folder / sub
        d.mkdir(parents=True, exist_ok=True)
        # a good unit workbook beside every bad file
        idx = next_good[0]
        next_good[0] += 1
        p = d / f"UBND xã Số {idx:04d}.xlsx"
        unit = write_unit(p, idx)
        good.append((rel(p), unit.name))
        roster.append(unit.name)
        return k, d

    def rel(p: Path) -> str:
        return p.relative_to(folder).as_posix()

    def expect(k: Kind, p: Path, code: str, severity: str, fragment: str, **kw: Any) -> None:
        k.files.append(rel(p))
        k.expect.append(Expect(code, severity, rel(p), fragment, **kw))

    def unit_file(d: Path, idx: int, **changes: Any) -> tuple[Path, gen.Unit]:
        p = d / f"UBND xã Số {idx:04d}.xlsx"
        u = write_unit(p, idx, **changes)
        roster.append(u.name)
        return p, u

    rnd = random.Random(20231117)

    # 1. corrupt zip
    k, d = kind("corrupt_zip", "Tệp nén hỏng", "01 tệp hỏng")
    p = d / "Xã Hỏng.xlsx"
    p.write_bytes(b"PK\x03\x04" + rnd.randbytes(3000))
    expect(k, p, "file_corrupt", "error", "bị hỏng")

    # 2. empty file
    k, d = kind("empty_file", "Tệp rỗng 0 byte", "02 tệp rỗng")
    p = d / "Xã Rỗng.xlsx"
    p.write_bytes(b"")
    expect(k, p, "file_empty", "error", "rỗng (0 byte)")

    # 3. password-protected workbook
    k, d = kind("password_protected", "Tệp đặt mật khẩu", "03 có mật khẩu")
    src = root / "_tmp_plain.xlsx"
    write_unit(src, 3)
    p = d / "Xã Có Mật Khẩu.xlsx"
    write_encrypted(src, p)
    src.unlink()
    expect(k, p, "file_password_protected", "error", "mật khẩu")

    # 4. old .xls (real BIFF8): read, scored, with a note
    k, d = kind("old_xls", "Tệp Excel 97–2003 (.xls)", "04 định dạng cũ")
    src = root / "_tmp_for_xls.xlsx"
    u4 = write_unit(src, 4)
    wb = pc.CalamineWorkbook.from_path(str(src))
    grid = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    wb.close()
    src.unlink()
    p = d / "UBND xã Số 0004.xls"
    write_xls(p, SHEET, grid)
    roster.append(u4.name)
    good.append((rel(p), u4.name))
    expect(k, p, "file_legacy_format", "info", "Excel 97–2003")

    # 5. lock file
    k, d = kind("lock_file", "Tệp khóa tạm của Excel", "05 tệp khóa")
    p = d / "~$UBND xã Số 0201.xlsx"
    p.write_bytes(b"\x0bNguyen Van A" + b" " * 41 + b"\x0b\x00N\x00g\x00" + b"\0" * 100)
    expect(k, p, "file_lock_skipped", "info", "tệp khóa tạm")

    # 6. wrong template: a budget table
    k, d = kind("wrong_template", "Không đúng biểu mẫu", "06 sai biểu mẫu")
    from openpyxl import Workbook

    wbk = Workbook()
    ws = wbk.active
    ws.title = "Dự toán"
    for row in (["DỰ TOÁN KINH PHÍ NĂM 2021"], [], ["STT", "Nội dung", "Số tiền (đồng)"], [1, "Văn phòng phẩm", 1500000], [2, "Hội nghị", 3200000]):
        ws.append(row)
    p = d / "Dự toán kinh phí.xlsx"
    wbk.save(p)
    expect(k, p, "template_unknown", "error", "không theo biểu mẫu nào")

    # 7–8. our official template: an older version, and a renamed sheet
    official = _official_layout()
    if official is not None:
        layout, render, values_for = official
        meta_cell = ref(layout.meta_row, 0)
        k, d = kind("older_template_version", "Biểu mẫu phiên bản cũ", "07 biểu mẫu cũ")
        p = d / "UBND xã Số 0007.xlsx"
        u7 = gen.make_unit(7)
        render(layout, p, values_for(layout, u7))
        fw_version = layout.framework.version

        def older(wb: Any, ws: Any) -> None:
            ws[meta_cell] = ws[meta_cell].value.replace(f"phiên bản {fw_version}", "phiên bản 2018.1")

        mutate(p, older)
        roster.append(u7.name)
        good.append((rel(p), u7.name))
        expect(k, p, "template_outdated", "warning", "biểu mẫu cũ", sheet=layout.sheet, cell=meta_cell)

        k, d = kind("renamed_sheet", "Trang tính bị đổi tên", "08 đổi tên trang")
        p = d / "UBND xã Số 0008.xlsx"
        u8 = gen.make_unit(8)
        render(layout, p, values_for(layout, u8))

        def rename(wb: Any, ws: Any) -> None:
            ws.title = "Sheet1"

        mutate(p, rename)
        roster.append(u8.name)
        good.append((rel(p), u8.name))
        expect(k, p, "sheet_renamed", "info", "đổi tên", sheet="Sheet1")

    # 9. text in a number cell
    k, d = kind("text_in_number_cell", "Chữ trong ô số", "09 chữ trong ô số")
    p, _ = unit_file(d, 9)
    cell = level_cell(2, 1)
    mutate(p, lambda wb, ws: ws.__setitem__(cell, "mười hai"))
    expect(k, p, "not_a_number", "error", "không phải là số", sheet=SHEET, cell=cell)

    # 10. "16,74" in a count cell
    k, d = kind("decimal_text_in_count", "Số thập phân «16,74» trong ô số hồ sơ", "10 số thập phân")
    p, _ = unit_file(d, 10)
    cell = count_cell("received_online")
    mutate(p, lambda wb, ws: ws.__setitem__(cell, "16,74"))
    expect(k, p, "not_an_integer", "error", "phải là số nguyên", sheet=SHEET, cell=cell)

    # 11. negative count
    k, d = kind("negative_count", "Số hồ sơ âm", "11 số âm")
    p, _ = unit_file(d, 11)
    cell = count_cell("resolved_late")
    mutate(p, lambda wb, ws: ws.__setitem__(cell, -3))
    expect(k, p, "negative_value", "error", "là số âm", sheet=SHEET, cell=cell)

    # 12. counts that do not add up
    k, d = kind("counts_do_not_add_up", "Số hồ sơ cộng không khớp", "12 cộng không khớp")
    p, u12 = unit_file(d, 12)
    cell = count_cell("received_online")
    mutate(p, lambda wb, ws: ws.__setitem__(cell, u12.counts["received_online"] + 7))
    expect(k, p, "counts_do_not_add_up", "error", "Số hồ sơ không khớp", sheet=SHEET, cell=count_cell("received_total"))

    # 13. two "x" in one criterion
    k, d = kind("two_marks", "Hai dấu «x» trong một tiêu chí", "13 hai dấu x")
    p, _ = unit_file(d, 13)

    def two(wb: Any, ws: Any) -> None:
        ws[level_cell(7, 0)], ws[level_cell(7, 1)], ws[level_cell(7, 2)] = "x", "x", None

    mutate(p, two)
    expect(k, p, "level_chosen_more_than_once", "error", "chỉ được chọn một mức", sheet=SHEET, cell=level_cell(7, 0))

    # 14. no "x" in a criterion
    k, d = kind("no_mark", "Tiêu chí không đánh dấu «x»", "14 không dấu x")
    p, _ = unit_file(d, 14)

    def none(wb: Any, ws: Any) -> None:
        for lv in range(3):
            ws[level_cell(8, lv)] = None

    mutate(p, none)
    expect(k, p, "level_not_chosen", "error", "chưa đánh dấu", sheet=SHEET, cell=level_cell(8, 0))

    # 15. score above the maximum (service-index appendix: 11,5 for an indicator worth 10)
    k, d = kind("score_above_max", "Điểm vượt điểm tối đa", "15 vượt tối đa")
    p = d / "Phụ lục xã Mường Mười Lăm.xlsx"
    write_appendix(p, [commune_row("UBND xã Mường Mười Lăm", "11,5")])
    roster.append("UBND xã Mường Mười Lăm")
    expect(k, p, "score_above_max", "error", "vượt điểm tối đa", sheet="Phụ lục", cell=f"J{APPENDIX_FIRST_UNIT_ROW}")

    # 16. a formula without a cached value (openpyxl writes none)
    k, d = kind("formula_without_value", "Công thức chưa có giá trị tính sẵn", "16 công thức")
    p, _ = unit_file(d, 16)
    cell = level_cell(3, 0)
    mutate(p, lambda wb, ws: ws.__setitem__(cell, f"={level_cell(3, 1)}+{level_cell(3, 2)}"))
    expect(k, p, "formula_without_cached_value", "error", "chưa lưu kết quả tính", sheet=SHEET, cell=cell)

    # 17–18. error values
    k, d = kind("error_ref", "Giá trị lỗi #REF!", "17 lỗi REF")
    p, _ = unit_file(d, 17)
    cell = level_cell(4, 1)
    mutate(p, lambda wb, ws: ws.__setitem__(cell, "#REF!"))
    expect(k, p, "error_value", "error", "giá trị lỗi #REF!", sheet=SHEET, cell=cell)

    k, d = kind("error_div0", "Giá trị lỗi #DIV/0!", "18 lỗi chia 0")
    p, _ = unit_file(d, 18)
    cell = level_cell(5, 0)
    mutate(p, lambda wb, ws: ws.__setitem__(cell, "#DIV/0!"))
    expect(k, p, "error_value", "error", "giá trị lỗi #DIV/0!", sheet=SHEET, cell=cell)

    # 19–20. hidden and very hidden sheets holding data
    for name, state, title, sub, fragment, idx in (
        ("hidden_sheet", "hidden", "Trang ẩn có dữ liệu", "19 trang ẩn", "đang bị ẩn", 19),
        ("very_hidden_sheet", "veryHidden", "Trang ẩn sâu (very hidden) có dữ liệu", "20 trang ẩn sâu", "ẩn sâu", 20),
    ):
        k, d = kind(name, title, sub)
        p, _ = unit_file(d, idx)

        def hide(wb: Any, ws: Any, state: str = state) -> None:
            extra = wb.create_sheet("Số liệu cũ")
            extra["A1"], extra["B1"] = "Tổng số hồ sơ", 999
            extra.sheet_state = state

        mutate(p, hide)
        expect(k, p, "sheet_hidden", "warning", fragment, sheet="Số liệu cũ")

    # 21. merged cells over inputs
    k, d = kind("merged_inputs", "Gộp ô trên ô nhập liệu", "21 gộp ô")
    p, _ = unit_file(d, 21)
    rng = f"{level_cell(1, 1)}:{level_cell(1, 2)}"
    mutate(p, lambda wb, ws: ws.merge_cells(rng))
    expect(k, p, "merged_input_cells", "error", "vùng gộp ô", sheet=SHEET, cell=level_cell(1, 1))

    # 22. zip bomb: a small file whose sheet XML inflates a thousandfold
    k, d = kind("zip_bomb", "Tệp nén độc hại (zip bomb)", "22 zip bomb")
    p = d / "Xã Bom Nén.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>')
        zf.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * 30_000_000 + b"</worksheet>")
    expect(k, p, "file_too_large", "error", "zip bomb")

    # 23. XML external entity
    k, d = kind("xml_external_entity", "Khai báo thực thể XML ngoài (XXE)", "23 XXE")
    p, _ = unit_file(d, 23)
    roster.remove(gen.make_unit(23).name)

    def xxe(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            decl, _, rest = data.partition(b"?>")
            return decl + b'?><!DOCTYPE ws [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + rest
        return data

    rezip(p, xxe)
    expect(k, p, "file_unsafe_xml", "error", "DOCTYPE/ENTITY")

    # 24. formula injection in a unit name
    k, d = kind("formula_injection", "Tên đơn vị là công thức (formula injection)", "24 chèn công thức")
    p = d / "Phụ lục xã Chèn Công Thức.xlsx"
    evil = '=HYPERLINK("http://evil.example/","UBND xã Chèn Công Thức")'
    write_appendix(p, [commune_row(evil)])
    roster.append("'" + evil)
    expect(k, p, "formula_injection", "warning", "có thể hiểu là công thức", sheet="Phụ lục", cell=f"B{APPENDIX_FIRST_UNIT_ROW}")

    # 25. duplicate units: the same commune sent twice, in two folders
    k, d = kind("duplicate_unit", "Một đơn vị nộp hai tệp", "25 trùng đơn vị")
    first = folder / "25 trùng đơn vị" / "UBND xã Số 0025.xlsx"
    write_unit(first, 25)
    second = folder / "25 trùng đơn vị" / "nộp lại" / "UBND xã Số 0025 (bản sửa).xlsx"
    write_unit(second, 25)
    roster.append(gen.make_unit(25).name)
    k.files.append(rel(first))
    expect(k, second, "duplicate_unit", "error", "hai bản chấm điểm", unit=gen.make_unit(25).name)

    # 26. a unit that is not on the roster, and a roster unit without a file
    k, d = kind("unit_not_on_roster", "Đơn vị không có trong danh sách", "26 ngoài danh sách")
    p = d / "UBND xã Ngoài Danh Sách.xlsx"
    write_unit(p, 26, name="UBND xã Ngoài Danh Sách")
    expect(k, p, "unit_not_on_roster", "warning", "không có trong danh sách", unit="UBND xã Ngoài Danh Sách")
    k.expect.append(Expect("unit_missing", "warning", None, "Chưa nhận được tệp", unit="UBND xã Chưa Nộp Tệp"))
    roster.append("UBND xã Chưa Nộp Tệp")

    # 27. a file for another period
    k, d = kind("other_period", "Tệp của kỳ đánh giá khác", "27 kỳ khác")
    p = d / "UBND xã Số 0027.xlsx"
    u27 = gen.make_unit(27)
    write_unit(p, 27)
    mutate(p, lambda wb, ws: ws.__setitem__(ref(gen.ROW_PERIOD, 0), "Kỳ đánh giá: Quý I, Năm 2021"))
    expect(k, p, "period_mismatch", "error", "không phải kỳ đang tổng hợp", unit=u27.name)

    # 28. a truncated file (a download that stopped half way)
    k, d = kind("truncated_file", "Tệp tải về chưa hết", "28 tệp cụt")
    src = root / "_tmp_full.xlsx"
    write_unit(src, 28)
    data = src.read_bytes()
    src.unlink()
    p = d / "UBND xã Số 0028.xlsx"
    p.write_bytes(data[: len(data) // 2])
    expect(k, p, "file_corrupt", "error", "tải về chưa hết")

    # 29. a huge sheet beside the form
    k, d = kind("huge_sheet", "Trang tính quá lớn", "29 trang quá lớn")
    p, _ = unit_file(d, 29)

    def huge(wb: Any, ws: Any) -> None:
        extra = wb.create_sheet("Dữ liệu thô")
        extra["A1"] = "Nhật ký"
        extra["A150000"] = 1

    mutate(p, huge)
    expect(k, p, "sheet_too_large", "error", "quá lớn", sheet="Dữ liệu thô")

    # 30. not a spreadsheet at all (a PDF saved as .xlsx)
    k, d = kind("not_a_spreadsheet", "Tệp PDF đặt tên .xlsx", "30 không phải bảng tính")
    p = d / "Báo cáo quý II.xlsx"
    p.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 500)
    expect(k, p, "file_corrupt", "error", "không phải bảng tính")

    # 31. a missing column
    k, d = kind("missing_column", "Thiếu cột «Số lượng hồ sơ»", "31 thiếu cột")
    p, _ = unit_file(d, 31)
    header = ref(gen.ROW_HEADER, gen.COL_COUNT)
    mutate(p, lambda wb, ws: ws.__setitem__(header, "Số liệu"))
    expect(k, p, "column_missing", "error", "thiếu cột «Số lượng hồ sơ»", sheet=SHEET)

    # 32. a header maximum that differs from the framework
    k, d = kind("header_max_differs", "Điểm tối đa trên tiêu đề khác khung chấm điểm", "32 tối đa khác")
    p = d / "Phụ lục xã Tối Đa Khác.xlsx"
    write_appendix(p, [commune_row("UBND xã Tối Đa Khác")], headers={"J7": "Chỉ số 2 (15đ)"})
    roster.append("UBND xã Tối Đa Khác")
    expect(k, p, "stated_max_mismatch", "warning", "điểm tối đa ghi trên biểu là 15", sheet="Phụ lục", cell="J7")

    # 33. a stated total that does not add up
    k, d = kind("stated_total_wrong", "Tổng điểm ghi sai", "33 tổng điểm sai")
    p, _ = unit_file(d, 33)
    mutate(p, lambda wb, ws: ws.__setitem__(TOTAL_CELL, 17.5))
    expect(k, p, "stated_total_mismatch", "error", "Tổng điểm ghi 17,5", sheet=SHEET, cell=TOTAL_CELL)

    _issue_12(root, folder, kind, rel, expect, unit_file, good, roster)

    roster_path = root / ROSTER_NAME
    with roster_path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["STT", "TÊN ĐƠN VỊ", "Cấp"])
        for i, name in enumerate(roster, start=1):
            w.writerow([i, name, "Xã"])
    return Corpus(folder, roster_path, PERIOD, kinds, good, roster)


def _issue_12(
    root: Path,
    folder: Path,
    kind: Callable[[str, str, str], tuple[Kind, Path]],
    rel: Callable[[Path], str],
    expect: Callable[..., None],
    unit_file: Callable[..., tuple[Path, gen.Unit]],
    good: list[tuple[str, str]],
    roster: list[str],
) -> None:
    """The kinds of issue 12: files that are not regular files, names as the OS gives them, values that only look like
    numbers, workbooks every reader must read alike, sheets whose used range is not what they hold."""
    import datetime
    import os
    import socket
    import unicodedata

    def good_unit(k: Kind, path: Path, idx: int) -> None:
        u = write_unit(path, idx)
        roster.append(u.name)
        good.append((rel(path), u.name))
        k.good.append(rel(path))

    # ------------------------------------------------------------ not a regular file: a finding, never a read
    k, d = kind("fifo_named_xlsx", "Đường ống (FIFO) đặt tên .xlsx", "40 FIFO")
    for name in ("Xã Đường Ống.xlsx", "Xã Đường Ống Cũ.xls"):
        p = d / name
        os.mkfifo(p)
        expect(k, p, "file_unsupported", "error", "là một đường ống (FIFO)")

    k, d = kind("symlink_to_device", "Liên kết tới /dev/zero, /dev/null", "41 liên kết thiết bị")
    for name in ("Xã Số Không.xlsx", "Xã Rỗng.xlsm"):
        p = d / name
        os.symlink("/dev/zero" if "Không" in name else "/dev/null", p)
        expect(k, p, "file_unsupported", "error", "là một thiết bị (qua liên kết symlink)")

    k, d = kind("socket_named_xlsx", "Socket đặt tên .xlsx", "42 socket")
    for name in ("Xã Ổ Cắm.xlsx", "Xã Ổ Cắm.ods"):
        p = d / name
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.bind(str(p))
        finally:
            sock.close()
        expect(k, p, "file_unsupported", "error", "là một socket")

    k, d = kind("symlink_out_of_folder", "Liên kết trỏ ra ngoài thư mục", "43 liên kết ra ngoài")
    outside = root / "ngoài thư mục" / "UBND xã Số 0043.xlsx"
    write_unit(outside, 43)
    for name in ("Xã Liên Kết.xlsx", "Xã Liên Kết Tương Đối.xlsx"):
        p = d / name
        os.symlink(outside if "Tương" not in name else os.path.relpath(outside, d), p)
        expect(k, p, "file_unsupported", "error", "trỏ ra ngoài thư mục")

    k, d = kind("file_over_size_cap", "Tệp lớn hơn 256 MB", "44 tệp quá lớn")
    for name, size in (("Xã Khổng Lồ.xlsx", 257), ("Xã Khổng Lồ Cũ.xls", 300)):
        p = d / name
        with p.open("wb") as fh:
            fh.truncate(size * 1024 * 1024)  # sparse: no disk used
        expect(k, p, "file_too_large", "error", f"quá lớn ({size} MB; giới hạn 256 MB)")

    # ------------------------------------------------------------ names as the OS gives them: read and scored
    k, d = kind("name_not_utf8", "Tên tệp không phải UTF-8", "45 tên không UTF-8")
    for idx, raw in ((451, b"UBND x\xe3 S\xf4 451.xlsx"), (452, b"\xff\xfe\x80 452.xlsx")):
        good_unit(k, Path(os.fsdecode(os.fsencode(d) + b"/" + raw)), idx)

    k, d = kind("name_255_bytes", "Tên tệp dài 255 byte", "46 tên dài")
    for idx, letter in ((461, "ư"), (462, "ệ")):
        head = f"UBND xã Số {idx:04d} "
        fill = (255 - len((head + ".xlsx").encode())) // len(letter.encode())
        name = head + letter * fill + "x" * ((255 - len((head + ".xlsx").encode())) % len(letter.encode())) + ".xlsx"
        assert len(name.encode()) == 255
        good_unit(k, d / name, idx)

    k, d = kind("name_nfd", "Tên tệp dạng NFD (macOS)", "47 tên NFD")
    for idx in (471, 472):
        good_unit(k, d / unicodedata.normalize("NFD", f"Ủy ban nhân dân xã Mường Phăng {idx}.xlsx"), idx)

    k, d = kind("name_control_chars", "Tên tệp có ký tự điều khiển", "48 ký tự điều khiển")
    for idx, name in ((481, "Xã\ndòng mới 481.xlsx"), (482, "Xã \x1b[31mđỏ\u202e 482.xlsx")):
        good_unit(k, d / name, idx)

    # ------------------------------------------------------------ values that only look like numbers
    def typed(k: Kind, d: Path, idx: int, cell: str, value: Any, code: str, severity: str, fragment: str) -> None:
        p, _ = unit_file(d, idx)
        mutate(p, lambda wb, ws: ws.__setitem__(cell, value))
        expect(k, p, code, severity, fragment, sheet=SHEET, cell=cell)

    k, d = kind("date_text_in_count", "Ngày tháng gõ vào ô số hồ sơ", "50 ngày trong ô số")
    typed(k, d, 501, count_cell("received_online"), "30/06/2021", "not_a_number", "error", "ghi ngày tháng «30/06/2021»")
    typed(k, d, 502, level_cell(1, 1), "2021-06-30", "not_a_number", "error", "ghi ngày tháng «2021-06-30»")

    k, d = kind("date_value_in_count", "Ô số hồ sơ định dạng ngày", "51 ô kiểu ngày")
    typed(k, d, 511, count_cell("received_online"), datetime.datetime(2021, 6, 30), "not_a_number", "error", "ghi ngày tháng «30/06/2021»")  # fmt: skip
    typed(k, d, 512, level_cell(2, 0), datetime.date(2021, 4, 1), "not_a_number", "error", "ghi ngày tháng «01/04/2021»")

    k, d = kind("fraction_in_count", "Phân số «a/b» trong ô số hồ sơ", "52 phân số")
    typed(k, d, 521, count_cell("received_online"), "3/4", "not_a_number", "error", "ghi «3/4» (dạng a/b)")
    typed(k, d, 522, level_cell(3, 1), "12/15", "not_a_number", "error", "ghi «12/15» (dạng a/b)")

    for name, title, sub, digits, base in (
        ("fullwidth_digits", "Chữ số toàn độ rộng («１２»)", "53 chữ số toàn độ rộng", "０１２３４５６７８９", 531),
        ("arabic_indic_digits", "Chữ số Ả Rập («١٢»)", "54 chữ số Ả Rập", "٠١٢٣٤٥٦٧٨٩", 541),
    ):
        k, d = kind(name, title, sub)
        for j, key in enumerate(("received_online", "resolved_on_time")):
            p, u = unit_file(d, base + j)
            cell = count_cell(key)
            shown = "".join(digits[int(c)] for c in str(u.counts[key]))
            mutate(p, lambda wb, ws, cell=cell, shown=shown: ws.__setitem__(cell, shown))
            expect(k, p, "non_ascii_digits", "info", f"đã hiểu là {u.counts[key]:,}".replace(",", "."), sheet=SHEET, cell=cell)

    # ------------------------------------------------------------ every reader reads these alike
    k, d = kind("strict_ooxml", "Strict Open XML (.xlsx)", "55 strict")
    for idx in (551, 552):
        src = root / f"_tmp_{idx}.xlsx"
        u = write_unit(src, idx)
        p = d / f"UBND xã Số {idx:04d} (Strict).xlsx"
        write_strict(src, p)
        src.unlink()
        roster.append(u.name)
        good.append((rel(p), u.name))
        k.good.append(rel(p))

    k, d = kind("xlsx_named_xls", "Tệp .xlsx đổi đuôi thành .xls", "56 xlsx đuôi xls")
    for idx in (561, 562):
        p = d / f"UBND xã Số {idx:04d}.xls"
        good_unit(k, p, idx)

    k, d = kind("biff8_named_xlsx", "Tệp Excel 97–2003 đặt đuôi .xlsx", "57 xls đuôi xlsx")
    for idx in (571, 572):
        src = root / f"_tmp_{idx}.xlsx"
        u = write_unit(src, idx)
        p = d / f"UBND xã Số {idx:04d}.xlsx"
        write_xls_copy(src, p)
        src.unlink()
        roster.append(u.name)
        good.append((rel(p), u.name))
        k.good.append(rel(p))
        expect(k, p, "file_legacy_format", "info", "Excel 97–2003")

    # ------------------------------------------------------------ what a sheet holds, not its used range
    k, d = kind("stray_value_last_row", "Một giá trị sót ở dòng 1.048.576", "58 giá trị sót")
    for idx, cell in ((581, "A1048576"), (582, "XFD200000")):
        p, _ = unit_file(d, idx)
        mutate(p, lambda wb, ws, cell=cell: ws.__setitem__(cell, "sót"))
        expect(k, p, "sheet_too_large", "error", "quá lớn", sheet=SHEET)
    p = d / "Xã Ô Sót Cuối.xls"  # Excel 97–2003: 65.536 × 256 at most, still a gigabyte for calamine
    write_xls(p, SHEET, [["Tổng số hồ sơ", 12], *([] for _ in range(65_534)), [*[None] * 255, "sót"]])
    expect(k, p, "sheet_too_large", "error", "có ô dữ liệu ở IV65536", sheet=SHEET)

    k, d = kind("formatted_far_cell", "Ô trống được tô màu ở dòng 1.048.576", "59 ô tô màu xa")
    from openpyxl.styles import PatternFill

    for idx, cell in ((591, "Z1048576"), (592, "XFD1")):
        p = d / f"UBND xã Số {idx:04d}.xlsx"
        good_unit(k, p, idx)
        mutate(p, lambda wb, ws, cell=cell: setattr(ws[cell], "fill", PatternFill("solid", fgColor="FFFF00")))


def _official_layout() -> tuple[Any, Any, Any] | None:
    try:
        from bench_batch import _official_values

        from xl_tthc.core.framework import get
        from xl_tthc.io.layouts import build_layout
        from xl_tthc.io.templates import render
    except ImportError:
        return None
    return build_layout("tthc-unit", get(gen.FRAMEWORK_ID)), render, _official_values


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    corpus = make_corpus(out)
    for k in corpus.kinds:
        print(f"{k.name:28} {k.files}")
    print(f"roster: {corpus.roster}")
