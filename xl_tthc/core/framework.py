"""Frameworks are versioned data: one JSON file per legal decision and set of unit levels.

The files live in ``xl_tthc/frameworks/`` (shipped) and in any folder named by the environment variable
``XL_TTHC_FRAMEWORKS`` or the CLI option ``--frameworks`` (a province adds its own decision there, no
code change). Each file is validated against ``xl_tthc/schemas/framework.schema.json`` when loaded. A
file may ``extend`` another one and override top-level keys (for instance only ``bands``).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from xl_tthc.core.memo import per_object
from xl_tthc.core.records import record
from xl_tthc.schemas import SchemaValueError, explain, validator

PACKAGE_DIR = Path(__file__).resolve().parent.parent
SHIPPED_DIR = PACKAGE_DIR / "frameworks"
SCHEMA_DIR = PACKAGE_DIR / "schemas"
ENV_VAR = "XL_TTHC_FRAMEWORKS"


class FrameworkError(Exception):
    """A framework file is unusable (bad JSON, schema violation, unknown id). Message is Vietnamese."""


@record(frozen=True)
class Reference:
    number: str
    issuer: str
    date: str | None = None
    title: str | None = None
    article: str | None = None
    url: str | None = None
    verified: bool = True
    note: str | None = None


@record(frozen=True)
class Band:
    code: str
    label: str
    min: float | None  # inclusive lower edge; None for the lowest band
    short: str | None = None
    aliases: tuple[str, ...] = ()


@record(frozen=True)
class Bands:
    items: tuple[Band, ...]
    verified: bool = True
    basis: str | None = None
    scale: str = "total"  # "total" or "quy_doi"

    def classify(self, value: float) -> Band:
        """Highest band whose inclusive minimum the value reaches (edges are inclusive)."""
        for band in self.items:
            if band.min is None or value >= band.min:
                return band
        return self.items[-1]

    def find(self, text: str) -> Band | None:
        """The band a stated «xếp loại» names (its code, label, short name or an alias; case and edge spaces aside)."""
        return _band_names(self).get(text.strip().lower())


@per_object
def _band_names(bands: Bands) -> dict[str, Band]:
    """Every name of the bands, lower case, to its band (the first band that has a name wins)."""
    names: dict[str, Band] = {}
    for band in reversed(bands.items):
        for name in (band.code, band.label, *band.aliases, *((band.short,) if band.short else ())):
            names[name.lower()] = band
    return names


@record(frozen=True)
class Rounding:
    method: str = "half_up_decimal"
    decimals: int = 2
    sum_rounded_items: bool = False
    quy_doi_decimals: int = 2


@record(frozen=True)
class Level:
    key: str
    label: str
    points: float
    count_from: str | None = None


@record(frozen=True)
class Threshold:
    min_percent: float
    max_points: float


@record(frozen=True)
class DataCheck:
    numerator: str
    denominator: str
    label: str
    thresholds: tuple[Threshold, ...]

    def max_points(self, percent: float) -> float:
        for t in sorted(self.thresholds, key=lambda t: -t.min_percent):
            if percent >= t.min_percent:
                return t.max_points
        return 0.0


@record(frozen=True)
class Criterion:
    code: str
    title: str
    max: float
    rule: str  # weighted_count | level_choice
    levels: tuple[Level, ...]
    denominator: str | None = None
    data_check: DataCheck | None = None


@record(frozen=True)
class Indicator:
    code: str
    title: str
    max: float
    rule: str  # linear | target | score
    target: float | None = None
    key: str | None = None
    short: str | None = None
    numerator_label: str | None = None
    denominator_label: str | None = None
    use_stated_ratio: bool = False
    zero_denominator: str = "zero"  # zero | full | not_applicable
    scope: str | None = None
    monitoring_only: bool = False
    group: str = ""


@record(frozen=True)
class Group:
    code: str
    title: str
    max: float
    indicators: tuple[Indicator, ...]
    short: str | None = None


@record(frozen=True)
class Node:
    code: str
    title: str
    max: float
    source: str = "self"  # self | survey
    children: tuple[Node, ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self) -> Iterable[Node]:
        yield self
        for c in self.children:
            yield from c.walk()


@record(frozen=True)
class CountField:
    key: str
    label: str
    group: str | None = None


@record(frozen=True)
class CountCheck:
    total: str
    parts: tuple[str, ...]
    label: str
    severity: str = "error"


@record(frozen=True)
class Framework:
    id: str
    kind: str  # tthc | service_index | par
    version: str
    title: str
    references: tuple[Reference, ...]
    effective_from: date
    effective_to: date | None
    levels: tuple[str, ...]
    rounding: Rounding
    bands: Bands | None
    na_mode: str = "none"  # rescale | none
    na_scale: float = 100.0
    statuses: dict[str, str] = field(default_factory=dict)
    count_fields: tuple[CountField, ...] = ()
    count_checks: tuple[CountCheck, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    groups: tuple[Group, ...] = ()
    tree: tuple[Node, ...] = ()
    short_title: str | None = None
    note: str | None = None
    source_file: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    max_total: float = 0.0  # Σ maxima of the criteria, groups or tree roots (set by build())

    def indicators(self) -> list[Indicator]:
        return [i for g in self.groups for i in g.indicators]

    def nodes(self) -> list[Node]:
        return [n for root in self.tree for n in root.walk()]

    def applies_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def legal_basis_vi(self) -> str:
        return "; ".join(
            f"{r.number}" + (f" ngày {_vn_date(r.date)}" if r.date else "") + f" của {r.issuer}"
            for r in self.references
        )


def _vn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


# ---------------------------------------------------------------------------- building


def validate_document(doc: dict[str, Any], origin: str) -> None:
    """Check a framework file against framework.schema.json (the validator generated in xl_tthc.schemas)."""
    try:
        validator("framework")(doc)
    except SchemaValueError as exc:
        raise FrameworkError(f"Tệp khung chấm điểm «{origin}» không đúng cấu trúc: {explain(exc)}.") from None


def _node(d: dict[str, Any], inherited: str = "self") -> Node:
    source = d.get("source", inherited)
    return Node(
        code=d["code"],
        title=d["title"],
        max=float(d["max"]),
        source=source,
        children=tuple(_node(c, source) for c in d.get("children", ())),
    )


def build(doc: dict[str, Any], origin: str = "<dict>") -> Framework:
    validate_document(doc, origin)
    eff = doc["effective"]
    rounding = Rounding(**{k: v for k, v in doc.get("rounding", {}).items() if k != "note"})
    bands = None
    if "bands" in doc:
        b = doc["bands"]
        bands = Bands(
            items=tuple(
                Band(i["code"], i["label"], i["min"], i.get("short"), tuple(i.get("aliases", ())))
                for i in sorted(b["items"], key=lambda i: -(i["min"] if i["min"] is not None else -1e300))
            ),
            verified=b.get("verified", True),
            basis=b.get("basis"),
            scale=b.get("scale", "total"),
        )
    na = doc.get("not_applicable", {})
    groups = tuple(
        Group(
            code=g["code"],
            title=g["title"],
            max=float(g["max"]),
            short=g.get("short"),
            indicators=tuple(
                Indicator(
                    code=i["code"],
                    title=i["title"],
                    max=float(i["max"]),
                    rule=i["rule"]["type"],
                    target=i["rule"].get("target"),
                    key=i.get("key"),
                    short=i.get("short"),
                    numerator_label=i.get("ratio", {}).get("numerator"),
                    denominator_label=i.get("ratio", {}).get("denominator"),
                    use_stated_ratio=i.get("use_stated_ratio", False),
                    zero_denominator=i.get("zero_denominator", "zero"),
                    scope=i.get("scope"),
                    monitoring_only=i.get("monitoring_only", False),
                    group=g["code"],
                )
                for i in g["indicators"]
            ),
        )
        for g in doc.get("groups", ())
    )
    criteria = tuple(
        Criterion(
            code=c["code"],
            title=c["title"],
            max=float(c["max"]),
            rule=c["rule"],
            levels=tuple(
                Level(lv["key"], lv["label"], float(lv["points"]), lv.get("count_from")) for lv in c["levels"]
            ),
            denominator=c.get("denominator"),
            data_check=(
                DataCheck(
                    c["data_check"]["numerator"],
                    c["data_check"]["denominator"],
                    c["data_check"]["label"],
                    tuple(Threshold(t["min_percent"], t["max_points"]) for t in c["data_check"]["thresholds"]),
                )
                if "data_check" in c
                else None
            ),
        )
        for c in doc.get("criteria", ())
    )
    tree = tuple(_node(n) for n in doc.get("tree", ()))
    fw = Framework(
        id=doc["id"],
        kind=doc["kind"],
        version=doc["version"],
        title=doc["title"],
        short_title=doc.get("short_title"),
        note=doc.get("note"),
        references=tuple(Reference(**r) for r in doc["references"]),
        effective_from=date.fromisoformat(eff["from"]),
        effective_to=date.fromisoformat(eff["to"]) if eff.get("to") else None,
        levels=tuple(doc["levels"]),
        rounding=rounding,
        bands=bands,
        na_mode=na.get("mode", "none"),
        na_scale=float(na.get("scale", 100)),
        statuses={s["code"]: s["label"] for s in doc.get("statuses", ())},
        count_fields=tuple(CountField(**f) for f in doc.get("count_fields", ())),
        count_checks=tuple(
            CountCheck(c["total"], tuple(c["parts"]), c["label"], c.get("severity", "error"))
            for c in doc.get("count_checks", ())
        ),
        criteria=criteria,
        groups=groups,
        tree=tree,
        source_file=origin,
        raw=doc,
        max_total=float(sum(c.max for c in criteria) + sum(g.max for g in groups) + sum(n.max for n in tree)),
    )
    _check_consistency(fw)
    return fw


def _check_consistency(fw: Framework) -> None:
    """Rules the JSON Schema cannot express: maxima add up, codes are unique."""
    problems: list[str] = []
    for g in fw.groups:
        s = sum(i.max for i in g.indicators)
        if abs(s - g.max) > 1e-9:
            problems.append(f"nhóm {g.code}: tổng điểm các chỉ số {s:g} khác điểm tối đa {g.max:g}")
    for n in fw.nodes():
        if n.children:
            s = sum(c.max for c in n.children)
            if abs(s - n.max) > 1e-9:
                problems.append(f"mục {n.code}: tổng điểm chuẩn các mục con {s:g} khác {n.max:g}")
    for c in fw.criteria:
        if max(lv.points for lv in c.levels) - c.max > 1e-9:
            problems.append(f"tiêu chí {c.code}: mức điểm vượt điểm tối đa")
    codes = [n.code for n in fw.nodes()] + [i.code for i in fw.indicators()] + [c.code for c in fw.criteria]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        problems.append("mã trùng: " + ", ".join(dupes))
    if problems:
        raise FrameworkError(f"Khung chấm điểm {fw.id} ({fw.source_file}) không nhất quán: " + "; ".join(problems))


# ---------------------------------------------------------------------------- registry


def _read_json(path: Path) -> dict[str, Any]:
    """A framework file; only a regular file is read (a FIFO or a device named *.json in a framework folder never
    blocks or floods the process)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise FrameworkError(f"Tệp khung chấm điểm {path} không phải tệp thường (FIFO, thiết bị…): không đọc; hãy bỏ nó khỏi thư mục khung chấm điểm.")
            with os.fdopen(fd, "rb", closefd=False) as fh:
                text = fh.read().decode("utf-8")
        finally:
            os.close(fd)
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FrameworkError(f"Không đọc được tệp khung chấm điểm {path}: {exc}") from None
    if not isinstance(data, dict):
        raise FrameworkError(f"Tệp khung chấm điểm {path} phải là một đối tượng JSON.")
    return data


def _search_dirs(extra: Iterable[str | os.PathLike[str]] = ()) -> list[Path]:
    dirs = [SHIPPED_DIR]
    env = os.environ.get(ENV_VAR, "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs += [Path(p) for p in extra]
    return dirs


class Registry:
    """All frameworks found in the search folders, by id. Later folders override earlier ones."""

    def __init__(self, extra_dirs: Iterable[str | os.PathLike[str]] = ()) -> None:
        self._docs: dict[str, tuple[dict[str, Any], str]] = {}
        for d in _search_dirs(extra_dirs):
            if not d.is_dir():
                continue
            for path in sorted(d.rglob("*.json")):
                if path.name.startswith("_") or path.name == "levels.json":
                    continue
                doc = _read_json(path)
                if "id" in doc and "schema_version" in doc:
                    self._docs[str(doc["id"])] = (doc, str(path))
        self._built: dict[str, Framework] = {}

    def ids(self) -> list[str]:
        return sorted(self._docs)

    def _resolve(self, fid: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
        if fid not in self._docs:
            raise FrameworkError(f"Không tìm thấy khung chấm điểm «{fid}».")
        if fid in seen:
            raise FrameworkError(f"Khung chấm điểm «{fid}» kế thừa vòng tròn.")
        doc = self._docs[fid][0]
        parent = doc.get("extends")
        if not parent:
            return doc
        base = dict(self._resolve(parent, (*seen, fid)))
        if isinstance(base.get("template"), dict):  # the layout is inherited, the parent's file name is not
            base["template"] = {k: v for k, v in base["template"].items() if k != "file"}
        base.update({k: v for k, v in doc.items() if k != "extends"})
        return base

    def get(self, fid: str) -> Framework:
        if fid not in self._built:
            self._built[fid] = build(self._resolve(fid), self._docs[fid][1] if fid in self._docs else fid)
        return self._built[fid]

    def all(self) -> list[Framework]:
        return [self.get(i) for i in self.ids()]

    def of_kind(self, kind: str) -> list[Framework]:
        """The frameworks of one kind, in id order; only those are built (the add-in's click on a service-index
        sheet builds no PAR or TTHC framework). A document whose kind cannot be resolved is built, and its error
        raised, as :meth:`all` would."""
        built = (self.get(i) for i in self.ids() if self._kind(i) in (kind, None))
        return [fw for fw in built if fw.kind == kind]

    def with_title(self, title: str) -> Framework | None:
        """The first framework (in id order) whose title is ``title``; only that one is built."""
        for i in self.ids():
            try:
                raw = self._resolve(i).get("title")
            except FrameworkError:
                raw = None
            if raw == title or raw is None:
                fw = self.get(i)
                if fw.title == title:
                    return fw
        return None

    def _kind(self, fid: str) -> str | None:
        try:
            kind = self._resolve(fid).get("kind")
        except FrameworkError:
            return None
        return kind if isinstance(kind, str) else None

    def find(self, kind: str, level: str | None = None, on: date | None = None) -> list[Framework]:
        out = []
        for fw in self.all():
            if fw.kind != kind or (level and level not in fw.levels) or (on and not fw.applies_on(on)):
                continue
            out.append(fw)
        return sorted(out, key=lambda f: f.effective_from, reverse=True)


@cache
def _registry_for(extra: str) -> Registry:
    return Registry()


def default_registry() -> Registry:
    """The registry of the shipped frameworks and the folders in ``XL_TTHC_FRAMEWORKS`` (built once per value of the
    variable: a process that changes it, a test say, gets the registry of the folders it names)."""
    return _registry_for(os.environ.get(ENV_VAR, ""))


default_registry.cache_clear = _registry_for.cache_clear  # type: ignore[attr-defined]


def get(fid: str) -> Framework:
    return default_registry().get(fid)


@cache
def unit_levels() -> dict[str, Any]:
    """Unit levels as data (``frameworks/levels.json``): codes, Vietnamese labels, tier sets."""
    return _read_json(SHIPPED_DIR / "levels.json")


def level_label(code: str) -> str:
    for lv in unit_levels()["levels"]:
        if lv["code"] == code:
            return str(lv["label"])
    return code
