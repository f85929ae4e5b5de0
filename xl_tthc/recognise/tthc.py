"""The TTHC annex of Báo cáo 205/BC-UBND (seed 001) as units type it themselves.

STT / Tiêu chí/Tiêu chí thành phần / Điểm tối đa / Số lượng hồ sơ / Điểm tự đánh giá / Ghi chú; the dossier
counts as "Label: value" lines above the table; criterion rows 1–9, each followed by its level rows (numbered
"a)", "-" or not at all). The framework comes from the registry by kind and unit level
(:func:`xl_tthc.recognise.choose.choose`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from xl_tthc.core.findings import Code, Finding, Severity
from xl_tthc.core.keys import set_key
from xl_tthc.core.model import UnitInput
from xl_tthc.core.periods import parse_period
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
    row_cells,
    stt_int,
    text,
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


def recognise(grid: Grid, h: int, ctx: Context) -> Recognition:
    """The TTHC annex whose header row is ``h``."""
    file, sheet = ctx.file, ctx.sheet
    cols = header_columns(grid, h, _TTHC_COLS)
    head_c = cols.get("stt", 0)  # where the table starts: header findings point at its first cell
    findings: list[Finding] = []
    for key in ("max", "count", "self"):
        if key not in cols:
            findings.append(
                Finding(
                    Code.COLUMN_MISSING,
                    Severity.ERROR,
                    f"Biểu chấm điểm TTHC thiếu cột «{_TTHC_COL_LABELS[key]}»: không đọc được số liệu của cột này.",
                    cell_loc(file, sheet, h, head_c),
                )
            )
    # metadata above the table
    unit_text: str | None = None
    unit_cell: tuple[int, int] | None = None
    title_unit: str | None = None
    period_raw: Any = None
    period_cell: tuple[int, int] | None = None
    counts: dict[str, tuple[Any, int, int]] = {}
    for key, _label, raw, r, c, full in meta_lines(grid, h):
        nfull = norm(full)
        if key.startswith("ky danh gia") or key.startswith("ky bao cao"):
            period_raw, period_cell = raw, (r, c)
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
    period = parse_period(period_raw)
    if period is None and period_raw is not None and period_cell is not None:
        findings.append(period_finding(period_raw, cell_loc(file, sheet, *period_cell)))
    fw, chosen = choose(ctx, "tthc", grid=grid, level=level, period=period, where=(h, head_c))
    findings.extend(chosen)
    template = "Phụ lục chấm điểm giải quyết TTHC (mẫu tự lập)"
    if fw is None:
        return Recognition(None, [], findings, template)
    unit = UnitInput(
        name=name,
        data={"counts": {}, "criteria": {}},
        level=level,
        period=period,
        file=file,
        sheet=sheet,
    )
    src = CellSources(file, sheet)
    unit.sources = src
    rec = Recognition(fw, [unit], findings, template)
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
            if self_c is not None:
                unit.data["stated_total"] = cv(row, self_c, n)
                src.put("stated_total", r, self_c)
            continue
        code_n = stt_int(stt_raw) if stt_raw is not None else None
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
                        cell_loc(file, sheet, r, stt_c),
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
                stated = cv(row, self_c, n)
                if stated is not None:
                    node["stated_score"] = stated
                src.put(base + "/stated_score", r, self_c)
            if max_c is not None:
                mx = cv(row, max_c, n)
                if mx != crit.max:
                    check_max(mx, crit.max, f"Tiêu chí {code}", cell_loc(file, sheet, r, max_c), unit.name, code, findings)
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
            node["counts"][lv.key] = cv(row, count_c, n)
            src.put(key, r, count_c)
            cells.append(InputCell(r, count_c, 0, key))
        else:
            if self_c is None:
                continue
            key = f"criteria/{current.code}/marks/{lv.key}"
            node["marks"][lv.key] = cv(row, self_c, n)
            src.put(key, r, self_c)
            cells.append(InputCell(r, self_c, 0, key, required=False))
    return rec

__all__ = ["recognise"]
