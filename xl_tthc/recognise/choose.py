"""Which framework a recognised sheet is scored under: chosen from the registry, never hard-coded.

A recogniser knows the kind of form (TTHC annex, service-index appendix, PAR table) and can tell whether a
framework's structure fits the sheet (its indicator columns, its row codes). Among the registry's frameworks of
that kind that fit, the unit level and the period (against the effective dates) narrow the choice. When more than
one still fits — a province added its own decision that ``extends`` a shipped one, say — the officer is asked to
choose (a finding), with ``--framework`` or a «Khung chấm điểm: <mã>» cell in the workbook; there is no silent
default. An explicit choice always wins; then a «Khung chấm điểm» cell; then the framework our template names on
its «Mã biểu mẫu» line (the appendix template is read by its header labels but still says whose template it is).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from xl_tthc.core.findings import Code, Finding, Severity
from xl_tthc.core.framework import Framework, FrameworkError, Registry, level_label
from xl_tthc.core.periods import period_start
from xl_tthc.recognise.common import HEADER_SCAN_ROWS, Context, Grid, cell_loc, norm, row_cells
from xl_tthc.recognise.official import find_meta

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{2,80}$")
_LABEL = "khung cham diem"
CHOICE_HINT_VI = (
    "Chọn khung bằng cách ghi «Khung chấm điểm: <mã khung>» vào một ô phía trên bảng, hoặc dùng tùy chọn "
    "--framework <mã khung> (xem danh sách bằng lệnh «xl-tthc frameworks»)."
)


def _has_label(row: Sequence[Any]) -> bool:
    # a plain loop: any() over a generator cost as much as the rest of the scan (every cell of the sheet passes here)
    for v in row:  # noqa: SIM110
        if isinstance(v, str) and v and norm(v).startswith(_LABEL):
            return True
    return False


def named_framework(grid: Grid) -> tuple[str, int, int] | None:
    """A framework id the officer wrote in the workbook: «Khung chấm điểm: sv459-dienbien-2023» (one cell, or the
    label and the id in the next cell), in the title rows or below the table. Our template line («Mã biểu mẫu: …»)
    is read by :mod:`xl_tthc.recognise.official` instead."""
    n = len(grid)
    rows = [*range(min(n, HEADER_SCAN_ROWS)), *range(max(HEADER_SCAN_ROWS, n - 40), n)]
    for r in rows:
        if not _has_label(grid[r]):
            continue  # most rows: no label, and no list of the row's cells built
        cells = row_cells(grid, r)
        for i, (c, v) in enumerate(cells):
            if not isinstance(v, str) or not norm(v).startswith(_LABEL):
                continue
            _label, sep, rest = v.partition(":")
            candidate = rest.strip() if sep and rest.strip() else None
            if candidate is None and i + 1 < len(cells):
                candidate, c = str(cells[i + 1][1]).strip(), cells[i + 1][0]
            if candidate and _ID.match(candidate.lower()):
                return candidate.lower(), r, c
    return None


def template_framework(grid: Grid, registry: Registry) -> tuple[str, int, int] | None:
    """The framework named on the «Mã biểu mẫu: …» line of one of our templates that is read by its header labels
    (the multi-unit appendix), when the registry has it: a workbook made from the template of a framework that
    ``extends`` another is scored as that framework, not found ambiguous with its parent (or taken for it)."""
    meta = find_meta(grid)
    if meta is None:
        return None
    try:
        registry.get(meta.framework_id)
    except FrameworkError:
        return None  # a template of a framework this installation lacks: chosen as any hand-made form
    return meta.framework_id, meta.row, meta.col


def choose(
    ctx: Context,
    kind: str,
    *,
    grid: Grid,
    fits: Callable[[Framework], bool] | None = None,
    level: str | None = None,
    period: str | None = None,
    where: tuple[int, int] = (0, 0),
) -> tuple[Framework | None, list[Finding]]:
    """(framework, findings). ``None`` with no finding: no framework of this kind fits the sheet at all."""
    reg = ctx.registry
    named = named_framework(grid) or template_framework(grid, reg)
    explicit = ctx.framework or (named[0] if named else None)
    at = cell_loc(ctx.file, ctx.sheet, named[1], named[2]) if named and not ctx.framework else cell_loc(
        ctx.file, ctx.sheet, *where
    )
    if explicit:
        try:
            fw = reg.get(explicit)
        except FrameworkError:
            return None, [
                Finding(
                    Code.UNKNOWN_FRAMEWORK,
                    Severity.ERROR,
                    f"Không có khung chấm điểm «{explicit}» (xem danh sách bằng lệnh «xl-tthc frameworks»; khung của "
                    "tỉnh được thêm bằng tùy chọn --frameworks THƯ_MỤC).",
                    at,
                    value=explicit,
                )
            ]
        if fw.kind != kind:
            return None, [
                Finding(
                    Code.UNKNOWN_FRAMEWORK,
                    Severity.ERROR,
                    f"Khung chấm điểm «{explicit}» ({fw.short_title or fw.title}) không dùng cho loại bảng này.",
                    at,
                    value=explicit,
                )
            ]
        return fw, []
    candidates = [fw for fw in reg.of_kind(kind) if fits is None or fits(fw)]
    if level:
        candidates = [fw for fw in candidates if level in fw.levels] or candidates
    on = period_start(period)
    if on is not None:
        candidates = [fw for fw in candidates if fw.applies_on(on)] or candidates
    if len(candidates) <= 1:
        return (candidates[0] if candidates else None), []
    listed = "; ".join(f"{fw.id} ({fw.short_title or fw.title})" for fw in candidates)
    why = []
    if level:
        why.append(f"cấp {level_label(level)}")
    if period:
        why.append(f"kỳ {period}")
    return None, [
        Finding(
            Code.FRAMEWORK_AMBIGUOUS,
            Severity.ERROR,
            f"Bảng này khớp {len(candidates)} khung chấm điểm"
            + (f" cùng áp dụng cho {', '.join(why)}" if why else "")
            + f": {listed}. Chưa chấm điểm để tránh chấm nhầm khung. {CHOICE_HINT_VI}",
            at,
            value=[fw.id for fw in candidates],
        )
    ]


__all__ = ["CHOICE_HINT_VI", "choose", "named_framework", "template_framework"]
