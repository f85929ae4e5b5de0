"""The files of the batch, start to end: probe, read, recognise, check the cells, score. Runs in a worker process,
a chunk of files at a time (:func:`process_files`).

Never raises: whatever the file contains comes back as findings in a :class:`FileOutcome`.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import field
from pathlib import Path
from typing import Any

from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.framework import Framework, default_registry
from xl_tthc.core.memo import per_object
from xl_tthc.core.model import ItemResult, UnitResult
from xl_tthc.core.records import record
from xl_tthc.io import probe as probe_mod
from xl_tthc.io import reader
from xl_tthc.pipeline import score_workbook
from xl_tthc.pipeline.files import workbook_data

STATUS_LABEL_VI = {
    "ok": "Đã đọc",
    "skipped": "Bỏ qua",
    "unreadable": "Không đọc được",
    "unknown": "Không đúng biểu mẫu",
    "error": "Lỗi xử lý",
}


@record
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


# What the summary workbook and the consolidation read of a result beyond its scalars (xl_tthc.io.summary):
# the item columns (TTHC criteria, service-index indicators, PAR fields) and these keys of ``extra``.
SUMMARY_EXTRA_KEYS = ("counts", "self_total", "appraised_total")


def compact_result(fw: Framework, r: UnitResult) -> UnitResult:
    """``r`` with only what the summary workbook and the consolidation use: the scalars, the findings, the items
    shown as columns (without their ``detail``), the groups and the ``extra`` keys of :data:`SUMMARY_EXTRA_KEYS`.

    A worker sends these back instead of the whole result (as :func:`pack_result` tuples): a PAR result carries its
    153 rows with their detail (about 100 KiB pickled), a 459 appendix 26 units of item details, and unpickling them
    in the one main process cost as much as writing the summary workbook. Not for ``--json``, the report or the
    history, which read every item and detail."""
    return unpack_result(pack_result(fw, r))


@per_object
def _shown_codes(fw: Framework) -> frozenset[str]:
    return frozenset({c.code for c in fw.criteria} | {i.code for i in fw.indicators()} | {n.code for n in fw.tree})


# A compact result crosses the process boundary as plain tuples: unpickling a few hundred slotted objects per
# file (their state goes as dicts) cost the main process about a millisecond per 459 appendix.
Packed = tuple[Any, ...]


def pack_result(fw: Framework, r: UnitResult) -> Packed:
    """The compact form of ``r`` (see :func:`compact_result`) as a tuple of plain values, made in one step from the
    whole result; :func:`unpack_result` turns it into a :class:`UnitResult`."""
    shown = _shown_codes(fw)
    extra = r.extra
    return (
        r.framework_id,
        r.framework_version,
        r.kind,
        r.unit,
        r.level,
        r.period,
        r.status,
        tuple(
            (it.code, it.title, it.max, it.score, it.shown, it.applicable, it.group)
            for it in r.items
            if it.code in shown
        ),
        tuple((g.code, g.title, g.max, g.score, g.shown, g.applicable, g.group) for g in r.groups),
        r.total,
        r.total_shown,
        r.max_total,
        r.applicable_max,
        r.quy_doi,
        r.band_code,
        r.band_label,
        {k: extra[k] for k in SUMMARY_EXTRA_KEYS if k in extra},
        r.findings,
        r.unit_code,
        r.file,
        r.rank,
    )


def unpack_result(p: Packed) -> UnitResult:
    (fid, version, kind, unit, level, period, status, items, groups, *rest) = p
    (total, total_shown, max_total, applicable_max, quy_doi, band_code, band_label, extra, findings, code, file, rank) = (
        rest
    )
    return UnitResult(
        fid,
        version,
        kind,
        unit,
        level,
        period,
        status,
        [ItemResult(*it) for it in items],
        [ItemResult(*g) for g in groups],
        total,
        total_shown,
        max_total,
        applicable_max,
        quy_doi,
        band_code,
        band_label,
        extra,
        findings,
        code,
        file,
        rank,
    )


def process_file(task: tuple[str, str], framework: str | None = None, *, compact: bool = False) -> FileOutcome:
    """One file: ``task`` is (absolute path, display name)."""
    return process_files([task], framework, compact=compact)[0]


def process_files(
    tasks: list[tuple[str, str]], framework: str | None = None, *, compact: bool = False, pack: bool = False
) -> list[FileOutcome]:
    """Worker entry point: a chunk of files, each ``(absolute path, display name)``, one outcome each, in order.

    The chunk goes phase by phase (probe every file, read every file, then recognise, check and score them), up to
    :data:`PHASE_BYTES` of files and :data:`PHASE_CELLS` cells at a time: alternating per file between the Python
    probe, python-calamine's Rust parser and the Python checks costs about a tenth more CPU (measured on 3.321 unit
    workbooks). Each file's problems stay its own: an internal error in one file becomes that file's finding.
    ``compact``: results as :func:`compact_result` makes them (for the summary workbook alone); ``pack``: and as
    :func:`pack_result` tuples, to be sent to another process (:func:`unpack_outcomes` restores them there).
    """
    shape = ("packed" if pack else "compact") if compact else "full"
    outs = [FileOutcome(p, shown) for p, shown in tasks]
    probed: list[tuple[FileOutcome, probe_mod.Probe]] = []
    held = 0
    for out in outs:
        pr = _guarded(out, _probe, out)
        if pr is not None:
            probed.append((out, pr))
            held += len(pr.data or b"") + sum(map(len, (pr.sheets_xml or {}).values()))
        if held >= PHASE_BYTES:
            _read_and_examine(probed, framework, shape)
            probed, held = [], 0
    _read_and_examine(probed, framework, shape)
    return outs


def unpack_outcomes(outs: list[FileOutcome]) -> list[FileOutcome]:
    """The outcomes of ``process_files(…, compact=True, pack=True)`` with their results made whole again."""
    for out in outs:
        out.results = [(fid, unpack_result(p)) for fid, p in out.results]  # type: ignore[arg-type]
    return outs


def _read_and_examine(
    probed: list[tuple[FileOutcome, probe_mod.Probe]], framework: str | None, shape: str = "full"
) -> None:
    read: list[tuple[FileOutcome, probe_mod.Probe, list[reader.Sheet]]] = []
    cells = 0
    for k, (out, pr) in enumerate(probed):
        sheets = _guarded(out, _read, out, pr)
        if sheets is not None:
            read.append((out, pr, sheets))
            cells += sum(sh.rows * sh.cols for sh in sheets if sh.grid is not None)
        if cells >= PHASE_CELLS or k == len(probed) - 1:
            for o, p, shs in read:
                _guarded(o, _examine, o, p, shs, framework, shape)
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
    return Finding(
        f.code,
        f.severity,
        f.message,
        Location(shown, loc.sheet, loc.cell, loc.path),
        f.unit,
        f.item,
        f.value,
        f.expected,
    )


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
        sheets = reader.read_sheets(path, data=pr.data, far=pr.far_sheets)
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


def _examine(
    out: FileOutcome,
    pr: probe_mod.Probe,
    sheets: list[reader.Sheet],
    framework: str | None = None,
    shape: str = "full",
) -> None:
    """Recognise, check and score a file that was read, through the one pipeline every shell takes. ``shape``: the
    results as they are (``full``), as :func:`compact_result` or :func:`pack_result` makes them."""
    path, shown = Path(out.path), out.file
    is_xlsx = pr.container == "zip" and path.suffix.lower() in {".xlsx", ".xlsm"}
    wb = workbook_data(sheets, path=out.path, shown=shown, data=pr.data, is_xlsx=is_xlsx, sheets_xml=pr.sheets_xml)
    scored = score_workbook(wb, registry=default_registry(), framework=framework, summaries=False)
    out.findings.extend(scored.findings)
    out.template = scored.template
    for s in scored.scored:
        for u, r in zip(s.recognition.units, s.results, strict=True):
            r.unit_code = u.code
    for fw, r in scored.units():
        r.file = shown
        kept: Any = r if shape == "full" else pack_result(fw, r) if shape == "packed" else compact_result(fw, r)
        out.results.append((fw.id, kept))
    if scored.summary:
        out.status = "skipped"
    elif not scored.recognised:
        has_sheet_error = any(f.code is Code.SHEET_TOO_LARGE for f in scored.findings)
        out.status = "unreadable" if has_sheet_error else "unknown"


__all__ = [
    "SUMMARY_EXTRA_KEYS",
    "FileOutcome",
    "compact_result",
    "pack_result",
    "process_file",
    "process_files",
    "unpack_outcomes",
    "unpack_result",
]
