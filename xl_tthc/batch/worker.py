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

from xl_tthc.batch import official, reader
from xl_tthc.core.engine import score_many
from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.framework import default_registry
from xl_tthc.core.model import UnitInput, UnitResult
from xl_tthc.core.numbers import fmt_int_vn
from xl_tthc.io import handmade
from xl_tthc.io import probe as probe_mod

INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
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


def neutralise(text: str) -> str:
    """A cell text that a spreadsheet would run as a formula, made inert (OWASP: a leading apostrophe)."""
    return "'" + text if text.startswith(INJECTION_PREFIXES) else text


PHASE_BYTES = 16 * 1024 * 1024  # file bytes held between the probe phase and the read phase, at most
PHASE_CELLS = 250_000  # cells read and held before the examine phase, at most (a few MB of Python objects)


def process_file(task: tuple[str, str]) -> FileOutcome:
    """One file: ``task`` is (absolute path, display name)."""
    return process_files([task])[0]


def process_files(tasks: list[tuple[str, str]]) -> list[FileOutcome]:
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
            _read_and_examine(probed)
            probed, held = [], 0
    _read_and_examine(probed)
    return outs


def _read_and_examine(probed: list[tuple[FileOutcome, probe_mod.Probe]]) -> None:
    read: list[tuple[FileOutcome, probe_mod.Probe, list[reader.Sheet]]] = []
    cells = 0
    for k, (out, pr) in enumerate(probed):
        sheets = _guarded(out, _read, out, pr)
        if sheets is not None:
            read.append((out, pr, sheets))
            cells += sum(sh.rows * sh.cols for sh in sheets if sh.grid is not None)
        if cells >= PHASE_CELLS or k == len(probed) - 1:
            for o, p, shs in read:
                _guarded(o, _examine, o, p, shs)
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
    try:
        pr = probe_mod.probe(path)
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


def _examine(out: FileOutcome, pr: probe_mod.Probe, sheets: list[reader.Sheet]) -> None:
    """Recognise every sheet of a file that was read, check its cells and score its units."""
    path, shown = Path(out.path), out.file
    is_xlsx = pr.container == "zip" and path.suffix.lower() in {".xlsx", ".xlsm"}
    recognised = 0
    oversized = 0
    reg = default_registry()
    for sh in sheets:
        if sh.too_large:
            oversized += 1
            out.findings.append(
                Finding(
                    Code.SHEET_TOO_LARGE,
                    Severity.ERROR,
                    f"Trang «{sh.name}» quá lớn ({fmt_int_vn(sh.rows)} dòng × {fmt_int_vn(sh.cols)} cột; giới hạn "
                    f"{fmt_int_vn(reader.MAX_ROWS)} dòng): không đọc trang này. Xóa các dòng, cột thừa rồi gửi lại.",
                    Location(file=shown, sheet=sh.name),
                    value=[sh.rows, sh.cols],
                )
            )
            continue
        if sh.state != reader.VISIBLE:
            if sh.has_data():
                how = "ẩn sâu (very hidden, chỉ hiện lại được bằng VBA)" if sh.state == reader.VERY_HIDDEN else "ẩn"
                out.findings.append(
                    Finding(
                        Code.SHEET_HIDDEN,
                        Severity.WARNING,
                        f"Trang «{sh.name}» đang bị {how} nhưng có dữ liệu: số liệu trên trang ẩn không được tính. "
                        "Nếu đó là số liệu chấm điểm, hãy hiện trang và chép vào biểu mẫu.",
                        Location(file=shown, sheet=sh.name),
                        value=sh.state,
                    )
                )
            continue
        if not sh.grid:
            continue
        rec, notes = official.recognize(sh.grid, file=shown, sheet=sh.name, registry=reg)
        out.findings.extend(notes)
        if rec is None:
            rec = handmade.recognize(sh.grid, file=shown, sheet=sh.name, registry=reg)
            if rec is not None:  # one of our templates read by its header labels (the appendix) keeps its name
                rec.template = official.template_label(sh.grid) or rec.template
        if rec is None:
            continue
        recognised += 1
        out.template = out.template or rec.template
        out.findings.extend(rec.findings)
        units = _name_units(rec.units, path, shown, out)
        _check_cells(path, sh, rec, is_xlsx, out, pr.data)
        for u, r in zip(units, score_many(rec.framework, units), strict=True):
            r.file = shown
            r.unit_code = u.code
            out.results.append((rec.framework.id, r))
    if recognised == 0 and oversized == 0:
        out.status = "unknown"
        out.findings.append(
            Finding(
                Code.TEMPLATE_UNKNOWN,
                Severity.ERROR,
                f"Tệp «{shown}» không theo biểu mẫu nào đã biết (không thấy dòng tiêu đề «STT – Tiêu chí – Điểm tối đa – "
                "Điểm tự đánh giá», «STT – Tên đơn vị – Tổng điểm» hay «STT – Điểm chuẩn – Điểm tự đánh giá»). "
                "Đề nghị đơn vị dùng biểu mẫu chính thức.",
                Location(file=shown),
            )
        )
    elif recognised == 0:
        out.status = "unreadable"


def _name_units(units: list[UnitInput], path: Path, shown: str, out: FileOutcome) -> list[UnitInput]:
    for u in units:
        if not u.name.strip():
            u.name = handmade.pretty_name(path.stem)
        stripped = u.name.strip()
        if stripped.startswith(INJECTION_PREFIXES) or u.name.startswith(INJECTION_PREFIXES):
            safe = neutralise(u.name)
            out.findings.append(
                Finding(
                    Code.FORMULA_INJECTION,
                    Severity.WARNING,
                    f"Tên đơn vị «{safe}» bắt đầu bằng ký tự «{stripped[:1]}» nên bảng tính có thể hiểu là công thức; "
                    "đã ghi thành chữ (thêm dấu ' ở đầu) trong mọi kết quả. Kiểm tra lại tên đơn vị.",
                    u.sources.get("unit/name", Location(file=shown, sheet=u.sheet)),
                    safe,
                    value=safe,
                )
            )
            u.name = safe
    return units


def _check_cells(
    path: Path, sh: reader.Sheet, rec: handmade.Recognition, is_xlsx: bool, out: FileOutcome, data: bytes | None = None
) -> None:
    """Merged ranges over input cells; formulas without cached values and error values in empty input cells."""
    shown = out.file
    if sh.merged and rec.cells:
        at = {(ic.row, ic.col): ic for ic in reversed(rec.cells)}
        for (r1, c1), (r2, c2) in sh.merged:
            if r1 == r2 and c1 == c2:
                continue
            if (r2 - r1 + 1) * (c2 - c1 + 1) <= 256:
                hit = next((at[rc] for rc in ((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)) if rc in at), None)
            else:
                hit = next((ic for ic in rec.cells if r1 <= ic.row <= r2 and c1 <= ic.col <= c2), None)
            if hit is None:
                continue
            rng = f"{handmade.a1(r1, c1)}:{handmade.a1(r2, c2)}"
            unit = rec.units[hit.unit]
            out.findings.append(
                Finding(
                    Code.MERGED_INPUT,
                    Severity.ERROR,
                    f"Ô nhập liệu {handmade.a1(hit.row, hit.col)} nằm trong vùng gộp ô {rng}: số liệu chỉ nằm ở ô đầu "
                    "vùng gộp nên các ô còn lại bị đọc là trống. Bỏ gộp ô (Merge & Center) rồi nhập lại từng ô.",
                    Location(file=shown, sheet=sh.name, cell=handmade.a1(hit.row, hit.col)),
                    unit.name or None,
                    value=rng,
                )
            )
    if not is_xlsx:
        return
    grid = sh.grid or []
    empty: dict[str, tuple[int, str]] = {}  # A1 -> (unit index, key)
    blank_marks = []
    chosen = set()
    for ic in rec.cells:
        if handmade.value(grid, ic.row, ic.col) is not None:
            if not ic.required and "/marks/" in ic.key:
                chosen.add((ic.unit, ic.key.rsplit("/", 1)[0]))
        elif ic.required:
            empty[handmade.a1(ic.row, ic.col)] = (ic.unit, ic.key)
        elif "/marks/" in ic.key:
            blank_marks.append(ic)
    for ic in blank_marks:  # the marks of a criterion with no mark at all: one of them may be a formula
        if (ic.unit, ic.key.rsplit("/", 1)[0]) not in chosen:
            empty[handmade.a1(ic.row, ic.col)] = (ic.unit, ic.key)
    for ui, u in enumerate(rec.units):
        src = u.sources
        if isinstance(src, handmade.CellSources):
            for key, (r, c) in src.cells().items():
                if key.startswith("stated") and _get(u.data, key) is None:
                    empty.setdefault(handmade.a1(r, c), (ui, key))
        else:
            for key, loc in src.items():
                if key.startswith("stated") and loc.cell and _get(u.data, key) is None:
                    empty.setdefault(loc.cell, (ui, key))
    if not empty:
        return
    states = reader.cell_states(path, sh.name, set(empty), data)
    for ref, st in sorted(states.items()):
        ui, key = empty[ref]
        unit = rec.units[ui]
        loc = Location(file=shown, sheet=sh.name, cell=ref)
        if st.kind == "error":
            if key.startswith("stated"):
                out.findings.append(
                    Finding(
                        Code.ERROR_VALUE,
                        Severity.WARNING,
                        f"Ô {ref} (con số đơn vị ghi để đối chiếu) có giá trị lỗi {st.text}: không đối chiếu được.",
                        loc,
                        unit.name or None,
                        value=st.text,
                    )
                )
            else:
                handmade.set_key(unit.data, key, st.text)  # the core reports the error value at this cell
        else:
            sev = Severity.WARNING if key.startswith("stated") else Severity.ERROR
            formula = f" «{st.text}»" if st.text else ""
            out.findings.append(
                Finding(
                    Code.FORMULA_WITHOUT_VALUE,
                    sev,
                    f"Ô {ref} có công thức{formula} nhưng tệp chưa lưu kết quả tính (tệp do phần mềm khác tạo, chưa mở "
                    "bằng Excel): không đọc được giá trị. Mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi gửi.",
                    loc,
                    unit.name or None,
                    value=st.text,
                )
            )


def _get(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for p in key.split("/"):
        if not isinstance(node, dict):
            return None
        node = node.get(p)
    return node


__all__ = ["FileOutcome", "neutralise", "process_file", "process_files"]
