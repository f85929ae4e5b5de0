"""Batch mode: validate and consolidate a folder of unit workbooks, fast, whatever the files contain.

``run(dir, roster=…, period=…)`` walks the folder (recursively, Vietnamese names),
probe every spreadsheet before any library parses it, read it with python-calamine in worker processes,
recognise, check and score them through the one pipeline (:mod:`xl_tthc.pipeline`), **recompute every figure from the inputs** with the core
(stated totals are only compared) and collect findings. A file that cannot be read becomes a finding; the batch
goes on. Input files are opened read-only and never modified.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import field
from functools import partial
from pathlib import Path
from typing import Any

from xl_tthc.batch.roster import RosterError, read_roster
from xl_tthc.batch.worker import FileOutcome, process_file, process_files, unpack_outcomes
from xl_tthc.core.consolidate import Consolidation, RosterEntry, consolidate, period_mismatch
from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.framework import Framework, default_registry
from xl_tthc.core.model import UnitResult
from xl_tthc.core.periods import PERIOD_EXAMPLES_VI, parse_period, period_key
from xl_tthc.core.records import record
from xl_tthc.io.probe import SUFFIXES, is_lock_name

MAX_DEFAULT_JOBS = 8  # beyond this the disk, not the CPU, sets the pace for a folder of small workbooks


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may run on (containers, taskset)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


DEFAULT_JOBS = max(1, min(MAX_DEFAULT_JOBS, _usable_cpus()))


class BatchError(Exception):
    """The batch cannot start (missing folder, unusable roster): a Vietnamese message for the user."""


@record
class BatchReport:
    root: str
    outcomes: list[FileOutcome]
    consolidation: Consolidation
    period: str | None = None
    period_auto: bool = False
    elapsed: float = 0.0
    jobs: int = 1
    roster_size: int | None = None
    notes: list[Finding] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """Every finding: per file (file, then its units), then the consolidation's own."""
        return self.consolidation.findings

    @property
    def files(self) -> int:
        return len(self.outcomes)

    @property
    def units(self) -> int:
        return sum(len(o.results) for o in self.outcomes)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    def traces(self) -> list[str]:
        return [o.trace for o in self.outcomes if o.trace]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "xl-tthc/batch",
            "format_version": 1,
            "folder": self.root,
            "period": self.period,
            "period_auto": self.period_auto,
            "summary": {
                "files": self.files,
                "units": self.units,
                "errors": self.errors,
                "warnings": self.warnings,
                "infos": self.count(Severity.INFO),
                "seconds": round(self.elapsed, 3),
            },
            "files": [
                {
                    "file": o.file,
                    "status": o.status,
                    "status_label": o.status_label,
                    "template": o.template,
                    "units": [r.unit for _, r in o.results],
                    "errors": sum(1 for f in o.all_findings() if f.severity is Severity.ERROR),
                    "warnings": sum(1 for f in o.all_findings() if f.severity is Severity.WARNING),
                }
                for o in self.outcomes
            ],
            "consolidation": self.consolidation.to_dict(),
        }


def find_files(root: Path, exclude: Sequence[Path] = ()) -> list[Path]:
    """Spreadsheets and lock files under ``root``, recursively, in a stable order (our own temp files left out)."""
    return [Path(root, rel) for rel in _walk(root, exclude)]


def _walk(root: Path, exclude: Sequence[Path] = ()) -> list[str]:
    """:func:`find_files` as paths relative to ``root`` with "/" separators (as the user is shown them).

    A path is resolved only when its name is that of an excluded file (resolving every file of a big folder
    cost a tenth of a second).
    """
    skip = {p.resolve() for p in exclude}
    skip_names = {p.name.casefold() for p in skip}
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        for name in sorted(filenames):
            if name.startswith(".~xl_tthc-"):
                continue
            if os.path.splitext(name)[1].lower() not in SUFFIXES and not is_lock_name(name):
                continue
            if skip_names and name.casefold() in skip_names and Path(dirpath, name).resolve() in skip:
                continue
            found.append(prefix + name)
    return found


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class _Reporting:
    """A progress bar that also tells ``progress(files done, files in all)`` (Excel's status bar)."""

    def __init__(self, bar: Any, total: int, progress: Callable[[int, int], None]) -> None:
        self.bar, self.total, self.progress, self.done = bar, total, progress, 0

    def update(self, n: int = 1) -> None:
        self.bar.update(n)
        self.done += n
        self.progress(self.done, self.total)

    def close(self) -> None:
        self.bar.close()


def _outcomes(
    tasks: list[tuple[str, str]],
    jobs: int,
    quiet: bool,
    framework: str | None,
    compact: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[FileOutcome]:
    show = not quiet and sys.stderr.isatty()
    bar: Any = _NoBar()
    if show:  # tqdm is imported only when a bar is drawn
        from tqdm import tqdm

        bar = tqdm(total=len(tasks), file=sys.stderr, unit=" tệp", desc="Đọc tệp", leave=False)
    if progress is not None:
        bar = _Reporting(bar, len(tasks), progress)
    try:
        if jobs <= 1 or len(tasks) < 4 * jobs:
            for t in tasks:
                yield process_file(t, framework, compact=compact)
                bar.update(1)
            return
        default_registry().all()  # build every framework once, before the workers fork
        methods = mp.get_all_start_methods()
        ctx = mp.get_context("fork") if "fork" in methods and sys.platform.startswith("linux") else None
        size = max(1, min(64, len(tasks) // (jobs * 8)))
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=gc.enable) as ex:
            for outs in ex.map(partial(process_files, framework=framework, compact=compact, pack=compact), chunks):
                yield from unpack_outcomes(outs) if compact else outs
                bar.update(len(outs))
    finally:
        bar.close()


def run(
    root: str | os.PathLike[str],
    *,
    roster: str | os.PathLike[str] | Sequence[RosterEntry] | None = None,
    period: str | None = None,
    jobs: int = DEFAULT_JOBS,
    quiet: bool = True,
    exclude: Sequence[Path] = (),
    framework: str | None = None,
    compact: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BatchReport:
    """Read, check and score every workbook under ``root``; consolidate the units (see the module docstring).
    ``progress(done, total)``: called as files are read (Excel's status bar during a consolidation).
    ``framework``: the officer's choice where a form fits several frameworks (``--framework``).
    ``compact``: keep of each unit result only what the summary workbook shows (see
    :func:`xl_tthc.batch.worker.compact_result`): less to send between processes and to hold in memory, for a run
    that writes the summary workbook and nothing else (not ``--json``, a report or the history, which read every
    item)."""
    start = time.perf_counter()
    folder = Path(root)
    if not folder.is_dir():
        raise BatchError(f"không tìm thấy thư mục «{root}».")
    entries: list[RosterEntry] | None
    roster_notes: list[Finding] = []  # a roster in a legacy encoding (cp1258) is read with a note
    if roster is None:
        entries = None
    elif isinstance(roster, str | os.PathLike):
        try:
            entries = read_roster(Path(roster), roster_notes)
        except RosterError as exc:
            raise BatchError(str(exc)) from None
    else:
        entries = list(roster)
    want = None
    if period:
        want = parse_period(period)
        if want is None:
            raise BatchError(f"không hiểu kỳ đánh giá «{period}» ({PERIOD_EXAMPLES_VI}).")
    tasks = [(os.path.join(folder, rel), rel) for rel in _walk(folder, exclude)]
    # thousands of results stay alive until the end and hold no reference cycles: the cyclic collector would only
    # rescan them again and again while they arrive
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(folder, tasks, entries, want, jobs, quiet, start, framework, compact, roster_notes, progress)
    finally:
        if was_enabled:
            gc.enable()


def _run(
    folder: Path,
    tasks: list[tuple[str, str]],
    entries: list[RosterEntry] | None,
    want: str | None,
    jobs: int,
    quiet: bool,
    start: float,
    framework: str | None = None,
    compact: bool = False,
    roster_notes: list[Finding] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchReport:
    outcomes = list(_outcomes(tasks, max(1, jobs), quiet, framework, compact, progress))
    notes: list[Finding] = list(roster_notes or [])
    scored = []
    reg = default_registry()
    for o in outcomes:
        for fid, r in o.results:
            scored.append((reg.get(fid), r))
    auto = False
    explicit = want
    if want is None:
        scored, want, auto = _majority_periods(scored, notes)
    extra = [f for o in outcomes for f in o.all_findings()] + notes
    cons = consolidate(scored, roster=entries, period=explicit, files=len(outcomes), extra_findings=extra)
    return BatchReport(
        root=str(folder),
        outcomes=outcomes,
        consolidation=cons,
        period=want,
        period_auto=auto,
        elapsed=time.perf_counter() - start,
        jobs=jobs,
        roster_size=None if entries is None else len(entries),
        notes=notes,
    )


def _majority_periods(
    scored: list[tuple[Framework, UnitResult]], notes: list[Finding]
) -> tuple[list[tuple[Framework, UnitResult]], str | None, bool]:
    """Without --period: per framework, the period most files carry; units of other periods are left out.

    Frameworks are reported on different rhythms (TTHC by quarter, the service index by month), so the majority
    is taken per framework. Returns (the units kept, the period to show, whether a choice had to be made).
    """
    by_fw: dict[str, Counter[str]] = {}
    for fw, r in scored:
        if r.period:
            by_fw.setdefault(fw.id, Counter())[r.period] += 1
    chosen: dict[str, str] = {}
    auto = False
    for fid, periods in by_fw.items():
        top = max(periods.items(), key=lambda kv: (kv[1], period_key(kv[0])))[0]
        chosen[fid] = top
        if len(periods) > 1:
            auto = True
            notes.append(
                Finding(
                    Code.PERIOD_MISMATCH,
                    Severity.INFO,
                    f"Các tệp {fid} thuộc nhiều kỳ đánh giá ({', '.join(sorted(periods, key=period_key))}); tổng hợp "
                    f"kỳ {top} (kỳ của đa số tệp). Chỉ định kỳ khác bằng --period.",
                    Location(),
                    value=sorted(periods, key=period_key),
                    expected=top,
                )
            )
    kept = []
    for fw, r in scored:
        want = chosen.get(fw.id)
        if want and r.period and r.period != want:
            notes.append(period_mismatch(r, want))
            continue
        kept.append((fw, r))
    shown = sorted(set(chosen.values()), key=period_key)
    return kept, ", ".join(shown) if shown else None, auto


__all__ = [
    "DEFAULT_JOBS",
    "MAX_DEFAULT_JOBS",
    "BatchError",
    "BatchReport",
    "FileOutcome",
    "find_files",
    "run",
]
