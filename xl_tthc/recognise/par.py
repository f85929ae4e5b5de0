"""The PAR self-assessment and appraisal table of seed 004 as units type it themselves.

STT codes such as 1.3.1, Điểm chuẩn (or Điểm tối đa), Điểm tự đánh giá, Giải trình, Tài liệu kiểm chứng, Điểm thẩm
định, Ý kiến hội đồng thẩm định. The framework is the registry's PAR framework whose row codes the table matches
best (:func:`xl_tthc.recognise.choose.choose`).
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
    guess_level,
    header_columns,
    meta_lines,
    ntext,
    pretty_name,
    text,
    value,
)

_PAR_CODE = re.compile(r"^\d{1,2}(\.\d{1,2}){0,3}(\.[A-Za-z]+)?$")


_PAR_COLS: dict[str, Callable[[str], bool]] = {
    "stt": lambda t: t in STT_LABELS or t == "ma",
    "title": lambda t: t.startswith("linh vuc") or t.startswith("tieu chi") or t.startswith("noi dung"),
    "max": lambda t: t.startswith("diem chuan") or "toi da" in t,
    "self": lambda t: "tu danh gia" in t or "tu cham" in t,
    "explanation": lambda t: t.startswith("giai trinh"),
    "evidence": lambda t: "kiem chung" in t,
    "appraised": lambda t: "tham dinh" in t and t.startswith("diem"),
    "council_opinion": lambda t: t.startswith("y kien"),
}


def _par_code(v: Any) -> str | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | float):
        return text(v) if 0 < v < 100 else None
    t = str(v).strip().rstrip(".")
    return t if _PAR_CODE.match(t) else None


def recognise(grid: Grid, h: int, ctx: Context) -> Recognition | None:
    """The PAR table whose header row is ``h``; None when its row codes fit no PAR framework."""
    file, sheet = ctx.file, ctx.sheet
    cols = header_columns(grid, h, _PAR_COLS)  # a header over two rows ("Điểm" / "thẩm định") is read whole
    for key, c in header_columns(grid, h + 1, _PAR_COLS).items():  # and a label typed alone on the next row
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
        if title.startswith(TOTAL_ROW) or ntext(grid, r, stt_c).startswith(TOTAL_ROW):
            total_row = r
    codes = {c for _, c in rows}
    overlap: dict[str, float] = {}
    for cand in ctx.registry.all():
        if cand.kind == "par":
            known = {n.code for n in cand.nodes()}
            overlap[cand.id] = len(codes & known) / max(1, len(codes | known))
    best = max(overlap.values(), default=0.0)
    if best < 0.3:
        return None
    name = ""
    name_cell: tuple[int, int] | None = None
    period = None
    for key, _label, raw, r, c, full in meta_lines(grid, h):
        if key in {"don vi", "ten don vi", "co quan, don vi", "dia phuong"} and raw is not None:
            name, name_cell = text(raw), (r, c)
        elif period is None:
            period = parse_period(full)
    findings: list[Finding] = []
    template = "Bảng tự đánh giá, thẩm định Chỉ số CCHC (mẫu tự lập)"
    fw, chosen = choose(
        ctx,
        "par",
        grid=grid,
        fits=lambda f: overlap.get(f.id) == best,
        level=guess_level(name),
        period=period,
        where=(h, stt_c),
    )
    findings.extend(chosen)
    if fw is None:
        return Recognition(None, [], findings, template) if chosen else None
    labels = {"self": "Điểm tự đánh giá", "appraised": "Điểm thẩm định", "max": "Điểm chuẩn"}
    for key in ("self", "appraised"):
        if key not in cols:
            findings.append(
                Finding(
                    Code.COLUMN_MISSING,
                    Severity.WARNING if key == "appraised" else Severity.ERROR,
                    f"Bảng Chỉ số CCHC thiếu cột «{labels[key]}».",
                    cell_loc(file, sheet, h, stt_c),
                )
            )
    nodes = {n.code: n for n in fw.nodes()}
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
    rec = Recognition(fw, [unit], findings, template)
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
            check_max(
                value(grid, r, cols["max"]),
                node.max,
                f"Mục {code}",
                cell_loc(file, sheet, r, cols["max"]),
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

__all__ = ["recognise"]
