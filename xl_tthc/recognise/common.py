"""What every recogniser shares: grid access, header labels, metadata lines, and the :class:`Recognition` result.

Works on GRIDS: a list of rows of raw cell values with absolute coordinates (row 0 is Excel row 1, column 0 is
column A), as python-calamine's ``to_python(skip_empty_area=False)`` returns them, or as built from openpyxl or
xlwings. Empty cells may be ``""`` or ``None``. Any reader can feed it.

Header rows are found wherever they sit (any column, any number of title rows above) and matched by their words
without case, diacritics, line breaks, extra spaces or trailing colons ("Số TT", "ĐIỂM TỰ CHẤM:"); a header typed
over two rows (sub-labels under a merged group label, or words split over two cells) is read as one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import field
from functools import lru_cache
from typing import Any

from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.framework import Framework, Registry
from xl_tthc.core.model import UnitInput
from xl_tthc.core.numbers import fmt_vn, parse_number
from xl_tthc.core.periods import PERIOD_EXAMPLES_VI, parse_period
from xl_tthc.core.records import record
from xl_tthc.io.cells import a1
from xl_tthc.io.layouts import Layout

Grid = Sequence[Sequence[Any]]


HEADER_SCAN_ROWS = 80  # a header further down than this is not a form header


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
    """The cell at (r, c) as normalised text (:func:`norm` for a string, :func:`text` otherwise)."""
    v = value(grid, r, c)
    return norm(v) if isinstance(v, str) else text(v)


def row_cells(grid: Grid, r: int) -> list[tuple[int, Any]]:
    """Non-empty cells of row r as (column, value)."""
    if not 0 <= r < len(grid):
        return []
    return [(c, v) for c, v in enumerate(grid[r]) if v is not None and (not isinstance(v, str) or v.strip())]


def grid_width(grid: Grid) -> int:
    """The widest row among the first :data:`HEADER_SCAN_ROWS`."""
    return max((len(r) for r in grid[:HEADER_SCAN_ROWS]), default=0)


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


@record
class InputCell:
    """A cell the recogniser read an input from (for the merged-cell and cached-value checks)."""

    row: int
    col: int
    unit: int  # index into Recognition.units
    key: str  # input key, e.g. "criteria/1/counts/a"
    required: bool = True  # an empty cell here is a problem (marks of a level are not required one by one)


@record
class Recognition:
    framework: Framework | None  # None: recognised, but no single framework could be chosen (see findings)
    units: list[UnitInput]
    findings: list[Finding] = field(default_factory=list)
    template: str = ""  # Vietnamese description of the layout that was recognised
    cells: list[InputCell] = field(default_factory=list)
    outputs: list[dict[str, tuple[int, int]]] = field(default_factory=list)  # per unit: output key -> (row, col)
    layout: Layout | None = None  # our template, when the sheet is one (its cells' kinds and number formats)
    role: str = "unit"  # unit: units to score | summary: a unit table of our summary workbook (refreshed)


class CellSources(dict[str, Location]):
    """``UnitInput.sources`` for a sheet: input key → cell, made into a :class:`Location` only when asked for.

    A unit maps dozens of cells and a finding needs a few; building every Location up front was a tenth of the
    batch's time per file.
    """

    __slots__ = ("_cells", "_file", "_shared", "_sheet")

    def __init__(
        self,
        file: str | None,
        sheet: str | None,
        cells: dict[str, tuple[int, int]] | None = None,
        *,
        shared: bool = True,
    ) -> None:
        """``cells`` may be shared between many units (a fixed template layout): it is copied before any change,
        unless ``shared`` is False (the caller hands over a dict of this unit's own)."""
        super().__init__()
        self._file, self._sheet = file, sheet
        self._cells: dict[str, tuple[int, int]] = cells if cells is not None else {}
        self._shared = cells is not None and shared

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


def cell_loc(file: str | None, sheet: str | None, r: int, c: int) -> Location:
    """The :class:`Location` of the cell at (r, c)."""
    return Location(file=file, sheet=sheet, cell=a1(r, c))


STT_LABELS = frozenset({"stt", "tt", "so tt", "so thu tu"})


LABEL_EDGES = " :;.,*-–+•"


NUMBERING = re.compile(r"^\(?\d{1,2}\)?$")  # the (1) (2) (3) column numbers under a header


SECTION_RE = re.compile(r"^(i{1,3}|iv|vi{0,3}|ix|x)\.?$")


@lru_cache(maxsize=65536)
def norm_label(v: str) -> str:
    """A header label normalised for matching: "  Điểm tự\nđánh giá: " → "diem tu danh gia", "STT." → "stt"."""
    return norm(v).strip(LABEL_EDGES)


def is_unit_label(t: str) -> bool:
    """The unit-name column of an appendix: "Tên đơn vị", "Đơn vị", "Tên cơ quan, đơn vị", "Cơ quan, đơn vị"."""
    return (
        t.startswith(("ten don vi", "ten co quan", "co quan, don vi", "co quan/don vi", "co quan don vi"))
        or t == "don vi"
    )


def is_section(v: Any) -> bool:
    """A section row marker such as "I", "II." or "I CÁC CƠ QUAN CHUYÊN MÔN"."""
    if not isinstance(v, str):
        return False
    t = norm(v)
    return bool(t) and bool(SECTION_RE.match(t.split(" ")[0]))


def continuation(grid: Grid, h: int) -> bool:
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
        if not t or NUMBERING.match(t) or SECTION_RE.match(t) or parse_number(v).kind.value != "invalid":
            return False
    return True


def header_labels(grid: Grid, h: int) -> dict[int, tuple[str, ...]]:
    """The labels of each column of the header at row h: (combined, own, sub-label) when the header goes on over
    a second row, else (own,). A sub-label under an empty cell takes the group label on its left (merged cells
    keep their text in the first cell only): "Điểm" over "Tối đa" and "Tự đánh giá" gives "diem toi da" and
    "diem tu danh gia"."""
    top = {c: norm_label(v) for c, v in row_cells(grid, h) if isinstance(v, str) and norm_label(v)}
    if not continuation(grid, h):
        return {c: (t,) for c, t in top.items()}
    sub = {c: norm_label(v) for c, v in row_cells(grid, h + 1) if isinstance(v, str) and norm_label(v)}
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


DOTTED = re.compile(r"^\d{1,2}\.\d{1,2}(\.\d{1,2})*\.?$")


def dotted_codes(grid: Grid, h: int) -> bool:
    """Codes such as 1.1 or 1.3.1 in the STT column of the rows under a header (a PAR table, not a TTHC annex)."""
    stt_c = next((c for c, ts in header_labels(grid, h).items() if STT_LABELS & set(ts)), 0)
    found = 0
    for r in range(h + 1, min(len(grid), h + 30)):
        v = value(grid, r, stt_c)
        if (isinstance(v, str) and DOTTED.match(v.strip())) or (type(v) is float and not v.is_integer()):
            found += 1  # 1.1 typed into a number cell is the float 1.1
    return found >= 3


def label_key(label: str) -> str:
    """A metadata label normalised for matching: "- Kỳ đánh giá:" → "ky danh gia"."""
    return norm(label).lstrip("-+*•–. ").rstrip(": ").strip()


def meta_lines(grid: Grid, upto: int) -> list[tuple[str, str, Any, int, int, str]]:
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
                out.append((label_key(label), label, rest.strip(), r, c, v))
            elif nxt is not None:
                out.append((label_key(label), label, nxt[1], r, nxt[0], v))
            else:
                out.append((label_key(label), label, None, r, c, v))
            break  # one label per row
    return out


def header_columns(grid: Grid, r: int, spec: dict[str, Callable[[str], bool]]) -> dict[str, int]:
    """Key → column of the header at row r: from the left, each column goes to the first key of ``spec`` not yet
    taken whose test one of its labels passes."""
    cols: dict[str, int] = {}
    for c, texts in sorted(header_labels(grid, r).items()):
        for key, test in spec.items():
            if key not in cols and any(test(t) for t in texts):
                cols[key] = c
                break
    return cols


def stt_int(v: Any) -> int | None:
    """A row number 1–99 in an STT cell (3, 3.0, "3", "3."), else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return int(v) if float(v).is_integer() and 0 < v < 100 else None
    if isinstance(v, str):
        m = re.match(r"^\s*(\d{1,2})\s*\.?\s*$", v)
        return int(m.group(1)) if m else None
    return None


def cv(row: Sequence[Any], c: int, n: int) -> Any:
    """The value of column c of a row, None when empty (the inner loop's fast path of :func:`value`)."""
    if c >= n:
        return None
    v = row[c]
    if v is None or v == "":
        return None
    if type(v) is str and v.isspace():
        return None
    return v


def check_max(
    raw: Any, expected: float, what: str, loc: Location, unit: str | None, item: str, findings: list[Finding]
) -> None:
    """A finding into ``findings`` when the maximum written on the form (a number) is not the framework's."""
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


TOTAL_ROW = ("tong diem", "tong cong", "tong so diem")


@record
class Context:
    """What recognition needs besides the grid: where the sheet comes from and how to choose a framework."""

    registry: Registry
    file: str | None = None
    sheet: str | None = None
    framework: str | None = None  # the officer's explicit choice (--framework, the API); wins over everything


def period_finding(raw: Any, loc: Location) -> Finding:
    """A period cell that holds no real period (quarter 5, month 13, free text)."""
    shown = text(raw)
    return Finding(
        Code.PERIOD_INVALID,
        Severity.WARNING,
        f"Không hiểu kỳ đánh giá «{shown}» ({PERIOD_EXAMPLES_VI}): chưa xác định được kỳ của số liệu.",
        loc,
        value=shown,
    )


def title_period(grid: Grid, h: int) -> str | None:
    """The period written in the title rows above the header row ``h`` («Tháng 7 năm 2023»): the first one."""
    for r in range(h):
        for _c, v in row_cells(grid, r):
            if isinstance(v, str) and (period := parse_period(v)):
                return period
    return None
