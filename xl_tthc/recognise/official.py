"""Our own templates in a batch: found by their «Mã biểu mẫu: …» line, read through :mod:`xl_tthc.io.layouts`.

The defined names and custom properties the template builder writes are not visible to python-calamine, but the
visible last line is, in .xlsx, .xls and .ods copies alike: ``Mã biểu mẫu: tthc-unit; khung chấm điểm:
tthc-dienbien-1187-2019-xa, phiên bản 2019.1``. With the template id and framework id the batch builds the same
:class:`~xl_tthc.io.layouts.Layout` the template was rendered from and reads every input slot at its cell.

* The framework version on the line differs from the framework's current version → ``TEMPLATE_OUTDATED``;
* the sheet carries another name than the template's → ``SHEET_RENAMED`` (the values are read all the same);
* a required label is not where the layout puts it (rows inserted or deleted) → the sheet is read by its header
  labels instead (:mod:`xl_tthc.recognise`), with a warning.

The multi-unit appendix (``si-appendix``) is always read by its header labels: officers insert rows there.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.framework import Framework, FrameworkError, Registry, level_label
from xl_tthc.core.keys import key_parts, set_key
from xl_tthc.core.model import UnitInput
from xl_tthc.core.periods import parse_period
from xl_tthc.core.records import record
from xl_tthc.io.cells import a1
from xl_tthc.io.layouts import META_PREFIX, META_RE, Layout, build_layout
from xl_tthc.recognise.common import (
    CellSources,
    Context,
    Grid,
    InputCell,
    Recognition,
    guess_level,
    norm,
    period_finding,
    text,
    value,
)

META_SCAN_ROWS = 40  # the line is the last one the template writes: look at the bottom of the sheet only

_INPUT_REQUIRED = {"count": True, "si_score": True, "score": False, "ratio": False, "mark": False}


@record(frozen=True)
class Meta:
    template_id: str
    framework_id: str
    version: str
    row: int
    col: int


def template_layout(grid: Grid, registry: Registry) -> Layout | None:
    """The layout of our template when the sheet carries its line (for sheets read by their header labels)."""
    meta = find_meta(grid)
    if meta is None:
        return None
    try:
        return _layout(registry, meta.template_id, meta.framework_id)
    except Exception:
        return None


def template_label(layout: Layout) -> str:
    return f"Biểu mẫu chính thức «{layout.template_id}» ({layout.file_name})"


def find_meta(grid: Grid) -> Meta | None:
    """The «Mã biểu mẫu: …» line near the bottom of a sheet (the last sheet's answer is kept: the recognition of one
    sheet asks up to three times)."""
    if _LAST_META and _LAST_META[0][0] is grid:
        return _LAST_META[0][1]
    meta = _find_meta(grid)
    _LAST_META[:] = [(grid, meta)]
    return meta


_LAST_META: list[tuple[Grid, Meta | None]] = []


def _find_meta(grid: Grid) -> Meta | None:
    for r in range(len(grid) - 1, max(-1, len(grid) - 1 - META_SCAN_ROWS), -1):
        for c, v in enumerate(grid[r]):
            if type(v) is str and v.startswith(META_PREFIX):
                m = META_RE.search(v)
                if m:
                    # the line ends "…, phiên bản 2019.1. Tạo bởi xl_tthc.": the sentence's full stop is not the version's
                    return Meta(m.group("template"), m.group("framework"), m.group("version").rstrip("."), r, c)
    return None


@lru_cache(maxsize=32)
def _layout(registry: Registry, template_id: str, framework_id: str) -> Layout:
    return build_layout(template_id, registry.get(framework_id))


@lru_cache(maxsize=32)
def _anchors(registry: Registry, template_id: str, framework_id: str) -> tuple[tuple[int, int, str, str], ...]:
    layout = _layout(registry, template_id, framework_id)
    return tuple((a.row, a.col, norm(a.text) if a.text else "", a.text) for a in layout.anchors if a.required)


def recognise(grid: Grid, ctx: Context) -> tuple[Recognition | None, list[Finding]]:
    """(recognition, findings) for a sheet made from one of our templates; (None, []) when it is not one, and
    (None, findings) when it is one that must be read by its header labels (the multi-unit appendix, a moved
    table, an unknown template)."""
    file, sheet, registry = ctx.file, ctx.sheet, ctx.registry
    meta = find_meta(grid)
    if meta is None:
        return None, []
    findings: list[Finding] = []
    where = Location(file=file, sheet=sheet, cell=a1(meta.row, meta.col))
    try:
        fw = registry.get(meta.framework_id)
        layout = _layout(registry, meta.template_id, meta.framework_id)
    except (FrameworkError, KeyError, ValueError, LookupError) as exc:
        findings.append(
            Finding(
                Code.TEMPLATE_UNKNOWN,
                Severity.WARNING,
                f"Biểu mẫu ghi mã «{meta.template_id}», khung chấm điểm «{meta.framework_id}» mà phần mềm không có "
                f"({exc}); đọc theo tiêu đề cột.",
                where,
            )
        )
        return None, findings
    except Exception as exc:  # LayoutError and anything the layout builder raises on a strange framework
        findings.append(
            Finding(
                Code.TEMPLATE_UNKNOWN,
                Severity.WARNING,
                f"Không dựng được biểu mẫu «{meta.template_id}» ({exc}).",
                where,
            )
        )
        return None, findings
    if meta.version != fw.version:
        findings.append(
            Finding(
                Code.TEMPLATE_OUTDATED,
                Severity.WARNING,
                f"Tệp dùng biểu mẫu cũ (khung chấm điểm {fw.id} phiên bản {meta.version}; hiện hành là phiên bản "
                f"{fw.version}). Đã chấm theo phiên bản hiện hành; đề nghị đơn vị dùng biểu mẫu mới.",
                where,
                value=meta.version,
                expected=fw.version,
            )
        )
    if sheet is not None and sheet != layout.sheet:
        findings.append(
            Finding(
                Code.SHEET_RENAMED,
                Severity.INFO,
                f"Trang tính của biểu mẫu đã bị đổi tên thành «{sheet}» (tên gốc «{layout.sheet}»); vẫn đọc bình thường.",
                Location(file=file, sheet=sheet),
                value=sheet,
                expected=layout.sheet,
            )
        )
    if layout.table is not None:
        return None, findings  # multi-unit appendix: read by header labels (rows may have been inserted)
    moved = _first_moved_anchor(grid, meta, registry)
    if moved is not None:
        r, c, wanted = moved
        findings.append(
            Finding(
                Code.TEMPLATE_OUTDATED,
                Severity.WARNING,
                f"Biểu mẫu đã bị sửa bố cục (ô {a1(r, c)} phải là «{wanted}»): đọc theo tiêu đề cột thay vì "
                "vị trí ô; kiểm tra kỹ kết quả.",
                Location(file=file, sheet=sheet, cell=a1(r, c)),
                value=text(value(grid, r, c)),
                expected=wanted,
            )
        )
        return None, findings
    return _read(grid, registry, layout, fw, file, sheet), findings


def _first_moved_anchor(grid: Grid, meta: Meta, registry: Registry) -> tuple[int, int, str] | None:
    for r, c, want, raw in _anchors(registry, meta.template_id, meta.framework_id):
        v = value(grid, r, c)
        got = norm(v) if isinstance(v, str) else text(v)
        if got != want:
            return r, c, raw
    return None


@record(frozen=True)
class _Plan:
    """A layout's slots, flattened once per worker: what to read where, and every key's cell."""

    steps: tuple[tuple[str, tuple[str, ...], int, int, bool | None], ...]  # (kind, key parts, row, col, required)
    cells: dict[str, tuple[int, int]]
    outputs: dict[str, tuple[int, int]]  # output key -> cell


@lru_cache(maxsize=32)
def _plan(registry: Registry, template_id: str, framework_id: str) -> _Plan:
    layout = _layout(registry, template_id, framework_id)
    steps: list[tuple[str, tuple[str, ...], int, int, bool | None]] = []
    cells: dict[str, tuple[int, int]] = {}
    for slot in layout.slots:
        r, c = slot.row, slot.col
        if slot.io == "output":
            if slot.stated:
                cells[slot.stated] = (r, c)
                steps.append(("stated", key_parts(slot.stated), r, c, None))
            continue
        cells[slot.key] = (r, c)
        for k in slot.also:
            cells[k] = (r, c)
        steps.append((slot.kind, key_parts(slot.key), r, c, _INPUT_REQUIRED.get(slot.kind)))
    outputs = {slot.key: (slot.row, slot.col) for slot in layout.outputs()}
    return _Plan(tuple(steps), cells, outputs)


def _read(
    grid: Grid, registry: Registry, layout: Layout, fw: Framework, file: str | None, sheet: str | None
) -> Recognition:
    plan = _plan(registry, layout.template_id, fw.id)
    data: dict[str, Any] = {}
    unit = UnitInput(name="", data=data, file=file, sheet=sheet)
    unit.sources = CellSources(file, sheet, plan.cells)
    rec = Recognition(fw, [unit], [], template_label(layout), layout=layout)
    rec.outputs.append(plan.outputs)
    cells = rec.cells
    level_raw: str | None = None
    n = len(grid)
    for kind, parts, r, c, required in plan.steps:
        row = grid[r] if r < n else ()
        raw = row[c] if c < len(row) else None
        if raw == "" or (type(raw) is str and raw.isspace()):
            raw = None
        if kind == "stated":
            if raw is not None:
                set_key(data, parts, raw)
        elif kind == "name":
            unit.name = text(raw)
        elif kind == "period":
            unit.period = parse_period(raw)
            if unit.period is None and raw is not None:
                rec.findings.append(period_finding(raw, Location(file, sheet, a1(r, c))))
        elif kind == "level":
            level_raw = text(raw) if raw is not None else None
        else:
            if raw is not None:
                set_key(data, parts, raw)
            if required is not None:
                cells.append(InputCell(r, c, 0, "/".join(parts), required))
    if level_raw:
        unit.level = next((lv for lv in fw.levels if norm(level_label(lv)) == norm(level_raw)), None)
        unit.level = unit.level or guess_level(level_raw)
    elif len(fw.levels) == 1:
        unit.level = fw.levels[0]
    else:
        unit.level = guess_level(unit.name) or fw.levels[0]
    return rec


__all__ = ["Meta", "find_meta", "recognise", "template_label", "template_layout"]
