"""Scoring a unit from item scores already worked out: the rows of a summary table.

A summary workbook lists, per unit, the score of each top-level item (TTHC criteria, service-index indicators,
PAR fields). When an officer corrects one of them, totals, applicable maxima, quy đổi, xếp loại and ranks are
recomputed from the items: each item is checked against its maximum, "-" is not applicable where the framework
allows it, and the framework's bands classify the result.
"""

from __future__ import annotations

from xl_tthc.core.engine._values import NA, Reader, new_result
from xl_tthc.core.findings import Code, Findings, Severity
from xl_tthc.core.framework import Framework
from xl_tthc.core.model import ItemResult, UnitInput, UnitResult
from xl_tthc.core.numbers import ROUNDERS, fmt_vn


def top_items(fw: Framework) -> list[tuple[str, str, float]]:
    """(code, title, max) of the items a summary row carries for this framework."""
    if fw.kind == "tthc":
        return [(c.code, c.title, c.max) for c in fw.criteria]
    if fw.kind == "service_index":
        return [(i.code, i.title, i.max) for i in fw.indicators() if not i.monitoring_only]
    return [(n.code, n.title, n.max) for n in fw.tree]


def score(fw: Framework, unit: UnitInput) -> UnitResult:
    """``unit.data["items"][code]`` holds each item's score as typed; returns the recomputed unit result."""
    findings = Findings(unit.name)
    rd = Reader(unit, findings)
    rnd = ROUNDERS[fw.rounding.method]
    result = new_result(fw, unit, applicable_max=0.0)
    entered = broken = False
    total = applicable = 0.0
    for code, title, mx in top_items(fw):
        key = f"items/{code}"
        before = len(findings)
        v = rd.number(key, f"Mục {code}", allow_na=True, item=code)
        item = ItemResult(code, title, mx, None, None)
        result.items.append(item)
        if v == NA and fw.na_mode == "rescale":
            item.applicable = False
            entered = True
            continue
        if not isinstance(v, float):
            if len(findings) > before or v == NA:
                broken = True
                if v == NA:
                    findings.add(
                        Code.NOT_A_NUMBER,
                        Severity.ERROR,
                        f"Mục {code}: khung chấm điểm {fw.short_title or fw.id} không cho phép «-».",
                        unit.where(key),
                        item=code,
                    )
            continue
        entered = True
        if v > mx + 1e-9:
            findings.add(
                Code.SCORE_ABOVE_MAX,
                Severity.ERROR,
                f"Mục {code}: điểm {fmt_vn(v, None)} vượt điểm tối đa {fmt_vn(mx, None)}; đã tính bằng {fmt_vn(mx, None)}.",
                unit.where(key),
                item=code,
                value=v,
                expected=mx,
            )
            v = mx
        item.score = v
        item.shown = rnd(v, fw.rounding.decimals)
        total += v
        applicable += mx
    result.applicable_max = applicable
    if not entered:
        result.status = "not_scored"
        return _done(result, findings)
    if broken or any(i.applicable and i.score is None for i in result.items) or applicable == 0:
        result.status = "invalid"
        return _done(result, findings)
    result.total = total
    result.total_shown = rnd(total, fw.rounding.decimals)
    if fw.na_mode == "rescale":
        result.quy_doi = rnd(total / applicable * fw.na_scale, fw.rounding.quy_doi_decimals)
    else:
        result.quy_doi = result.total_shown
    if fw.bands:
        band = fw.bands.classify(result.quy_doi if fw.bands.scale == "quy_doi" else total)
        result.band_code, result.band_label = band.code, band.label
    return _done(result, findings)


def _done(result: UnitResult, findings: Findings) -> UnitResult:
    result.findings = findings.as_list()
    return result


__all__ = ["score", "top_items"]
