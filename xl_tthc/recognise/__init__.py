"""Recognition: what a sheet is, which framework scores it, and where each input and output sits.

One entry, :func:`recognise`, used by every shell through :mod:`xl_tthc.pipeline`. In order:

1. sheets xl_tthc wrote itself (:mod:`~xl_tthc.recognise.ours`): a findings sheet is skipped, a unit table of our
   summary workbook is recognised as such;
2. our templates by their «Mã biểu mẫu: …» line (:mod:`~xl_tthc.recognise.official`): every slot at its cell;
3. forms units type themselves, by their header labels: the TTHC annex (:mod:`~xl_tthc.recognise.tthc`), the
   service-index appendix (:mod:`~xl_tthc.recognise.service_index`), the PAR table (:mod:`~xl_tthc.recognise.par`).

The framework always comes from the registry (:mod:`~xl_tthc.recognise.choose`): a framework added as a JSON file
is recognised, and two that fit equally are never decided silently.
"""

from __future__ import annotations

from xl_tthc.core.findings import Finding
from xl_tthc.recognise import ours
from xl_tthc.recognise.common import (
    HEADER_SCAN_ROWS,
    STT_LABELS,
    CellSources,
    Context,
    Grid,
    InputCell,
    Recognition,
    dotted_codes,
    header_labels,
    is_unit_label,
)
from xl_tthc.recognise.official import recognise as recognise_template
from xl_tthc.recognise.official import template_label, template_layout

SKIP = "ours"  # the role of a sheet xl_tthc wrote itself that holds no data


def recognise(grid: Grid, ctx: Context) -> tuple[Recognition | None, list[Finding]]:
    """(recognition, findings about the sheet) — ``(None, findings)`` when the sheet holds no form we know.

    A returned recognition with ``framework`` None was recognised but could not be given one framework; its
    findings say why (and how the officer chooses).
    """
    if ours.is_ours(grid, ctx.sheet):
        return Recognition(None, [], [], "Trang kết quả của xl_tthc", role=SKIP), []
    summary = ours.summary_table(grid, ctx)
    if summary is not None:
        return summary, []
    rec, notes = recognise_template(grid, ctx)
    if rec is None:
        rec = by_labels(grid, ctx)
        if rec is not None:
            layout = template_layout(grid, ctx.registry)
            if layout is not None:  # one of our templates read by its header labels (the appendix) keeps its name
                rec.template, rec.layout = template_label(layout), layout
    return rec, notes


def by_labels(grid: Grid, ctx: Context) -> Recognition | None:
    """A form recognised by its header labels: TTHC annex, service-index appendix or PAR table."""
    # each recogniser is imported when its kind of header is met: a start that meets only our templates or one kind
    # of form (the add-in's click, fill) does not load the others
    limit = min(len(grid), HEADER_SCAN_ROWS)
    for r in range(limit):
        if sum(1 for v in grid[r] if type(v) is str and v) < 3:
            continue
        labels = {t for ts in header_labels(grid, r).values() for t in ts}
        if not labels & STT_LABELS or len(labels) < 3:
            continue
        if any(lb.startswith("diem chuan") for lb in labels):
            from xl_tthc.recognise import par

            return par.recognise(grid, r, ctx)
        if any("toi da" in lb for lb in labels) and dotted_codes(grid, r):  # a PAR table headed "Điểm tối đa"
            from xl_tthc.recognise import par

            rec = par.recognise(grid, r, ctx)
            if rec is not None:
                return rec
        if any(is_unit_label(lb) for lb in labels):
            from xl_tthc.recognise import service_index

            return service_index.recognise(grid, r, ctx)
        if any("tieu chi" in lb or lb.startswith("noi dung") for lb in labels) and any(
            "tu danh gia" in lb or "tu cham" in lb for lb in labels
        ):
            from xl_tthc.recognise import tthc

            return tthc.recognise(grid, r, ctx)
    return None


__all__ = ["SKIP", "CellSources", "Context", "Grid", "InputCell", "Recognition", "by_labels", "recognise"]
