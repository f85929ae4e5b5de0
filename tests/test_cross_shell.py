"""One «Tính điểm» answer in every shell (issue 11, item 7).

Every workbook below goes through every shell: ``fill`` (the library's :func:`xl_tthc.api.fill_workbook` and the
CLI), ``validate`` and ``consolidate`` (:mod:`xl_tthc.api` over the batch, ``jobs=1``, the summary workbook written), and the add-in («Tính điểm») on the strict fake of
xlwings' Windows engine and on xlwings' remote engine. All must give the same framework id, period, unit names,
figures (totals, quy đổi, bands, ranks, PAR self/appraised totals) and finding codes at the same cells.

The workbooks: every shipped framework's template (the committed sample where there is one, else the template
``xl-tthc templates`` builds, filled with the inputs of a seed or of ``docs/examples``), the templates of two
frameworks added only as JSON files (``extends`` sv459 with other bands, ``extends`` the district TTHC decision),
and the forms officers type themselves (seed 001 annex, seed 002 appendix, seed 004 PAR table).

Expected figures are the seeds' published ones or hand calculation written next to them, never the code's output.
The divergence pins at the end (``test_pin_*``) each hold one of the divergences issue 11 measured between shells.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

xw = pytest.importorskip("xlwings")

import xlwings_windows_fake as fk  # noqa: E402 - after the importorskip
from test_addin_remote import _book as remote_book  # noqa: E402

import xl_tthc.addin as addin  # noqa: E402
from xl_tthc import api  # noqa: E402
from xl_tthc.cli import main  # noqa: E402
from xl_tthc.core.findings import Code, Finding  # noqa: E402
from xl_tthc.core.framework import ENV_VAR, SHIPPED_DIR, Registry, default_registry  # noqa: E402
from xl_tthc.core.model import UnitResult  # noqa: E402
from xl_tthc.io.cells import parse_a1  # noqa: E402
from xl_tthc.io.layouts import build_layout, template_spec  # noqa: E402
from xl_tthc.io.templates import appendix_values, single_unit_values  # noqa: E402
from xl_tthc.pipeline import REPORT_SHEET  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbooks" / "samples"
DATA = ROOT / "tests" / "data"
SEEDS = ROOT / "xl_tthc" / "sample_data"  # seeds 001 (huyện), 002 and 004: package data
EXAMPLES = ROOT / "docs" / "examples"
HANDMADE_002 = DATA / "handmade" / "phu_luc_405_thang7_2023.xlsx"

sys.path.insert(0, str(DATA / "handmade"))
from make_handmade import write_seed001_annex, write_seed004_par  # noqa: E402

SV_OVERRIDE = "sv-thu-nghiem-2023"  # extends sv459-dienbien-2023, other bands, in force from 1/6/2023
TTHC_OVERRIDE = "tthc-thu-nghiem-2025"  # extends tthc-dienbien-1187-2019-huyen, in force from 2025
SHELLS = ("fill", "fill-cli", "validate", "consolidate", "addin-windows", "addin-remote")


def write_override_frameworks(folder: Path) -> Path:
    """Two frameworks a province adds as JSON files only (no code): the ``--frameworks`` folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sv-thu-nghiem.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "id": SV_OVERRIDE,
                "extends": "sv459-dienbien-2023",
                "kind": "service_index",
                "version": "2023.9",
                "title": "Bộ chỉ số thử nghiệm (mức xếp loại khác)",
                "references": [{"number": "1/QĐ-UBND", "issuer": "UBND tỉnh thử nghiệm"}],
                "effective": {"from": "2023-06-01"},
                "levels": ["phong", "xa"],
                "bands": {
                    "scale": "quy_doi",
                    "items": [
                        {"code": "tot", "label": "Tốt", "min": 75},
                        {"code": "dat", "label": "Đạt", "min": 55},
                        {"code": "chua_dat", "label": "Chưa đạt", "min": None},
                    ],
                },
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    (folder / "tthc-thu-nghiem.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "id": TTHC_OVERRIDE,
                "extends": "tthc-dienbien-1187-2019-huyen",
                "kind": "tthc",
                "version": "2025.1",
                "title": "Chấm điểm giải quyết TTHC (tỉnh thử nghiệm)",
                "references": [{"number": "2/QĐ-UBND", "issuer": "UBND tỉnh thử nghiệm"}],
                "effective": {"from": "2025-01-01"},
                "levels": ["huyen"],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return folder


# ---------------------------------------------------------------------------- the workbooks


@dataclass(frozen=True)
class Case:
    id: str
    framework: str | None  # the framework every shell must report (None: none, the sheet is not scored)
    overrides: bool = False  # the JSON-only frameworks are in the registry (--frameworks / XL_TTHC_FRAMEWORKS)


CASES = [
    Case("sample-tthc-huyen", "tthc-dienbien-1187-2019-huyen"),
    Case("template-tthc-xa", "tthc-dienbien-1187-2019-xa"),
    Case("sample-sv459", "sv459-dienbien-2023"),
    Case("template-sv766", "sv766-national-2026"),
    Case("template-par-huyen-2019", "par-dienbien-huyen-2019"),
    Case("sample-par-tinh-2020", "par-dienbien-tinh-2020"),
    Case("template-override-sv", SV_OVERRIDE, overrides=True),
    Case("template-override-tthc", TTHC_OVERRIDE, overrides=True),
    Case("handmade-001-annex", "tthc-dienbien-1187-2019-huyen"),
    Case("handmade-002-appendix", "sv459-dienbien-2023"),
    Case("handmade-004-par", "par-dienbien-tinh-2020"),
    Case("handmade-002-ambiguous", None, overrides=True),
    Case("handmade-002-named", SV_OVERRIDE, overrides=True),
]
BY_ID = {c.id: c for c in CASES}

# (template's framework, input document, how the period is written on the form)
TEMPLATE_INPUTS = {
    "template-tthc-xa": ("tthc-dienbien-1187-2019-xa", DATA / "seed001_tthc_xa.json", "Quý II, năm 2021"),
    "template-sv766": ("sv766-national-2026", EXAMPLES / "sv766-national-2026-input.json", "Tháng 10 năm 2026"),
    "template-par-huyen-2019": ("par-dienbien-huyen-2019", DATA / "seed003_par_huyen_2019.json", "2019"),
    "template-override-sv": (SV_OVERRIDE, SEEDS / "seed002_sv459.json", "Tháng 7 năm 2023"),
    "template-override-tthc": (TTHC_OVERRIDE, SEEDS / "seed001_tthc_huyen.json", "Quý II, năm 2025"),
}
SAMPLE_FILES = {
    "sample-tthc-huyen": "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx",
    "sample-sv459": "Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023.xlsx",
    "sample-par-tinh-2020": "Vi_du_Chi_so_CCHC_tinh_Dien_Bien_2020.xlsx",
}


def fill_template(template: Path, registry: Registry, fid: str, doc_path: Path, period: str, out: Path) -> Path:
    """A template as ``xl-tthc templates`` built it, with an input document typed into its input cells (openpyxl,
    as another program would), the figures the document states in the output cells."""
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    fw = registry.get(fid)
    spec = template_spec(fw)
    layout = build_layout(spec.template_id, fw, spec.file_name)
    values = (
        appendix_values(layout, doc["units"], period)
        if layout.table
        else single_unit_values(layout, doc["units"][0], period)
    )
    wb = openpyxl.load_workbook(template)
    ws = wb[layout.sheet]
    for (r, c), v in values.items():
        ws.cell(row=r + 1, column=c + 1, value=v)
    wb.save(out)
    return out


def named_appendix(out: Path, fid: str) -> Path:
    """The hand-made seed 002 appendix with «Khung chấm điểm: <id>» typed in the empty row above its header."""
    wb = openpyxl.load_workbook(HANDMADE_002)
    wb.active["A4"] = f"Khung chấm điểm: {fid}"
    wb.save(out)
    return out


@dataclass
class Answer:
    """What one shell says about one workbook, in comparable form."""

    units: list[tuple[Any, ...]]
    findings: list[tuple[Any, ...]]
    raw: list[dict[str, Any]] = field(default_factory=list)  # the units' result documents
    extra: Any = None  # the shell's own outcome (FillOutcome, BatchReport, add-in Outcome, exit code …)


def _r(x: Any) -> Any:
    return round(x, 9) if isinstance(x, float) else x


def unit_sig(d: dict[str, Any]) -> tuple[Any, ...]:
    extra = d.get("extra") or {}
    return (
        d["framework"]["id"],
        d["unit"]["name"],
        d["unit"]["level"],
        d["period"],
        d["status"],
        _r(d["total"]),
        _r(d["total_shown"]),
        _r(d["applicable_max"]),
        _r(d["quy_doi"]),
        (d.get("band") or {}).get("label"),
        d["rank"],
        _r(extra.get("self_total")),
        _r(extra.get("appraised_total")),
    )


def finding_sig(f: Finding | dict[str, Any]) -> tuple[Any, ...]:
    d = f.to_dict() if isinstance(f, Finding) else f
    loc = d.get("location") or {}
    return (d["code"], d["severity"], loc.get("sheet"), loc.get("cell"))


def answer(results: list[UnitResult], findings: list[Finding], extra: Any = None) -> Answer:
    docs = [r.to_dict() for r in results]
    return Answer(
        sorted((unit_sig(d) for d in docs), key=repr), sorted(map(finding_sig, findings), key=repr), docs, extra
    )


def calamine_grids(path: Path) -> list[tuple[str, list[list[Any]]]]:
    with CalamineWorkbook.from_path(str(path)) as wb:
        return [
            (
                n,
                [
                    [None if v == "" else v for v in row]
                    for row in wb.get_sheet_by_name(n).to_python(skip_empty_area=False)
                ],
            )
            for n in wb.sheet_names
        ]


class Runs:
    """Builds each workbook once and runs every shell on it once (module scope)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.frameworks = write_override_frameworks(tmp / "khung")
        self.registry = Registry([self.frameworks])
        self.templates = tmp / "bieu-mau"
        with framework_env(None):
            assert main(["--frameworks", str(self.frameworks), "templates", "-o", str(self.templates)]) == 0
        self._files: dict[str, Path] = {}
        self._answers: dict[str, dict[str, Answer]] = {}

    def file(self, case_id: str) -> Path:
        if case_id not in self._files:
            folder = self.tmp / "in" / case_id
            folder.mkdir(parents=True)
            self._files[case_id] = self._build(case_id, folder)
        return self._files[case_id]

    def _build(self, case_id: str, folder: Path) -> Path:
        if case_id in SAMPLE_FILES:
            dst = folder / SAMPLE_FILES[case_id]
            shutil.copyfile(SAMPLES / SAMPLE_FILES[case_id], dst)
            return dst
        if case_id in TEMPLATE_INPUTS:
            fid, doc, period = TEMPLATE_INPUTS[case_id]
            template = self.templates / template_spec(self.registry.get(fid)).file_name
            return fill_template(template, self.registry, fid, doc, period, folder / f"Don_vi_{fid}.xlsx")
        if case_id == "handmade-001-annex":
            return write_seed001_annex(folder / "Phu luc BC 205 - UBND huyen Dien Bien.xlsx")
        if case_id == "handmade-004-par":
            return write_seed004_par(
                folder / "PAR INDEX 2020 tinh Dien Bien.xlsx", SEEDS / "seed004_par_tinh_2020.json"
            )
        if case_id in ("handmade-002-appendix", "handmade-002-ambiguous"):
            dst = folder / HANDMADE_002.name
            shutil.copyfile(HANDMADE_002, dst)
            return dst
        if case_id == "handmade-002-named":
            return named_appendix(folder / HANDMADE_002.name, SV_OVERRIDE)
        raise AssertionError(case_id)

    def validate_cli(self, case_id: str) -> int:
        """The exit code of ``xl-tthc validate`` on the folder holding the workbook."""
        argv = ["validate", str(self.file(case_id).parent), "--jobs", "1", "--quiet", "--json"]
        if BY_ID[case_id].overrides:
            argv = ["--frameworks", str(self.frameworks), *argv]
        with framework_env(None), contextlib.redirect_stdout(io.StringIO()):
            return main(argv)

    def answers(self, case_id: str) -> dict[str, Answer]:
        if case_id not in self._answers:
            frameworks = self.frameworks if BY_ID[case_id].overrides else None
            self._answers[case_id] = run_shells(self.file(case_id), self.tmp / "out" / case_id, frameworks)
        return self._answers[case_id]


def _fill(path: Path, out_dir: Path, frameworks: Path | None) -> Answer:
    try:
        outcome = api.fill_workbook(path, out_dir / f"{path.stem} - lib.xlsx")
    except api.Error as exc:
        return Answer([], [], extra=exc)
    return answer(outcome.results, outcome.findings, outcome)


def _fill_cli(path: Path, out_dir: Path, frameworks: Path | None) -> Answer:
    out = out_dir / f"{path.stem} - cli.xlsx"
    argv = ["fill", str(path), "-o", str(out), "--json"]
    if frameworks is not None:
        argv = ["--frameworks", str(frameworks), *argv]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    if code == 2:
        return Answer([], [], extra=(code, stderr.getvalue()))
    doc = json.loads(stdout.getvalue())
    findings = [*doc["findings"], *(f for u in doc["units"] for f in u["findings"])]
    return Answer(
        sorted((unit_sig(u) for u in doc["units"]), key=repr),
        sorted(map(finding_sig, findings), key=repr),
        doc["units"],
        (code, out),
    )


def _validate(path: Path, out_dir: Path, frameworks: Path | None) -> Answer:
    report = api.validate(path.parent, jobs=1)
    [o] = report.outcomes
    return answer([r for _f, r in o.results], o.all_findings(), report)


def _consolidate(path: Path, out_dir: Path, frameworks: Path | None) -> Answer:
    done = api.consolidate(path.parent, out_dir / "TONG_HOP.xlsx", jobs=1)
    assert done.summary is not None and done.summary.exists()
    report = done.report
    return answer(report.consolidation.all_results(), [f for f in report.findings if f.location.file], report)


def _addin_windows(path: Path, out_dir: Path, frameworks: Path | None) -> Answer:
    book = fk.book_from_xlsx(path)
    outcome = addin.run(book)
    assert outcome is not None, fk.log(book).alerts
    return answer([r for _fw, r in outcome.scored.units()], outcome.findings, (outcome, book))


def _addin_remote(path: Path, out_dir: Path, frameworks: Path | None) -> Answer:
    book = remote_book(path.name, calamine_grids(path))
    outcome = addin.run(book)
    assert outcome is not None
    return answer([r for _fw, r in outcome.scored.units()], outcome.findings, (outcome, book))


SHELL_RUNS: dict[str, Callable[[Path, Path, Path | None], Answer]] = {
    "fill": _fill,
    "fill-cli": _fill_cli,
    "validate": _validate,
    "consolidate": _consolidate,
    "addin-windows": _addin_windows,
    "addin-remote": _addin_remote,
}


def run_shells(
    path: Path, out_dir: Path, frameworks: Path | None = None, shells: tuple[str, ...] = SHELLS
) -> dict[str, Answer]:
    """Every shell on the workbook ``path`` (alone in its folder); outputs go to ``out_dir``. ``frameworks``: the
    JSON-only frameworks' folder, given to the CLI as --frameworks and to the library as XL_TTHC_FRAMEWORKS."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with framework_env(frameworks):
        return {name: SHELL_RUNS[name](path, out_dir, frameworks) for name in shells}


@contextlib.contextmanager
def framework_env(frameworks: Path | None) -> Iterator[None]:
    """XL_TTHC_FRAMEWORKS as the shells see it, restored afterwards (``main`` appends --frameworks to it)."""
    old = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = str(frameworks) if frameworks else ""
    default_registry.cache_clear()  # the library reads the variable once per process (the CLI: once per run)
    try:
        yield
    finally:
        if old is None:
            del os.environ[ENV_VAR]
        else:
            os.environ[ENV_VAR] = old
        default_registry.cache_clear()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    log = tmp_path_factory.mktemp("log") / "xl_tthc-loi.log"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(addin, "LOG_PATH", log)
        yield Runs(tmp_path_factory.mktemp("xshell"))


@pytest.fixture(autouse=True)
def _addin_log_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(addin, "LOG_PATH", tmp_path / "xl_tthc-loi.log")


# ---------------------------------------------------------------------------- every shell, the same answer


def remote_view(findings: list[tuple[Any, ...]], shell: str) -> list[tuple[Any, ...]]:
    """What ``shell`` must report: xlwings' remote engine cannot read formulas, so no formula check runs there."""
    if shell != "addin-remote":
        return findings
    return [f for f in findings if f[0] not in (Code.FORMULA_OVERWRITTEN.value, Code.FORMULA_DISAGREES.value)]


RANK = 10  # position of the rank in unit_sig


def test_every_shipped_framework_has_a_case() -> None:
    shipped = {fw.id for fw in Registry().all() if fw.source_file.startswith(str(SHIPPED_DIR))}
    assert shipped == {c.framework for c in CASES if c.id.startswith(("sample-", "template-")) and not c.overrides}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_shell_gives_the_same_answer(runs: Runs, case: Case) -> None:
    answers = runs.answers(case.id)
    base = answers["addin-windows"]  # the add-in says something about every workbook, even one it cannot score
    if case.framework is None:
        assert base.units == []
        assert Code.FRAMEWORK_AMBIGUOUS.value in {f[0] for f in base.findings}
    else:
        assert base.units and {u[0] for u in base.units} == {case.framework}
    for shell in SHELLS:
        got = answers[shell]
        if shell.startswith("fill") and case.framework is None:
            continue  # fill refuses a workbook it cannot score (see test_ambiguous_appendix_in_every_shell)
        units = got.units
        if len(base.units) == 1:
            # a lone unit: ranked among the units scored with it, 1st of 1 (the template's RANK gives 1), in every
            # shell alike (the batch ranks the folder's units: the same lone unit)
            assert [u[RANK] for u in units] == [1 if u[4] == "scored" else None for u in units], shell
        assert units == base.units, shell
        assert got.findings == remote_view(base.findings, shell), shell


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cli_exit_codes_agree(runs: Runs, case: Case) -> None:
    """``xl-tthc fill`` exits 1 exactly when the data has errors (0 otherwise), as ``xl-tthc validate`` does on the
    same file; a workbook it cannot score at all is exit 2 with the reason."""
    answers = runs.answers(case.id)
    code, _ = answers["fill-cli"].extra
    errors = any(f[1] == "error" for f in answers["validate"].findings)
    if case.framework is None:
        assert code == 2
    else:
        assert code == (1 if errors else 0) == (1 if answers["fill"].extra.has_errors() else 0)
    assert runs.validate_cli(case.id) == (1 if errors else 0)


@pytest.mark.parametrize("case", [c for c in CASES if c.framework], ids=lambda c: c.id)
def test_fill_and_addin_write_the_same_cells(runs: Runs, case: Case) -> None:
    """The one write plan, applied by openpyxl (``fill``) and by xlwings (the add-in): the same values in the same
    cells of the form."""
    answers = runs.answers(case.id)
    outcome, book = answers["addin-windows"].extra
    assert outcome.plan.writes
    filled = dict(calamine_grids(answers["fill"].extra.output))
    for w in outcome.plan.writes:
        row = filled[w.sheet][w.row] if w.row < len(filled[w.sheet]) else []
        got_fill = row[w.col] if w.col < len(row) else None
        cell = fk.sheet_data(book, w.sheet).peek(w.row + 1, w.col + 1)
        got_addin = cell.value
        if w.formula is not None and cell.formula == w.formula:
            got_addin = w.value  # the add-in wrote our formula back; Excel computes it (the fake does not calculate)
        if isinstance(w.value, int | float) and not isinstance(w.value, bool):
            assert got_fill == pytest.approx(w.value) and got_addin == pytest.approx(w.value), (w, got_fill, got_addin)
        else:
            assert got_fill == got_addin, w


# ---------------------------------------------------------------------------- the seeds' figures


def units_of(runs: Runs, case_id: str) -> dict[str, dict[str, Any]]:
    """The units as the add-in scored them, by name (the same in every shell, see above)."""
    return {d["unit"]["name"]: d for d in runs.answers(case_id)["addin-windows"].raw}


def fig(d: dict[str, Any]) -> tuple[Any, ...]:
    return (d["total_shown"], d["quy_doi"], (d.get("band") or {}).get("label"))


SEED001_NAME = "UBND cấp huyện – huyện Điện Biên"  # tests/data/seed001_tthc_huyen.json


@pytest.mark.parametrize(
    ("case_id", "name", "period"),
    [
        ("sample-tthc-huyen", SEED001_NAME, "2021-Q2"),
        ("handmade-001-annex", "UBND huyện Điện Biên", "2021-Q2"),  # «Đơn vị: UBND CẤP HUYỆN» of Báo cáo 205/BC-UBND
        ("template-override-tthc", SEED001_NAME, "2025-Q2"),
    ],
)
def test_seed001_figures(runs: Runs, case_id: str, name: str, period: str) -> None:
    [(got_name, d)] = units_of(runs, case_id).items()
    # seed 001: criteria 1, 2, 5 = (1.033 × 2 + 99 × 1)/1.132 = 1,9125…; 3, 4 = 2; 6–8 marked 2; 9 marked 1
    # total 3 × 1,9125… + 2 + 2 + 2 + 2 + 2 + 1 = 16,7376… → 16,74/18, Xuất sắc (as printed)
    assert (got_name, d["period"], d["status"]) == (name, period, "scored")
    assert d["total"] == pytest.approx(3 * (1033 * 2 + 99) / 1132 + 11)
    assert (d["total_shown"], d["applicable_max"], d["band"]["label"]) == (16.74, 18.0, "Xuất sắc")
    assert [d["items"][i]["shown"] for i in range(9)] == [1.91, 1.91, 2, 2, 1.91, 2, 2, 2, 1]


SEED002_UNITS = [u["unit"]["name"] for u in json.loads((SEEDS / "seed002_sv459.json").read_text("utf-8"))["units"]]


@pytest.mark.parametrize("case_id", ["sample-sv459", "handmade-002-appendix"])
def test_seed002_figures(runs: Runs, case_id: str) -> None:
    units = units_of(runs, case_id)
    assert sorted(units) == sorted(SEED002_UNITS) and len(units) == 26
    assert {d["period"] for d in units.values()} == {"2023-07"}
    # Trung tâm QLĐĐ: 4,81 + 23,45 + 5,16 + 5,60 + 1,26 + 5,33 + 5 + 5 + 3,33 = 58,94 of 85 applicable (printed
    # 58,69); 58,94/85 × 100 = 69,34 → Trung bình (50 ≤ 69,34 < 70)
    assert fig(units["Trung tâm QLĐĐ"]) == (58.94, 69.34, "Trung bình")
    assert units["Trung tâm QLĐĐ"]["applicable_max"] == 85
    # Núa Ngam: 11,5 above the maximum 10 counted as 10: 80,62 − 1,5 = 79,12; 79,12/85 × 100 = 93,08 → Xuất sắc,
    # first of the 21 communes; Phòng Kinh tế và Hạ tầng 83,14/85 = 97,81, first of the 5 offices
    assert fig(units["UBND xã Núa Ngam"]) == (79.12, 93.08, "Xuất sắc")
    assert units["UBND xã Núa Ngam"]["rank"] == 1 and units["Phòng Kinh tế và Hạ tầng"]["rank"] == 1
    # the stated 58,69 is reported where it was written (N9 in the hand-made form); the sample's totals are the
    # template's formulas with our figures cached: nothing stated to compare
    stated = [f for f in units["Trung tâm QLĐĐ"]["findings"] if f["code"] == Code.STATED_TOTAL_MISMATCH.value]
    if case_id == "handmade-002-appendix":
        assert len(stated) == 1 and "58,69" in stated[0]["message"] and "58,94" in stated[0]["message"]
        assert stated[0]["location"]["cell"] == "N9"
    else:
        assert stated == []


@pytest.mark.parametrize("case_id", ["template-override-sv", "handmade-002-named"])
def test_override_bands_figures(runs: Runs, case_id: str) -> None:
    """The same inputs under the JSON-only framework: its own bands (Tốt ≥ 75, Đạt ≥ 55, else Chưa đạt)."""
    units = units_of(runs, case_id)
    assert len(units) == 26 and {d["framework"]["id"] for d in units.values()} == {SV_OVERRIDE}
    assert fig(units["Trung tâm QLĐĐ"]) == (58.94, 69.34, "Đạt")  # 55 ≤ 69,34 < 75
    assert fig(units["UBND xã Núa Ngam"]) == (79.12, 93.08, "Tốt")
    assert fig(units["UBND xã Mường Lói"]) == (19.81, 23.31, "Chưa đạt")  # 19,81/85 × 100 = 23,305… → 23,31


@pytest.mark.parametrize("case_id", ["sample-par-tinh-2020", "handmade-004-par"])
def test_seed004_figures(runs: Runs, case_id: str) -> None:
    [(name, d)] = units_of(runs, case_id).items()
    assert (name, d["period"]) == ("UBND tỉnh Điện Biên", "2020")
    # seed 004: Σ leaf self = 56,2967 (= the printed TỔNG ĐIỂM self); Σ leaf appraised = 84,68919
    assert d["extra"]["self_total"] == pytest.approx(56.2967, abs=1e-9)
    assert d["extra"]["appraised_total"] == pytest.approx(84.68919, abs=1e-9) == d["total"]


def test_seed003_figures(runs: Runs) -> None:
    [(name, d)] = units_of(runs, "template-par-huyen-2019").items()
    assert (name, d["period"]) == ("UBND huyện Tuần Giáo", "2019")
    # seed 003 prints the field figures 14,076 + 7,013 + 8,5 + 4,73 + 11,246 + 6,24 + 11,61 + 16 = 79,415
    assert d["total"] == pytest.approx(79.415, abs=1e-9)


def test_template_xa_and_766_are_read_as_their_framework(runs: Runs) -> None:
    [(name, d)] = units_of(runs, "template-tthc-xa").items()
    assert (name, d["unit"]["level"], d["period"]) == ("UBND cấp xã – huyện Điện Biên (tổng hợp)", "xa", "2021-Q2")
    # seed 001 gives only the communes' aggregate counts, and 36 + 115.213 + 1 ≠ 15.250 (a typo in the report)
    assert d["status"] == "invalid"
    assert Code.COUNTS_DO_NOT_ADD_UP.value in {f["code"] for f in d["findings"]}
    [(name, d)] = units_of(runs, "template-sv766").items()
    assert (name, d["unit"]["level"], d["period"], d["status"]) == ("UBND xã Ví Dụ", "xa", "2026-10", "scored")


# ---------------------------------------------------------------------------- must show: fill on the hand-made forms


def _grid(path: Path, sheet: str) -> list[list[Any]]:
    return dict(calamine_grids(path))[sheet]


def _cell(grid: list[list[Any]], ref: str) -> Any:
    r, c = parse_a1(ref)
    row = grid[r] if r < len(grid) else []
    return row[c] if c < len(row) else None


@pytest.mark.parametrize("case_id", ["handmade-001-annex", "handmade-002-appendix", "handmade-004-par"])
def test_fill_writes_handmade_forms_in_the_officers_layout(runs: Runs, case_id: str) -> None:
    """Issue 11, must show: ``xl-tthc fill`` on a hand-made form exits 0 or 1 and writes the results and a findings
    sheet into a copy that keeps the officer's layout; its figures equal ``consolidate``'s on the same file."""
    src = runs.file(case_id)
    before = src.read_bytes()
    answers = runs.answers(case_id)
    code, out = answers["fill-cli"].extra
    assert code in (0, 1)
    assert src.read_bytes() == before  # the officer's file is never modified
    wb_in, wb_out = openpyxl.load_workbook(src), openpyxl.load_workbook(out)
    [sheet] = wb_in.sheetnames
    assert wb_out.sheetnames == [sheet, REPORT_SHEET]
    ws_in, ws_out = wb_in[sheet], wb_out[sheet]
    assert sorted(map(str, ws_out.merged_cells.ranges)) == sorted(map(str, ws_in.merged_cells.ranges))
    grid = _grid(out, sheet)
    written = {(w.row, w.col) for w in answers["addin-windows"].extra[0].plan.writes}
    for row in ws_in.iter_rows():  # every other cell as the officer typed it
        for c in row:
            if (c.row - 1, c.column - 1) not in written and c.value is not None and not isinstance(c.value, float):
                assert ws_out[c.coordinate].value == c.value, c.coordinate
    consolidated = {r.unit: r for r in answers["consolidate"].extra.consolidation.all_results()}
    report = _grid(out, REPORT_SHEET)
    header = next(i for i, row in enumerate(report) if row and row[0] == "STT")
    code_c, cell_c = report[header].index("Mã"), report[header].index("Ô")
    listed = sorted(
        (row[code_c], row[cell_c] or None) for row in report[header + 1 :] if row and isinstance(row[0], float)
    )
    assert listed == sorted((f[0], f[3]) for f in answers["validate"].findings)  # the findings sheet: every finding
    if case_id == "handmade-002-appendix":
        # Trung tâm QLĐĐ in row 9: "58,69/85" typed, 58,94 (quy đổi 69,34, Trung bình) written over it
        assert (_cell(grid, "N9"), _cell(grid, "O9"), _cell(grid, "P9")) == (58.94, 69.34, "Trung bình")
        assert (_cell(grid, "N26"), _cell(grid, "O26"), _cell(grid, "P26")) == (79.12, 93.08, "Xuất sắc")  # Núa Ngam
        assert _cell(grid, "J26") == "11,5" and _cell(grid, "G10") == "8.32" and _cell(grid, "C9") == "-"  # inputs kept
        assert _cell(grid, "C7") == "Chỉ số 1 (5đ)" and _cell(grid, "F6") == "Tiến độ, KQ giải quyết (30đ)"
        rows = {row[1]: row for row in grid if len(row) > 15 and row[1] in consolidated}
        assert len(rows) == 26
        for name, r in consolidated.items():  # the figures fill wrote equal consolidate's
            assert (rows[name][13], rows[name][14], rows[name][15]) == (r.total_shown, r.quy_doi, r.band_label), name
        assert ("stated_total_mismatch", "N9") in listed
    elif case_id == "handmade-001-annex":
        [r] = consolidated.values()
        total_row = next(row for row in grid if len(row) > 4 and row[1] == "TỔNG ĐIỂM")
        assert total_row[4] == 16.74 == r.total_shown  # "16,74" typed, 16,74 written: the seed's total is right
        scores = {int(row[0]): row[4] for row in grid if row and isinstance(row[0], float)}
        assert scores == {1: 1.91, 2: 1.91, 3: 2, 4: 2, 5: 1.91, 6: 2, 7: 2, 8: 2, 9: 1}
        assert scores == {int(i.code): i.shown for i in r.items}
    else:
        [r] = consolidated.values()
        total_row = next(row for row in grid if len(row) > 5 and row[1] == "TỔNG ĐIỂM")
        # seed 004: self 56,2967 (as printed); appraised 84,68919 written over the printed 56,9527 (survey excluded)
        assert total_row[3] == pytest.approx(56.2967, abs=1e-9) == r.extra["self_total"]
        assert total_row[5] == pytest.approx(84.68919, abs=1e-9) == r.extra["appraised_total"]
        assert ("stated_total_mismatch", f"F{grid.index(total_row) + 1}") in listed


# ---------------------------------------------------------------------------- must show: a JSON-only framework


@pytest.mark.parametrize(
    ("case_id", "fid"), [("template-override-sv", SV_OVERRIDE), ("template-override-tthc", TTHC_OVERRIDE)]
)
def test_json_only_framework_gets_a_template_and_every_shell_reports_its_id(runs: Runs, case_id: str, fid: str) -> None:
    template = runs.templates / f"Mau_{fid}.xlsx"
    assert template.exists()  # built by «xl-tthc --frameworks DIR templates»
    meta = [
        v
        for _n, g in calamine_grids(template)
        for row in g
        for v in row
        if isinstance(v, str) and v.startswith("Mã biểu mẫu:")
    ]
    assert len(meta) == 1 and f"khung chấm điểm: {fid}," in meta[0]
    answers = runs.answers(case_id)
    for shell in SHELLS:
        assert answers[shell].units and {u[0] for u in answers[shell].units} == {fid}, shell
    assert answers["fill"].extra.framework.id == fid
    assert [fs.framework.id for fs in answers["consolidate"].extra.consolidation.frameworks] == [fid]
    assert Code.FRAMEWORK_AMBIGUOUS.value not in {f[0] for f in answers["validate"].findings}


# ---------------------------------------------------------------------------- must show: ambiguity and the officer's choice


def test_ambiguous_appendix_in_every_shell(runs: Runs) -> None:
    """The hand-made appendix fits sv459-dienbien-2023 and the JSON-only framework that extends it (both in force in
    7/2023, both for phòng and xã): every shell says so, none scores it under either."""
    answers = runs.answers("handmade-002-ambiguous")
    expected = [(Code.FRAMEWORK_AMBIGUOUS.value, "error", "Phụ lục", "A5")]
    for shell in ("validate", "consolidate", "addin-windows", "addin-remote"):
        got = [f for f in answers[shell].findings if f[0] == Code.FRAMEWORK_AMBIGUOUS.value]
        assert got == expected and answers[shell].units == [], shell
    [finding] = [f for f in answers["validate"].extra.outcomes[0].findings if f.code is Code.FRAMEWORK_AMBIGUOUS]
    assert "sv459-dienbien-2023" in finding.message and SV_OVERRIDE in finding.message
    assert "Khung chấm điểm: <mã khung>" in finding.message
    # fill cannot write results it did not compute: it says why, with the same sentence (exit 2 on the command line)
    assert isinstance(answers["fill"].extra, api.Error) and finding.message in str(answers["fill"].extra)
    code, stderr = answers["fill-cli"].extra
    assert code == 2 and finding.message in stderr
    # the add-in: one message box in a mode Windows accepts, and the finding on the findings sheet
    _outcome, book = answers["addin-windows"].extra
    [alert] = fk.log(book).alerts
    assert alert.mode == "critical" and finding.message in alert.prompt
    assert fk.log(book).rejections == []


def test_framework_cell_resolves_the_ambiguity_in_every_shell(runs: Runs) -> None:
    """«Khung chấm điểm: sv-thu-nghiem-2023» typed above the table: every shell scores it under that framework."""
    answers = runs.answers("handmade-002-named")
    for shell in SHELLS:
        assert len(answers[shell].units) == 26 and {u[0] for u in answers[shell].units} == {SV_OVERRIDE}, shell
        assert Code.FRAMEWORK_AMBIGUOUS.value not in {f[0] for f in answers[shell].findings}, shell


def test_framework_option_resolves_the_ambiguity_in_fill_validate_consolidate(runs: Runs, tmp_path: Path) -> None:
    """The officer's other way to choose: ``--framework`` (``framework=`` in the library) on the same appendix."""
    path = runs.file("handmade-002-ambiguous")
    named = runs.answers("handmade-002-named")["validate"].units
    with framework_env(runs.frameworks):
        filled = api.fill_workbook(path, tmp_path / "ra.xlsx", framework=SV_OVERRIDE)
        checked = api.validate(path.parent, framework=SV_OVERRIDE, jobs=1)
        done = api.consolidate(path.parent, tmp_path / "TONG_HOP.xlsx", framework=SV_OVERRIDE, jobs=1)
    assert answer(filled.results, filled.findings).units == named
    assert answer([r for _f, r in checked.outcomes[0].results], []).units == named
    assert answer(done.consolidation.all_results(), []).units == named
    out = io.StringIO()
    argv = ["--frameworks", str(runs.frameworks), "fill", str(path), "-o", str(tmp_path / "cli.xlsx"), "--json"]
    with framework_env(None), contextlib.redirect_stdout(out):
        assert main([*argv, "--framework", SV_OVERRIDE]) == 1  # the seed's own errors (11,5 > 10; 58,69 stated)
    assert sorted((unit_sig(u) for u in json.loads(out.getvalue())["units"]), key=repr) == named


# ---------------------------------------------------------------------------- divergence pins (issue 11, «Why»)
# Each pin holds one divergence the issue measured between shells; /work/notes/xshell-pins.md lists them.

PIN_SHELLS = ("fill", "fill-cli", "validate", "consolidate", "addin-windows", "addin-remote")


def edited_sample(
    sample: str, folder: Path, template_id: str, fid: str, edits: dict[str, Any], merge: str | None = None
) -> Path:
    """A copy of a shipped sample (alone in ``folder``) with some slots retyped and, optionally, a range merged."""
    layout = build_layout(template_id, Registry().get(fid))
    refs = {s.key: s.ref for s in layout.slots}
    wb = openpyxl.load_workbook(SAMPLES / sample)
    ws = wb[layout.sheet]
    for key, v in edits.items():
        ws[refs[key]] = v
    if merge:
        ws.merge_cells(merge)
    folder.mkdir(parents=True)
    wb.save(folder / sample)
    return folder / sample


@pytest.mark.parametrize("typed", ["7/2021", dt.datetime(2021, 7, 1)], ids=["text", "date-excel-made-of-it"])
def test_pin_period_7_2021_is_2021_07_in_fill_and_batch_alike(tmp_path: Path, typed: Any) -> None:
    """Was: «7/2021» gave 2021-07 with no level in fill, no period (level huyện) in the batch."""
    path = edited_sample(
        SAMPLE_FILES["sample-tthc-huyen"],
        tmp_path / "in",
        "tthc-unit",
        "tthc-dienbien-1187-2019-huyen",
        {"period": typed},
    )
    answers = run_shells(path, tmp_path / "out", shells=PIN_SHELLS)
    for shell, a in answers.items():
        [d] = a.raw
        assert (d["period"], d["unit"]["level"], d["total_shown"]) == ("2021-07", "huyen", 16.74), shell


def test_pin_period_before_effective_date_warns_in_fill_batch_and_addin(tmp_path: Path) -> None:
    """Was: only fill passed the effective date to the core. QĐ 459 is in force from 24/3/2023: January 2023 is before."""
    path = edited_sample(
        SAMPLE_FILES["sample-sv459"],
        tmp_path / "in",
        "si-appendix",
        "sv459-dienbien-2023",
        {"period": "Tháng 1 năm 2023"},
    )
    answers = run_shells(path, tmp_path / "out", shells=PIN_SHELLS)
    for shell, a in answers.items():
        assert len(a.raw) == 26, shell
        for d in a.raw:
            assert d["period"] == "2023-01", shell
            outside = [f for f in d["findings"] if f["code"] == Code.PERIOD_OUTSIDE_EFFECTIVE.value]
            assert [f["severity"] for f in outside] == ["warning"], (shell, d["unit"]["name"])
            assert "24/03/2023" in outside[0]["message"]


def test_pin_merged_input_cell_is_a_finding_in_validate_and_fill(tmp_path: Path) -> None:
    """Was: a finding in validate only. Criterion 1's «Đúng hạn» and «Trễ hạn» count cells merged: 0 is lost."""
    layout = build_layout("tthc-unit", Registry().get("tthc-dienbien-1187-2019-huyen"))
    refs = {s.key: s.ref for s in layout.slots}
    b, c = refs["criteria/1/counts/b"], refs["criteria/1/counts/c"]
    path = edited_sample(
        SAMPLE_FILES["sample-tthc-huyen"], tmp_path / "in", "tthc-unit", layout.framework.id, {}, merge=f"{b}:{c}"
    )
    answers = run_shells(
        path, tmp_path / "out", shells=("fill", "fill-cli", "validate", "consolidate", "addin-windows")
    )
    for shell, a in answers.items():  # the add-in asks Excel for the merged areas of its input cells only
        merged = [f for f in a.findings if f[0] == Code.MERGED_INPUT.value]
        assert merged == [(Code.MERGED_INPUT.value, "error", layout.sheet, b)], shell
    assert answers["fill-cli"].extra[0] == 1  # an error: exit code 1, as validate


def test_pin_json_only_framework_scored_as_itself_in_score_fill_validate_addin(runs: Runs, tmp_path: Path) -> None:
    """Was: scored as itself by score and fill, silently as sv459-dienbien-2023 by validate and the add-in."""
    doc = json.loads((SEEDS / "seed002_sv459.json").read_text("utf-8"))
    doc["framework"] = SV_OVERRIDE
    src = tmp_path / "dau-vao.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    with framework_env(None), contextlib.redirect_stdout(out):
        assert main(["--frameworks", str(runs.frameworks), "score", str(src)]) in (0, 1)
    scored = {u["unit"]["name"]: u for u in json.loads(out.getvalue())["units"]}
    assert {u["framework"]["id"] for u in scored.values()} == {SV_OVERRIDE}
    assert fig(scored["Trung tâm QLĐĐ"]) == (58.94, 69.34, "Đạt")  # the override's bands: 55 ≤ 69,34 < 75
    for case_id in ("template-override-sv", "handmade-002-named"):
        for shell, a in runs.answers(case_id).items():
            names = {d["unit"]["name"]: d for d in a.raw}
            assert {d["framework"]["id"] for d in a.raw} == {SV_OVERRIDE}, (case_id, shell)
            assert fig(names["Trung tâm QLĐĐ"]) == fig(scored["Trung tâm QLĐĐ"]), (case_id, shell)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_pin_addin_alert_modes_are_windows_valid(runs: Runs, case: Case) -> None:
    """Was: ``alert(mode="warning")``, which xlwings' Windows engine refuses with KeyError. On the strict fake:
    nothing refused, one message box in a mode Windows knows, the status bar given back to Excel."""
    _outcome, book = runs.answers(case.id)["addin-windows"].extra
    log = fk.log(book)
    assert log.rejections == []
    [alert] = log.alerts
    assert alert.mode == ("info" if case.framework else "critical")
    assert log.status[-1] is False


def test_pin_unnamed_unit_takes_the_file_name_in_every_shell(tmp_path: Path) -> None:
    """Was: each shell had its own default unit name. The form names no unit: every shell takes the file's name."""
    path = edited_sample(
        SAMPLE_FILES["sample-tthc-huyen"],
        tmp_path / "in",
        "tthc-unit",
        "tthc-dienbien-1187-2019-huyen",
        {"unit/name": None},
    )
    path = path.rename(path.with_name("UBND HUYỆN ĐIỆN BIÊN.xlsx"))
    answers = run_shells(path, tmp_path / "out", shells=PIN_SHELLS)
    for shell, a in answers.items():
        assert [d["unit"]["name"] for d in a.raw] == ["UBND huyện Điện Biên"], shell
        assert Code.MISSING_VALUE.value in {f[0] for f in a.findings}, shell


# ---------------------------------------------------------------------------- a lone unit is 1st of 1


def test_a_lone_unit_is_ranked_first_of_one_in_every_shell(runs: Runs, tmp_path: Path) -> None:
    """The 459 appendix template with one unit typed (seed 002's Trung tâm QLĐĐ, without its stated slip): «Tính
    điểm» in the add-in and ``fill`` give it the rank the template's RANK formula gives (1 of 1), and the batch,
    ranking the folder's units, gives the same. Hand calculation: 4,81 + 23,45 + 5,16 + 5,60 + 1,26 + 5,33 + 5 + 5
    + 3,33 = 58,94 of the 85 points applicable (1.1 and 1.3 are «-»); 58,94 / 85 × 100 = 69,341… → 69,34, Trung
    bình (50 ≤ 69,34 < 70)."""
    doc = json.loads((SEEDS / "seed002_sv459.json").read_text(encoding="utf-8"))
    [unit] = [u for u in doc["units"] if u["unit"]["name"] == "Trung tâm QLĐĐ"]
    del unit["data"]["stated"]
    # typed as numbers (a computer set to Vietnamese reads «4,81» as 4,81), so that the template computes too
    unit["data"]["indicators"] = {
        k: v if v == "-" else float(v.replace(",", ".")) for k, v in unit["data"]["indicators"].items()
    }
    doc_path = tmp_path / "mot-don-vi.json"
    doc_path.write_text(json.dumps({**doc, "units": [unit]}, ensure_ascii=False), encoding="utf-8")
    fw = default_registry().get("sv459-dienbien-2023")
    template = runs.templates / template_spec(fw).file_name
    (tmp_path / "in").mkdir()
    path = fill_template(
        template, default_registry(), fw.id, doc_path, "Tháng 7 năm 2023", tmp_path / "in" / "QLDD.xlsx"
    )
    answers = run_shells(path, tmp_path / "out")
    for shell, a in answers.items():
        assert [
            (d["unit"]["name"], d["status"], d["total_shown"], d["quy_doi"], d["band"]["label"], d["rank"])
            for d in a.raw
        ] == [("Trung tâm QLĐĐ", "scored", 58.94, 69.34, "Trung bình", 1)], shell
    # the rank cell of the form: the template's RANK formula, its figure 1 in fill's output and the add-in's plan
    layout = build_layout(template_spec(fw).template_id, fw, template_spec(fw).file_name)
    assert layout.table is not None
    rank_col = next(col for key, col, _k, _s in layout.table.outputs if key == "rank")
    row = next(r for r, level in layout.table.unit_rows if level == "phong")  # the first row of section I
    outcome, _book = answers["addin-windows"].extra
    [w] = [w for w in outcome.plan.writes if (w.row, w.col) == (row, rank_col)]
    assert w.value == 1 and w.formula is not None and "RANK(" in w.formula
    filled = dict(calamine_grids(answers["fill"].extra.output))[layout.sheet]
    assert filled[row][rank_col] == 1
    summary = answers["fill"].extra.summary_vi()
    assert "Trung tâm QLĐĐ: tổng điểm 58,94/85, quy đổi 69,34 – Trung bình (hạng 1)" in summary
    if shutil.which("soffice") is not None:  # the template computing by itself gives the same 1
        sys.path.insert(0, str(ROOT / "scripts"))
        import render_images

        [recalculated] = render_images.convert([path], "xlsx", tmp_path / "lo", render_images.profile(tmp_path / "p"))
        grid = dict(calamine_grids(recalculated))[layout.sheet]
        assert grid[row][rank_col - 3 : rank_col + 1] == [pytest.approx(58.94), pytest.approx(69.34), "Trung bình", 1]


# ---------------------------------------------------------------------------- a workbook «Tính điểm» already wrote

REFILL_CASES = [
    "sample-tthc-huyen",
    "template-override-sv",
    "handmade-001-annex",
    "handmade-002-appendix",
    "handmade-004-par",
]


@pytest.mark.parametrize("case_id", REFILL_CASES)
def test_a_filled_workbook_gives_the_same_answer_in_every_shell(runs: Runs, case_id: str, tmp_path: Path) -> None:
    """fill's output read again by every shell: the same units and figures as the first time; the figures in the
    form are ours now (no stated-figure finding), and nothing is stale."""
    first = runs.answers(case_id)
    folder = tmp_path / "in"
    folder.mkdir()
    path = Path(shutil.copy(first["fill"].extra.output, folder))
    frameworks = runs.frameworks if BY_ID[case_id].overrides else None
    answers = run_shells(path, tmp_path / "out", frameworks)
    base = answers["addin-windows"]
    assert base.units == first["addin-windows"].units
    codes = {f[0] for f in base.findings}
    assert not {c for c in codes if c.startswith("stated_")} and Code.STALE_RESULTS.value not in codes
    for shell in SHELLS:
        units = answers[shell].units
        assert units == base.units, shell
        assert answers[shell].findings == remote_view(base.findings, shell), shell


def test_stale_results_are_found_by_every_shell(runs: Runs, tmp_path: Path) -> None:
    """An officer corrects an input after «Tính điểm»: every shell sees that the figures in the form no longer
    match (the fingerprint of the inputs is the same whichever reader computed it) and recomputes them."""
    filled = runs.answers("handmade-002-appendix")["fill"].extra.output
    folder = tmp_path / "in"
    folder.mkdir()
    wb = openpyxl.load_workbook(filled)
    wb["Phụ lục"]["F9"] = 30  # Trung tâm QLĐĐ: Tiến độ 23,45 → 30
    wb.save(folder / filled.name)
    answers = run_shells(folder / filled.name, tmp_path / "out")
    for shell, a in answers.items():
        assert Code.STALE_RESULTS.value in {f[0] for f in a.findings}, shell
        # 58,94 − 23,45 + 30 = 65,49; 65,49/85 × 100 = 77,047… → 77,05 → Khá (70 ≤ 77,05 < 80)
        [d] = [d for d in a.raw if d["unit"]["name"] == "Trung tâm QLĐĐ"]
        assert fig(d) == (65.49, 77.05, "Khá"), shell
        assert a.units == answers["addin-windows"].units and a.findings == answers["addin-windows"].findings, shell


def test_handmade_appendix_saved_as_ods_gives_the_same_answer(runs: Runs, tmp_path: Path) -> None:
    """The seed 002 appendix saved by LibreOffice (.ods): fill (a plain .xlsx copy), validate, consolidate and the
    add-in (remote engine, the values Excel would send) give what the .xlsx gives."""
    ods = HANDMADE_002.with_suffix(".ods")
    folder = tmp_path / "in"
    folder.mkdir()
    path = Path(shutil.copy(ods, folder))
    answers = run_shells(path, tmp_path / "out", shells=("fill", "fill-cli", "validate", "consolidate", "addin-remote"))
    xlsx = runs.answers("handmade-002-appendix")["addin-windows"]
    for shell, a in answers.items():
        assert a.units == xlsx.units, shell
        assert a.findings == xlsx.findings, shell
    out = answers["fill"].extra.output
    assert out.suffix == ".xlsx" and openpyxl.load_workbook(out).sheetnames == ["Phụ lục", REPORT_SHEET]


@pytest.mark.parametrize("case_id", ["sample-sv459", "handmade-004-par"])
def test_summary_workbook_is_refreshed_alike_and_left_out_by_the_batch(
    runs: Runs, case_id: str, tmp_path: Path
) -> None:
    """consolidate's summary workbook: fill and the add-in refresh its unit tables with the same figures the units
    had; validate and consolidate leave it out (its units were counted in their own files)."""
    runs.answers(case_id)
    folder = tmp_path / "in"
    folder.mkdir()
    path = Path(shutil.copy(runs.tmp / "out" / case_id / "TONG_HOP.xlsx", folder))
    answers = run_shells(path, tmp_path / "out")
    base = answers["addin-windows"]
    for shell in ("fill", "fill-cli", "addin-remote"):
        assert answers[shell].units == base.units and answers[shell].findings == base.findings, shell
    for shell in ("validate", "consolidate"):
        assert answers[shell].units == []
        assert answers[shell].findings == [(Code.FILE_UNSUPPORTED.value, "info", None, None)], shell

    def figures(a: Answer) -> list[tuple[Any, ...]]:
        return sorted((d["unit"]["name"], d["total_shown"], d["quy_doi"], fig(d)[2], d["rank"]) for d in a.raw)

    original = runs.answers(case_id)["consolidate"]  # the ranks of the summary are the consolidation's
    assert figures(base) == figures(original)


# ---------------------------------------------------------------------------- our templates, as officers change them


def _renamed(wb: Any) -> None:
    wb.worksheets[0].title = "Quý II"


def _rows_inserted(wb: Any) -> None:
    """Two rows inserted under the title, as Excel does it (the merged areas move with the cells)."""
    from openpyxl.worksheet.cell_range import CellRange

    ws = wb.worksheets[0]
    merges = [CellRange(str(m)) for m in ws.merged_cells.ranges]
    for m in merges:
        ws.unmerge_cells(m.coord)
    ws.insert_rows(3, 2)
    for m in merges:
        if m.min_row >= 3:
            m.shift(row_shift=2)
        ws.merge_cells(m.coord)


def _old_version(wb: Any) -> None:
    for row in wb.worksheets[0].iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("Mã biểu mẫu:"):
                c.value = c.value.replace("phiên bản 2019.1", "phiên bản 2018.1")


def _hidden_sheet(wb: Any) -> None:
    ws = wb.create_sheet("Nháp")
    ws["A1"], ws["B2"] = "số liệu quý trước", 12
    ws.sheet_state = "hidden"


def _second_form(wb: Any) -> None:
    src = openpyxl.load_workbook(HANDMADE_002).active
    ws = wb.create_sheet("Phụ lục 405")
    for row in src.iter_rows():
        for c in row:
            if c.value is not None:
                ws[c.coordinate] = c.value
    for m in src.merged_cells.ranges:
        ws.merge_cells(str(m))


VARIANTS = {  # change, (code, severity, sheet) it must give in every shell
    "sheet-renamed": (_renamed, (Code.SHEET_RENAMED.value, "info", "Quý II")),
    "rows-inserted": (_rows_inserted, (Code.TEMPLATE_OUTDATED.value, "warning", "Đánh giá TTHC")),
    "older-version": (_old_version, (Code.TEMPLATE_OUTDATED.value, "warning", "Đánh giá TTHC")),
    "hidden-sheet": (_hidden_sheet, (Code.SHEET_HIDDEN.value, "warning", "Nháp")),
    "second-form": (_second_form, (Code.SCORE_ABOVE_MAX.value, "error", "Phụ lục 405")),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_changed_template_gives_the_same_answer_in_every_shell(variant: str, tmp_path: Path) -> None:
    """The seed 001 sample with a sheet renamed, rows inserted, an older template version, a hidden sheet with
    data, or a second form (the seed 002 appendix) in another sheet: one answer in every shell."""
    change, (code, severity, sheet) = VARIANTS[variant]
    wb = openpyxl.load_workbook(SAMPLES / SAMPLE_FILES["sample-tthc-huyen"])
    change(wb)
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / SAMPLE_FILES["sample-tthc-huyen"]
    wb.save(path)
    # the remote engine's payload carries no sheet visibility: that shell is left out for the hidden sheet
    shells = tuple(s for s in SHELLS if not (variant == "hidden-sheet" and s == "addin-remote"))
    answers = run_shells(path, tmp_path / "out", shells=shells)
    base = answers["addin-windows"]
    assert code in {f[0] for f in base.findings if f[1:3] == (severity, sheet)}
    tthc = [d for d in base.raw if d["framework"]["id"] == "tthc-dienbien-1187-2019-huyen"]
    assert [(d["unit"]["name"], d["total_shown"], d["band"]["label"]) for d in tthc] == [
        (SEED001_NAME, 16.74, "Xuất sắc")
    ]
    assert len(base.raw) == (27 if variant == "second-form" else 1)
    for shell in shells:
        units = answers[shell].units
        assert [u[RANK] for u in units if u[0] == tthc[0]["framework"]["id"]] == [1], shell  # the lone TTHC unit
        assert units == base.units, shell
        assert answers[shell].findings == remote_view(base.findings, shell), shell
