"""Sheet checks, registered once and run by every shell on every recognised sheet.

A check looks at the cells a recognition read (:attr:`Recognition.cells`, the units' sources) with what the reader
could tell about them. Value problems (text in number cells, negatives, counts that do not add up …) are the
core's: it reports them while scoring. To add a check, write a function ``(WorkbookData, SheetData, Recognition)
-> list[Finding]`` and append it to :data:`CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable

from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.keys import get_key, set_key
from xl_tthc.io.cells import a1
from xl_tthc.pipeline.model import SheetData, WorkbookData
from xl_tthc.recognise import Recognition
from xl_tthc.recognise.common import CellSources, value

Check = Callable[[WorkbookData, SheetData, Recognition], list[Finding]]


def merged_inputs(wb: WorkbookData, sh: SheetData, rec: Recognition) -> list[Finding]:
    """An input cell inside a merged range: only the range's first cell holds a value."""
    if not sh.merged or not rec.cells:
        return []
    findings: list[Finding] = []
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
        rng = f"{a1(r1, c1)}:{a1(r2, c2)}"
        unit = rec.units[hit.unit]
        findings.append(
            Finding(
                Code.MERGED_INPUT,
                Severity.ERROR,
                f"Ô nhập liệu {a1(hit.row, hit.col)} nằm trong vùng gộp ô {rng}: số liệu chỉ nằm ở ô đầu vùng gộp nên "
                "các ô còn lại bị đọc là trống. Bỏ gộp ô (Merge & Center) rồi nhập lại từng ô.",
                Location(file=wb.file, sheet=sh.name, cell=a1(hit.row, hit.col)),
                unit.name or None,
                value=rng,
            )
        )
    return findings


def empty_cell_states(wb: WorkbookData, sh: SheetData, rec: Recognition) -> list[Finding]:
    """Input cells that came back empty: a formula whose value was never saved, or an error value (#REF! …)."""
    if wb.cell_states is None:
        return []
    grid = sh.grid
    empty: dict[str, tuple[int, str]] = {}  # A1 -> (unit index, key)
    blank_marks = []
    chosen = set()
    for ic in rec.cells:
        if value(grid, ic.row, ic.col) is not None:
            if not ic.required and "/marks/" in ic.key:
                chosen.add((ic.unit, ic.key.rsplit("/", 1)[0]))
        elif ic.required:
            empty[a1(ic.row, ic.col)] = (ic.unit, ic.key)
        elif "/marks/" in ic.key:
            blank_marks.append(ic)
    for ic in blank_marks:  # the marks of a criterion with no mark at all: one of them may be a formula
        if (ic.unit, ic.key.rsplit("/", 1)[0]) not in chosen:
            empty[a1(ic.row, ic.col)] = (ic.unit, ic.key)
    for ui, u in enumerate(rec.units):
        src = u.sources
        if isinstance(src, CellSources):
            for key, (r, c) in src.cells().items():
                if key.startswith("stated") and get_key(u.data, key) is None:
                    empty.setdefault(a1(r, c), (ui, key))
        else:
            for key, loc in src.items():
                if key.startswith("stated") and loc.cell and get_key(u.data, key) is None:
                    empty.setdefault(loc.cell, (ui, key))
    if not empty:
        return []
    findings: list[Finding] = []
    for ref, st in sorted(wb.cell_states(sh.name, set(empty)).items()):
        ui, key = empty[ref]
        unit = rec.units[ui]
        loc = Location(file=wb.file, sheet=sh.name, cell=ref)
        if st.kind == "error":
            if key.startswith("stated"):
                findings.append(
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
                set_key(unit.data, key, st.text)  # the core reports the error value at this cell
        else:
            sev = Severity.WARNING if key.startswith("stated") else Severity.ERROR
            formula = f" «{st.text}»" if st.text else ""
            findings.append(
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
    return findings


def published_ratio_with_counts(wb: WorkbookData, sh: SheetData, rec: Recognition) -> list[Finding]:
    """766 input sheet: a numerator and denominator win over a published ratio typed in the same row."""
    if rec.framework is None or rec.framework.kind != "service_index":
        return []
    findings: list[Finding] = []
    for u in rec.units:
        for code, entry in (u.data.get("indicators") or {}).items():
            if isinstance(entry, dict) and "ratio" in entry and ("numerator" in entry or "denominator" in entry):
                del entry["ratio"]
                loc = u.sources.get(f"indicators/{code}/ratio") or Location(file=wb.file, sheet=sh.name)
                findings.append(
                    Finding(
                        Code.INVALID_INPUT,
                        Severity.INFO,
                        f"Chỉ số {code}: đã có tử số, mẫu số nên không dùng tỷ lệ đã công bố ghi ở ô {loc.cell}.",
                        loc,
                        item=code,
                    )
                )
    return findings


CHECKS: list[Check] = [merged_inputs, empty_cell_states, published_ratio_with_counts]


def run_checks(wb: WorkbookData, sh: SheetData, rec: Recognition) -> list[Finding]:
    return [f for check in CHECKS for f in check(wb, sh, rec)]


__all__ = ["CHECKS", "Check", "run_checks"]
