"""Consolidation of many units' results: band counts per level, ranks, roster and period checks, duplicates.

Pure: takes results (already scored by the engine) and returns a summary; the batch shell reads the files
and the summary-workbook writer renders it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import field
from typing import Any

from xl_tthc.core.engine import assign_ranks
from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.framework import Framework, level_label
from xl_tthc.core.model import STATUS_LABEL_VI, UnitResult
from xl_tthc.core.records import record

_PREFIXES = re.compile(r"^(ubnd|ủy ban nhân dân|uỷ ban nhân dân)\s+(xã|phường|thị trấn|huyện|thị xã|thành phố|tỉnh)\s+")
_SPACES = re.compile(r"\s+")


def unit_key(name: str) -> str:
    """Normalised unit name for matching files against a roster ("UBND xã  Núa Ngam" ~ "ubnd xã núa ngam")."""
    text = unicodedata.normalize("NFC", name).replace("Uỷ", "Ủy").strip().lower()
    return _SPACES.sub(" ", text)


def short_key(name: str) -> str:
    return _PREFIXES.sub("", unit_key(name))


@record(frozen=True)
class RosterEntry:
    name: str
    level: str | None = None
    code: str | None = None


@record
class LevelSummary:
    level: str | None
    label: str
    results: list[UnitResult]
    band_counts: dict[str, int]  # band label or status label -> count, in framework order
    band_units: dict[str, list[str]]
    missing: list[RosterEntry] = field(default_factory=list)


@record
class FrameworkSummary:
    framework: Framework
    levels: list[LevelSummary]


@record
class Consolidation:
    frameworks: list[FrameworkSummary]
    findings: list[Finding]
    period: str | None = None
    files: int = 0

    def all_results(self) -> list[UnitResult]:
        return [r for fs in self.frameworks for lv in fs.levels for r in lv.results]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "files": self.files,
            "frameworks": [
                {
                    "id": fs.framework.id,
                    "version": fs.framework.version,
                    "levels": [
                        {
                            "level": lv.level,
                            "label": lv.label,
                            "band_counts": lv.band_counts,
                            "band_units": lv.band_units,
                            "missing": [m.name for m in lv.missing],
                            "units": [r.to_dict() for r in lv.results],
                        }
                        for lv in fs.levels
                    ],
                }
                for fs in self.frameworks
            ],
            "findings": [f.to_dict() for f in self.findings],
        }


def period_mismatch(r: UnitResult, period: str) -> Finding:
    """The finding for a unit file of another period than the one being consolidated (the file is left out)."""
    return Finding(
        Code.PERIOD_MISMATCH,
        Severity.ERROR,
        f"Tệp của «{r.unit}» là kỳ {r.period}, không phải kỳ đang tổng hợp {period}; không tính.",
        Location(file=r.file),
        r.unit,
        value=r.period,
        expected=period,
    )


def consolidate(
    scored: list[tuple[Framework, UnitResult]],
    *,
    roster: list[RosterEntry] | None = None,
    period: str | None = None,
    files: int = 0,
    extra_findings: list[Finding] | None = None,
) -> Consolidation:
    findings: list[Finding] = list(extra_findings or [])
    by_fw: dict[str, tuple[Framework, list[UnitResult]]] = {}
    seen: dict[tuple[str, str | None, str], UnitResult] = {}
    for fw, r in scored:
        key = (fw.id, r.level, short_key(r.unit))
        if key in seen:
            first = seen[key]
            findings.append(
                Finding(
                    Code.DUPLICATE_UNIT,
                    Severity.ERROR,
                    f"Đơn vị «{r.unit}» có hai bản chấm điểm ({first.file or '?'} và {r.file or '?'}); chỉ tính bản thứ nhất.",
                    Location(file=r.file),
                    r.unit,
                )
            )
            continue
        seen[key] = r
        if period and r.period and r.period != period:
            findings.append(period_mismatch(r, period))
            continue
        by_fw.setdefault(fw.id, (fw, []))[1].append(r)

    roster_left = {(short_key(e.name), e.level): e for e in roster or []}
    roster_names = {short_key(e.name) for e in roster or []}
    summaries = []
    for fw, results in sorted(by_fw.values(), key=lambda x: x[0].id):
        assign_ranks(results)
        levels: dict[str | None, list[UnitResult]] = {}
        for r in results:
            levels.setdefault(r.level, []).append(r)
            if roster is not None:
                k = short_key(r.unit)
                if k not in roster_names:
                    findings.append(
                        Finding(
                            Code.UNIT_NOT_ON_ROSTER,
                            Severity.WARNING,
                            f"Đơn vị «{r.unit}» không có trong danh sách đơn vị phải nộp.",
                            Location(file=r.file),
                            r.unit,
                        )
                    )
                roster_left.pop((k, r.level), None)
                roster_left.pop((k, None), None)
        order = [lv for lv in fw.levels if lv in levels] + [lv for lv in levels if lv not in fw.levels]
        lvs = []
        for lv in order:
            members = sorted(levels[lv], key=lambda r: (r.rank is None, r.rank or 0, r.unit))
            lvs.append(_level_summary(fw, lv, members))
        summaries.append(FrameworkSummary(fw, lvs))
    for (_, level), entry in sorted(roster_left.items(), key=lambda kv: kv[1].name):
        findings.append(
            Finding(
                Code.UNIT_MISSING,
                Severity.WARNING,
                f"Chưa nhận được tệp của «{entry.name}»" + (f" ({level_label(level)})" if level else "") + ".",
                Location(),
                entry.name,
            )
        )
        for fs in summaries:
            for ls in fs.levels:
                if level is None or ls.level == level:
                    ls.missing.append(entry)
                    break
    return Consolidation(summaries, findings, period, files)


def _level_summary(fw: Framework, level: str | None, results: list[UnitResult]) -> LevelSummary:
    labels = [b.label for b in fw.bands.items] if fw.bands else []
    counts: Counter[str] = Counter()
    units: dict[str, list[str]] = {}
    for r in results:
        label = r.band_label if r.status == "scored" and r.band_label else STATUS_LABEL_VI[r.status]
        counts[label] += 1
        units.setdefault(label, []).append(r.unit)
    # without bands (PAR) a scored unit is counted as «Đã chấm điểm»; with bands it is counted under its band
    statuses = [s for s in STATUS_LABEL_VI.values() if not labels or s != STATUS_LABEL_VI["scored"]]
    ordered = labels + [s for s in statuses if s not in labels]
    return LevelSummary(
        level=level,
        label=level_label(level) if level else "Không rõ cấp",
        results=results,
        band_counts={k: counts.get(k, 0) for k in ordered},
        band_units={k: units[k] for k in ordered if k in units},
    )
