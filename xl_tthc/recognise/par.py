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
from xl_tthc.core.framework import Framework, Node
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


_TEMPLATE = "Bảng tự đánh giá, thẩm định Chỉ số CCHC (mẫu tự lập)"


def recognise(grid: Grid, h: int, ctx: Context) -> Recognition | None:
    """The PAR table whose header row is ``h``; None when its row codes fit no PAR framework."""
    cols = header_columns(grid, h, _PAR_COLS)  # a header over two rows ("Điểm" / "thẩm định") is read whole
    for key, c in header_columns(grid, h + 1, _PAR_COLS).items():  # and a label typed alone on the next row
        cols.setdefault(key, c)
    stt_c = cols.get("stt", 0)
    rows, total_row = _code_rows(grid, h, stt_c, cols.get("title", stt_c + 1))
    overlap = _overlap(ctx, {c for _, c in rows})
    best = max(overlap.values(), default=0.0)
    if best < 0.3:
        return None
    name, name_cell, period = _unit_meta(grid, h)
    findings: list[Finding] = []
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
        return Recognition(None, [], findings, _TEMPLATE) if chosen else None
    findings.extend(_missing_scores(cols, ctx, h, stt_c))
    unit = UnitInput(
        name=pretty_name(name) if name else "",
        data={"rows": {}, "stated": {}},
        level=fw.levels[0] if len(fw.levels) == 1 else guess_level(name),
        period=period,
        file=ctx.file,
        sheet=ctx.sheet,
    )
    src = CellSources(ctx.file, ctx.sheet)
    unit.sources = src
    rec = Recognition(fw, [unit], findings, _TEMPLATE)
    if name_cell:
        src.put("unit/name", *name_cell)
    src.put("rows", h, stt_c)
    _Rows(grid, fw, unit, src, rec, cols).read(rows, total_row)
    return rec


def _missing_scores(cols: dict[str, int], ctx: Context, h: int, stt_c: int) -> list[Finding]:
    """A finding for each score column the header lacks: the self-assessed score (an error), the appraised one."""
    return [
        Finding(
            Code.COLUMN_MISSING,
            Severity.WARNING if key == "appraised" else Severity.ERROR,
            f"Bảng Chỉ số CCHC thiếu cột «{label}».",
            cell_loc(ctx.file, ctx.sheet, h, stt_c),
        )
        for key, label in (("self", "Điểm tự đánh giá"), ("appraised", "Điểm thẩm định"))
        if key not in cols
    ]


def _code_rows(grid: Grid, h: int, stt_c: int, title_c: int) -> tuple[list[tuple[int, str]], int | None]:
    """The rows under the header that carry a code (row, code), and the total row (the last one) if any."""
    rows: list[tuple[int, str]] = []
    total_row: int | None = None
    for r in range(h + 1, len(grid)):
        code = _par_code(value(grid, r, stt_c))
        if code:
            rows.append((r, code))
            continue
        title = ntext(grid, r, title_c)
        if title.startswith(TOTAL_ROW) or ntext(grid, r, stt_c).startswith(TOTAL_ROW):
            total_row = r
    return rows, total_row


def _overlap(ctx: Context, codes: set[str]) -> dict[str, float]:
    """For each PAR framework of the registry: the share of codes it and the table have in common (Jaccard)."""
    overlap: dict[str, float] = {}
    for cand in ctx.registry.of_kind("par"):
        known = {n.code for n in cand.nodes()}
        overlap[cand.id] = len(codes & known) / max(1, len(codes | known))
    return overlap


def _unit_meta(grid: Grid, h: int) -> tuple[str, tuple[int, int] | None, str | None]:
    """(unit name, its cell, period) from the lines above the header: the last «Đơn vị» line, the first period."""
    name = ""
    name_cell: tuple[int, int] | None = None
    period = None
    for key, _label, raw, r, c, full in meta_lines(grid, h):
        if key in {"don vi", "ten don vi", "co quan, don vi", "dia phuong"} and raw is not None:
            name, name_cell = text(raw), (r, c)
        elif period is None:
            period = parse_period(full)
    return name, name_cell, period


@record
class _Rows:
    """The code rows of the table read into the unit: where the values are and where they go."""

    grid: Grid
    fw: Framework
    unit: UnitInput
    src: CellSources
    rec: Recognition
    cols: dict[str, int]

    def read(self, rows: list[tuple[int, str]], total_row: int | None) -> None:
        """Every code row, then the total row; a code the framework lacks goes in empty (the core reports it)."""
        nodes = {n.code: n for n in self.fw.nodes()}
        cols, stt_c = self.cols, self.cols.get("stt", 0)
        score_cols: list[str] = [k for k in ("self", "appraised") if k in cols]
        text_cols: list[str] = [k for k in ("explanation", "evidence", "council_opinion") if k in cols]
        for r, code in rows:
            node = nodes.get(code)
            if node is None:
                set_key(self.unit.data, f"rows/{code}", {})
                self.src.put(f"rows/{code}", r, stt_c)
                continue
            if "max" in cols:
                mx, loc = value(self.grid, r, cols["max"]), cell_loc(self.unit.file, self.unit.sheet, r, cols["max"])
                check_max(mx, node.max, f"Mục {code}", loc, self.unit.name, code, self.rec.findings)
            base = f"rows/{code}" if node.is_leaf else f"stated/{code}"
            self.src.put(base, r, stt_c)
            self.scores(r, node, base, score_cols)
            if node.is_leaf:
                self.texts(r, base, text_cols)
        if total_row is not None:
            self.total(total_row, score_cols)

    def total(self, r: int, score_cols: list[str]) -> None:
        """The totals the table states on its total row."""
        for k in score_cols:
            raw = value(self.grid, r, self.cols[k])
            if raw is not None:
                set_key(self.unit.data, f"stated/total/{k}", raw)
            self.src.put(f"stated/total/{k}", r, self.cols[k])

    def scores(self, r: int, node: Node, base: str, score_cols: list[str]) -> None:
        """The self-assessed and appraised scores of a row; those of a leaf are inputs (but a survey's self score)."""
        data, src, cells = self.unit.data, self.src, self.rec.cells
        for k in score_cols:
            c = self.cols[k]
            raw = value(self.grid, r, c)
            key = f"{base}/{k}"
            if raw is not None:
                set_key(data, key, raw)
            src.put(key, r, c)
            if node.is_leaf and not (k == "self" and node.source == "survey"):
                cells.append(InputCell(r, c, 0, key, required=False))

    def texts(self, r: int, base: str, text_cols: list[str]) -> None:
        """The explanation, evidence and council-opinion texts of a leaf row."""
        for tk in text_cols:
            c = self.cols[tk]
            raw = value(self.grid, r, c)
            if raw is not None:
                set_key(self.unit.data, f"{base}/{tk}", text(raw))
            self.src.put(f"{base}/{tk}", r, c)


__all__ = ["recognise"]
