"""The TTHC annex of Báo cáo 205/BC-UBND (seed 001) as units type it themselves.

STT / Tiêu chí/Tiêu chí thành phần / Điểm tối đa / Số lượng hồ sơ / Điểm tự đánh giá / Ghi chú; the dossier
counts as "Label: value" lines above the table; criterion rows 1–9, each followed by its level rows (numbered
"a)", "-" or not at all). The framework comes from the registry by kind and unit level
(:func:`xl_tthc.recognise.choose.choose`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import InitVar, field
from typing import Any

from xl_tthc.core.findings import Code, Finding, Severity
from xl_tthc.core.framework import Criterion, Framework
from xl_tthc.core.keys import set_key
from xl_tthc.core.model import UnitInput
from xl_tthc.core.periods import parse_period
from xl_tthc.core.records import record
from xl_tthc.recognise.choose import choose
from xl_tthc.recognise.common import (
    STT_LABELS,
    TOTAL_ROW,
    CellSources,
    Context,
    Grid,
    InputCell,
    Recognition,
    cell_loc,
    check_max,
    cv,
    guess_level,
    header_columns,
    meta_lines,
    norm,
    norm_label,
    period_finding,
    pretty_name,
    stt_int,
    text,
    title_period,
)

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


_TTHC_COLS: dict[str, Callable[[str], bool]] = {
    "stt": lambda t: t in STT_LABELS,
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


_TEMPLATE = "Phụ lục chấm điểm giải quyết TTHC (mẫu tự lập)"


def recognise(grid: Grid, h: int, ctx: Context) -> Recognition:
    """The TTHC annex whose header row is ``h``."""
    file, sheet = ctx.file, ctx.sheet
    cols = header_columns(grid, h, _TTHC_COLS)
    head_c = cols.get("stt", 0)  # where the table starts: header findings point at its first cell
    findings = _missing_columns(cols, ctx, h, head_c)
    meta = _read_meta(grid, h)
    level = guess_level(meta.unit_text) or guess_level(meta.title_unit)
    period = parse_period(meta.period_raw) if meta.period_raw is not None else title_period(grid, h)
    if period is None and meta.period_raw is not None and meta.period_cell is not None:
        findings.append(period_finding(meta.period_raw, cell_loc(file, sheet, *meta.period_cell)))
    fw, chosen = choose(ctx, "tthc", grid=grid, level=level, period=period, where=(h, head_c))
    findings.extend(chosen)
    if fw is None:
        return Recognition(None, [], findings, _TEMPLATE)
    unit = UnitInput(
        name=meta.unit_name(),
        data={"counts": {}, "criteria": {}},
        level=level,
        period=period,
        file=file,
        sheet=sheet,
    )
    src = CellSources(file, sheet)
    unit.sources = src
    rec = Recognition(fw, [unit], findings, _TEMPLATE)
    meta.put(unit, src, rec.cells, (h, head_c))
    _Rows(fw, unit, src, rec, file, sheet, cols).read(grid, h)
    return rec


def _missing_columns(cols: dict[str, int], ctx: Context, h: int, head_c: int) -> list[Finding]:
    """A finding for each number column the header lacks (Điểm tối đa, Số lượng hồ sơ, Điểm tự đánh giá)."""
    return [
        Finding(
            Code.COLUMN_MISSING,
            Severity.ERROR,
            f"Biểu chấm điểm TTHC thiếu cột «{_TTHC_COL_LABELS[key]}»: không đọc được số liệu của cột này.",
            cell_loc(ctx.file, ctx.sheet, h, head_c),
        )
        for key in ("max", "count", "self")
        if key not in cols
    ]


@record
class _Meta:
    """What the lines above the table say: the unit, the period and the dossier counts (value, row, column)."""

    unit_text: str | None = None
    unit_cell: tuple[int, int] | None = None
    title_unit: str | None = None  # "… của UBND xã X" in a title line
    period_raw: Any = None
    period_cell: tuple[int, int] | None = None
    counts: dict[str, tuple[Any, int, int]] = field(default_factory=dict)

    def unit_name(self) -> str:
        """The unit's name: the «Đơn vị» line unless it only says "cấp xã", else the title's "của …"."""
        if self.unit_text and not _GENERIC_UNIT.match(norm(self.unit_text)):
            return pretty_name(self.unit_text)
        if self.title_unit:
            return pretty_name(self.title_unit)
        return pretty_name(self.unit_text) if self.unit_text else ""

    def put(self, unit: UnitInput, src: CellSources, cells: list[InputCell], head: tuple[int, int]) -> None:
        """The counts into the unit's data, and the cells of the unit, the period and the counts into its sources."""
        if self.unit_cell:
            src.put("unit/level", *self.unit_cell)
            src.put("unit/name", *self.unit_cell)
        if self.period_cell:
            src.put("period", *self.period_cell)
        for ck, (raw, r, c) in self.counts.items():
            set_key(unit.data, f"counts/{ck}", raw)
            src.put(f"counts/{ck}", r, c)
            if "counts" not in src:
                src.put("counts", r, c)
            cells.append(InputCell(r, c, 0, f"counts/{ck}"))
        if "counts" not in src:
            src.put("counts", *head)


def _read_meta(grid: Grid, h: int) -> _Meta:
    """The «Label: value» lines above the header row ``h``: unit, period, dossier counts (the first of each)."""
    meta = _Meta()
    counts = meta.counts
    for key, _label, raw, r, c, full in meta_lines(grid, h):
        nfull = norm(full)
        if key.startswith("ky danh gia") or key.startswith("ky bao cao"):
            meta.period_raw, meta.period_cell = raw, (r, c)
        elif key in {"don vi", "ten don vi", "co quan, don vi", "co quan"}:
            meta.unit_text, meta.unit_cell = text(raw), (r, c)
        elif (
            meta.title_unit is None
            and (m := _OF_UNIT.search(full))
            and not nfull.startswith("(")
            and "bao cao" not in nfull
        ):
            meta.title_unit = m.group(1).split(",")[0].strip()
        elif any(w in key for w in ("ho so", "tiep nhan", "giai quyet", "ky truoc")):
            for ck, pat in _COUNT_PATTERNS:
                if pat.search(key):
                    if ck not in counts:
                        counts[ck] = (raw, r, c)
                    break
    return meta


@record
class _Rows:
    """The criterion and level rows under the header: their columns, where their values go, and the criterion
    whose level rows are being read."""

    fw: Framework
    unit: UnitInput
    src: CellSources
    rec: Recognition
    file: str | None
    sheet: str | None
    cols: InitVar[dict[str, int]]  # the header's columns: STT and title default to the first two
    stt_c: int = field(init=False)
    title_c: int = field(init=False)
    max_c: int | None = field(init=False)
    count_c: int | None = field(init=False)
    self_c: int | None = field(init=False)
    crit_by_code: dict[str, Criterion] = field(init=False)
    current: Criterion | None = None  # the criterion of the level rows that follow
    node: dict[str, Any] = field(default_factory=dict)  # its entry in the unit's data
    level_index: int = 0  # the next of its levels
    seen: set[str] = field(default_factory=set)

    def __post_init__(self, cols: dict[str, int]) -> None:
        self.stt_c, self.title_c = cols.get("stt", 0), cols.get("title", 1)
        self.max_c, self.count_c, self.self_c = cols.get("max"), cols.get("count"), cols.get("self")
        self.crit_by_code = {c.code: c for c in self.fw.criteria}

    def read(self, grid: Grid, h: int) -> None:
        """Every row under the header: the total row, a criterion row (numbered 1, 2, …) or a level row."""
        stt_c, title_c = self.stt_c, self.title_c
        for r in range(h + 1, len(grid)):
            row = grid[r]
            n = len(row)
            stt_raw = cv(row, stt_c, n)
            title_raw = cv(row, title_c, n)
            if stt_raw is None and title_raw is None:
                continue
            if type(stt_raw) is str:
                if norm_label(stt_raw) in STT_LABELS or stt_raw.lstrip().startswith("("):
                    continue  # a header repeated after a page break, or the (1) (2) (3) column numbers
                if _LEVEL_MARK.match(norm(stt_raw)):
                    stt_raw = None  # a level row numbered "a)", "b." or "-" in the STT column
            title = norm(title_raw) if type(title_raw) is str else ""
            if title.startswith(TOTAL_ROW):
                if self.self_c is not None:
                    self.unit.data["stated_total"] = cv(row, self.self_c, n)
                    self.src.put("stated_total", r, self.self_c)
                continue
            code_n = stt_int(stt_raw) if stt_raw is not None else None
            if code_n is not None:
                self.criterion(str(code_n), row, n, r)
            elif self.current is not None and stt_raw is None and title_raw is not None:
                self.level(self.current, row, n, r)

    def criterion(self, code: str, row: Sequence[Any], n: int, r: int) -> None:
        """A criterion row: its stated score and stated maximum; an unknown or repeated code is skipped (a finding)."""
        crit = self.crit_by_code.get(code)
        self.current, self.level_index = None, 0
        findings, src = self.rec.findings, self.src
        if crit is None or code in self.seen:
            findings.append(
                Finding(
                    Code.UNKNOWN_ITEM,
                    Severity.WARNING,
                    f"Dòng tiêu chí «{code}» không có trong khung chấm điểm {self.fw.short_title or self.fw.id} "
                    "(hoặc bị lặp lại); bỏ qua.",
                    cell_loc(self.file, self.sheet, r, self.stt_c),
                    self.unit.name,
                    item=code,
                )
            )
            return
        self.seen.add(code)
        self.current = crit
        node: dict[str, Any] = {"counts" if crit.rule == "weighted_count" else "marks": {}}
        self.node = node
        self.unit.data["criteria"][code] = node
        base = "criteria/" + code
        src.put(base, r, self.stt_c)
        if self.count_c is not None:
            src.put(base + "/counts", r, self.count_c)
        if self.self_c is not None:
            stated = cv(row, self.self_c, n)
            if stated is not None:
                node["stated_score"] = stated
            src.put(base + "/stated_score", r, self.self_c)
        if self.max_c is not None:
            mx = cv(row, self.max_c, n)
            if mx != crit.max:
                loc = cell_loc(self.file, self.sheet, r, self.max_c)
                check_max(mx, crit.max, f"Tiêu chí {code}", loc, self.unit.name, code, findings)

    def level(self, current: Criterion, row: Sequence[Any], n: int, r: int) -> None:
        """The next level row of ``current``: its dossier count, or its mark (rows beyond its last level: ignored)."""
        if self.level_index >= len(current.levels):
            return
        lv = current.levels[self.level_index]
        self.level_index += 1
        if current.rule == "weighted_count":
            if self.count_c is None:
                return
            key = f"criteria/{current.code}/counts/{lv.key}"
            self.node["counts"][lv.key] = cv(row, self.count_c, n)
            self.src.put(key, r, self.count_c)
            self.rec.cells.append(InputCell(r, self.count_c, 0, key))
        else:
            if self.self_c is None:
                return
            key = f"criteria/{current.code}/marks/{lv.key}"
            self.node["marks"][lv.key] = cv(row, self.self_c, n)
            self.src.put(key, r, self.self_c)
            self.rec.cells.append(InputCell(r, self.self_c, 0, key, required=False))


__all__ = ["recognise"]
