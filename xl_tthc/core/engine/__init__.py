"""The scoring engine: pure functions from (framework, unit inputs) to results and findings."""

from __future__ import annotations

import gc
import importlib
from collections.abc import Callable, Iterable
from datetime import date

from xl_tthc.core.engine import item_table
from xl_tthc.core.findings import Code, Finding, Severity
from xl_tthc.core.framework import Framework, level_label
from xl_tthc.core.model import UnitInput, UnitResult
from xl_tthc.core.periods import period_start

# the scoring module of each kind of framework, imported when a unit of that kind is first scored (a start that
# scores one kind does not build the tables of the others)
_ENGINES = {"tthc": "tthc", "service_index": "service_index", "par": "par"}
_SCORERS: dict[str, Callable[[Framework, UnitInput], UnitResult]] = {}


def _scorer(kind: str) -> Callable[[Framework, UnitInput], UnitResult]:
    scorer = _SCORERS.get(kind)
    if scorer is None:
        scorer = _SCORERS[kind] = importlib.import_module(f"{__name__}.{_ENGINES[kind]}").score
    return scorer


def score_unit(fw: Framework, unit: UnitInput, *, on: date | None = None) -> UnitResult:
    """Score one unit. Never raises for bad data: problems come back as findings."""
    result = _scorer(fw.kind)(fw, unit)
    extra: list[Finding] = []
    if unit.level and unit.level not in fw.levels:
        extra.append(
            Finding(
                Code.UNKNOWN_LEVEL,
                Severity.WARNING,
                f"Đơn vị «{unit.name}» thuộc cấp «{level_label(unit.level)}», khung chấm điểm {fw.short_title or fw.id} "
                f"áp dụng cho: {', '.join(level_label(lv) for lv in fw.levels)}.",
                unit.where("unit/level"),
                unit.name,
            )
        )
    if on is not None and not fw.applies_on(on):
        extra.append(
            Finding(
                Code.PERIOD_OUTSIDE_EFFECTIVE,
                Severity.WARNING,
                f"Kỳ đánh giá ({on:%d/%m/%Y}) nằm ngoài thời gian hiệu lực của {fw.short_title or fw.id} "
                f"(từ {fw.effective_from:%d/%m/%Y}"
                + (f" đến {fw.effective_to:%d/%m/%Y}" if fw.effective_to else "")
                + ").",
                unit.where("period"),
                unit.name,
            )
        )
    if extra:
        result.findings = extra + result.findings
    return result


def score_many(fw: Framework, units: Iterable[UnitInput], *, on: date | None = None) -> list[UnitResult]:
    """Score many units under one framework, each checked against the effective dates on its own period
    (or on ``on`` when given).

    The cyclic garbage collector is paused meanwhile: results hold no reference cycles, and a batch that keeps
    thousands of results alive would otherwise pay for repeated full collections of them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [score_unit(fw, u, on=on if on is not None else period_start(u.period)) for u in units]
    finally:
        if was_enabled:
            gc.enable()


def score_units(fw: Framework, units: Iterable[UnitInput], *, summary: bool = False) -> list[UnitResult]:
    """The one core entry every shell scores through: each unit scored (the effective dates checked against its
    period), then ranked among the units scored together (a lone scored unit is 1st of 1, as the templates' RANK
    formulas give). ``summary``: the units are rows of our summary workbook
    (item scores as inputs, ranked across levels)."""
    if summary:
        results = [item_table.score(fw, u) for u in units]
        assign_ranks(results, by_level=False)
        return results
    results = score_many(fw, units)
    assign_ranks(results)
    return results


def rank_key(result: UnitResult) -> float | None:
    """What units are ranked by: quy đổi where the framework converts, else the total."""
    if result.status != "scored":
        return None
    return result.quy_doi if result.quy_doi is not None else result.total


def assign_ranks(results: Iterable[UnitResult], by_level: bool = True) -> None:
    """Competition ranking (1, 2, 2, 4) among scored units, within each unit level by default.

    Ties are decided on the rounded figure officers see, so two units shown with the same score share a rank.
    """
    groups: dict[str | None, list[UnitResult]] = {}
    for r in results:
        groups.setdefault(r.level if by_level else None, []).append(r)
    for members in groups.values():
        keyed = [(rank_key(r), r) for r in members]
        scored = sorted(((k, r) for k, r in keyed if k is not None), key=lambda kr: -kr[0])  # type: ignore[operator]
        for r in members:
            r.rank = None
        for pos, (k, r) in enumerate(scored):
            r.rank = pos + 1 if pos == 0 or k != scored[pos - 1][0] else scored[pos - 1][1].rank


__all__ = ["assign_ranks", "rank_key", "score_many", "score_unit", "score_units"]
