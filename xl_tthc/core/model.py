"""Inputs and results of the engine: plain dataclasses, JSON-ready."""

from __future__ import annotations

from dataclasses import field
from typing import Any

from xl_tthc.core.findings import Finding, Location
from xl_tthc.core.records import record

STATUS_LABEL_VI = {
    "scored": "Đã chấm điểm",
    "not_scored": "Chưa chấm điểm",
    "no_dossiers": "Chưa phát sinh hồ sơ",
    "invalid": "Chưa tính được (số liệu có lỗi)",
}


@record
class UnitInput:
    """One unit's raw inputs as typed by the officer (strings, numbers, marks, "-").

    ``sources`` maps an input key such as ``counts/received_total`` or ``rows/1.3.1/self`` to the
    workbook cell it was read from, so that findings point at cells; without it findings carry
    ``path`` (``<prefix>/<key>``).
    """

    name: str
    data: dict[str, Any]
    level: str | None = None
    code: str | None = None
    period: str | None = None
    file: str | None = None
    sheet: str | None = None
    path_prefix: str = "data"
    sources: dict[str, Location] = field(default_factory=dict)

    def where(self, key: str) -> Location:
        loc = self.sources.get(key)
        if loc is not None:
            return loc
        return Location(file=self.file, sheet=self.sheet, path=f"{self.path_prefix}/{key}")


@record
class ItemResult:
    code: str
    title: str
    max: float
    score: float | None  # unrounded
    shown: float | None  # rounded as the framework displays it
    applicable: bool = True
    group: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "max": self.max,
            "score": self.score,
            "shown": self.shown,
            "applicable": self.applicable,
            "group": self.group,
            "detail": self.detail,
        }


@record
class UnitResult:
    framework_id: str
    framework_version: str
    kind: str
    unit: str
    level: str | None
    period: str | None
    status: str
    items: list[ItemResult]
    groups: list[ItemResult] = field(default_factory=list)
    total: float | None = None
    total_shown: float | None = None
    max_total: float = 0.0
    applicable_max: float = 0.0
    quy_doi: float | None = None
    band_code: str | None = None
    band_label: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    unit_code: str | None = None
    file: str | None = None
    rank: int | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABEL_VI.get(self.status, self.status)

    def item(self, code: str) -> ItemResult:
        for it in [*self.items, *self.groups]:
            if it.code == code:
                return it
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": {"name": self.unit, "code": self.unit_code, "level": self.level, "file": self.file},
            "period": self.period,
            "framework": {"id": self.framework_id, "version": self.framework_version, "kind": self.kind},
            "status": self.status,
            "status_label": self.status_label,
            "items": [i.to_dict() for i in self.items],
            "groups": [g.to_dict() for g in self.groups],
            "total": self.total,
            "total_shown": self.total_shown,
            "max_total": self.max_total,
            "applicable_max": self.applicable_max,
            "quy_doi": self.quy_doi,
            "band": {"code": self.band_code, "label": self.band_label} if self.band_code else None,
            "rank": self.rank,
            "extra": self.extra,
            "findings": [f.to_dict() for f in self.findings],
        }
