"""The batch over the bad-input corpus: the precise finding for every kind, no crash, every good file still scored,
and every input file byte-identical after the run (sha256).

The corpus (tests/badinput/make_corpus.py) is generated into a temporary folder at test time: one sub-folder per
kind, the bad file with a good unit workbook beside it, and a roster. The batch runs once, with two worker
processes, the roster and the period 2021-Q2; the summary workbook is written outside the corpus folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from badinput.make_corpus import KIND_CLASSES, KIND_NAMES, Corpus, Kind, make_corpus
from conftest import consolidate_dir

from xl_tthc.batch import BatchReport
from xl_tthc.core.findings import Finding

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PY if VENV_PY.exists() else Path(sys.executable))


def sha256_tree(folder: Path) -> dict[str, str]:
    """Every entry under ``folder``: a regular file by its sha256 (a sparse giant by its size and mtime), a symlink by
    its target, a FIFO or socket by its kind. Nothing that is not a regular file is ever opened."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        key = p.relative_to(folder).as_posix()
        if stat.S_ISLNK(st.st_mode):
            out[key] = "-> " + os.readlink(p)
        elif stat.S_ISREG(st.st_mode):
            big = st.st_size > 64 * 1024 * 1024
            out[key] = f"{st.st_size}:{st.st_mtime_ns}" if big else hashlib.sha256(p.read_bytes()).hexdigest()
        elif not stat.S_ISDIR(st.st_mode):
            out[key] = f"kind {stat.S_IFMT(st.st_mode):o}"
    return out


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Corpus, BatchReport, dict[str, str], dict[str, str], Path]:
    root = tmp_path_factory.mktemp("badinput")
    corpus = make_corpus(root)
    before = sha256_tree(corpus.folder)
    out = root / "TONG_HOP.xlsx"
    report = consolidate_dir(corpus.folder, roster=corpus.roster, period=corpus.period, output=out, jobs=2)
    after = sha256_tree(corpus.folder)
    return corpus, report, before, after, out


def _kind(corpus: Corpus, name: str) -> Kind:
    for k in corpus.kinds:
        if k.name == name:
            return k
    pytest.skip(f"kind {name} needs the official template modules (xl_tthc.io.layouts/templates)")


def _match(report: BatchReport, e: Any) -> list[Finding]:
    out = []
    for f in report.findings:
        if f.code.value != e.code or f.severity.value != e.severity or f.location.file != e.file:
            continue
        if e.sheet is not None and f.location.sheet != e.sheet:
            continue
        if e.cell is not None and f.location.cell != e.cell:
            continue
        if e.unit is not None and f.unit != e.unit:
            continue
        if e.fragment not in f.message:
            continue
        out.append(f)
    return out


@pytest.mark.parametrize("name", KIND_NAMES)
def test_kind_gives_its_precise_finding(batch: Any, name: str) -> None:
    corpus, report = batch[0], batch[1]
    k = _kind(corpus, name)
    assert k.expect or k.good
    by_file = {o.file: o for o in report.outcomes}
    for file in k.good:  # read and scored as it is: no error, whatever its name or container
        o = by_file[file]
        assert o.status == "ok" and len(o.results) == 1, (name, file, o.findings)
        assert not [f for f in o.all_findings() if f.severity.value == "error"], (name, file, o.all_findings())
    if k.pending:
        if all(_match(report, e) for e in k.expect):
            pytest.fail(f"{name}: now handled, drop Kind.pending ({k.pending})")
        pytest.xfail(f"needs the pipeline to call: {k.pending}")
    for e in k.expect:
        hits = _match(report, e)
        near = [(f.code.value, f.severity.value, f.location.to_dict(), f.message) for f in report.findings if f.location.file == e.file]
        assert hits, f"{name}: no finding {e} among {near}"
        f = hits[0]
        print(f"{name:28} {k.title:45} {f.code.value:30} {f.severity.value:8} {f.location.describe_vi()}: {f.message}")


def test_corpus_has_at_least_25_kinds_and_a_table(batch: Any) -> None:
    corpus, report = batch[0], batch[1]
    assert len(corpus.kinds) >= 50
    for cls, names in KIND_CLASSES.items():  # issue 12: more than one case per class, more than one file per kind
        kinds = [k for k in corpus.kinds if k.name in names]
        assert len(kinds) >= 2, cls
        assert all(len(set(k.files + k.good)) >= 2 or k.name == "huge_sheet" for k in kinds), cls
    lines = ["| Loại | Tệp | Mã | Mức độ | Ô | Nội dung |", "|---|---|---|---|---|---|"]
    for k in corpus.kinds:
        for e in k.expect:
            hits = _match(report, e)
            if not hits:
                assert k.pending, (k.name, e)
                continue
            f = hits[0]
            lines.append(f"| {k.title} | {e.file or ''} | {f.code.value} | {f.severity.value} | {f.location.cell or ''} | {f.message} |")
    table = "\n".join(lines)
    print(table)
    assert len(lines) >= 2 + len(corpus.kinds)


def test_no_crash_and_every_good_file_is_scored(batch: Any) -> None:
    corpus, report = batch[0], batch[1]
    assert [o.file for o in report.outcomes if o.status == "error" or o.trace] == []
    assert not [f for f in report.findings if f.value == "internal_error"]
    by_file = {o.file: o for o in report.outcomes}
    for file, unit in corpus.good:
        o = by_file[file]
        assert o.status == "ok", (file, o.findings)
        assert [(r.unit, r.status) for _, r in o.results] == [(unit, "scored")], file
    # every spreadsheet and lock file in the folder was looked at (FIFOs, sockets and symlinks too: as findings)
    assert len(report.outcomes) == len([p for p in corpus.folder.rglob("*") if not p.is_dir()])


def test_input_files_are_never_modified(batch: Any) -> None:
    before, after = batch[2], batch[3]
    assert after == before
    assert len(before) >= 100


def test_formula_injection_is_neutralised_in_the_summary(batch: Any) -> None:
    import openpyxl

    report, out = batch[1], batch[4]
    evil = '=HYPERLINK("http://evil.example/","UBND xã Chèn Công Thức")'
    assert any(r.unit == "'" + evil for o in report.outcomes for _, r in o.results)
    wb = openpyxl.load_workbook(out)
    found = False
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)  # no formula anywhere
                if c.value == "'" + evil:
                    found = True
                    assert c.data_type == "s"
    assert found


def test_summary_lists_every_finding(batch: Any) -> None:
    import openpyxl

    report, out = batch[1], batch[4]
    ws = openpyxl.load_workbook(out, read_only=True)["Kết quả kiểm tra"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[2]]
    assert len(rows) == len(report.findings)
    assert {r[2] for r in rows} >= {"file_corrupt", "merged_input_cells", "formula_injection", "sheet_hidden"}


def test_cli_over_the_corpus_reports_and_never_shows_a_traceback(batch: Any, tmp_path: Path) -> None:
    corpus, before = batch[0], batch[2]
    proc = subprocess.run(
        [PYTHON, "-m", "xl_tthc", "validate", str(corpus.folder), "--json", "--period", corpus.period],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    statuses = {f["file"]: f["status"] for f in doc["files"]}
    assert statuses["01 tệp hỏng/Xã Hỏng.xlsx"] == "unreadable"
    assert statuses["05 tệp khóa/~$UBND xã Số 0201.xlsx"] == "skipped"
    assert statuses["06 sai biểu mẫu/Dự toán kinh phí.xlsx"] == "unknown"
    assert sha256_tree(corpus.folder) == before


def test_hand_written_ole_container_reads_as_password_protected(tmp_path: Path) -> None:
    """Without msoffcrypto-tool the corpus writes the two OLE streams itself; the probe must see them the same way."""
    from badinput.make_corpus import write_cfb

    from xl_tthc.batch.worker import process_file

    p = tmp_path / "Xã Có Mật Khẩu.xlsx"
    write_cfb(p, {"EncryptionInfo": b"\x04\x00\x04\x00" + b"\0" * 4092, "EncryptedPackage": b"PK" * 3000})
    out = process_file((str(p), p.name))
    assert out.status == "unreadable"
    assert [(f.code.value, f.severity.value) for f in out.findings] == [("file_password_protected", "error")]
