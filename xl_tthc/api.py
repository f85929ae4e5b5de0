"""The library API: every ``xl-tthc`` command, the demo and any later shell are short wrappers over it.

In the manner of sqlite-utils, each function does one whole job and returns a typed result::

    from xl_tthc import api

    outcome = api.fill_workbook("Phụ lục quý II.xlsx")               # «Tính điểm» without Excel
    print(outcome.summary_vi(), outcome.output)

    done = api.consolidate("don-vi/", "TONG_HOP.xlsx", roster="danh-sach.csv", period="2021-Q2",
                           history="lich-su.sqlite", report="BAO_CAO.docx")
    print(done.report.units, done.report.errors, done.comparisons)

    checked = api.validate("don-vi/")                                  # nothing is written
    result = api.score("dau-vao.json")                                 # the machine interface (xl-tthc/result)

Data problems are findings in the results (never exceptions). :class:`Error` is raised, with a Vietnamese message
to show as is, when a job cannot be done at all: a missing or unreadable input, an output that would overwrite an
input (inputs are never modified), an unusable roster or history file. ``frameworks``: folders with more framework
files (a province's decisions), added to the registry for this process like ``--frameworks``; ``framework``: the
officer's choice where a form fits several frameworks.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xl_tthc.core.framework import ENV_VAR, SHIPPED_DIR, Framework, default_registry
from xl_tthc.core.records import record

if TYPE_CHECKING:
    from xl_tthc.batch import BatchReport
    from xl_tthc.consolidation_book import BookConsolidated
    from xl_tthc.core.compare import Comparison
    from xl_tthc.core.consolidate import Consolidation
    from xl_tthc.fill import FillOutcome
    from xl_tthc.report import ReportMeta

StrPath = str | os.PathLike[str]
LOG_PATH = Path(tempfile.gettempdir()) / "xl_tthc-loi.log"


class Error(Exception):
    """The job cannot be done at all; the message is Vietnamese, for the user as is."""


# ---------------------------------------------------------------------------- frameworks


def use_frameworks(dirs: Iterable[StrPath]) -> None:
    """Add folders of framework files to the registry of this process (and of the batch's worker processes)."""
    extra = [str(d) for d in dirs]
    if not extra:
        return
    current = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    wanted = current + [d for d in extra if d not in current]
    if wanted != current:
        os.environ[ENV_VAR] = os.pathsep.join(wanted)  # default_registry() follows the variable


def frameworks(dirs: Iterable[StrPath] = ()) -> list[Framework]:
    """Every framework the registry finds (shipped, ``XL_TTHC_FRAMEWORKS`` and ``dirs``)."""
    from xl_tthc.core.framework import FrameworkError

    use_frameworks(dirs)
    try:
        return default_registry().all()
    except FrameworkError as exc:
        raise Error(str(exc)) from None


def framework_dirs() -> list[Path]:
    """The folders frameworks are read from: every command reads them, so no output may go there."""
    return [SHIPPED_DIR, *(Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p)]


# ---------------------------------------------------------------------------- inputs are never outputs


def check_outputs(outputs: Sequence[StrPath | None], inputs: Any, **kw: Any) -> None:
    """Refuse an output that is one of the inputs or inside the set of files read (device and inode compared)."""
    from xl_tthc.io.paths import InputClash, ReadSet, guard_outputs, read_set

    reads = inputs if isinstance(inputs, ReadSet) else read_set([*inputs, *framework_dirs()])
    try:
        guard_outputs(outputs, reads, **kw)
    except InputClash as exc:
        raise Error(str(exc)) from None


def check_output_dir(out_dir: StrPath, planned: Sequence[str] | None, inputs: Sequence[StrPath]) -> None:
    from xl_tthc.io.paths import InputClash, guard_output_dir

    try:
        guard_output_dir(str(out_dir), planned, [*inputs, *framework_dirs()])
    except InputClash as exc:
        raise Error(str(exc)) from None


# ---------------------------------------------------------------------------- «Tính điểm» on one workbook


def fill_workbook(
    path: StrPath,
    output: StrPath | None = None,
    *,
    in_place: bool = False,
    framework: str | None = None,
    frameworks: Iterable[StrPath] = (),
) -> FillOutcome | BookConsolidated:
    """«Tính điểm» on a workbook without Excel: scores, totals, xếp loại and findings written into a copy (default
    «<tên tệp> - đã tính điểm.xlsx»), or into the file itself with ``in_place`` (written atomically). On the
    consolidation workbook (``Mau_Tong_hop.xlsx``, :mod:`xl_tthc.consolidation_book`): the consolidation of the folder
    its settings name, through :func:`consolidate`, the summary sheets after its settings sheet."""
    from xl_tthc.fill import SUFFIX_OUT, FillError, read_input
    from xl_tthc.fill import fill_workbook as fill
    from xl_tthc.io.paths import InputClash, guard_writable, safe_output_name

    use_frameworks(frameworks)
    src = Path(path)
    read = None
    if src.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".ods"}:
        from xl_tthc import consolidation_book

        read = read_input(src)  # read once: the grids go on to fill
        if read is not None and consolidation_book.is_consolidation_data(read[1]):
            return consolidation_book.fill(src, output, in_place=in_place)  # Mau_Tong_hop.xlsx: the consolidation
    out = Path(output) if output is not None else None
    if out is None and not in_place and src.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".ods"}:
        # the default name, kept within the 255-byte limit of a file name
        suffix = ".xlsm" if src.suffix.lower() == ".xlsm" else ".xlsx"
        out = src.with_name(safe_output_name(src.stem, SUFFIX_OUT, suffix))
    if not in_place:
        check_outputs([out], [src])
    try:
        guard_writable(src if in_place else out)
        return fill(src, out, in_place=in_place, framework=framework, read=read)
    except (FillError, InputClash) as exc:
        raise Error(str(exc)) from None


# ---------------------------------------------------------------------------- folders of unit workbooks


def validate(
    folder: StrPath,
    *,
    period: str | None = None,
    framework: str | None = None,
    jobs: int | None = None,
    quiet: bool = True,
    frameworks: Iterable[StrPath] = (),
) -> BatchReport:
    """Check every workbook of a folder (recursively) through the one pipeline; nothing is written."""
    return _batch(folder, period=period, framework=framework, jobs=jobs, quiet=quiet, frameworks=frameworks)


@record
class Consolidated:
    """What :func:`consolidate` did: the batch report, and the files it wrote."""

    report: BatchReport
    summary: Path | None = None
    report_docx: Path | None = None
    comparisons: list[Comparison] = field(default_factory=list)

    @property
    def consolidation(self) -> Consolidation:
        return self.report.consolidation


def consolidate(
    folder: StrPath,
    output: StrPath | None = None,
    *,
    roster: StrPath | None = None,
    period: str | None = None,
    history: StrPath | None = None,
    report: StrPath | None = None,
    report_meta: ReportMeta | None = None,
    framework: str | None = None,
    jobs: int | None = None,
    quiet: bool = True,
    frameworks: Iterable[StrPath] = (),
    progress: Callable[[int, int], None] | None = None,
    summary_only: bool = False,
) -> Consolidated:
    """The quarter-end job on a folder: validate and consolidate every unit workbook, record the period in the
    ``history`` database and compare with the previous one, write the summary workbook ``output`` and the draft
    report ``report`` (.docx). Unit files are never modified; outputs are written atomically.

    ``summary_only``: the caller reads nothing of the unit results beyond what the summary workbook shows (no
    ``to_dict()``), so without ``history`` and ``report`` the workers send compact results back (faster, less
    memory; see :func:`xl_tthc.batch.worker.compact_result`). ``progress(done, total)`` is called as the files are
    read."""
    from xl_tthc.batch import find_files
    from xl_tthc.io.paths import is_own_summary, read_set

    use_frameworks(frameworks)
    out = Path(output) if output is not None else None
    if out is not None and out.suffix.lower() != ".xlsx":
        raise Error(f"tệp tổng hợp phải có đuôi .xlsx («{out}»).")
    reads = read_set([roster, *framework_dirs()])
    reads.add(str(folder), find_files)
    check_outputs([out, report, history], reads, replaceable=lambda p: out is not None and p == out and is_own_summary(p))
    rep = _batch(
        folder,
        period=period,
        framework=framework,
        jobs=jobs,
        quiet=quiet,
        roster=roster,
        exclude=[out] if out is not None else [],
        compact=summary_only and history is None and report is None,
        progress=progress,
    )
    done = Consolidated(rep)
    if history is not None:
        from xl_tthc import history as hist

        try:
            done.comparisons = hist.record_and_compare(history, rep.consolidation, rep.period)
        except hist.HistoryError as exc:
            raise Error(str(exc)) from None
    if out is not None:
        from xl_tthc.io.summary import write_summary

        try:
            done.summary = write_summary(rep, out, done.comparisons)
        except OSError as exc:
            raise Error(f"không ghi được tệp tổng hợp «{out}» ({exc.strerror or exc.__class__.__name__}).") from None
    if report is not None:
        from xl_tthc.report import ReportMeta, write_report

        try:
            done.report_docx = write_report(
                rep.consolidation, report, report_meta or ReportMeta(), done.comparisons or None
            )
        except OSError as exc:
            raise Error(f"không ghi được tệp báo cáo «{report}» ({exc.__class__.__name__}).") from None
    return done


def _batch(folder: StrPath, *, frameworks: Iterable[StrPath] = (), jobs: int | None = None, **kw: Any) -> BatchReport:
    from xl_tthc.batch import DEFAULT_JOBS, BatchError, run

    use_frameworks(frameworks)
    n = DEFAULT_JOBS if jobs is None else jobs
    if n < 1:
        raise Error("--jobs phải là số nguyên dương.")
    try:
        rep = run(folder, jobs=n, **kw)
    except BatchError as exc:
        raise Error(str(exc)) from None
    traces = rep.traces()
    if traces:
        with LOG_PATH.open("a", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write("\n".join(traces) + "\n")
    return rep


# ---------------------------------------------------------------------------- the machine interface and reports


def load_json(src: StrPath) -> Any:
    """A JSON input file ("-": standard input), with limits on nesting depth and number size; Vietnamese errors
    naming the file."""
    import sys

    from xl_tthc.io import jsonload
    from xl_tthc.io.paths import display_name

    name = str(src)
    try:
        if name == "-":
            return jsonload.loads(sys.stdin.read(), "-")
        return jsonload.load_file(name)
    except jsonload.JsonInputError as exc:
        raise Error(str(exc)) from None
    except FileNotFoundError:
        raise Error(f"không tìm thấy tệp «{display_name(name)}».") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise Error(f"không đọc được tệp «{display_name(name)}» ({exc.__class__.__name__}).") from None


def score(source: StrPath | dict[str, Any], *, frameworks: Iterable[StrPath] = ()) -> dict[str, Any]:
    """Score an ``xl-tthc/input`` document (a file path or the parsed document): the ``xl-tthc/result`` document."""
    from xl_tthc.core.document import InputError, score_document
    from xl_tthc.core.framework import FrameworkError

    use_frameworks(frameworks)
    doc = source if isinstance(source, dict) else load_json(source)
    file = None if isinstance(source, dict) or str(source) == "-" else str(source)
    try:
        return score_document(doc, file=file)
    except (InputError, FrameworkError) as exc:
        raise Error(str(exc)) from None


@record
class Reported:
    path: Path
    consolidation: Consolidation
    comparisons: list[Comparison]


def report(
    source: StrPath | dict[str, Any],
    output: StrPath,
    meta: ReportMeta | None = None,
    *,
    period: str | None = None,
    history: StrPath | None = None,
    frameworks: Iterable[StrPath] = (),
) -> Reported:
    """The draft report (.docx, the form of Nghị định 30/2020/NĐ-CP) from an input or result document."""
    from xl_tthc.core.document import InputError
    from xl_tthc.core.framework import FrameworkError
    from xl_tthc.history import HistoryError
    from xl_tthc.report import ReportError, ReportMeta, report_from_document

    use_frameworks(frameworks)
    inputs = [] if isinstance(source, dict) else [source]
    check_outputs([output, history], inputs)
    doc = source if isinstance(source, dict) else load_json(source)
    try:
        path, consolidation, comparisons = report_from_document(
            doc,
            Path(output),
            meta or ReportMeta(),
            period=period,
            history_db=history,
            file=None if isinstance(source, dict) else str(source),
        )
    except (InputError, FrameworkError, ReportError, HistoryError) as exc:
        raise Error(str(exc)) from None
    except OSError as exc:
        raise Error(f"không ghi được tệp «{output}» ({exc.__class__.__name__}).") from None
    return Reported(path, consolidation, list(comparisons or []))


def report_meta(**kw: Any) -> ReportMeta:
    """The heading and signature of a report (issuer, place, date, number, signer …)."""
    from xl_tthc.report import ReportMeta

    return ReportMeta(**kw)


def parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Error(f"ngày «{text}» không đúng dạng NĂM-THÁNG-NGÀY (ví dụ 2023-08-17).") from None


# ---------------------------------------------------------------------------- what the shells show


def summary_text(report: BatchReport, *, title: str, bands: bool = False) -> str:
    """A batch report as the terminal shows it (Vietnamese table)."""
    from xl_tthc.batch.text import summary_table

    return summary_table(report, title=title, bands=bands)


def result_text(result: dict[str, Any]) -> str:
    """An ``xl-tthc/result`` document as a Vietnamese table."""
    from xl_tthc.tables import result_table

    return result_table(result)


def write_text(path: StrPath, text: str) -> None:
    """A text output, written atomically."""
    from xl_tthc.io.atomic import atomic_write_text

    atomic_write_text(Path(path), text)


def level_name(code: str) -> str:
    """The Vietnamese name of a unit level code (``xa`` → «Cấp xã»)."""
    from xl_tthc.core.framework import level_label

    return level_label(code)


# ---------------------------------------------------------------------------- templates, add-in, demo


def templates(output_dir: StrPath, *, frameworks: Iterable[StrPath] = ()) -> list[Path]:
    """The official templates, one for every framework the registry finds (shipped and added), and the consolidation
    workbook ``Mau_Tong_hop.xlsx``."""
    from xl_tthc.consolidation_book import FILE_NAME, build_template
    from xl_tthc.io.layouts import spec_layouts
    from xl_tthc.io.templates import build_templates

    use_frameworks(frameworks)
    check_output_dir(output_dir, [*(layout.file_name for layout in spec_layouts()), FILE_NAME], [])
    return [*build_templates(Path(output_dir)), build_template(output_dir)]


def build_addin(output_dir: StrPath) -> Path:
    """The Excel add-in ``xl_tthc.xlam`` (ribbon «Tính điểm», the UDF module), built on any OS."""
    from xl_tthc.addin_build import CONFIG_FILE, DEFAULT_MACROS_DIR, AddinBuildError, load_config
    from xl_tthc.addin_build import build_addin as build

    try:
        planned = [load_config(DEFAULT_MACROS_DIR / CONFIG_FILE).addin_file]
        check_output_dir(output_dir, planned, [DEFAULT_MACROS_DIR])
        return build(Path(output_dir))
    except AddinBuildError as exc:
        raise Error(str(exc)) from None


def bundle_windows(output_dir: StrPath, cache: StrPath | None = None) -> tuple[Path, Path]:
    """The Windows installer and offline zip (:mod:`xl_tthc.bundle_windows`), built on Linux into ``output_dir``."""
    from xl_tthc.addin_build import AddinBuildError
    from xl_tthc.bundle_windows import BundleError, build, installer_name, zip_name

    check_output_dir(output_dir, [installer_name(), zip_name()], [])
    try:
        b = build(Path(output_dir), Path(cache) if cache is not None else None)
    except (BundleError, AddinBuildError) as exc:
        raise Error(str(exc)) from None
    return b.installer, b.zip


def demo(output_dir: StrPath, echo: Callable[[str], None] = print) -> list[Any]:
    """The quarter-end job of a district office on embedded sample data (:mod:`xl_tthc.demo`), into ``output_dir``."""
    from xl_tthc.demo import run
    from xl_tthc.samples import DATA_DIR

    check_output_dir(output_dir, None, [DATA_DIR])
    return run(Path(output_dir), echo)


__all__ = [
    "Consolidated",
    "Error",
    "Reported",
    "build_addin",
    "check_outputs",
    "consolidate",
    "demo",
    "fill_workbook",
    "frameworks",
    "level_name",
    "load_json",
    "parse_date",
    "report",
    "report_meta",
    "result_text",
    "score",
    "summary_text",
    "templates",
    "use_frameworks",
    "validate",
    "write_text",
]
