"""The files of the batch, start to end: probe, read, recognise, check the cells, score. Runs in a worker process,
a chunk of files at a time (:func:`process_files`).

Never raises: whatever the file contains comes back as findings in a :class:`FileOutcome`.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.framework import default_registry
from xl_tthc.core.model import UnitResult
from xl_tthc.io import probe as probe_mod
from xl_tthc.io import reader
from xl_tthc.pipeline import score_workbook, workbook_data

STATUS_LABEL_VI = {
    "ok": "Đã đọc",
    "skipped": "Bỏ qua",
    "unreadable": "Không đọc được",
    "unknown": "Không đúng biểu mẫu",
    "error": "Lỗi xử lý",
}


@dataclass(slots=True)
class FileOutcome:
    path: str  # absolute path
    file: str  # as shown to the user: the path relative to the folder
    status: str = "ok"  # ok | skipped | unreadable | unknown | error
    template: str | None = None
    results: list[tuple[str, UnitResult]] = field(default_factory=list)  # (framework id, result)
    findings: list[Finding] = field(default_factory=list)  # file-level findings (unit findings are in results)
    seconds: float = 0.0
    trace: str | None = None  # the traceback of an internal error, for the log file (never shown to the user)

    @property
    def status_label(self) -> str:
        return STATUS_LABEL_VI.get(self.status, self.status)

    def all_findings(self) -> list[Finding]:
        return self.findings + [f for _, r in self.results for f in r.findings]


PHASE_BYTES = 16 * 1024 * 1024  # file bytes held between the probe phase and the read phase, at most
PHASE_CELLS = 250_000  # cells read and held before the examine phase, at most (a few MB of Python objects)


def process_file(task: tuple[str, str], framework: str | None = None) -> FileOutcome:
    """One file: ``task`` is (absolute path, display name)."""
    return process_files([task], framework)[0]


def process_files(tasks: list[tuple[str, str]], framework: str | None = None) -> list[FileOutcome]:
    """Worker entry point: a chunk of files, each ``(absolute path, display name)``, one outcome each, in order.

    The chunk goes phase by phase (probe every file, read every file, then recognise, check and score them), up to
    :data:`PHASE_BYTES` of files and :data:`PHASE_CELLS` cells at a time: alternating per file between the Python
    probe, python-calamine's Rust parser and the Python checks costs about a tenth more CPU (measured on 3.321 unit
    workbooks). Each file's problems stay its own: an internal error in one file becomes that file's finding.
    """
    outs = [FileOutcome(p, shown) for p, shown in tasks]
    probed: list[tuple[FileOutcome, probe_mod.Probe]] = []
    held = 0
    for out in outs:
        pr = _guarded(out, _probe, out)
        if pr is not None:
            probed.append((out, pr))
            held += len(pr.data or b"")
        if held >= PHASE_BYTES:
            _read_and_examine(probed, framework)
            probed, held = [], 0
    _read_and_examine(probed, framework)
    return outs


def _read_and_examine(probed: list[tuple[FileOutcome, probe_mod.Probe]], framework: str | None) -> None:
    read: list[tuple[FileOutcome, probe_mod.Probe, list[reader.Sheet]]] = []
    cells = 0
    for k, (out, pr) in enumerate(probed):
        sheets = _guarded(out, _read, out, pr)
        if sheets is not None:
            read.append((out, pr, sheets))
            cells += sum(sh.rows * sh.cols for sh in sheets if sh.grid is not None)
        if cells >= PHASE_CELLS or k == len(probed) - 1:
            for o, p, shs in read:
                _guarded(o, _examine, o, p, shs, framework)
            read, cells = [], 0


def _guarded(out: FileOutcome, fn: Any, *args: Any) -> Any:
    """``fn(*args)``, timed into ``out.seconds``; a programmer error on a strange file must not stop the batch."""
    start = time.perf_counter()
    try:
        return fn(*args)
    except Exception as exc:
        out.trace = f"{out.path}\n{traceback.format_exc()}"
        out.status = "error"
        out.results = []
        out.findings.append(
            Finding(
                Code.FILE_CORRUPT,
                Severity.ERROR,
                f"Không xử lý được tệp «{out.file}» (lỗi nội bộ {exc.__class__.__name__}); đề nghị báo cho quản trị.",
                Location(file=out.file),
                value="internal_error",
            )
        )
        return None
    finally:
        out.seconds += time.perf_counter() - start


def _relocate(f: Finding, shown: str) -> Finding:
    """The probe names files by full path; findings name them as the user sees them in the folder."""
    loc = f.location
    return Finding(f.code, f.severity, f.message, Location(shown, loc.sheet, loc.cell, loc.path), f.unit, f.item, f.value, f.expected)


def _probe(out: FileOutcome) -> probe_mod.Probe | None:
    """Look at one file before any parser does; None (with the findings in ``out``) when it is not to be read."""
    path, shown = Path(out.path), out.file
    root = path.parents[shown.count("/")] if len(path.parents) > shown.count("/") else None  # the folder walked
    try:
        pr = probe_mod.probe(path, root=root)
    except Exception as exc:  # the probe does not catch every broken deflate stream (zlib.error): a corrupt file
        out.status = "unreadable"
        out.findings.append(
            Finding(
                Code.FILE_CORRUPT,
                Severity.ERROR,
                f"Tệp «{shown}» bị hỏng (dữ liệu nén không giải nén được): đề nghị đơn vị gửi lại.",
                Location(file=shown),
                value=exc.__class__.__name__,
            )
        )
        return None
    if not pr.ok:
        assert pr.finding is not None
        out.findings.append(_relocate(pr.finding, shown))
        out.status = "skipped" if pr.finding.severity is Severity.INFO else "unreadable"
        return None
    if pr.container == "xls":
        out.findings.append(
            Finding(
                Code.FILE_LEGACY_FORMAT,
                Severity.INFO,
                f"Tệp «{shown}» dùng định dạng cũ Excel 97–2003 (.xls): vẫn đọc được, nhưng nên lưu lại thành .xlsx "
                "theo biểu mẫu.",
                Location(file=shown),
            )
        )
    return pr


def _read(out: FileOutcome, pr: probe_mod.Probe) -> list[reader.Sheet] | None:
    """Read a probed file with python-calamine; None (with a finding in ``out``) when it cannot be read."""
    path, shown = Path(out.path), out.file
    try:
        sheets = reader.read_sheets(path, data=pr.data)
    except reader.ReadError as exc:
        out.status = "unreadable"
        out.findings.append(
            Finding(
                Code.FILE_CORRUPT,
                Severity.ERROR,
                f"Không đọc được nội dung tệp «{shown}» (tệp hỏng hoặc không đúng định dạng bảng tính): đề nghị đơn vị "
                "gửi lại.",
                Location(file=shown),
                value=str(exc)[:200],
            )
        )
        return None
    return sheets


def _examine(out: FileOutcome, pr: probe_mod.Probe, sheets: list[reader.Sheet], framework: str | None = None) -> None:
    """Recognise, check and score a file that was read, through the one pipeline every shell takes."""
    path, shown = Path(out.path), out.file
    is_xlsx = pr.container == "zip" and path.suffix.lower() in {".xlsx", ".xlsm"}
    wb = workbook_data(sheets, path=out.path, shown=shown, data=pr.data, is_xlsx=is_xlsx)
    scored = score_workbook(wb, registry=default_registry(), framework=framework, summaries=False)
    out.findings.extend(scored.findings)
    out.template = scored.template
    for fw, r in scored.units():
        r.file = shown
        out.results.append((fw.id, r))
    for s in scored.scored:
        for u, r in zip(s.recognition.units, s.results, strict=True):
            r.unit_code = u.code
    if scored.summary:
        out.status = "skipped"
    elif not scored.recognised:
        has_sheet_error = any(f.code is Code.SHEET_TOO_LARGE for f in scored.findings)
        out.status = "unreadable" if has_sheet_error else "unknown"


__all__ = ["FileOutcome", "process_file", "process_files"]
