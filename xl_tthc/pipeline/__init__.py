"""The one «Tính điểm» path every shell takes: grid → recognition → checks → core → write plan.

A shell only adapts I/O: it turns a workbook into a :class:`WorkbookData` (rows of raw values per sheet, from
python-calamine for ``xl-tthc fill`` and the batch, from xlwings in Excel), calls :func:`score_workbook`, and, when
it writes, applies the :class:`~xl_tthc.pipeline.plan.WritePlan` that :func:`~xl_tthc.pipeline.plan.build_plan`
computes (openpyxl for ``fill``, xlwings for the add-in). So the same workbook gives the same framework, period,
units, figures and findings in every shell.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import field
from pathlib import PurePath
from typing import Any

from xl_tthc.core.engine import score_units
from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.framework import Framework, Registry, default_registry
from xl_tthc.core.model import UnitInput, UnitResult
from xl_tthc.core.numbers import fmt_int_vn
from xl_tthc.core.records import record
from xl_tthc.io import MAX_ROWS, VERY_HIDDEN, VISIBLE
from xl_tthc.io.cells import a1
from xl_tthc.pipeline.checks import check_formulas, run_checks
from xl_tthc.pipeline.model import SheetData, SheetOutcome, WorkbookData
from xl_tthc.recognise import SKIP, Context, recognise
from xl_tthc.recognise.common import Grid, pretty_name, row_cells

INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
FINGERPRINT_PREFIX = "Mã kiểm tra số liệu:"  # a visible line of the findings sheet: every reader sees it
REPORT_SHEET = "Kết quả kiểm tra"


@record
class Scored:
    """What the pipeline found in one workbook."""

    file: str
    sheets: list[SheetOutcome] = field(default_factory=list)  # recognised sheets (scored or not)
    findings: list[Finding] = field(default_factory=list)  # about the file and its sheets; unit findings are in results
    fingerprint: str = ""
    stored_fingerprint: str | None = None
    summary: bool = False  # the workbook is our summary workbook

    @property
    def scored(self) -> list[SheetOutcome]:
        return [s for s in self.sheets if s.recognition.framework is not None and s.recognition.role != SKIP]

    def units(self) -> list[tuple[Framework, UnitResult]]:
        return [(s.recognition.framework, r) for s in self.scored for r in s.results]  # type: ignore[misc]

    def all_findings(self) -> list[Finding]:
        return [*self.findings, *(f for s in self.scored for r in s.results for f in r.findings)]

    @property
    def template(self) -> str | None:
        return next((s.recognition.template for s in self.sheets if s.recognition.role != SKIP), None)

    @property
    def recognised(self) -> bool:
        return any(s.recognition.role != SKIP for s in self.sheets)


def score_workbook(
    wb: WorkbookData,
    *,
    registry: Registry | None = None,
    framework: str | None = None,
    summaries: bool = True,
) -> Scored:
    """Recognise every sheet, run the sheet checks, score every unit through the one core entry. Never raises for
    bad data: whatever the workbook holds comes back as findings. ``framework``: the officer's explicit choice.
    ``summaries``: refresh the unit tables of our summary workbook (the add-in, ``fill``); the batch instead leaves
    such a workbook out (its units were counted in their own files)."""
    reg = registry or default_registry()
    out = Scored(wb.file)
    oversized = 0
    far: list[tuple[int, SheetData]] = []  # sheets left out by the probe, where their findings stand
    for sh in wb.sheets:
        if sh.far:
            from xl_tthc.io.probe import far_sheet_finding  # only then: the add-in never probes a file

            oversized += 1
            far.append((len(out.findings), sh))
            out.findings.append(far_sheet_finding(wb.file, sh.name, sh.far, sh.rows, sh.cols))
            continue
        if sh.too_large:
            oversized += 1
            out.findings.append(_too_large(wb.file, sh))
            continue
        if sh.state != VISIBLE:
            if _has_data(sh.grid):
                out.findings.append(_hidden(wb.file, sh))
            continue
        if not sh.grid:
            continue
        if out.stored_fingerprint is None:
            out.stored_fingerprint = stored_fingerprint(sh.grid)
        rec, notes = recognise(sh.grid, Context(reg, wb.file, sh.name, framework))
        out.findings.extend(notes)
        if rec is None:
            continue
        if rec.role == "summary":
            out.summary = True
            if not summaries:
                continue
        out.sheets.append(SheetOutcome(sh, rec))
        out.findings.extend(rec.findings)
        if rec.framework is not None and rec.role == "unit":
            _name_units(rec.units, wb, out.findings)
            out.findings.extend(run_checks(wb, sh, rec))
    if far and not out.recognised:  # nothing else could be scored: the far cell is why, an error
        from xl_tthc.io.probe import far_sheet_finding

        for at, sh in far:
            out.findings[at] = far_sheet_finding(wb.file, sh.name, sh.far or "", sh.rows, sh.cols, alone=True)
    if out.summary and not summaries:
        out.findings.append(
            Finding(
                Code.FILE_UNSUPPORTED,
                Severity.INFO,
                f"Tệp «{wb.file}» là bảng tổng hợp do xl_tthc lập, không phải tệp của đơn vị: không tổng hợp lại.",
                Location(file=wb.file),
            )
        )
    elif not out.recognised and oversized == 0:
        out.findings.append(
            Finding(
                Code.TEMPLATE_UNKNOWN,
                Severity.ERROR,
                f"Tệp «{wb.file}» không theo biểu mẫu nào đã biết (không thấy dòng tiêu đề «STT – Tiêu chí – Điểm tối đa – "
                "Điểm tự đánh giá», «STT – Tên đơn vị – Tổng điểm» hay «STT – Điểm chuẩn – Điểm tự đánh giá», cũng "
                "không có dòng «Mã biểu mẫu» của biểu mẫu chính thức). Đề nghị dùng biểu mẫu chính thức "
                "(lệnh «xl-tthc templates»).",
                Location(file=wb.file),
            )
        )
    if out.stored_fingerprint is not None:  # else it is computed only when a write plan needs it (costly on PAR)
        out.fingerprint = fingerprint(out)
        _drop_stated(out)  # the stated figures are the ones «Tính điểm» wrote: nothing of the officer's to compare
        if out.stored_fingerprint != out.fingerprint and out.scored:
            first = out.scored[0]
            cells = first.recognition.outputs[0] if first.recognition.outputs else {}
            anchor = next(iter(cells.values()), None)
            out.findings.append(
                Finding(
                    Code.STALE_RESULTS,
                    Severity.WARNING,
                    "Số liệu trong tệp đã bị sửa sau lần «Tính điểm» trước: điểm, tổng điểm và xếp loại đang ghi trong "
                    "tệp không còn khớp với số liệu. Đã tính lại theo số liệu hiện có.",
                    Location(wb.file, first.sheet.name, a1(*anchor) if anchor else None),
                )
            )
    for s in out.scored:
        fw = s.recognition.framework
        assert fw is not None
        s.results = score_units(fw, s.recognition.units, summary=s.recognition.role == "summary")
        out.findings.extend(check_formulas(wb, s))
    return out


def _has_data(grid: Grid) -> bool:
    return any(v != "" and v is not None for row in grid for v in row)


def _too_large(file: str, sh: SheetData) -> Finding:
    return Finding(
        Code.SHEET_TOO_LARGE,
        Severity.ERROR,
        f"Trang «{sh.name}» quá lớn ({fmt_int_vn(sh.rows)} dòng × {fmt_int_vn(sh.cols)} cột; giới hạn "
        f"{fmt_int_vn(MAX_ROWS)} dòng): không đọc trang này. Xóa các dòng, cột thừa rồi gửi lại.",
        Location(file=file, sheet=sh.name),
        value=[sh.rows, sh.cols],
    )


def _hidden(file: str, sh: SheetData) -> Finding:
    how = "ẩn sâu (very hidden, chỉ hiện lại được bằng VBA)" if sh.state == VERY_HIDDEN else "ẩn"
    return Finding(
        Code.SHEET_HIDDEN,
        Severity.WARNING,
        f"Trang «{sh.name}» đang bị {how} nhưng có dữ liệu: số liệu trên trang ẩn không được tính. "
        "Nếu đó là số liệu chấm điểm, hãy hiện trang và chép vào biểu mẫu.",
        Location(file=file, sheet=sh.name),
        value=sh.state,
    )


def neutralise(text: str) -> str:
    """A cell text that a spreadsheet would run as a formula, made inert (OWASP: a leading apostrophe)."""
    return "'" + text if text.startswith(INJECTION_PREFIXES) else text


def _name_units(units: list[UnitInput], wb: WorkbookData, findings: list[Finding]) -> None:
    """A form that names no unit takes the file's name; a name a spreadsheet would run as a formula is made inert."""
    stem = wb.stem or PurePath(wb.file).stem
    for u in units:
        if not u.name.strip():
            u.name = pretty_name(stem)
            findings.append(
                Finding(
                    Code.MISSING_VALUE,
                    Severity.WARNING,
                    f"Chưa ghi tên đơn vị; tạm dùng tên tệp «{u.name}».",
                    u.sources.get("unit/name", Location(file=wb.file, sheet=u.sheet)),
                )
            )
        stripped = u.name.strip()
        if stripped.startswith(INJECTION_PREFIXES) or u.name.startswith(INJECTION_PREFIXES):
            safe = neutralise(u.name)
            findings.append(
                Finding(
                    Code.FORMULA_INJECTION,
                    Severity.WARNING,
                    f"Tên đơn vị «{safe}» bắt đầu bằng ký tự «{stripped[:1]}» nên bảng tính có thể hiểu là công thức; "
                    "đã ghi thành chữ (thêm dấu ' ở đầu) trong mọi kết quả. Kiểm tra lại tên đơn vị.",
                    u.sources.get("unit/name", Location(file=wb.file, sheet=u.sheet)),
                    safe,
                    value=safe,
                )
            )
            u.name = safe


# ---------------------------------------------------------------------------- fingerprint of the inputs


def _canon(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _canon(x) for k, x in sorted(v.items()) if not k.startswith("stated")}
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int | float):
        return repr(float(v))
    return " ".join(str(v).split())


def fingerprint(scored: Scored) -> str:
    """A hash of every input the units were read from (not the stated figures): a later run tells whether the
    results written in the workbook still match its inputs. The same for every reader."""
    payload = [
        [
            s.recognition.framework.id if s.recognition.framework else None,
            [[u.name, u.period, u.level, _canon(u.data)] for u in s.recognition.units],
        ]
        for s in scored.sheets
        if s.recognition.role == "unit"
    ]
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_fingerprint(grid: Grid) -> str | None:
    """The fingerprint a previous «Tính điểm» wrote on the findings sheet (its first rows)."""
    for r in range(min(len(grid), 6)):
        for _c, v in row_cells(grid, r):
            if isinstance(v, str) and v.startswith(FINGERPRINT_PREFIX):
                return v[len(FINGERPRINT_PREFIX) :].strip() or None
    return None


def _drop_stated(scored: Scored) -> None:
    for s in scored.sheets:
        for u in s.recognition.units:
            u.data = _without_stated(u.data)


def _without_stated(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (_without_stated(v) if isinstance(v, dict) else v) for k, v in d.items() if not k.startswith("stated")}


__all__ = [
    "FINGERPRINT_PREFIX",
    "REPORT_SHEET",
    "Scored",
    "SheetData",
    "SheetOutcome",
    "WorkbookData",
    "fingerprint",
    "neutralise",
    "score_workbook",
    "stored_fingerprint",
]

