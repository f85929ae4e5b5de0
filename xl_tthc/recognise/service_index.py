"""The service-index appendix of Báo cáo 405/BC-UBND (seed 002) as units type it themselves.

STT, TÊN ĐƠN VỊ, one column per indicator under merged group headers, TỔNG ĐIỂM ĐẠT ĐƯỢC, TỔNG ĐIỂM QUY ĐỔI, XẾP
LOẠI (and HẠNG); section rows I/II give the unit level; one unit per row. The framework is the registry's
service-index framework whose groups and indicators the columns map (:func:`xl_tthc.recognise.choose.choose`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import lru_cache

from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.framework import Framework
from xl_tthc.core.model import UnitInput
from xl_tthc.core.numbers import fmt_vn
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
    grid_width,
    guess_level,
    is_section,
    is_unit_label,
    norm,
    norm_label,
    row_cells,
    stt_int,
    text,
    title_period,
    value,
)

_MAX_IN_HEADER = re.compile(r"\(\s*(\d+(?:[.,]\d+)?)\s*d\s*\)")


_CHI_SO_N = re.compile(r"chi so\s*(\d+)")


@lru_cache(maxsize=4096)
def _group_tokens(t: str) -> frozenset[str]:
    """The words of a group title or group header that tell groups apart (the same few texts in every file)."""
    t = _MAX_IN_HEADER.sub(" ", t)
    words = re.findall(r"[a-z0-9]+", t)
    stop = {"nhom", "chi", "so", "d", "va", "cac", "cua", "kq", "dvctt"}
    out = {w for w in words if w not in stop}
    if "dvctt" in words or "dvc" in words:
        out |= {"dich", "vu", "cong", "truc", "tuyen"}
    if "kq" in words:
        out |= {"ket", "qua"}
    return frozenset(out)


_TEMPLATE = "Phụ lục kết quả Bộ chỉ số phục vụ người dân, doanh nghiệp (mẫu tự lập)"


_STATED = (("total", "TỔNG ĐIỂM ĐẠT ĐƯỢC"), ("quy_doi", "TỔNG ĐIỂM QUY ĐỔI"), ("band", "XẾP LOẠI"))


def recognise(grid: Grid, h: int, ctx: Context) -> Recognition | None:
    """The multi-unit appendix whose header row is ``h``; None when no service-index framework fits its columns."""
    head = _Header.read(grid, h)
    head_loc = cell_loc(ctx.file, ctx.sheet, h, head.stt_c)  # where findings on the header point
    findings = [
        Finding(
            Code.COLUMN_MISSING,
            Severity.WARNING,
            f"Phụ lục thiếu cột «{what}»: không đối chiếu được con số đơn vị đã ghi.",
            head_loc,
        )
        for key, what in _STATED
        if key not in head.cols
    ]
    fits, fit = _fitting(head, ctx)
    period = title_period(grid, h)
    fw, chosen = choose(ctx, "service_index", grid=grid, fits=fit, period=period, where=(h, head.stt_c))
    findings.extend(chosen)
    if fw is None:
        return Recognition(None, [], findings, _TEMPLATE) if chosen else None
    hit = fits.get(fw.id)
    if hit is not None:
        mapping, notes = hit[0], _located(hit[1], ctx)
    else:
        mapping, notes = _map_indicators(fw, head.leaf_of_col, head.group_of_col, ctx.file, ctx.sheet)
    findings.extend(notes)
    findings.extend(_missing_indicators(fw, mapping, head_loc))
    rec = Recognition(fw, [], findings, _TEMPLATE)
    plan = [(code, f"indicators/{code}", c) for code, c in mapping.items()]
    for r, name, level, level_cell in _unit_rows(grid, head):
        unit = UnitInput(
            name=name,
            data={"indicators": {}, "stated": {}},
            level=level,
            period=period,
            file=ctx.file,
            sheet=ctx.sheet,
        )
        _read_unit_row(grid, r, head, plan, unit, level_cell, rec)
        rec.units.append(unit)
    return rec


def _missing_indicators(fw: Framework, mapping: dict[str, int], loc: Location) -> list[Finding]:
    """A finding for each scored indicator of ``fw`` that no column maps."""
    return [
        Finding(
            Code.COLUMN_MISSING,
            Severity.ERROR,
            f"Phụ lục thiếu cột chỉ số {ind.code} ({ind.title}, tối đa {fmt_vn(ind.max, None)} điểm).",
            loc,
            item=ind.code,
        )
        for ind in fw.indicators()
        if ind.code not in mapping and not ind.monitoring_only
    ]


@record
class _Header:
    """The header block of the appendix: from the header row to the first data row (a section row or a numbered
    unit row), and the columns it names."""

    stt_c: int
    first_data: int  # the first section or unit row (len(grid) when there is none)
    block: range  # the header's rows (at most six)
    cols: dict[str, int]  # name, total, quy_doi, band, rank
    name_c: int
    leaf_of_col: dict[int, tuple[int, str]]  # indicator column -> (row, text) of its own header
    group_of_col: dict[int, tuple[int, int, str]]  # indicator column -> (row, col, text) of its group header

    @classmethod
    def read(cls, grid: Grid, h: int) -> _Header:
        """The header whose first row is ``h``."""
        stt_c = next((c for c, v in row_cells(grid, h) if isinstance(v, str) and norm_label(v) in STT_LABELS), 0)
        first_data = len(grid)
        for r in range(h + 1, len(grid)):
            v = value(grid, r, stt_c)
            if v is not None and (stt_int(v) is not None or is_section(v)):
                first_data = r
                break
        block = range(h, min(first_data, h + 6))
        cols = _named_columns(grid, block)
        name_c = cols.get("name", stt_c + 1)
        width = grid_width(grid)
        end_c = min(c for c in (*(cols.get(k) for k in ("total", "quy_doi", "band", "rank")), width) if c is not None)
        leaf_of_col, group_of_col = _indicator_headers(grid, block, name_c, end_c)
        return cls(stt_c, first_data, block, cols, name_c, leaf_of_col, group_of_col)


def _named_columns(grid: Grid, block: range) -> dict[str, int]:
    """The unit name, total, converted total, band and rank columns (the first header text of each)."""
    cols: dict[str, int] = {}
    for r in block:
        for c, v in row_cells(grid, r):
            if not isinstance(v, str):
                continue
            t = norm_label(v)
            if is_unit_label(t) and "name" not in cols:
                cols["name"] = c
            elif "quy doi" in t and "quy_doi" not in cols:
                cols["quy_doi"] = c
            elif t.startswith(TOTAL_ROW) and "total" not in cols:
                cols["total"] = c
            elif t.startswith("xep loai") and "band" not in cols:
                cols["band"] = c
            elif t in {"hang", "xep hang", "thu hang"} and "rank" not in cols:
                cols["rank"] = c
    return cols


def _indicator_headers(
    grid: Grid, block: range, name_c: int, end_c: int
) -> tuple[dict[int, tuple[int, str]], dict[int, tuple[int, int, str]]]:
    """The indicator columns between the name and the totals: the lowest header text of each (its own header) and
    the one above it (its group header), the group carried right from a merged group header."""
    group_of_col: dict[int, tuple[int, int, str]] = {}
    leaf_of_col: dict[int, tuple[int, str]] = {}
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
    return leaf_of_col, group_of_col


_Mapped = tuple[dict[str, int], list[Finding]]


# The fitting of a header to the registry's frameworks, per header: every file of a folder made from one form has
# the same header, and mapping its columns to each candidate framework was a third of recognising the sheet. Keyed
# by the header's texts and the candidates themselves (held in the value, so their ids are not reused); the
# findings are kept without file and sheet, which each sheet puts back.
_FITS: dict[tuple[object, ...], tuple[tuple[Framework, ...], dict[str, _Mapped], dict[str, float]]] = {}


def _fitting(head: _Header, ctx: Context) -> tuple[dict[str, _Mapped], Callable[[Framework], bool]]:
    """The registry's service-index frameworks whose scored indicators the columns map at least half of (their
    mappings, with findings on header cells that name no file or sheet: :func:`_located` points them), and the test
    that keeps those that map the largest share."""
    cands = tuple(ctx.registry.of_kind("service_index"))
    key = (
        tuple(map(id, cands)),
        tuple(head.leaf_of_col.items()),
        tuple(head.group_of_col.items()),
    )
    hit = _FITS.get(key)
    if hit is None:
        fits: dict[str, _Mapped] = {}
        shares: dict[str, float] = {}
        for cand in cands:
            mapped = _map_indicators(cand, head.leaf_of_col, head.group_of_col, None, None)
            scored = [ind for ind in cand.indicators() if not ind.monitoring_only]
            share = sum(1 for ind in scored if ind.code in mapped[0]) / max(1, len(scored))
            if share >= 0.5:
                fits[cand.id], shares[cand.id] = mapped, share
        if len(_FITS) >= 64:
            _FITS.clear()
        hit = _FITS[key] = (cands, fits, shares)
    _, fits, shares = hit
    best = max(shares.values(), default=0.0)
    return fits, lambda cand: shares.get(cand.id) == best


def _located(notes: list[Finding], ctx: Context) -> list[Finding]:
    """``notes`` (findings on header cells, kept without file and sheet) pointing into this file's sheet."""
    return [replace(f, location=replace(f.location, file=ctx.file, sheet=ctx.sheet)) for f in notes]


def _unit_rows(grid: Grid, head: _Header) -> Iterator[tuple[int, str, str | None, tuple[int, int]]]:
    """(row, unit name, level, cell the level is read from) of each numbered unit row, up to the notes under the
    table; a section row (I, II) gives the level of the units under it."""
    stt_c, name_c = head.stt_c, head.name_c
    level: str | None = None
    level_cell: tuple[int, int] | None = None
    for r in range(head.first_data, len(grid)):
        first = next((v for v in grid[r] if v is not None and (not isinstance(v, str) or v.strip())), None)
        if first is None:
            continue
        ftext = norm(first) if isinstance(first, str) else ""
        if ftext.startswith("luu y") or ftext.startswith("ghi chu") or ftext.startswith("noi nhan"):
            break
        stt = value(grid, r, stt_c)
        name_v = value(grid, r, name_c)
        if is_section(stt) and stt_int(stt) is None:
            section_text = " ".join(text(v) for _, v in row_cells(grid, r))
            level = guess_level(section_text)
            level_cell = (r, stt_c)
            continue
        if stt_int(stt) is None or name_v is None:
            continue
        name = text(name_v)
        yield r, name, level or guess_level(name), level_cell or (r, name_c)


def _read_unit_row(
    grid: Grid,
    r: int,
    head: _Header,
    plan: list[tuple[str, str, int]],
    unit: UnitInput,
    level_cell: tuple[int, int],
    rec: Recognition,
) -> None:
    """Row ``r`` into ``unit``: its indicator scores (inputs) and the totals and band it states, with their cells.
    ``plan``: (indicator code, input key, column) of each mapped indicator."""
    ui = len(rec.units)
    name_c, cols = head.name_c, head.cols
    row = grid[r]
    width = len(row)
    cells = {"unit/name": (r, name_c), "unit/level": level_cell, "indicators": (r, name_c)}
    indicators, stated = unit.data["indicators"], unit.data["stated"]
    add_cell = rec.cells.append
    for code, key, c in plan:
        raw = row[c] if c < width else None
        if raw is not None and (raw.strip() if isinstance(raw, str) else True):  # as common.value: blank is None
            indicators[code] = raw
        cells[key] = (r, c)
        add_cell(InputCell(r, c, ui, key))
    for key, _what in _STATED:
        if key in cols:
            raw = value(grid, r, cols[key])
            if isinstance(raw, str):
                raw = " ".join(raw.split())
            if raw is not None:
                stated[key] = raw
            cells[f"stated/{key}"] = (r, cols[key])
    if "rank" in cols:  # where «Tính điểm» writes the rank; a typed rank is not an input
        cells["stated/rank"] = (r, cols["rank"])
    unit.sources = CellSources(unit.file, unit.sheet, cells, shared=False)


def _best_group(toks: frozenset[str], group_tokens: list[frozenset[str]]) -> int | None:
    """The group whose title words the column's group header has the largest share of (the first of equals); None
    below half."""
    best, best_score = None, 0.0
    for gi, gt in enumerate(group_tokens):
        score = len(toks & gt) / max(1, len(gt))
        if score > best_score:
            best, best_score = gi, score
    return best if best_score >= 0.5 else None


def _map_indicators(
    fw: Framework,
    leaf_of_col: dict[int, tuple[int, str]],
    group_of_col: dict[int, tuple[int, int, str]],
    file: str | None,
    sheet: str | None,
) -> tuple[dict[str, int], list[Finding]]:
    """Each indicator column of the header assigned to a group of ``fw``, then to the N-th indicator of the group;
    with the findings on maxima written in the header that differ from the framework's."""
    findings: list[Finding] = []
    groups = list(fw.groups)
    group_tokens = [_group_tokens(norm(g.title)) for g in groups]
    mapping: dict[str, int] = {}
    used_groups: dict[int, int] = {}
    for c in sorted(leaf_of_col):
        r, leaf = leaf_of_col[c]
        gtext = group_of_col.get(c, (r, c, leaf))[2]
        best = _best_group(_group_tokens(gtext), group_tokens)
        if best is None:
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
            check_max(
                mx.group(1),
                ind.max,
                f"Cột chỉ số {ind.code} ({ind.short or ind.title})",
                cell_loc(file, sheet, r, c),
                None,
                ind.code,
                findings,
            )
    return mapping, findings


__all__ = ["recognise"]
