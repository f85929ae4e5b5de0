"""PAR Index (Chỉ số CCHC) analysis, modelled on the district letters that analyse a year's result.

From a scored PAR unit (``xl_tthc.core.engine.par``) this gives what such a letter states: the index out of
its maximum, the points not reached, the split into implementation (triển khai thực hiện) and survey (điều
tra xã hội học) with percentages, the points per field, the largest losses per field and criterion,
deductions and the final score, where the appraisal council cut the self-assessed score, rows that claim
points with neither explanation nor evidence (councils do not accept those), and the rank among units.

Published figures: a letter repeats the figures the province published (e.g. implementation 52,02/68,5 =
75,94 %), which can differ from the sum of the fields. When the input states them (``data.stated``:
``total``, ``implementation``, ``survey``) they are shown, and the computed figure is kept beside them.

Pure: no I/O; numbers come back as floats without float noise (rounded to 6 decimals), percentages
rounded half-up to 2 decimals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from typing import Any

from xl_tthc.core.engine._values import matches_stated
from xl_tthc.core.framework import Framework, Node
from xl_tthc.core.model import ItemResult, UnitResult
from xl_tthc.core.numbers import parse_number, round_half_up_decimal
from xl_tthc.core.records import record


def _c(x: float) -> float:
    """Drop float noise (16,5 - 14,076 = 2,4239999… -> 2,424)."""
    return round(x, 6) + 0.0


def percent(part: float, whole: float) -> float | None:
    """``part / whole × 100`` rounded half-up to 2 decimals (52,02 / 68,5 -> 75,94)."""
    if whole <= 0:
        return None
    return round_half_up_decimal(part / whole * 100, 2)


@record(frozen=True)
class Part:
    """The implementation or the survey share of the index."""

    label: str
    achieved: float  # computed from the rows
    max: float
    stated: float | None = None  # the published figure, when the input states one
    stated_matches: bool = True  # the published figure is the computed one at its precision

    @property
    def shown(self) -> float:
        """The figure to print: the published one when given, else the computed one."""
        return self.stated if self.stated is not None else self.achieved

    @property
    def percent(self) -> float | None:
        return percent(self.shown, self.max)

    @property
    def computed_percent(self) -> float | None:
        return percent(self.achieved, self.max)

    @property
    def lost(self) -> float:
        return _c(self.max - self.shown)


@record(frozen=True)
class Loss:
    """Points of one field or criterion: maximum, achieved, lost."""

    code: str
    title: str
    max: float
    achieved: float
    field_code: str
    field_title: str
    survey_achieved: float = 0.0
    survey_max: float = 0.0

    @property
    def lost(self) -> float:
        return _c(self.max - self.achieved)

    @property
    def percent(self) -> float | None:
        return percent(self.achieved, self.max)


@record(frozen=True)
class RowDifference:
    code: str
    title: str
    self_score: float
    appraised: float

    @property
    def difference(self) -> float:
        """Appraised minus self-assessed (negative = the council cut the score)."""
        return _c(self.appraised - self.self_score)


@record(frozen=True)
class UnsupportedRow:
    """A row scored by the unit with neither explanation nor evidence."""

    code: str
    title: str
    self_score: float
    appraised: float | None


@record(frozen=True)
class Deduction:
    amount: float
    reason: str


@record
class ParAnalysis:
    unit: str
    level: str | None
    framework_id: str
    max_total: float
    total: float  # computed (appraised where appraised, else self-assessed), unrounded
    total_shown: float  # rounded as published (79,415 -> 79,42)
    stated_total: float | None
    implementation: Part
    survey: Part
    fields: list[Loss]  # framework order
    criteria: list[Loss]  # framework order
    deductions: list[Deduction]
    differences: list[RowDifference]  # framework order
    unsupported: list[UnsupportedRow]  # framework order
    appraised: bool  # False when only self-assessed scores are available
    rank: int | None = None  # among the units analysed together, by total
    final_rank: int | None = None  # by the final score, after deductions
    of: int | None = None  # number of units ranked
    notes: list[str] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        return percent(self.total_shown, self.max_total)

    @property
    def lost(self) -> float:
        """Points not reached, as a letter states them: maximum minus the published total (100 - 79,42)."""
        return _c(self.max_total - self.total_shown)

    @property
    def deductions_total(self) -> float:
        return _c(sum(d.amount for d in self.deductions))

    @property
    def final(self) -> float:
        return _c(self.total_shown - self.deductions_total)

    @property
    def lost_by_field(self) -> list[Loss]:
        """Fields that lost points, largest loss first."""
        return _by_loss(self.fields)

    @property
    def lost_by_criterion(self) -> list[Loss]:
        """Criteria that lost points, largest loss first."""
        return _by_loss(self.criteria)

    @property
    def cuts(self) -> list[RowDifference]:
        """Rows where the council gave less than the unit claimed, largest cut first."""
        return sorted((d for d in self.differences if d.difference < 0), key=lambda d: (d.difference, d.code))

    def to_dict(self) -> dict[str, Any]:
        def loss(x: Loss) -> dict[str, Any]:
            return {"code": x.code, "title": x.title, "max": x.max, "achieved": x.achieved, "lost": x.lost}

        def part(p: Part) -> dict[str, Any]:
            return {
                "achieved": _c(p.achieved),
                "max": p.max,
                "stated": p.stated,
                "shown": p.shown,
                "percent": p.percent,
                "computed_percent": p.computed_percent,
            }

        return {
            "unit": self.unit,
            "total": self.total_shown,
            "max_total": self.max_total,
            "percent": self.percent,
            "lost": self.lost,
            "implementation": part(self.implementation),
            "survey": part(self.survey),
            "lost_by_field": [loss(x) for x in self.lost_by_field],
            "lost_by_criterion": [loss(x) for x in self.lost_by_criterion],
            "deductions": [{"amount": d.amount, "reason": d.reason} for d in self.deductions],
            "final": self.final,
            "differences": [
                {"code": d.code, "self": d.self_score, "appraised": d.appraised, "difference": d.difference}
                for d in self.differences
            ],
            "unsupported": [{"code": u.code, "self": u.self_score} for u in self.unsupported],
            "rank": self.rank,
            "final_rank": self.final_rank,
            "of": self.of,
        }


def _by_loss(losses: Iterable[Loss]) -> list[Loss]:
    return sorted((x for x in losses if x.lost > 1e-9), key=lambda x: -x.lost)


def _achieved(it: ItemResult) -> float | None:
    a = it.detail.get("appraised")
    return a if a is not None else it.detail.get("self")


def _stated_number(stated: Mapping[str, Any], *path: str) -> tuple[float | None, Any]:
    node: Any = stated
    for key in path:
        if not isinstance(node, Mapping):
            return None, None
        node = node.get(key)
    if isinstance(node, Mapping):  # {"appraised": …} for the total
        node = node.get("appraised", node.get("self"))
    p = parse_number(node)
    return (p.value if p.ok else None), node


def _survey_leaves(node: Node) -> list[Node]:
    return [n for n in node.walk() if n.is_leaf and n.source == "survey"]


def analyse(fw: Framework, result: UnitResult, *, stated: Mapping[str, Any] | None = None) -> ParAnalysis | None:
    """Analyse one PAR result; None when the unit was not scored (nothing to analyse).

    ``stated`` is the input's ``data.stated`` mapping (published totals); when omitted,
    ``result.extra["stated"]`` is used if a shell put it there.
    """
    if fw.kind != "par" or result.status != "scored" or result.total is None:
        return None
    if stated is None:
        extra_stated = result.extra.get("stated")
        stated = extra_stated if isinstance(extra_stated, Mapping) else {}
    items = {it.code: it for it in result.items}
    ex = result.extra
    appraised = ex.get("appraised_total") is not None

    fields: list[Loss] = []
    criteria: list[Loss] = []
    for f in fw.tree:
        it = items.get(f.code)
        achieved = (_achieved(it) if it else None) or 0.0
        leaves = _survey_leaves(f)
        s_ach = sum((_achieved(items[n.code]) or 0.0) for n in leaves if n.code in items)
        fields.append(
            Loss(f.code, f.title, f.max, _c(achieved), f.code, f.title, _c(s_ach), sum(n.max for n in leaves))
        )
        for c in f.children:
            ci = items.get(c.code)
            c_ach = (_achieved(ci) if ci else None) or 0.0
            criteria.append(Loss(c.code, c.title, c.max, _c(c_ach), f.code, f.title))

    survey_max = float(ex.get("survey_max") or 0.0)
    impl_max = float(ex.get("implementation_max") or (fw.max_total - survey_max))
    total = float(result.total)
    survey_achieved = float(ex.get("survey_total") or 0.0) if appraised else 0.0
    impl_achieved = total - survey_achieved

    impl_stated, impl_raw = _stated_number(stated, "implementation")
    survey_stated, survey_raw = _stated_number(stated, "survey")
    total_stated, _ = _stated_number(stated, "total")
    implementation = Part(
        "Kết quả triển khai thực hiện",
        _c(impl_achieved),
        impl_max,
        impl_stated,
        impl_stated is None or matches_stated(impl_achieved, impl_stated, impl_raw),
    )
    survey = Part(
        "Điều tra xã hội học",
        _c(survey_achieved),
        survey_max,
        survey_stated,
        survey_stated is None or matches_stated(survey_achieved, survey_stated, survey_raw),
    )

    differences = [
        RowDifference(d["code"], d["title"], float(d["self"]), float(d["appraised"]))
        for d in ex.get("self_vs_appraised") or []
    ]
    unsupported = []
    for n in fw.nodes():
        it = items.get(n.code)
        if it is None or not n.is_leaf or n.source == "survey":
            continue
        self_score = it.detail.get("self")
        if self_score and self_score > 0 and not it.detail.get("explanation") and not it.detail.get("evidence"):
            unsupported.append(UnsupportedRow(n.code, n.title, float(self_score), it.detail.get("appraised")))

    deductions = [Deduction(float(d["amount"]), str(d.get("reason") or "")) for d in ex.get("deductions") or []]
    total_shown = result.total_shown if result.total_shown is not None else round_half_up_decimal(total, 2)
    return ParAnalysis(
        unit=result.unit,
        level=result.level,
        framework_id=fw.id,
        max_total=fw.max_total,
        total=total,
        total_shown=total_shown,
        stated_total=total_stated,
        implementation=implementation,
        survey=survey,
        fields=fields,
        criteria=criteria,
        deductions=deductions,
        differences=differences,
        unsupported=unsupported,
        appraised=appraised,
    )


def _competition_ranks(values: Sequence[float]) -> list[int]:
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = [0] * len(values)
    for pos, i in enumerate(order):
        prev = order[pos - 1] if pos else None
        ranks[i] = pos + 1 if prev is None or values[prev] != values[i] else ranks[prev]
    return ranks


def analyse_many(
    fw: Framework,
    results: Iterable[UnitResult],
    *,
    stated: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[ParAnalysis]:
    """Analyse several PAR units together and rank them (1, 2, 2, 4) by total and by final score.

    ``stated`` maps a unit name to its ``data.stated``. The list comes back best total first.
    """
    out = []
    for r in results:
        a = analyse(fw, r, stated=(stated or {}).get(r.unit))
        if a is not None:
            out.append(a)
    if out:  # a lone unit is 1st of 1, as in the summary workbook
        totals = _competition_ranks([a.total_shown for a in out])
        finals = _competition_ranks([a.final for a in out])
        for a, rank, final_rank in zip(out, totals, finals, strict=True):
            a.rank, a.final_rank, a.of = rank, final_rank, len(out)
    return sorted(out, key=lambda a: (a.rank or 0, a.unit))


__all__ = [
    "Deduction",
    "Loss",
    "ParAnalysis",
    "Part",
    "RowDifference",
    "UnsupportedRow",
    "analyse",
    "analyse_many",
    "percent",
]
