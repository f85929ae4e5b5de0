"""Recognise hand-made unit workbooks by their header labels and columns (no metadata needed).

Works on GRIDS: a list of rows of raw cell values with absolute coordinates (row 0 is Excel row 1, column 0 is
column A), as python-calamine's ``to_python(skip_empty_area=False)`` returns them or as built from openpyxl's
``iter_rows(values_only=True)``. Empty cells may be ``""`` or ``None``. Any reader can feed it.

Three layouts are known:

* the TTHC annex of seed 001 (STT / Tiêu chí/Tiêu chí thành phần / Điểm tối đa / Số lượng hồ sơ / Điểm tự đánh
  giá / Ghi chú; criterion rows 1–9, each followed by its level rows) → ``tthc-dienbien-1187-2019-huyen`` or
  ``-xa`` by the unit level;
* the service-index appendix of seed 002 (STT, TÊN ĐƠN VỊ, 11 indicator columns under merged group headers,
  TỔNG ĐIỂM ĐẠT ĐƯỢC, TỔNG ĐIỂM QUY ĐỔI, XẾP LOẠI; section rows I/II) → ``sv459-dienbien-2023``, one unit per row;
* the PAR table of seed 004 (STT codes such as 1.3.1, Điểm chuẩn, Điểm tự đánh giá, Giải trình, Tài liệu kiểm
  chứng, Điểm thẩm định, Ý kiến hội đồng thẩm định) → the PAR framework whose codes match.

Header rows are found wherever they sit (any column, any number of title rows above) and matched by their words
without case, diacritics, line breaks, extra spaces or trailing colons ("Số TT", "ĐIỂM TỰ CHẤM:"); a header typed
over two rows (sub-labels under a merged group label, or words split over two cells) is read as one.

What can be mapped is mapped into :class:`UnitInput` objects whose ``sources`` point at real A1 cells; what cannot
becomes a finding. Nothing is computed here: the core scores the inputs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.framework import Framework, Registry, default_registry
from xl_tthc.core.model import UnitInput
from xl_tthc.core.numbers import fmt_vn, parse_number
from xl_tthc.io.cells import a1, parse_a1

Grid = Sequence[Sequence[Any]]

TTHC_HUYEN = "tthc-dienbien-1187-2019-huyen"
TTHC_XA = "tthc-dienbien-1187-2019-xa"
SV459 = "sv459-dienbien-2023"
HEADER_SCAN_ROWS = 80  # a header further down than this is not a form header


# ---------------------------------------------------------------------------- text helpers


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """Lower case, no diacritics, đ → d, single spaces: "Điểm tự\\nđánh giá" → "diem tu danh gia"."""
    t = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    t = "".join(ch for ch in t if unicodedata.category(ch) != "Mn")
    return " ".join(t.lower().split())


def value(grid: Grid, r: int, c: int) -> Any:
    """The raw value at (r, c), or None when the cell is empty or outside the grid."""
    if 0 <= r < len(grid):
        row = grid[r]
        if 0 <= c < len(row):
            v = row[c]
            if v is None or v == "":
                return None
            if isinstance(v, str) and not v.strip():
                return None
            return v
    return None


def text(v: Any) -> str:
    """A cell value as display text ("1" for 1.0)."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return " ".join(str(v).split())


def ntext(grid: Grid, r: int, c: int) -> str:
    v = value(grid, r, c)
    return norm(v) if isinstance(v, str) else text(v)


def row_cells(grid: Grid, r: int) -> list[tuple[int, Any]]:
    """Non-empty cells of row r as (column, value)."""
    if not 0 <= r < len(grid):
        return []
    return [
        (c, v)
        for c, v in enumerate(grid[r])
        if v is not None and v != "" and not (isinstance(v, str) and not v.strip())
    ]


def _width(grid: Grid) -> int:
    return max((len(r) for r in grid[:HEADER_SCAN_ROWS]), default=0)


# ---------------------------------------------------------------------------- periods and levels

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_CANON_PERIOD = re.compile(r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")
_QUARTER = re.compile(r"quy\s*(i{1,3}|iv|[1-4])\b[\s,/\-]*(?:nam\s*)?(\d{4})")
_MONTH = re.compile(r"thang\s*(\d{1,2})\s*(?:nam|/|-|\.)\s*(\d{4})")
_YEAR = re.compile(r"\bnam\s*(\d{4})\b")
_DATE = re.compile(r"ngay\s*\d{1,2}\s*(thang\s*\d{1,2}\s*nam|/\s*\d{1,2}\s*/)\s*\d{4}")  # a date, not a period


def parse_period(raw: str | None) -> str | None:
    """A period as the machine format writes it (2021-Q2, 2023-07, 2020) from Vietnamese text.

    >>> parse_period("Quý II, Năm 2021"), parse_period("tháng 7 năm 2023"), parse_period("Năm 2020")
    ('2021-Q2', '2023-07', '2020')
    """
    if not raw:
        return None
    s = raw.strip()
    if _CANON_PERIOD.match(s.upper()):
        return s.upper()
    t = _DATE.sub(" ", norm(s))
    m = _QUARTER.search(t)
    if m:
        q = m.group(1)
        return f"{m.group(2)}-Q{_ROMAN.get(q, q)}"
    m = _MONTH.search(t)
    if m and 1 <= int(m.group(1)) <= 12:
        return f"{m.group(2)}-{int(m.group(1)):02d}"
    m = _YEAR.search(t)
    if m:
        return m.group(1)
    return None


def guess_level(raw: str | None) -> str | None:
    """Unit level code (tinh, so, huyen, phong, xa) from a unit name, a section row or a roster cell."""
    if not raw:
        return None
    t = norm(raw)
    if t in {"xa", "cap xa", "phuong", "thi tran"}:
        return "xa"
    if t in {"huyen", "cap huyen"}:
        return "huyen"
    if t in {"tinh", "cap tinh"}:
        return "tinh"
    if t in {"phong", "so"}:
        return t
    if "co quan chuyen mon" in t or "phong, ban" in t:
        return "so" if re.search(r"\btinh\b", t) and "huyen" not in t else "phong"
    if re.search(r"\b(so|ban|nganh)\b.*\bcap tinh\b|^so\b|\bcac so\b", t):
        return "so"
    if re.search(r"\bthi xa\b|\bcap huyen\b|\bubnd (cac )?huyen\b|^huyen\b|\bubnd thanh pho\b", t):
        return "huyen"
    if re.search(r"\bcap xa\b|\bubnd (cac )?(xa|phuong|thi tran)\b|^(xa|phuong|thi tran)\b|\bcac xa\b", t):
        return "xa"
    if re.search(r"^(phong|van phong|trung tam|ban)\b", t):
        return "phong"
    if re.search(r"\bubnd tinh\b|\bcap tinh\b", t):
        return "tinh"
    return None


_KEEP_UPPER = {"UBND", "HĐND", "TTHC", "CCHC", "QLĐĐ", "TW", "MTTQ", "LĐTBXH", "VH-TT", "TN&MT", "KT-HT"}
_LOWER_WORDS = {"xã", "phường", "thị", "trấn", "huyện", "tỉnh", "cấp", "thành", "phố", "và", "các", "của"}


def pretty_name(name: str) -> str:
    """All-capitals unit names as officers write them in prose: "UBND XÃ SỐ 0001" → "UBND xã Số 0001"."""
    name = " ".join(name.split())
    letters = [ch for ch in name if ch.isalpha()]
    if not letters or not all(ch.isupper() for ch in letters):
        return name
    out = []
    for i, word in enumerate(name.split(" ")):
        if word in _KEEP_UPPER:
            out.append(word)
        elif i > 0 and word.lower() in _LOWER_WORDS:
            out.append(word.lower())
        else:
            out.append(word[:1] + word[1:].lower())
    return " ".join(out)


# ---------------------------------------------------------------------------- result


@dataclass(slots=True)
class InputCell:
    """A cell the recogniser read an input from (for the merged-cell and cached-value checks)."""

    row: int
    col: int
    unit: int  # index into Recognition.units
    key: str  # input key, e.g. "criteria/1/counts/a"
    required: bool = True  # an empty cell here is a problem (marks of a level are not required one by one)


@dataclass(slots=True)
class Recognition:
    framework: Framework
    units: list[UnitInput]
    findings: list[Finding] = field(default_factory=list)
    template: str = ""  # Vietnamese description of the layout that was recognised
    cells: list[InputCell] = field(default_factory=list)


def set_key(data: dict[str, Any], key: str, raw: Any) -> None:
    """data["a"]["b"]["c"] = raw for key "a/b/c" (intermediate dicts created)."""
    parts = key.split("/")
    node = data
    for p in parts[:-1]:
        nxt = node.get(p)
        if not isinstance(nxt, dict):
            nxt = {}
            node[p] = nxt
        node = nxt
    node[parts[-1]] = raw


class CellSources(dict[str, Location]):
    """``UnitInput.sources`` for a sheet: input key → cell, made into a :class:`Location` only when asked for.

    A unit maps dozens of cells and a finding needs a few; building every Location up front was a tenth of the
    batch's time per file.
    """

    __slots__ = ("_cells", "_file", "_shared", "_sheet")

    def __init__(self, file: str | None, sheet: str | None, cells: dict[str, tuple[int, int]] | None = None) -> None:
        """``cells`` may be shared between many units (a fixed template layout): it is copied before any change."""
        super().__init__()
        self._file, self._sheet = file, sheet
        self._cells: dict[str, tuple[int, int]] = cells if cells is not None else {}
        self._shared = cells is not None

    def put(self, key: str, r: int, c: int) -> None:
        if self._shared:
            self._cells, self._shared = dict(self._cells), False
        self._cells[key] = (r, c)
        if dict.__contains__(self, key):
            dict.__delitem__(self, key)

    def cell(self, key: str) -> tuple[int, int] | None:
        return self._cells.get(key)

    def cells(self) -> dict[str, tuple[int, int]]:
        return self._cells

    def get(self, key: str, default: Location | None = None) -> Location | None:  # type: ignore[override]
        loc = dict.get(self, key)
        if loc is None:
            rc = self._cells.get(key)
            if rc is None:
                return default
            loc = Location(file=self._file, sheet=self._sheet, cell=a1(*rc))
            dict.__setitem__(self, key, loc)
        return loc

    def __getitem__(self, key: str) -> Location:
        loc = self.get(key)
        if loc is None:
            raise KeyError(key)
        return loc

    def __contains__(self, key: object) -> bool:
        return key in self._cells or dict.__contains__(self, key)

    def _all(self) -> None:
        for key in self._cells:
            self.get(key)

    def __iter__(self) -> Any:
        self._all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._all()
        return dict.__len__(self)

    def keys(self) -> Any:
        self._all()
        return dict.keys(self)

    def values(self) -> Any:
        self._all()
        return dict.values(self)

    def items(self) -> Any:
        self._all()
        return dict.items(self)


def _loc(file: str | None, sheet: str | None, r: int, c: int) -> Location:
    return Location(file=file, sheet=sheet, cell=a1(r, c))


# ---------------------------------------------------------------------------- dispatch

_STT = frozenset({"stt", "tt", "so tt", "so thu tu"})
_LABEL_EDGES = " :;.,*-–+•"
_NUMBERING = re.compile(r"^\(?\d{1,2}\)?$")  # the (1) (2) (3) column numbers under a header


@lru_cache(maxsize=65536)
def _norm_label(v: str) -> str:
    """A header label normalised for matching: "  Điểm tự\nđánh giá: " → "diem tu danh gia", "STT." → "stt"."""
    return norm(v).strip(_LABEL_EDGES)


def _is_unit_label(t: str) -> bool:
    """The unit-name column of an appendix: "Tên đơn vị", "Đơn vị", "Tên cơ quan, đơn vị", "Cơ quan, đơn vị"."""
    return (
        t.startswith(("ten don vi", "ten co quan", "co quan, don vi", "co quan/don vi", "co quan don vi"))
        or t == "don vi"
    )


def _continuation(grid: Grid, h: int) -> bool:
    """Row h+1 continues the header of row h: a second header row (sub-labels under a merged group header, or the
    rest of labels typed over two cells). Only short texts, no number, no code, no (1) (2) numbering."""
    cells = row_cells(grid, h + 1)
    if not cells:
        return False
    top = {c for c, v in row_cells(grid, h) if isinstance(v, str)}
    if not top:
        return False
    first = min(top)
    for c, v in cells:
        if not isinstance(v, str) or len(v) > 60 or c < first:
            return False
        t = norm(v)
        if not t or _NUMBERING.match(t) or _SECTION.match(t) or parse_number(v).kind.value != "invalid":
            return False
    return True


def header_labels(grid: Grid, h: int) -> dict[int, tuple[str, ...]]:
    """The labels of each column of the header at row h: (combined, own, sub-label) when the header goes on over
    a second row, else (own,). A sub-label under an empty cell takes the group label on its left (merged cells
    keep their text in the first cell only): "Điểm" over "Tối đa" and "Tự đánh giá" gives "diem toi da" and
    "diem tu danh gia"."""
    top = {c: _norm_label(v) for c, v in row_cells(grid, h) if isinstance(v, str) and _norm_label(v)}
    if not _continuation(grid, h):
        return {c: (t,) for c, t in top.items()}
    sub = {c: _norm_label(v) for c, v in row_cells(grid, h + 1) if isinstance(v, str) and _norm_label(v)}
    out: dict[int, tuple[str, ...]] = {}
    group = ""
    for c in sorted(set(top) | set(sub)):
        if c in top:
            group = top[c] if c in sub else ""  # a label with nothing under it is merged down, not a group
            own = top[c]
        else:
            own = group
        parts = [t for t in (own, sub.get(c, "")) if t]
        out[c] = (" ".join(parts), *parts) if len(parts) > 1 else tuple(parts)
    return out


_DOTTED = re.compile(r"^\d{1,2}\.\d{1,2}(\.\d{1,2})*\.?$")


def _dotted_codes(grid: Grid, h: int) -> bool:
    """Codes such as 1.1 or 1.3.1 in the STT column of the rows under a header (a PAR table, not a TTHC annex)."""
    stt_c = next((c for c, ts in header_labels(grid, h).items() if _STT & set(ts)), 0)
    found = 0
    for r in range(h + 1, min(len(grid), h + 30)):
        v = value(grid, r, stt_c)
        if (isinstance(v, str) and _DOTTED.match(v.strip())) or (type(v) is float and not v.is_integer()):
            found += 1  # 1.1 typed into a number cell is the float 1.1
    return found >= 3


def recognize(
    grid: Grid, *, file: str | None = None, sheet: str | None = None, registry: Registry | None = None
) -> Recognition | None:
    """Recognise a sheet: TTHC annex, service-index appendix or PAR table. None when nothing matches."""
    reg = registry or default_registry()
    limit = min(len(grid), HEADER_SCAN_ROWS)
    for r in range(limit):
        if sum(1 for v in grid[r] if type(v) is str and v) < 3:
            continue
        labels = {t for ts in header_labels(grid, r).values() for t in ts}
        if not labels & _STT or len(labels) < 3:
            continue
        if any(lb.startswith("diem chuan") for lb in labels):
            return _par(grid, r, file, sheet, reg)
        if any("toi da" in lb for lb in labels) and _dotted_codes(grid, r):  # a PAR table headed "Điểm tối đa"
            rec = _par(grid, r, file, sheet, reg)
            if rec is not None:
                return rec
        if any(_is_unit_label(lb) for lb in labels):
            return _service_index(grid, r, file, sheet, reg)
        if any("tieu chi" in lb or lb.startswith("noi dung") for lb in labels) and any(
            "tu danh gia" in lb or "tu cham" in lb for lb in labels
        ):
            return _tthc(grid, r, file, sheet, reg)
    return None


# ---------------------------------------------------------------------------- (a) TTHC annex

_COUNT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (k, re.compile(p))
    for k, p in (
        ("in_progress_late", r"dang giai quyet.*(qua han|tre han)"),
        ("in_progress_on_time", r"dang giai quyet"),
        ("received_total", r"^tong (so )?(ho so )?(da )?tiep nhan"),
        ("received_online", r"tiep nhan truc tuyen"),
        ("received_direct", r"tiep nhan truc tiep|buu chinh"),
        ("received_carried", r"ky truoc"),
        ("resolved_total", r"^tong (so )?(ho so )?(da )?giai quyet"),
        ("resolved_before", r"truoc han"),
        ("resolved_on_time", r"dung han"),
        ("resolved_late", r"qua han|tre han"),
    )
)
_OF_UNIT = re.compile(r"(?i)\bcủa\s+(.+)$")
_GENERIC_UNIT = re.compile(r"^(ubnd |uy ban nhan dan )?cap (huyen|xa|tinh)$")


def _label_key(label: str) -> str:
    return norm(label).lstrip("-+*•–. ").rstrip(": ").strip()


def _meta_lines(grid: Grid, upto: int) -> list[tuple[str, str, Any, int, int, str]]:
    """Metadata lines above a header: (normalised label, label, raw value, row, col of the value, full text).

    Either one cell "Label: value" or a label cell and the value in the next non-empty cell of the row.
    """
    out: list[tuple[str, str, Any, int, int, str]] = []
    for r in range(upto):
        cells = row_cells(grid, r)
        for i, (c, v) in enumerate(cells):
            if not isinstance(v, str):
                continue
            label, sep, rest = v.partition(":")
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if sep and rest.strip():
                out.append((_label_key(label), label, rest.strip(), r, c, v))
            elif nxt is not None:
                out.append((_label_key(label), label, nxt[1], r, nxt[0], v))
            else:
                out.append((_label_key(label), label, None, r, c, v))
            break  # one label per row
    return out


def _header_columns(grid: Grid, r: int, spec: dict[str, Callable[[str], bool]]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for c, texts in sorted(header_labels(grid, r).items()):
        for key, test in spec.items():
            if key not in cols and any(test(t) for t in texts):
                cols[key] = c
                break
    return cols


_TTHC_COLS: dict[str, Callable[[str], bool]] = {
    "stt": lambda t: t in _STT,
    "title": lambda t: t.startswith("tieu chi") or t.startswith("noi dung"),
    "max": lambda t: "toi da" in t,
    "count": lambda t: "so luong ho so" in t or t == "so ho so",
    "self": lambda t: "tu danh gia" in t or "tu cham" in t,
    "note": lambda t: t.startswith("ghi chu"),
}
_TTHC_COL_LABELS = {
    "max": "Điểm tối đa",
    "count": "Số lượng hồ sơ",
    "self": "Điểm tự đánh giá",
    "title": "Tiêu chí/Tiêu chí thành phần",
}


_LEVEL_MARK = re.compile(r"^([a-e]\s*[).:]?|[-+*•–])$")


def _stt_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return int(v) if float(v).is_integer() and 0 < v < 100 else None
    if isinstance(v, str):
        m = re.match(r"^\s*(\d{1,2})\s*\.?\s*$", v)
        return int(m.group(1)) if m else None
    return None


def _tthc(grid: Grid, h: int, file: str | None, sheet: str | None, reg: Registry) -> Recognition:
    cols = _header_columns(grid, h, _TTHC_COLS)
    head_c = cols.get("stt", 0)  # where the table starts: header findings point at its first cell
    findings: list[Finding] = []
    for key in ("max", "count", "self"):
        if key not in cols:
            findings.append(
                Finding(
                    Code.COLUMN_MISSING,
                    Severity.ERROR,
                    f"Biểu chấm điểm TTHC thiếu cột «{_TTHC_COL_LABELS[key]}»: không đọc được số liệu của cột này.",
                    _loc(file, sheet, h, head_c),
                )
            )
    # metadata above the table
    unit_text: str | None = None
    unit_cell: tuple[int, int] | None = None
    title_unit: str | None = None
    period_raw: str | None = None
    period_cell: tuple[int, int] | None = None
    counts: dict[str, tuple[Any, int, int]] = {}
    for key, _label, raw, r, c, full in _meta_lines(grid, h):
        nfull = norm(full)
        if key.startswith("ky danh gia") or key.startswith("ky bao cao"):
            period_raw, period_cell = text(raw), (r, c)
        elif key in {"don vi", "ten don vi", "co quan, don vi", "co quan"}:
            unit_text, unit_cell = text(raw), (r, c)
        elif (
            title_unit is None and (m := _OF_UNIT.search(full)) and not nfull.startswith("(") and "bao cao" not in nfull
        ):
            title_unit = m.group(1).split(",")[0].strip()
        elif any(w in key for w in ("ho so", "tiep nhan", "giai quyet", "ky truoc")):
            for ck, pat in _COUNT_PATTERNS:
                if pat.search(key):
                    if ck not in counts:
                        counts[ck] = (raw, r, c)
                    break
    if period_raw is None:
        period_raw = next(
            (v for r in range(h) for _c, v in row_cells(grid, r) if isinstance(v, str) and parse_period(v)), None
        )
    level = guess_level(unit_text) or guess_level(title_unit)
    if unit_text and not _GENERIC_UNIT.match(norm(unit_text)):
        name = pretty_name(unit_text)
    elif title_unit:
        name = pretty_name(title_unit)
    elif unit_text:
        name = pretty_name(unit_text)
    else:
        name = ""
    fid = TTHC_XA if level == "xa" else TTHC_HUYEN
    fw = reg.get(fid)
    unit = UnitInput(
        name=name,
        data={"counts": {}, "criteria": {}},
        level=level,
        period=parse_period(period_raw),
        file=file,
        sheet=sheet,
    )
    src = CellSources(file, sheet)
    unit.sources = src
    rec = Recognition(fw, [unit], findings, "Phụ lục chấm điểm giải quyết TTHC (mẫu tự lập)")
    if unit_cell:
        src.put("unit/level", *unit_cell)
        src.put("unit/name", *unit_cell)
    if period_cell:
        src.put("period", *period_cell)
    for ck, (raw, r, c) in counts.items():
        set_key(unit.data, f"counts/{ck}", raw)
        src.put(f"counts/{ck}", r, c)
        if "counts" not in src:
            src.put("counts", r, c)
        rec.cells.append(InputCell(r, c, 0, f"counts/{ck}"))
    if "counts" not in src:
        src.put("counts", h, head_c)

    crit_by_code = {c.code: c for c in fw.criteria}
    stt_c, title_c = cols.get("stt", 0), cols.get("title", 1)
    max_c, count_c, self_c = cols.get("max"), cols.get("count"), cols.get("self")
    criteria: dict[str, dict[str, Any]] = unit.data["criteria"]
    cells = rec.cells
    current = None
    node: dict[str, Any] = {}
    level_index = 0
    seen: set[str] = set()
    for r in range(h + 1, len(grid)):
        row = grid[r]
        n = len(row)
        stt_raw = _cv(row, stt_c, n)
        title_raw = _cv(row, title_c, n)
        if stt_raw is None and title_raw is None:
            continue
        if type(stt_raw) is str:
            if _norm_label(stt_raw) in _STT or stt_raw.lstrip().startswith("("):
                continue  # a header repeated after a page break, or the (1) (2) (3) column numbers
            if _LEVEL_MARK.match(norm(stt_raw)):
                stt_raw = None  # a level row numbered "a)", "b." or "-" in the STT column
        title = norm(title_raw) if type(title_raw) is str else ""
        if title.startswith(_TOTAL_ROW):
            if self_c is not None:
                unit.data["stated_total"] = _cv(row, self_c, n)
                src.put("stated_total", r, self_c)
            continue
        code_n = _stt_int(stt_raw) if stt_raw is not None else None
        if code_n is not None:
            code = str(code_n)
            crit = crit_by_code.get(code)
            current, level_index = None, 0
            if crit is None or code in seen:
                findings.append(
                    Finding(
                        Code.UNKNOWN_ITEM,
                        Severity.WARNING,
                        f"Dòng tiêu chí «{code}» không có trong khung chấm điểm {fw.short_title or fw.id} "
                        "(hoặc bị lặp lại); bỏ qua.",
                        _loc(file, sheet, r, stt_c),
                        unit.name,
                        item=code,
                    )
                )
                continue
            seen.add(code)
            current = crit
            node = {"counts" if crit.rule == "weighted_count" else "marks": {}}
            criteria[code] = node
            base = "criteria/" + code
            src.put(base, r, stt_c)
            if count_c is not None:
                src.put(base + "/counts", r, count_c)
            if self_c is not None:
                stated = _cv(row, self_c, n)
                if stated is not None:
                    node["stated_score"] = stated
                src.put(base + "/stated_score", r, self_c)
            if max_c is not None:
                mx = _cv(row, max_c, n)
                if mx != crit.max:
                    _check_max(mx, crit.max, f"Tiêu chí {code}", _loc(file, sheet, r, max_c), unit.name, code, findings)
            continue
        if current is None or stt_raw is not None or title_raw is None:
            continue
        if level_index >= len(current.levels):
            continue
        lv = current.levels[level_index]
        level_index += 1
        if current.rule == "weighted_count":
            if count_c is None:
                continue
            key = f"criteria/{current.code}/counts/{lv.key}"
            node["counts"][lv.key] = _cv(row, count_c, n)
            src.put(key, r, count_c)
            cells.append(InputCell(r, count_c, 0, key))
        else:
            if self_c is None:
                continue
            key = f"criteria/{current.code}/marks/{lv.key}"
            node["marks"][lv.key] = _cv(row, self_c, n)
            src.put(key, r, self_c)
            cells.append(InputCell(r, self_c, 0, key, required=False))
    return rec


def _cv(row: Sequence[Any], c: int, n: int) -> Any:
    """The value of column c of a row, None when empty (the inner loop's fast path of :func:`value`)."""
    if c >= n:
        return None
    v = row[c]
    if v is None or v == "":
        return None
    if type(v) is str and v.isspace():
        return None
    return v


def _check_max(
    raw: Any, expected: float, what: str, loc: Location, unit: str | None, item: str, findings: list[Finding]
) -> None:
    p = parse_number(raw)
    if p.ok and p.value is not None and abs(p.value - expected) > 1e-9 and abs(p.value) < 1e15:
        findings.append(
            Finding(
                Code.STATED_MAX_MISMATCH,
                Severity.WARNING,
                f"{what}: điểm tối đa ghi trên biểu là {fmt_vn(p.value, None)}, khung chấm điểm quy định "
                f"{fmt_vn(expected, None)} (biểu mẫu cũ hoặc gõ nhầm); điểm được tính theo khung.",
                loc,
                unit,
                item=item,
                value=p.value,
                expected=expected,
            )
        )


# ---------------------------------------------------------------------------- (b) service-index appendix

_MAX_IN_HEADER = re.compile(r"\(\s*(\d+(?:[.,]\d+)?)\s*d\s*\)")
_CHI_SO_N = re.compile(r"chi so\s*(\d+)")
_SECTION = re.compile(r"^(i{1,3}|iv|vi{0,3}|ix|x)\.?$")


def _is_section(v: Any) -> bool:
    """A section row marker such as "I", "II." or "I CÁC CƠ QUAN CHUYÊN MÔN"."""
    if not isinstance(v, str):
        return False
    t = norm(v)
    return bool(t) and bool(_SECTION.match(t.split(" ")[0]))


def _group_tokens(t: str) -> set[str]:
    t = _MAX_IN_HEADER.sub(" ", t)
    words = re.findall(r"[a-z0-9]+", t)
    stop = {"nhom", "chi", "so", "d", "va", "cac", "cua", "kq", "dvctt"}
    out = {w for w in words if w not in stop}
    if "dvctt" in words or "dvc" in words:
        out |= {"dich", "vu", "cong", "truc", "tuyen"}
    if "kq" in words:
        out |= {"ket", "qua"}
    return out


def _service_index(grid: Grid, h: int, file: str | None, sheet: str | None, reg: Registry) -> Recognition:
    fw = reg.get(SV459)
    findings: list[Finding] = []
    width = _width(grid)
    cols: dict[str, int] = {}
    # the header block: from the header row to the first data row (a section row or a numbered unit row)
    stt_c = next((c for c, v in row_cells(grid, h) if isinstance(v, str) and _norm_label(v) in _STT), 0)
    first_data = len(grid)
    for r in range(h + 1, len(grid)):
        v = value(grid, r, stt_c)
        if v is not None and (_stt_int(v) is not None or _is_section(v)):
            first_data = r
            break
    block = range(h, min(first_data, h + 6))
    for r in block:
        for c, v in row_cells(grid, r):
            if not isinstance(v, str):
                continue
            t = _norm_label(v)
            if _is_unit_label(t) and "name" not in cols:
                cols["name"] = c
            elif "quy doi" in t and "quy_doi" not in cols:
                cols["quy_doi"] = c
            elif t.startswith(("tong diem", "tong cong", "tong so diem")) and "total" not in cols:
                cols["total"] = c
            elif t.startswith("xep loai") and "band" not in cols:
                cols["band"] = c
    name_c = cols.get("name", stt_c + 1)
    end_c = min(c for c in (cols.get("total"), cols.get("quy_doi"), cols.get("band"), width) if c is not None)
    for key, what in (("total", "TỔNG ĐIỂM ĐẠT ĐƯỢC"), ("quy_doi", "TỔNG ĐIỂM QUY ĐỔI"), ("band", "XẾP LOẠI")):
        if key not in cols:
            findings.append(
                Finding(
                    Code.COLUMN_MISSING,
                    Severity.WARNING,
                    f"Phụ lục thiếu cột «{what}»: không đối chiếu được con số đơn vị đã ghi.",
                    _loc(file, sheet, h, stt_c),
                )
            )
    # indicator columns: the lowest header text in each column between the name and the totals
    groups = list(fw.groups)
    group_of_col: dict[int, tuple[int, int, str]] = {}  # col -> (row, col, text) of its group header
    leaf_of_col: dict[int, tuple[int, str]] = {}  # col -> (row, text) of its own header
    for c in range(name_c + 1, end_c):
        texts = [(r, norm(v)) for r in block if isinstance(v := value(grid, r, c), str)]
        texts = [(r, t) for r, t in texts if not t.startswith("diem cac chi so")]
        if texts:
            leaf_of_col[c] = texts[-1]
            if len(texts) > 1:
                group_of_col[c] = (texts[0][0], c, texts[0][1])
    # merged group headers hold their text in the leftmost column only: carry it to the right
    group_rows = sorted({g[0] for g in group_of_col.values()})
    last: tuple[int, int, str] | None = None
    for c in range(name_c + 1, end_c):
        if c not in leaf_of_col:
            continue
        if c in group_of_col:
            last = group_of_col[c]
        elif last is not None and group_rows and leaf_of_col[c][0] > last[0] and _CHI_SO_N.search(leaf_of_col[c][1]):
            group_of_col[c] = last
        else:
            last = None
    # assign each indicator column to a framework group, then to the N-th indicator of the group
    mapping: dict[str, int] = {}
    used_groups: dict[int, int] = {}
    for c in sorted(leaf_of_col):
        r, leaf = leaf_of_col[c]
        gtext = group_of_col.get(c, (r, c, leaf))[2]
        toks = _group_tokens(gtext)
        best, best_score = None, 0.0
        for gi, g in enumerate(groups):
            gt = _group_tokens(norm(g.title))
            score = len(toks & gt) / max(1, len(gt))
            if score > best_score:
                best, best_score = gi, score
        if best is None or best_score < 0.5:
            continue
        g = groups[best]
        m = _CHI_SO_N.search(leaf)
        if m and len(g.indicators) > 1:
            idx = int(m.group(1)) - 1
        elif len(g.indicators) == 1:
            idx = 0
        else:
            idx = used_groups.get(best, 0)
        used_groups[best] = idx + 1
        if not 0 <= idx < len(g.indicators):
            continue
        ind = g.indicators[idx]
        if ind.code in mapping:
            continue
        mapping[ind.code] = c
        mx = _MAX_IN_HEADER.search(leaf) or (_MAX_IN_HEADER.search(gtext) if len(g.indicators) == 1 else None)
        if mx:
            _check_max(
                mx.group(1),
                ind.max,
                f"Cột chỉ số {ind.code} ({ind.short or ind.title})",
                _loc(file, sheet, r, c),
                None,
                ind.code,
                findings,
            )
    for ind in fw.indicators():
        if ind.code not in mapping and not ind.monitoring_only:
            findings.append(
                Finding(
                    Code.COLUMN_MISSING,
                    Severity.ERROR,
                    f"Phụ lục thiếu cột chỉ số {ind.code} ({ind.title}, tối đa {fmt_vn(ind.max, None)} điểm).",
                    _loc(file, sheet, h, stt_c),
                    item=ind.code,
                )
            )
    rec = Recognition(fw, [], findings, "Phụ lục kết quả Bộ chỉ số phục vụ người dân, doanh nghiệp (mẫu tự lập)")
    # the period from the title rows
    period = None
    for r in range(h):
        for _c, v in row_cells(grid, r):
            if isinstance(v, str) and (period := parse_period(v)):
                break
        if period:
            break
    level: str | None = None
    level_cell: tuple[int, int] | None = None
    for r in range(first_data, len(grid)):
        cells = row_cells(grid, r)
        if not cells:
            continue
        first = cells[0][1]
        ftext = norm(first) if isinstance(first, str) else ""
        if ftext.startswith("luu y") or ftext.startswith("ghi chu") or ftext.startswith("noi nhan"):
            break
        stt = value(grid, r, stt_c)
        name_v = value(grid, r, name_c)
        if _is_section(stt) and _stt_int(stt) is None:
            section_text = " ".join(text(v) for _, v in cells)
            level = guess_level(section_text)
            level_cell = (r, stt_c)
            continue
        if _stt_int(stt) is None or name_v is None:
            continue
        name = text(name_v)
        unit = UnitInput(
            name=name,
            data={"indicators": {}, "stated": {}},
            level=level or guess_level(name),
            period=period,
            file=file,
            sheet=sheet,
        )
        ui = len(rec.units)
        src = CellSources(file, sheet)
        unit.sources = src
        src.put("unit/name", r, name_c)
        src.put("unit/level", *(level_cell or (r, name_c)))
        src.put("indicators", r, name_c)
        for code, c in mapping.items():
            raw = value(grid, r, c)
            key = f"indicators/{code}"
            if raw is not None:
                set_key(unit.data, key, raw)
            src.put(key, r, c)
            rec.cells.append(InputCell(r, c, ui, key))
        for key in ("total", "quy_doi", "band"):
            if key in cols:
                raw = value(grid, r, cols[key])
                if isinstance(raw, str):
                    raw = " ".join(raw.split())
                if raw is not None:
                    set_key(unit.data, f"stated/{key}", raw)
                src.put(f"stated/{key}", r, cols[key])
        rec.units.append(unit)
    return rec


# ---------------------------------------------------------------------------- (c) PAR table

_PAR_CODE = re.compile(r"^\d{1,2}(\.\d{1,2}){0,3}(\.[A-Za-z]+)?$")
_PAR_COLS: dict[str, Callable[[str], bool]] = {
    "stt": lambda t: t in _STT or t == "ma",
    "title": lambda t: t.startswith("linh vuc") or t.startswith("tieu chi") or t.startswith("noi dung"),
    "max": lambda t: t.startswith("diem chuan") or "toi da" in t,
    "self": lambda t: "tu danh gia" in t or "tu cham" in t,
    "explanation": lambda t: t.startswith("giai trinh"),
    "evidence": lambda t: "kiem chung" in t,
    "appraised": lambda t: "tham dinh" in t and t.startswith("diem"),
    "council_opinion": lambda t: t.startswith("y kien"),
}


_TOTAL_ROW = ("tong diem", "tong cong", "tong so diem")


def _par_code(v: Any) -> str | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | float):
        return text(v) if 0 < v < 100 else None
    t = str(v).strip().rstrip(".")
    return t if _PAR_CODE.match(t) else None


def _par(grid: Grid, h: int, file: str | None, sheet: str | None, reg: Registry) -> Recognition | None:
    cols = _header_columns(grid, h, _PAR_COLS)  # a header over two rows ("Điểm" / "thẩm định") is read whole
    for key, c in _header_columns(grid, h + 1, _PAR_COLS).items():  # and a label typed alone on the next row
        cols.setdefault(key, c)
    stt_c = cols.get("stt", 0)
    rows: list[tuple[int, str]] = []
    total_row: int | None = None
    for r in range(h + 1, len(grid)):
        code = _par_code(value(grid, r, stt_c))
        if code:
            rows.append((r, code))
            continue
        title = ntext(grid, r, cols.get("title", stt_c + 1))
        if title.startswith(_TOTAL_ROW) or ntext(grid, r, stt_c).startswith(_TOTAL_ROW):
            total_row = r
    codes = {c for _, c in rows}
    best: tuple[float, Framework] | None = None
    for fid in reg.ids():
        fw = reg.get(fid)
        if fw.kind != "par":
            continue
        known = {n.code for n in fw.nodes()}
        score = len(codes & known) / max(1, len(codes | known))
        if best is None or score > best[0]:
            best = (score, fw)
    if best is None or best[0] < 0.3:
        return None
    fw = best[1]
    findings: list[Finding] = []
    labels = {"self": "Điểm tự đánh giá", "appraised": "Điểm thẩm định", "max": "Điểm chuẩn"}
    for key in ("self", "appraised"):
        if key not in cols:
            findings.append(
                Finding(
                    Code.COLUMN_MISSING,
                    Severity.WARNING if key == "appraised" else Severity.ERROR,
                    f"Bảng Chỉ số CCHC thiếu cột «{labels[key]}».",
                    _loc(file, sheet, h, stt_c),
                )
            )
    nodes = {n.code: n for n in fw.nodes()}
    name = ""
    name_cell: tuple[int, int] | None = None
    period = None
    for key, _label, raw, r, c, full in _meta_lines(grid, h):
        if key in {"don vi", "ten don vi", "co quan, don vi", "dia phuong"} and raw is not None:
            name, name_cell = text(raw), (r, c)
        elif period is None:
            period = parse_period(full)
    level = fw.levels[0] if len(fw.levels) == 1 else guess_level(name)
    unit = UnitInput(
        name=pretty_name(name) if name else "",
        data={"rows": {}, "stated": {}},
        level=level,
        period=period,
        file=file,
        sheet=sheet,
    )
    src = CellSources(file, sheet)
    unit.sources = src
    rec = Recognition(fw, [unit], findings, "Bảng tự đánh giá, thẩm định Chỉ số CCHC (mẫu tự lập)")
    if name_cell:
        src.put("unit/name", *name_cell)
    src.put("rows", h, stt_c)
    score_cols = [k for k in ("self", "appraised") if k in cols]
    text_cols = [k for k in ("explanation", "evidence", "council_opinion") if k in cols]
    for r, code in rows:
        node = nodes.get(code)
        if node is None:
            set_key(unit.data, f"rows/{code}", {})  # the core reports the unknown code
            src.put(f"rows/{code}", r, stt_c)
            continue
        if "max" in cols:
            _check_max(
                value(grid, r, cols["max"]),
                node.max,
                f"Mục {code}",
                _loc(file, sheet, r, cols["max"]),
                unit.name,
                code,
                findings,
            )
        base = f"rows/{code}" if node.is_leaf else f"stated/{code}"
        src.put(base, r, stt_c)
        for k in score_cols:
            raw = value(grid, r, cols[k])
            key = f"{base}/{k}"
            if raw is not None:
                set_key(unit.data, key, raw)
            src.put(key, r, cols[k])
            if node.is_leaf and not (k == "self" and node.source == "survey"):
                rec.cells.append(InputCell(r, cols[k], 0, key, required=False))
        if node.is_leaf:
            for tk in text_cols:
                raw = value(grid, r, cols[tk])
                if raw is not None:
                    set_key(unit.data, f"{base}/{tk}", text(raw))
                src.put(f"{base}/{tk}", r, cols[tk])
    if total_row is not None:
        for k in score_cols:
            raw = value(grid, total_row, cols[k])
            if raw is not None:
                set_key(unit.data, f"stated/total/{k}", raw)
            src.put(f"stated/total/{k}", total_row, cols[k])
    return rec


__all__ = [
    "SV459",
    "TTHC_HUYEN",
    "TTHC_XA",
    "Grid",
    "InputCell",
    "Recognition",
    "a1",
    "guess_level",
    "norm",
    "parse_a1",
    "parse_period",
    "pretty_name",
    "recognize",
    "set_key",
    "value",
]
