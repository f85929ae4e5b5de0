"""Period comparison: one period's unit records against another's (pure; no storage here).

``xl_tthc.history`` stores records in SQLite and calls :func:`compare_records`. A record is what is kept of
one unit's result for one period: its scores, band and rank. Units are matched by level and normalised name
(:func:`xl_tthc.core.consolidate.short_key`), so "UBND xã Núa Ngam" this month matches "UBND xã  Núa Ngam"
last month.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from typing import Any

from xl_tthc.core.consolidate import short_key
from xl_tthc.core.framework import Framework
from xl_tthc.core.model import UnitResult
from xl_tthc.core.numbers import round_half_up_decimal
from xl_tthc.core.periods import period_key
from xl_tthc.core.records import record


@record(frozen=True)
class Record:
    """One unit's result in one period, as stored in the history."""

    unit_key: str
    unit: str
    level: str | None
    status: str
    total: float | None = None
    quy_doi: float | None = None
    band_code: str | None = None
    band_label: str | None = None
    band_rank: int | None = None  # position in the framework's bands, 0 = the highest band
    rank: int | None = None
    items: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def score(self) -> float | None:
        """What units are compared by: quy đổi where the framework converts, else the total."""
        if self.status != "scored":
            return None
        return self.quy_doi if self.quy_doi is not None else self.total

    @property
    def match_key(self) -> tuple[str, str]:
        return (self.level or "", self.unit_key)


def records_from_results(fw: Framework, results: Iterable[UnitResult]) -> list[Record]:
    """Records of scored results (figures as shown, rounded the framework's way)."""
    band_index = {b.code: i for i, b in enumerate(fw.bands.items)} if fw.bands else {}
    out = []
    for r in results:
        total = r.total_shown if r.total_shown is not None else r.total
        out.append(
            Record(
                unit_key=short_key(r.unit),
                unit=r.unit,
                level=r.level,
                status=r.status,
                total=total,
                quy_doi=r.quy_doi,
                band_code=r.band_code,
                band_label=r.band_label,
                band_rank=band_index.get(r.band_code) if r.band_code else None,
                rank=r.rank,
                items={it.code: it.shown for it in r.items},
            )
        )
    return out


@record(frozen=True)
class UnitChange:
    """A unit present in both periods."""

    previous: Record
    current: Record

    @property
    def unit(self) -> str:
        return self.current.unit

    @property
    def level(self) -> str | None:
        return self.current.level

    @property
    def previous_score(self) -> float | None:
        return self.previous.score

    @property
    def current_score(self) -> float | None:
        return self.current.score

    @property
    def change(self) -> float | None:
        """Current minus previous score, rounded to 2 decimals (None when either was not scored)."""
        p, c = self.previous.score, self.current.score
        if p is None or c is None:
            return None
        return round_half_up_decimal(c - p, 2)

    @property
    def band_change(self) -> int | None:
        """Bands gained (+1 = one band up, -1 = fell one band); None when a band is unknown."""
        p, c = self.previous.band_rank, self.current.band_rank
        if p is None or c is None:
            return None
        return p - c

    @property
    def rank_change(self) -> int | None:
        """Places gained in the ranking (+2 = moved up two places)."""
        p, c = self.previous.rank, self.current.rank
        if p is None or c is None:
            return None
        return p - c

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "level": self.level,
            "previous_score": self.previous_score,
            "current_score": self.current_score,
            "change": self.change,
            "previous_band": self.previous.band_label,
            "current_band": self.current.band_label,
            "band_change": self.band_change,
            "previous_rank": self.previous.rank,
            "current_rank": self.current.rank,
            "rank_change": self.rank_change,
        }


@record
class Comparison:
    framework_id: str
    period: str
    previous_period: str
    changes: list[UnitChange]  # units in both periods, in the current period's order
    new_units: list[Record]  # only in the current period
    missing_units: list[Record]  # in the previous period, absent now

    @property
    def up(self) -> list[UnitChange]:
        return [c for c in self.changes if c.change is not None and c.change > 0]

    @property
    def down(self) -> list[UnitChange]:
        return [c for c in self.changes if c.change is not None and c.change < 0]

    @property
    def unchanged(self) -> list[UnitChange]:
        return [c for c in self.changes if c.change == 0]

    @property
    def fell_band(self) -> list[UnitChange]:
        return [c for c in self.changes if c.band_change is not None and c.band_change < 0]

    @property
    def rose_band(self) -> list[UnitChange]:
        return [c for c in self.changes if c.band_change is not None and c.band_change > 0]

    def change_for(self, unit: str) -> UnitChange:
        key = short_key(unit)
        for c in self.changes:
            if c.current.unit_key == key:
                return c
        raise KeyError(unit)

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework_id,
            "period": self.period,
            "previous_period": self.previous_period,
            "changes": [c.to_dict() for c in self.changes],
            "fell_band": [c.unit for c in self.fell_band],
            "new_units": [r.unit for r in self.new_units],
            "missing_units": [r.unit for r in self.missing_units],
        }


def compare_records(
    framework_id: str,
    period: str,
    current: Sequence[Record],
    previous_period: str,
    previous: Sequence[Record],
) -> Comparison:
    """Match units of two periods (by level and normalised name; then by name alone if a unit changed level)."""
    prev_by_key = {r.match_key: r for r in previous}
    used: set[tuple[str, str]] = set()
    pairs: list[tuple[Record, Record | None]] = []
    for cur in current:
        pairs.append((cur, prev_by_key.get(cur.match_key)))
    for _, prev in pairs:
        if prev is not None:
            used.add(prev.match_key)
    by_name: dict[str, list[Record]] = {}
    for r in previous:
        if r.match_key not in used:
            by_name.setdefault(r.unit_key, []).append(r)
    for i, (cur, prev) in enumerate(pairs):
        if prev is None and len(by_name.get(cur.unit_key, ())) == 1:
            found = by_name.pop(cur.unit_key)[0]
            used.add(found.match_key)
            pairs[i] = (cur, found)
    changes = [UnitChange(prev, cur) for cur, prev in pairs if prev is not None]
    new = [cur for cur, prev in pairs if prev is None]
    missing = [r for r in previous if r.match_key not in used]
    return Comparison(framework_id, period, previous_period, changes, new, missing)


# ---------------------------------------------------------------------------- periods



def latest_before(periods: Iterable[str], period: str) -> str | None:
    """The latest of ``periods`` that comes before ``period``."""
    key = period_key(period)
    earlier = [p for p in periods if period_key(p) < key]
    return max(earlier, key=period_key) if earlier else None


__all__ = [
    "Comparison",
    "Record",
    "UnitChange",
    "compare_records",
    "latest_before",
    "period_key",
    "records_from_results",
]
