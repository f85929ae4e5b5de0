"""«Tính điểm» on a file, without Excel: read a filled template, score it with the core, write the results back.

``fill_workbook`` opens .xlsx/.xlsm with openpyxl (styles, merged cells, validation, print setup and other sheets
are kept) and .xls/.ods with python-calamine (the output is then a plain .xlsx). It recognises the template by
its defined names (``XL_TTHC_TEMPLATE`` …), else its custom document properties, else the visible
``Mã biểu mẫu:`` line, else its header labels; it maps cells to the core's input keys through
:mod:`xl_tthc.io.layouts`, scores with the core and writes scores, totals, quy đổi, xếp loại (and ranks) as
values into the output cells. Every finding is shown on its cell (fill colour and a comment) and listed on a
sheet «Kết quả kiểm tra». A fingerprint of the inputs is stored, so a later run can tell that the results in a
file no longer match its inputs. The input file is never modified unless ``in_place``; output is atomic.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from xl_tthc import __version__
from xl_tthc.core.document import period_start
from xl_tthc.core.engine import assign_ranks, score_unit
from xl_tthc.core.findings import FINDING_ROW_HEADERS, SEVERITY_LABEL_VI, Code, Finding, Location, Severity, finding_row
from xl_tthc.core.framework import Framework, FrameworkError, Registry, default_registry, level_label
from xl_tthc.core.model import UnitInput, UnitResult
from xl_tthc.core.numbers import fmt_int_vn, fmt_vn
from xl_tthc.io.atomic import atomic_path
from xl_tthc.io.cells import a1
from xl_tthc.io.layouts import (
    COLOURS,
    LAYOUT_VERSION,
    META_PREFIX,
    META_RE,
    NAME_FINGERPRINT,
    NAME_FRAMEWORK,
    NAME_FRAMEWORK_VERSION,
    NAME_LAYOUT,
    NAME_TEMPLATE,
    SPECS,
    TEMPLATE_KINDS,
    Layout,
    LayoutError,
    build_layout,
    norm,
    output_values,
)
from xl_tthc.io.probe import probe

AUTHOR = "xl_tthc"
REPORT_SHEET = "Kết quả kiểm tra"
SUFFIX_OUT = " - đã tính điểm"
OPENPYXL_SUFFIXES = {".xlsx", ".xlsm"}
CALAMINE_SUFFIXES = {".xls", ".ods"}
MAX_OFFSET = 60  # rows a template's table may have moved (rows inserted above it)
NUMBER_FORMATS = {"count": "#,##0", "score": "0.00", "par": "General", "rank": "0"}
_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_COMMENT_SEPARATOR = "\n——— ghi chú trước đó ({author}) ———\n"


class FillError(Exception):
    """The file cannot be filled at all (not found, corrupt, password-protected, unknown template). Vietnamese."""


@dataclass(slots=True)
class FillOutcome:
    input: Path
    output: Path
    template_id: str
    framework: Framework
    results: list[UnitResult]
    file_findings: list[Finding] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [*self.file_findings, *(f for r in self.results for f in r.findings)]

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def has_errors(self) -> bool:
        return self.count(Severity.ERROR) > 0

    def summary_vi(self) -> str:
        fw = self.framework
        lines = [
            f"Đã ghi tệp kết quả «{self.output}».",
            f"Khung chấm điểm: {fw.short_title or fw.title} (phiên bản {fw.version}); số đơn vị: {fmt_int_vn(len(self.results))}.",
        ]
        lines += [f"– {_unit_line(fw, r)}" for r in self.results]
        e, w, i = (self.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
        if e or w or i:
            lines.append(
                f"Kiểm tra số liệu: {fmt_int_vn(e)} lỗi, {fmt_int_vn(w)} cảnh báo, {fmt_int_vn(i)} ghi chú "
                f"(xem trang «{REPORT_SHEET}» và ghi chú tại từng ô)."
            )
        else:
            lines.append("Kiểm tra số liệu: không phát hiện lỗi hay cảnh báo nào.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        fw = self.framework
        return {
            "input": str(self.input),
            "output": str(self.output),
            "template": self.template_id,
            "framework": {
                "id": fw.id,
                "version": fw.version,
                "kind": fw.kind,
                "title": fw.title,
                "max_total": fw.max_total,
            },
            "units": [r.to_dict() for r in self.results],
            "findings": [f.to_dict() for f in self.file_findings],
            "summary": {
                "units": len(self.results),
                "errors": self.count(Severity.ERROR),
                "warnings": self.count(Severity.WARNING),
                "infos": self.count(Severity.INFO),
            },
        }


def _unit_line(fw: Framework, r: UnitResult) -> str:
    if r.status != "scored" or r.total is None:
        return f"{r.unit}: {r.status_label}"
    if fw.kind == "par":
        self_total = r.extra.get("self_total")
        parts = [f"{r.unit}: tổng điểm {_par_text(r.total)}/{fmt_vn(fw.max_total, None)}"]
        if self_total is not None and r.extra.get("appraised_total") is not None:
            parts = [
                f"{r.unit}: tự đánh giá {_par_text(self_total)}, thẩm định {_par_text(r.total)}/{fmt_vn(fw.max_total, None)}"
            ]
    else:
        shown = r.total_shown if r.total_shown is not None else r.total
        parts = [f"{r.unit}: tổng điểm {fmt_vn(shown, fw.rounding.decimals)}/{fmt_vn(r.applicable_max, None)}"]
        if fw.na_mode == "rescale" and r.quy_doi is not None:
            parts.append(f"quy đổi {fmt_vn(r.quy_doi, fw.rounding.quy_doi_decimals)}")
    text = ", ".join(parts)
    if r.band_label:
        text += f" – {r.band_label}"
    if r.rank is not None and fw.kind == "service_index":
        text += f" (hạng {r.rank})"
    return text


def _par_text(x: float) -> str:
    return fmt_vn(round(x, 6), None)


# ---------------------------------------------------------------------------- entry point


def fill_workbook(
    path: Path, out: Path | None = None, *, in_place: bool = False, registry: Registry | None = None
) -> FillOutcome:
    """Score a filled template and write the results (see the module docstring). Raises FillError."""
    path = Path(path)
    target = _target(path, out, in_place)
    wb, calamine = _open(path)
    reg = registry or default_registry()
    rec = _recognise(wb, path, reg)
    ws = rec.ws
    stored = None if calamine else _meta_value(wb, NAME_FINGERPRINT)
    read = _read_units(rec, wb, path, compare_stated=stored is None)
    results = [score_unit(rec.layout.framework, u.unit, on=period_start(u.unit.period)) for u in read.units]
    if rec.layout.table is not None:
        assign_ranks(results)
    file_findings = [*rec.findings, *read.findings]
    fingerprint = _fingerprint(rec.layout, read.values)
    if stored is not None and stored != fingerprint and read.units:
        first = read.units[0]
        anchor = next(iter(first.outputs.values()), None)
        file_findings.append(
            Finding(
                Code.STALE_RESULTS,
                Severity.WARNING,
                "Số liệu trong tệp đã bị sửa sau lần «Tính điểm» trước: điểm, tổng điểm và xếp loại đang ghi trong tệp "
                "không còn khớp với số liệu. Đã tính lại và ghi kết quả mới.",
                Location(str(path), ws.title, anchor),
            )
        )
    for u, r in zip(read.units, results, strict=True):
        _write_outputs(ws, rec.layout, u, r)
    outcome = FillOutcome(path, target, rec.layout.template_id, rec.layout.framework, results, file_findings)
    _clear_marks(ws, read.colours)
    _mark(ws, outcome.findings)
    _report_sheet(wb, outcome, ws.title)
    _store_meta(wb, rec.layout, fingerprint)
    _save(wb, target)
    return outcome


def _target(path: Path, out: Path | None, in_place: bool) -> Path:
    if not path.exists():
        raise FillError(f"Không tìm thấy tệp «{path}».")
    if path.is_dir():
        raise FillError(f"«{path}» là thư mục, không phải tệp bảng tính.")
    suffix = path.suffix.lower()
    if suffix not in OPENPYXL_SUFFIXES | CALAMINE_SUFFIXES:
        raise FillError(f"Tệp «{path.name}» không phải bảng tính Excel/LibreOffice (.xlsx, .xlsm, .xls, .ods).")
    if in_place:
        if out is not None:
            raise FillError("Không dùng cùng lúc --in-place và -o: chọn ghi đè tệp đầu vào hoặc ghi ra tệp khác.")
        if suffix in CALAMINE_SUFFIXES:
            raise FillError(
                f"Không ghi đè được tệp {suffix} «{path.name}»: kết quả chỉ ghi được dạng .xlsx; dùng -o để chọn tệp kết quả."
            )
        return path
    if out is None:
        out = path.with_name(f"{path.stem}{SUFFIX_OUT}{'.xlsm' if suffix == '.xlsm' else '.xlsx'}")
    out = Path(out)
    if out.suffix.lower() not in OPENPYXL_SUFFIXES:
        raise FillError(f"Tệp kết quả «{out.name}» phải có đuôi .xlsx (hoặc .xlsm).")
    if out.exists() and out.resolve() == path.resolve():
        raise FillError(f"Tệp kết quả trùng với tệp đầu vào «{path.name}»: dùng --in-place nếu muốn ghi đè.")
    return out


def _open(path: Path) -> tuple[Any, bool]:
    pr = probe(path)
    if not pr.ok:
        msg = pr.finding.message if pr.finding else f"Không đọc được tệp «{path.name}»."
        raise FillError(msg)
    suffix = path.suffix.lower()
    if suffix in CALAMINE_SUFFIXES or pr.container == "xls":
        return _from_calamine(path), True
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, keep_vba=suffix == ".xlsm", keep_links=True, rich_text=False)
    except Exception as exc:  # openpyxl raises many kinds on broken parts
        raise FillError(f"Tệp «{path.name}» bị hỏng, không đọc được ({exc.__class__.__name__}).") from None
    return wb, False


def _from_calamine(path: Path) -> Any:
    """An openpyxl workbook holding the values and merged ranges of every sheet of an .xls/.ods file."""
    import openpyxl
    from python_calamine import CalamineWorkbook

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    try:
        with CalamineWorkbook.from_path(str(path)) as cw:
            for name in cw.sheet_names:
                sheet = cw.get_sheet_by_name(name)
                ws = wb.create_sheet(name[:31])
                for r, row in enumerate(sheet.to_python(skip_empty_area=False)):
                    for c, v in enumerate(row):
                        if v is None or v == "":
                            continue
                        ws.cell(row=r + 1, column=c + 1, value=v.isoformat() if isinstance(v, time) else v)
                for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
                    if (r0, c0) != (r1, c1):
                        ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    except Exception as exc:  # calamine raises its own error types for broken files
        raise FillError(f"Tệp «{path.name}» bị hỏng, không đọc được ({exc.__class__.__name__}).") from None
    if not wb.worksheets:
        raise FillError(f"Tệp «{path.name}» không có trang tính nào.")
    return wb


# ---------------------------------------------------------------------------- recognition


@dataclass(slots=True)
class _Recognition:
    layout: Layout
    ws: Any
    offset: int
    findings: list[Finding]


def _meta_value(wb: Any, name: str) -> str | None:
    dn = wb.defined_names.get(name)
    if dn is not None and dn.attr_text:
        text = str(dn.attr_text).strip()
        if text.startswith("="):
            text = text[1:]
        return text.strip('"')
    for prop in wb.custom_doc_props.props:
        if prop.name == name and prop.value is not None:
            return str(prop.value)
    return None


def _meta_line(wb: Any) -> tuple[str, str, str] | None:
    """The visible ``Mã biểu mẫu: …`` line (column A of any sheet)."""
    for ws in wb.worksheets:
        for (value,) in ws.iter_rows(min_col=1, max_col=1, values_only=True):
            if isinstance(value, str) and value.startswith(META_PREFIX):
                m = META_RE.search(value)
                if m:
                    return m["template"], m["framework"], m["version"]
    return None


def _recognise(wb: Any, path: Path, reg: Registry) -> _Recognition:
    findings: list[Finding] = []
    tid = _meta_value(wb, NAME_TEMPLATE)
    fid = _meta_value(wb, NAME_FRAMEWORK)
    version = _meta_value(wb, NAME_FRAMEWORK_VERSION)
    layout_version = _meta_value(wb, NAME_LAYOUT)
    if not (tid and fid):
        line = _meta_line(wb)
        if line:
            tid, fid, version = line
    if tid and fid:
        if tid not in TEMPLATE_KINDS:
            raise FillError(f"Tệp «{path.name}» ghi mã biểu mẫu «{tid}» mà phần mềm không biết; hãy cập nhật xl_tthc.")
        try:
            fw = reg.get(fid)
        except FrameworkError:
            raise FillError(
                f"Tệp «{path.name}» dùng khung chấm điểm «{fid}» nhưng phần mềm chưa có khung này; "
                "thêm tệp khung chấm điểm bằng tùy chọn --frameworks."
            ) from None
        try:
            layout = build_layout(tid, fw)
        except LayoutError as exc:
            raise FillError(f"Tệp «{path.name}»: {exc}") from None
        found = _locate(wb, layout)
        if found is None:
            raise FillError(_structure_message(wb, layout, path))
        ws, offset = found
        if (version and version != fw.version) or (layout_version and layout_version != LAYOUT_VERSION):
            findings.append(
                Finding(
                    Code.TEMPLATE_OUTDATED,
                    Severity.WARNING,
                    f"Tệp được tạo từ biểu mẫu cũ (khung {fid} phiên bản {version or '?'}, bố cục {layout_version or '?'}); "
                    f"phần mềm đang dùng phiên bản {fw.version}, bố cục {LAYOUT_VERSION}. Đã tính theo phiên bản hiện hành; "
                    "nên chuyển số liệu sang biểu mẫu mới.",
                    Location(str(path), ws.title),
                )
            )
        return _Recognition(layout, ws, offset, findings)
    best: tuple[int, int, Layout, Any, int] | None = None
    for rank, layout in enumerate(_candidate_layouts(reg)):
        found = _locate(wb, layout)
        if found is None:
            continue
        ws, offset = found
        optional = _optional_matches(ws, layout, offset)
        if best is None or optional > best[0]:
            best = (optional, rank, layout, ws, offset)
    if best is None:
        raise FillError(
            f"Tệp «{path.name}» không phải biểu mẫu chấm điểm của xl_tthc: không có thông tin biểu mẫu "
            f"({NAME_TEMPLATE}) và tiêu đề các cột không khớp biểu mẫu nào. Tạo biểu mẫu bằng lệnh "
            "«xl-tthc templates -o THƯ_MỤC» rồi nhập số liệu vào đó."
        )
    return _Recognition(best[2], best[3], best[4], findings)


def _candidate_layouts(reg: Registry) -> Iterable[Layout]:
    seen: set[tuple[str, str]] = set()
    for spec in SPECS:
        seen.add((spec.template_id, spec.framework_id))
        yield build_layout(spec.template_id, reg.get(spec.framework_id), spec.file_name)
    for fw in reg.all():
        for tid, kind in TEMPLATE_KINDS.items():
            if kind == fw.kind and (tid, fw.id) not in seen:
                yield build_layout(tid, fw)


def _text(ws: Any, row: int, col: int) -> str:
    if row < 0:
        return ""
    return norm(ws.cell(row=row + 1, column=col + 1).value)


def _required_ok(ws: Any, layout: Layout, offset: int) -> bool:
    return all(_text(ws, a.row + offset, a.col) == norm(a.text) for a in layout.anchors if a.required)


def _optional_matches(ws: Any, layout: Layout, offset: int) -> int:
    return sum(1 for a in layout.anchors if not a.required and _text(ws, a.row + offset, a.col) == norm(a.text))


def _locate(wb: Any, layout: Layout) -> tuple[Any, int] | None:
    """The sheet and row offset at which every required anchor of ``layout`` is found."""
    sheets = sorted(wb.worksheets, key=lambda ws: ws.title != layout.sheet)
    first = next(a for a in layout.anchors if a.required)
    offsets = sorted(range(-10, MAX_OFFSET + 1), key=abs)
    for ws in sheets:
        for off in offsets:
            if _text(ws, first.row + off, first.col) == norm(first.text) and _required_ok(ws, layout, off):
                return ws, off
    return None


def _structure_message(wb: Any, layout: Layout, path: Path) -> str:
    ws = next((w for w in wb.worksheets if w.title == layout.sheet), wb.worksheets[0])
    for a in layout.anchors:
        if a.required and _text(ws, a.row, a.col) != norm(a.text):
            actual = ws.cell(row=a.row + 1, column=a.col + 1).value
            return (
                f"Tệp «{path.name}» là biểu mẫu {layout.template_id} (khung {layout.framework.id}) nhưng cấu trúc đã bị "
                f"thay đổi: ô {a1(a.row, a.col)} trang «{ws.title}» phải là «{a.text}», đang là «{actual if actual is not None else ''}». "
                "Không ghi kết quả để tránh ghi nhầm ô; hãy nhập lại số liệu vào biểu mẫu mới."
            )
    return f"Tệp «{path.name}»: không tìm thấy bảng của biểu mẫu {layout.template_id}."


# ---------------------------------------------------------------------------- reading


@dataclass(slots=True)
class _UnitCells:
    unit: UnitInput
    outputs: dict[str, str]  # output key -> A1 ref
    output_kinds: dict[str, str]


@dataclass(slots=True)
class _Read:
    units: list[_UnitCells]
    values: list[tuple[str, Any]]  # every input cell read, for the fingerprint
    colours: dict[str, str]  # A1 ref -> the fill colour a slot has in a fresh template
    findings: list[Finding]


class _CellReader:
    """Raw cell values as typed; formulas are replaced by their cached values (read lazily)."""

    def __init__(self, wb: Any, ws: Any, path: Path, findings: list[Finding]) -> None:
        self.ws = ws
        self.path = path
        self.findings = findings
        self._cached: Any = None
        self._formula_cells: set[str] = set()

    def __call__(self, row: int, col: int) -> Any:
        v = self.ws.cell(row=row + 1, column=col + 1).value
        if v is None:
            return None
        if isinstance(v, str):
            if v.startswith("=") and len(v) > 1:
                return self._formula(row, col, v)
            return v if v.strip() else None
        if isinstance(v, bool | int | float):
            return v
        if isinstance(v, datetime | date):
            return v.strftime("%d/%m/%Y")
        if isinstance(v, time):
            return v.isoformat()
        return self._formula(row, col, str(getattr(v, "text", v)))

    def _formula(self, row: int, col: int, text: str) -> Any:
        if self._cached is None:
            import openpyxl

            self._cached = openpyxl.load_workbook(self.path, data_only=True)
        ref = a1(row, col)
        value = self._cached[self.ws.title][ref].value if self.ws.title in self._cached.sheetnames else None
        if value is None and ref not in self._formula_cells:
            self._formula_cells.add(ref)
            self.findings.append(
                Finding(
                    Code.FORMULA_WITHOUT_VALUE,
                    Severity.ERROR,
                    f"Ô {ref} chứa công thức {text} nhưng chưa có giá trị tính sẵn (tệp chưa được Excel/LibreOffice "
                    "tính và lưu lại): mở tệp bằng Excel rồi lưu lại, hoặc nhập số trực tiếp.",
                    Location(str(self.path), self.ws.title, ref),
                    value=text,
                )
            )
        if isinstance(value, datetime | date):
            return value.strftime("%d/%m/%Y")
        return value


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split("/")
    node = data
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _quarter(m: re.Match[str]) -> str:
    q = m[1].lower()
    return f"{m[2]}-Q{int(q) if q.isdigit() else _ROMAN[q]}"


_PERIOD_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"qu[ýy]\s*(iv|i{1,3}|[1-4])\b\D*?(\d{4})", re.I), _quarter),
    (re.compile(r"(?:tháng|thang)\s*(\d{1,2})\D+?(\d{4})", re.I), lambda m: f"{m[2]}-{int(m[1]):02d}"),
    (re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$"), lambda m: f"{m[2]}-{int(m[1]):02d}"),
    (re.compile(r"^\D*?(\d{4})\D*$"), lambda m: m[1]),
)


def period_code(raw: Any) -> str | None:
    """ "Quý II, năm 2021" → "2021-Q2"; "Tháng 7 năm 2023" → "2023-07"; "2020" → "2020"; None if unreadable."""
    if raw is None:
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
        raw = str(int(raw))
    text = str(raw).strip()
    if period_start(text) is not None:
        return text.upper() if "-q" in text.lower() else text
    for pattern, build in _PERIOD_PATTERNS:
        m = pattern.search(text)
        if m:
            code = build(m)
            if period_start(code) is not None:
                return code
    return None


def _level_code(fw: Framework, raw: Any) -> str | None:
    if raw is None:
        return None
    key = norm(raw)
    for lv in fw.levels:
        if key in {norm(lv), norm(level_label(lv))}:
            return lv
    return None


def _read_units(rec: _Recognition, wb: Any, path: Path, *, compare_stated: bool) -> _Read:
    findings: list[Finding] = []
    cell = _CellReader(wb, rec.ws, path, findings)
    if rec.layout.table is not None:
        return _read_rows(rec, cell, path, compare_stated, findings)
    return _read_single(rec, cell, path, compare_stated, findings)


def _read_single(
    rec: _Recognition, cell: _CellReader, path: Path, compare_stated: bool, findings: list[Finding]
) -> _Read:
    layout, ws, off = rec.layout, rec.ws, rec.offset
    fw = layout.framework
    data: dict[str, Any] = {}
    sources: dict[str, Location] = {}
    values: list[tuple[str, Any]] = []
    colours: dict[str, str] = {}
    meta: dict[str, Any] = {}
    meta_refs: dict[str, str] = {}
    for slot in layout.inputs():
        ref = a1(slot.row + off, slot.col)
        colours[ref] = COLOURS["input"]
        value = cell(slot.row + off, slot.col)
        values.append((ref, value))
        loc = Location(str(path), ws.title, ref)
        for key in (slot.key, *slot.also):
            sources[key] = loc
        if slot.key in {"unit/name", "period", "unit/level"}:
            meta[slot.key] = value
            meta_refs[slot.key] = ref
            continue
        if value is None or slot.key.endswith("/note"):
            continue
        _set(data, slot.key, value)
    outputs: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for slot in layout.outputs():
        ref = a1(slot.row + off, slot.col)
        colours[ref] = COLOURS["output"]
        outputs[slot.key] = ref
        kinds[slot.key] = slot.kind
        if slot.stated:
            sources[slot.stated] = Location(str(path), ws.title, ref)
            if compare_stated:
                value = cell(slot.row + off, slot.col)
                if value is not None:
                    _set(data, slot.stated, value)
    if fw.kind == "service_index":
        _prefer_counts(data, sources, findings, fw)
    name = str(meta.get("unit/name") or "").strip()
    if not name:
        name = path.stem
        findings.append(
            Finding(
                Code.MISSING_VALUE,
                Severity.WARNING,
                f"Chưa ghi tên đơn vị; tạm dùng tên tệp «{name}».",
                Location(str(path), ws.title, meta_refs.get("unit/name")),
            )
        )
    level: str | None = fw.levels[0] if len(fw.levels) == 1 else None
    if "unit/level" in meta_refs:
        level = _level_code(fw, meta.get("unit/level"))
        if meta.get("unit/level") is not None and level is None:
            findings.append(
                Finding(
                    Code.UNKNOWN_LEVEL,
                    Severity.WARNING,
                    f"Cấp đơn vị «{meta['unit/level']}» không có trong danh sách "
                    f"({', '.join(level_label(lv) for lv in fw.levels)}).",
                    Location(str(path), ws.title, meta_refs["unit/level"]),
                    name,
                )
            )
    period_raw = meta.get("period")
    period = period_code(period_raw) or (str(period_raw).strip() if period_raw is not None else None)
    unit = UnitInput(name=name, data=data, level=level, period=period, file=str(path), sheet=ws.title, sources=sources)
    return _Read([_UnitCells(unit, outputs, kinds)], values, colours, findings)


def _prefer_counts(data: dict[str, Any], sources: dict[str, Location], findings: list[Finding], fw: Framework) -> None:
    """si766: numerator and denominator win over a published ratio typed in the same row."""
    for code, entry in (data.get("indicators") or {}).items():
        if isinstance(entry, dict) and "ratio" in entry and ("numerator" in entry or "denominator" in entry):
            del entry["ratio"]
            loc = sources.get(f"indicators/{code}/ratio", Location())
            findings.append(
                Finding(
                    Code.INVALID_INPUT,
                    Severity.INFO,
                    f"Chỉ số {code}: đã có tử số, mẫu số nên không dùng tỷ lệ đã công bố ghi ở ô {loc.cell}.",
                    loc,
                    item=code,
                )
            )


def _read_rows(
    rec: _Recognition, cell: _CellReader, path: Path, compare_stated: bool, findings: list[Finding]
) -> _Read:
    layout, ws, off = rec.layout, rec.ws, rec.offset
    table = layout.table
    assert table is not None
    fw = layout.framework
    values: list[tuple[str, Any]] = []
    colours: dict[str, str] = {}
    period_slot = next(s for s in layout.inputs() if s.key == "period")
    period_ref = a1(period_slot.row + off, period_slot.col)
    period_raw = cell(period_slot.row + off, period_slot.col)
    values.append((period_ref, period_raw))
    colours[period_ref] = COLOURS["input"]
    period = period_code(period_raw) or (str(period_raw).strip() if period_raw is not None else None)
    units: list[_UnitCells] = []
    level: str | None = None
    for r in range(table.first_row + off, ws.max_row):
        stt = cell(r, table.stt_col)
        if isinstance(stt, str) and stt.startswith(META_PREFIX):
            break
        name = cell(r, table.name_col)
        raw = {key: cell(r, col) for key, col, _kind, _mx in table.inputs}
        empty = all(v is None for v in raw.values())
        if isinstance(name, str) and empty:
            section = table.section_level(name)
            if section is not None or norm(stt) in _ROMAN:
                level = section
                values.append((a1(r, table.name_col), name))
                continue
        if name is None and empty:
            continue
        name_ref = a1(r, table.name_col)
        values.append((name_ref, name))
        colours[name_ref] = COLOURS["input"]
        loc = Location(str(path), ws.title, name_ref)
        sources: dict[str, Location] = {
            "unit/name": loc,
            "unit/level": loc,
            "period": Location(str(path), ws.title, period_ref),
        }
        data: dict[str, Any] = {}
        first_ref: str | None = None
        for key, col, _kind, _mx in table.inputs:
            ref = a1(r, col)
            first_ref = first_ref or ref
            colours[ref] = COLOURS["input"]
            values.append((ref, raw[key]))
            sources[key] = Location(str(path), ws.title, ref)
            if raw[key] is not None:
                _set(data, key, raw[key])
        if first_ref:
            sources["indicators"] = Location(str(path), ws.title, first_ref)
        outputs: dict[str, str] = {}
        kinds: dict[str, str] = {}
        for key, col, kind, stated in table.outputs:
            ref = a1(r, col)
            colours[ref] = COLOURS["output"]
            outputs[key] = ref
            kinds[key] = kind
            if stated:
                sources[stated] = Location(str(path), ws.title, ref)
                if compare_stated:
                    value = cell(r, col)
                    if value is not None:
                        _set(data, stated, value)
        unit_name = str(name).strip() if name is not None and str(name).strip() else f"(chưa ghi tên, dòng {r + 1})"
        if name is None:
            findings.append(
                Finding(
                    Code.MISSING_VALUE,
                    Severity.WARNING,
                    f"Dòng {r + 1} có điểm nhưng chưa ghi tên đơn vị.",
                    loc,
                    unit_name,
                )
            )
        unit = UnitInput(unit_name, data, level=level, period=period, file=str(path), sheet=ws.title, sources=sources)
        units.append(_UnitCells(unit, outputs, kinds))
    if not units:
        findings.append(
            Finding(
                Code.NOT_SCORED,
                Severity.INFO,
                f"Bảng chưa có đơn vị nào ({fw.short_title or fw.id}): nhập tên đơn vị và điểm các chỉ số.",
                Location(str(path), ws.title, a1(table.first_row + off, table.name_col)),
            )
        )
    return _Read(units, values, colours, findings)


def _fingerprint(layout: Layout, values: list[tuple[str, Any]]) -> str:
    def canon(v: Any) -> Any:
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, int | float):
            return repr(float(v))
        return str(v)

    payload = json.dumps(
        [layout.template_id, layout.framework.id, layout.framework.version, [[ref, canon(v)] for ref, v in values]],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------- writing


def _write_outputs(ws: Any, layout: Layout, u: _UnitCells, result: UnitResult) -> None:
    fw = layout.framework
    values = output_values(fw, result)
    for key, ref in u.outputs.items():
        c = ws[ref]
        if c.__class__.__name__ == "MergedCell":
            continue
        c.value = values.get(key)
        kind = u.output_kinds.get(key, "score")
        fmt = NUMBER_FORMATS.get(kind)
        rescaled = fw.na_mode == "rescale" and abs(result.applicable_max - fw.max_total) > 1e-9
        if key == "total" and layout.table is not None and result.status == "scored" and rescaled:
            fmt = f'0.00"/{fmt_vn(result.applicable_max, None)}"'
        if fmt:
            c.number_format = fmt


def _clear_marks(ws: Any, colours: dict[str, str]) -> None:
    """Remove the comments and colours a previous run put on cells (the officer's own comments stay)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    ours = {COLOURS["error"], COLOURS["warning"], COLOURS["info"]}
    for row in ws.iter_rows():
        for c in row:
            comment = c.comment
            if comment is not None and comment.author == AUTHOR:
                kept = None
                m = re.search(r"\n——— ghi chú trước đó \((?P<author>.*?)\) ———\n", comment.text)
                if m:
                    kept = Comment(comment.text[m.end() :], m["author"])
                c.comment = kept
            fill = c.fill
            rgb = str(getattr(fill.fgColor, "rgb", "") or "") if fill is not None and fill.fill_type == "solid" else ""
            if rgb[-6:].upper() in ours:
                original = colours.get(c.coordinate)
                c.fill = PatternFill("solid", fgColor=original) if original else PatternFill(fill_type=None)


def _mark(ws: Any, findings: list[Finding]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[str, list[Finding]] = {}
    for f in findings:
        if f.location.cell and f.location.sheet == ws.title:
            by_cell.setdefault(f.location.cell, []).append(f)
    for ref, items in by_cell.items():
        c = ws[ref]
        if c.__class__.__name__ == "MergedCell":
            continue
        items.sort(key=lambda f: _SEVERITY_ORDER[f.severity])
        worst = items[0].severity
        text = "\n".join(f"{SEVERITY_LABEL_VI[f.severity]}: {f.message}" for f in items)
        old = c.comment
        if old is not None and old.author != AUTHOR and old.text:
            text += _COMMENT_SEPARATOR.format(author=old.author or "") + old.text
        lines = sum(1 + len(line) // 48 for line in text.split("\n"))
        c.comment = Comment(text, AUTHOR, height=min(400, 20 + 15 * lines), width=320)
        c.fill = PatternFill("solid", fgColor=COLOURS[worst.value])


def _report_sheet(wb: Any, outcome: FillOutcome, data_sheet: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.hyperlink import Hyperlink

    if REPORT_SHEET in wb.sheetnames:
        del wb[REPORT_SHEET]
    ws = wb.create_sheet(REPORT_SHEET)
    fw = outcome.framework
    font = Font(name="Times New Roman", size=11)
    bold = Font(name="Times New Roman", size=11, bold=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    ws["A1"] = "KẾT QUẢ KIỂM TRA SỐ LIỆU"
    ws["A1"].font = Font(name="Times New Roman", size=13, bold=True)
    ws["A2"] = (
        f"Tệp: {outcome.input.name}. Khung chấm điểm: {fw.short_title or fw.title} (phiên bản {fw.version}). "
        f"Tính điểm bằng xl_tthc {__version__}."
    )
    e, w, i = (outcome.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
    ws["A3"] = (
        f"Số đơn vị: {fmt_int_vn(len(outcome.results))}. Lỗi: {fmt_int_vn(e)}; cảnh báo: {fmt_int_vn(w)}; "
        f"ghi chú: {fmt_int_vn(i)}. Bấm vào địa chỉ ô để đến ô có vấn đề."
    )
    for ref in ("A2", "A3"):
        ws[ref].font = font
    widths = (6, 11, 26, 30, 16, 8, 90)
    for col, (text, width) in enumerate(zip(FINDING_ROW_HEADERS, widths, strict=True), start=1):
        c = ws.cell(row=5, column=col, value=text)
        c.font = bold
        c.border = box
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.fill = PatternFill("solid", fgColor=COLOURS["head"])
        ws.column_dimensions[c.column_letter].width = width
    findings = outcome.findings
    if not findings:
        ws.cell(row=6, column=1, value="Không phát hiện lỗi hay cảnh báo nào.").font = font
    for n, f in enumerate(findings, start=1):
        row = 5 + n
        for col, value in enumerate(finding_row(n, f), start=1):
            c = ws.cell(row=row, column=col, value=value)
            c.font = font
            c.border = box
            c.alignment = wrap
        ws.cell(row=row, column=2).fill = PatternFill("solid", fgColor=COLOURS[f.severity.value])
        if f.location.cell and f.location.sheet:
            target = ws.cell(row=row, column=6)
            target.hyperlink = Hyperlink(ref=target.coordinate, location=f"'{f.location.sheet}'!{f.location.cell}")
            target.font = Font(name="Times New Roman", size=11, color="0563C1", underline="single")
        ws.row_dimensions[row].height = 15 * max(1, -(-len(f.message) // 100), -(-len(f.unit or "") // 28))
    ws.freeze_panes = "A6"
    ws.print_title_rows = "5:5"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "Trang &P/&N"
    if data_sheet in wb.sheetnames:
        wb.active = wb.sheetnames.index(data_sheet)


def _store_meta(wb: Any, layout: Layout, fingerprint: str) -> None:
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.workbook.defined_name import DefinedName

    meta = {
        NAME_TEMPLATE: layout.template_id,
        NAME_LAYOUT: LAYOUT_VERSION,
        NAME_FRAMEWORK: layout.framework.id,
        NAME_FRAMEWORK_VERSION: layout.framework.version,
        NAME_FINGERPRINT: fingerprint,
    }
    props = wb.custom_doc_props
    props.props = [p for p in props.props if p.name not in meta]
    for name, value in meta.items():
        if name in wb.defined_names:
            del wb.defined_names[name]
        wb.defined_names[name] = DefinedName(name, attr_text=f'"{value}"')
        props.append(StringProperty(name=name, value=value))


def _save(wb: Any, target: Path) -> None:
    try:
        with atomic_path(target) as tmp:  # keeps the mode of a file it replaces (--in-place)
            wb.save(tmp)
    except OSError as exc:
        raise FillError(f"Không ghi được tệp kết quả «{target}» ({exc.strerror or exc.__class__.__name__}).") from None


__all__ = ["AUTHOR", "REPORT_SHEET", "FillError", "FillOutcome", "fill_workbook", "output_values", "period_code"]
