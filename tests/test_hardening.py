"""Hardening against what offices really send (issue 12): files that are not regular files, names the OS gives as
bytes, rosters in other encodings, JSON beyond sane limits, orphaned temporary files, closed pipes, values that only
look like numbers. Expected texts and numbers are written here by hand."""

from __future__ import annotations

import codecs
import copy
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import write_ods

from xl_tthc.batch.roster import CP1258, RosterError, read_roster
from xl_tthc.cli import EXIT_PIPE_CLOSED, main
from xl_tthc.core.document import score_document
from xl_tthc.core.numbers import parse_number
from xl_tthc.io import jsonload
from xl_tthc.io.atomic import STALE_AFTER, atomic_write_text, clean_orphans, temp_prefix
from xl_tthc.io.paths import display_name, displayable, safe_output_name
from xl_tthc.io.probe import NotRegularFile, check_entry, open_regular, probe, read_regular

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PY if VENV_PY.exists() else Path(sys.executable))
EXAMPLE = ROOT / "docs" / "examples" / "tthc-dienbien-1187-2019-huyen-input.json"
SAMPLE = ROOT / "workbooks" / "samples" / "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx"
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def within(seconds: float, fn: Any, *args: Any, **kw: Any) -> Any:
    """``fn(*args, **kw)`` in a thread that must finish within ``seconds`` (a FIFO must never block)."""
    box: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            box.append(fn(*args, **kw))
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{fn.__name__} blocked"
    if errors:
        raise errors[0]
    return box[0]


# ---------------------------------------------------------------------------- only regular files are opened


@pytest.fixture
def odd(tmp_path: Path) -> Path:
    d = tmp_path / "hồ sơ"
    d.mkdir()
    os.mkfifo(d / "Xã Ống.xlsx")
    os.symlink("/dev/zero", d / "Xã Số Không.xlsx")
    os.symlink("/dev/null", d / "Xã Rỗng Thiết Bị.xlsx")
    outside = tmp_path / "ngoài.xlsx"
    shutil.copy(SAMPLE, outside)
    os.symlink(outside, d / "Xã Liên Kết Ra Ngoài.xlsx")
    shutil.copy(SAMPLE, d / "Xã Thật.xlsx")
    os.symlink(d / "Xã Thật.xlsx", d / "Xã Liên Kết Bên Trong.xlsx")
    with (d / "Xã Quá Lớn.xlsx").open("wb") as fh:
        fh.truncate(300 * 1024 * 1024)  # sparse: no disk used
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(d / "Xã Socket.xlsx"))
    s.close()
    return d


@pytest.mark.parametrize(
    ("name", "code", "fragment"),
    [
        ("Xã Ống.xlsx", "file_unsupported", "đường ống (FIFO)"),
        ("Xã Số Không.xlsx", "file_unsupported", "là một thiết bị (qua liên kết symlink)"),
        ("Xã Rỗng Thiết Bị.xlsx", "file_unsupported", "là một thiết bị (qua liên kết symlink)"),
        ("Xã Liên Kết Ra Ngoài.xlsx", "file_unsupported", "trỏ ra ngoài thư mục"),
        ("Xã Quá Lớn.xlsx", "file_too_large", "quá lớn (300 MB; giới hạn 256 MB)"),
        ("Xã Socket.xlsx", "file_unsupported", "một socket"),
    ],
)
def test_probe_never_reads_what_is_not_a_regular_file(odd: Path, name: str, code: str, fragment: str) -> None:
    pr = within(10, probe, odd / name, root=odd)
    assert not pr.ok and pr.data is None
    assert pr.finding is not None
    assert (pr.finding.code.value, pr.finding.severity.value) == (code, "error")
    assert fragment in pr.finding.message and name in pr.finding.message
    f = within(10, check_entry, odd / name, root=odd)
    assert f is not None and f.code.value == code


def test_without_a_root_a_device_behind_a_symlink_is_still_refused(odd: Path) -> None:
    pr = within(10, probe, odd / "Xã Số Không.xlsx")
    assert pr.finding is not None and "là một thiết bị (qua liên kết symlink)" in pr.finding.message
    assert within(10, probe, odd / "Xã Ống.xlsx").finding.message.startswith("«Xã Ống.xlsx» là một đường ống")  # type: ignore[union-attr]


def test_regular_files_and_symlinks_inside_the_folder_are_read(odd: Path) -> None:
    for name in ("Xã Thật.xlsx", "Xã Liên Kết Bên Trong.xlsx"):
        pr = probe(odd / name, root=odd)
        assert pr.ok and pr.data == SAMPLE.read_bytes(), name
        assert check_entry(odd / name, root=odd) is None
    assert read_regular(odd / "Xã Thật.xlsx", max_bytes=None) == SAMPLE.read_bytes()
    with pytest.raises(NotRegularFile, match="giới hạn"):
        read_regular(odd / "Xã Thật.xlsx", max_bytes=1024 * 1024 // 2 if SAMPLE.stat().st_size > 524288 else 1000)
    fd, st = open_regular(odd / "Xã Thật.xlsx")
    os.close(fd)
    assert st.st_size == SAMPLE.stat().st_size


def test_batch_over_fifo_and_dev_zero_ends(odd: Path) -> None:
    """The whole CLI over the folder: it finishes (no hang, no memory blow-up) and says what each odd entry is."""
    proc = subprocess.run(
        [PYTHON, "-m", "xl_tthc", "validate", str(odd), "--json", "--jobs", "1", "--quiet"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    status = {f["file"]: f["status"] for f in doc["files"]}
    assert status["Xã Ống.xlsx"] == "unreadable"
    assert status["Xã Số Không.xlsx"] == "unreadable"
    assert status["Xã Socket.xlsx"] == "unreadable"
    assert status["Xã Quá Lớn.xlsx"] == "unreadable"
    assert status["Xã Thật.xlsx"] == "ok"


def test_fill_on_a_fifo_refuses_at_once(odd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = within(20, main, ["fill", str(odd / "Xã Ống.xlsx"), "-o", str(odd.parent / "kq.xlsx")])
    assert code == 2
    assert "đường ống (FIFO)" in capsys.readouterr().err


# ---------------------------------------------------------------------------- names as the OS gives them


def test_display_name_escapes_what_cannot_be_shown() -> None:
    assert display_name(os.fsdecode(b"UBND x\xe3 \xff.xlsx")) == "UBND x\\xe3 \\xff.xlsx"
    assert display_name(b"a\nb\x1b[31m.xlsx") == "a\\x0ab\\x1b[31m.xlsx"
    assert display_name("x\u202etxt.exe") == "x\\u202etxt.exe"  # a right-to-left override cannot disguise a name
    nfd = unicodedata.normalize("NFD", "UBND xã Mường Phăng.xlsx")
    assert display_name(nfd) == "UBND xã Mường Phăng.xlsx" and len(display_name(nfd)) == 24
    assert display_name("Xã 👩‍👩‍👧 .xlsx") == "Xã 👩‍👩‍👧 .xlsx"  # joiners kept
    assert displayable("dòng 1\ndòng 2 \udcff\x00") == "dòng 1\ndòng 2 \\xff\\x00"


@pytest.mark.parametrize(
    "stem",
    [
        "Huyện Điện Biên " * 16,
        unicodedata.normalize("NFD", "Ủy ban nhân dân xã Mường Phăng ") * 9,
        os.fsdecode(b"\xff\xfe" * 200),
        "Xã 👩‍👩‍👧 " * 30,
        "a/b\0c" * 80,
    ],
)
def test_safe_output_name_fits_255_bytes_keeps_the_suffix_and_cuts_at_a_character(stem: str) -> None:
    name = safe_output_name(stem, " - đã tính điểm", ".xlsx")
    raw = os.fsencode(name)
    assert len(raw) <= 255
    assert name.endswith("… - đã tính điểm.xlsx")
    assert "/" not in name and "\0" not in name
    assert os.fsdecode(raw) == name  # a whole number of characters, the same bytes back
    cut = name[: -len("… - đã tính điểm.xlsx")]
    assert stem.replace("/", "_").replace("\0", "_").startswith(cut)
    assert not cut or not unicodedata.combining(stem.replace("/", "_").replace("\0", "_")[len(cut)])
    assert safe_output_name("Xã A", " - đã tính điểm", ".xlsx") == "Xã A - đã tính điểm.xlsx"


def test_fill_derives_a_name_within_255_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stem = "Huyện Điện Biên " * 11 + "ab"
    src = tmp_path / f"{stem}.xlsx"
    assert len(os.fsencode(src.name)) == 249
    shutil.copy(SAMPLE, src)
    assert main(["fill", str(src)]) in (0, 1), capsys.readouterr().err
    outs = [p for p in tmp_path.iterdir() if p != src]
    assert len(outs) == 1 and len(os.fsencode(outs[0].name)) <= 255 and outs[0].name.endswith(" - đã tính điểm.xlsx")


def test_consolidate_writes_summary_and_report_with_names_that_are_not_utf8(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import _unit_workbooks as gen

    d = tmp_path / "d"
    d.mkdir()
    names = [b"UBND x\xe3 \xff.xlsx", b"bad\nline\x1b[31m.xlsx", unicodedata.normalize("NFD", "Xã Mường Phăng.xlsx").encode()]
    for i, n in enumerate(names):
        gen.write_unit_workbook(Path(os.fsdecode(bytes(d) + b"/" + n)), gen.make_unit(i + 1))
    Path(os.fsdecode(bytes(d) + b"/h\xfeng.xlsx")).write_bytes(b"PK\x03\x04xx")  # a broken file: a finding naming it
    out, rep = tmp_path / "th.xlsx", tmp_path / "bc.docx"
    proc = subprocess.run(
        [PYTHON, "-m", "xl_tthc", "consolidate", str(d), "-o", str(out), "--report", str(rep), "--jobs", "1", "--quiet"],
        capture_output=True, timeout=180, cwd=ROOT,
    )  # fmt: skip
    stdout, stderr = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr and "không mong muốn" not in stderr
    assert "UBND x\\xe3 \\xff.xlsx" in stdout and "h\\xfeng.xlsx" in stdout and "bad\\x0aline" in stdout
    import openpyxl

    ws = openpyxl.load_workbook(out, read_only=True)["Danh sách tệp"]
    shown = {r[0] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    assert {"UBND x\\xe3 \\xff.xlsx", "h\\xfeng.xlsx"} <= shown
    assert rep.stat().st_size > 0


# ---------------------------------------------------------------------------- rosters in other encodings


def cp1258(text: str) -> bytes:
    """Text as Excel for a Vietnamese Windows saves «CSV»: base letters with ^ ˘ ơ ư đ, tones as combining marks."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out += base.encode("cp1258") + "".join(c for c in parts if c in TONES).encode("cp1258")
    return out


ROSTER = "STT;Tên đơn vị;Cấp\n1;UBND xã Mường Phăng;Xã\n2;UBND xã Nà Tấu;Xã\n3;Phòng Tư pháp;Phòng\n"


@pytest.mark.parametrize(
    ("label", "encode", "note"),
    [
        ("utf-8", lambda t: t.encode("utf-8"), None),
        ("utf-8 BOM", lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), None),
        ("utf-16 LE BOM", lambda t: t.encode("utf-16"), None),
        ("utf-16 BE BOM", lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), None),
        ("utf-16 LE no BOM", lambda t: t.encode("utf-16-le"), None),
        ("cp1258", cp1258, CP1258),
        ("utf-8 NFD", lambda t: unicodedata.normalize("NFD", t).encode("utf-8"), None),
    ],
)
def test_roster_encodings(tmp_path: Path, label: str, encode: Any, note: str | None) -> None:
    p = tmp_path / "danh sách.csv"
    p.write_bytes(encode(ROSTER.replace("\n", "\r\n") if "16" in label else ROSTER))
    notes: list[Any] = []
    entries = read_roster(p, notes)
    assert [(e.name, e.level) for e in entries] == [
        ("UBND xã Mường Phăng", "xa"), ("UBND xã Nà Tấu", "xa"), ("Phòng Tư pháp", "phong")
    ]  # fmt: skip
    assert all(unicodedata.is_normalized("NFC", e.name) for e in entries)
    if note:
        assert [(f.code.value, f.severity.value) for f in notes] == [("file_legacy_format", "info")]
        assert "«danh sách.csv»" in notes[0].message and note in notes[0].message
    else:
        assert notes == []


def test_roster_errors_name_the_file_and_the_encoding(tmp_path: Path) -> None:
    p = tmp_path / "ds.csv"
    p.write_bytes(b"\x81\x8a\x8d\x8e\x8f\x90" * 20)
    with pytest.raises(RosterError, match=r"không nhận ra bảng mã của tệp danh sách «ds.csv» \(không phải UTF-8, UTF-16 hay Windows-1258"):
        read_roster(p)
    p.write_bytes("Họ tên,Chức vụ\nA,B\n".encode("utf-16"))
    with pytest.raises(RosterError, match=r"«ds.csv» không có cột «Tên đơn vị» \(đã đọc theo bảng mã UTF-16\)"):
        read_roster(p)
    p.unlink()
    os.mkfifo(p)
    with pytest.raises(RosterError, match="đường ống"):
        within(10, read_roster, p)


# ---------------------------------------------------------------------------- JSON inputs


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[" * 100_000 + "]" * 100_000, "lồng nhau quá sâu (hơn 64 cấp)"),
        ('{"a":' * 65 + "1" + "}" * 65, "lồng nhau quá sâu (hơn 64 cấp)"),
        ('{"units": [' + "9" * 5000 + "]}", "có số nguyên quá dài (5.000 chữ số"),
        ('{"units": [' + "9" * 400 + ".5]}", "có số quá dài (401 chữ số"),
        ('{"units": [1e400]}', "có số quá lớn «1e400»"),
        ('{"units": [-Infinity]}', "có giá trị «-Infinity» không hợp lệ"),
        ('{"units": [NaN]}', "có giá trị «NaN» không hợp lệ"),
    ],
)
def test_json_limits_give_vietnamese_messages_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, fragment: str
) -> None:
    p = tmp_path / "đầu vào.json"
    p.write_text(text, encoding="utf-8")
    for cmd in (["score", str(p)], ["report", str(p), "-o", str(tmp_path / "bc.docx")]):
        assert main(cmd) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"Lỗi: tệp «{p}» ") and fragment in err, err
    with pytest.raises(jsonload.JsonInputError, match=re.escape(fragment)):
        jsonload.loads(text, "x.json")


def test_json_fifo_and_ordinary_documents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "ống.json"
    os.mkfifo(fifo)
    assert within(10, main, ["score", str(fifo)]) == 2
    assert "đường ống (FIFO)" in capsys.readouterr().err
    doc = jsonload.load_file(EXAMPLE)
    assert doc == json.loads(EXAMPLE.read_text("utf-8"))


# ---------------------------------------------------------------------------- orphaned temporary files


def test_orphans_of_a_killed_run_are_cleaned_for_the_same_target_only(tmp_path: Path) -> None:
    target = tmp_path / "TONG_HOP.xlsx"
    mine = temp_prefix(target)
    assert mine.startswith(".~xl_tthc-") and mine == temp_prefix(tmp_path / "x" / "TONG_HOP.xlsx")
    old = time.time() - STALE_AFTER - 60
    paths = {
        "old": tmp_path / f"{mine}a1b2.xlsx",
        "young": tmp_path / f"{mine}c3d4.xlsx",
        "other target": tmp_path / f"{temp_prefix(tmp_path / 'KHAC.xlsx')}e5f6.xlsx",
        "legacy": tmp_path / ".~xl_tthc-g7h8.xlsx",
        "locked": tmp_path / f"{mine}i9j0.xlsx",
        "other suffix": tmp_path / f"{mine}k1l2.docx",
    }
    for name, p in paths.items():
        p.write_bytes(b"x")
        if name != "young":
            os.utime(p, (old, old))
    import fcntl

    holder = subprocess.Popen(
        [PYTHON, "-c", "import fcntl,sys,time; f=open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_EX); print(1, flush=True); time.sleep(60)", str(paths["locked"])],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"1"
        atomic_write_text(target, "xong")
    finally:
        holder.kill()
        holder.wait()
    assert target.read_text() == "xong"
    left = {name for name, p in paths.items() if p.exists()}
    assert left == {"young", "other target", "legacy", "locked", "other suffix"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(mine) and p not in paths.values()]
    assert fcntl  # the lock is what protects a run still writing
    # later, with the holder gone and the young file old enough, both go
    assert set(clean_orphans(target, now=time.time() + STALE_AFTER + 1)) == {paths["young"], paths["locked"]}


def test_a_killed_in_place_fill_leaves_a_temp_file_the_next_run_removes(tmp_path: Path) -> None:
    src = tmp_path / "Mẫu.xlsx"
    shutil.copy(SAMPLE, src)
    orphan = tmp_path / f"{temp_prefix(src)}kill9.xlsx"
    orphan.write_bytes(b"PK half written")
    os.utime(orphan, (time.time() - 3600, time.time() - 3600))
    assert main(["fill", str(src), "--in-place"]) in (0, 1)
    assert not orphan.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["Mẫu.xlsx"]


# ---------------------------------------------------------------------------- closed pipes

COMMANDS = [
    ["frameworks"],
    ["score", str(EXAMPLE)],
    ["validate", str(ROOT / "workbooks" / "samples"), "--jobs", "1"],
    ["validate", str(ROOT / "workbooks" / "samples"), "--jobs", "1", "--json"],
    ["consolidate", str(ROOT / "workbooks" / "samples"), "--jobs", "1", "-o", "{tmp}/th.xlsx"],
    ["report", str(EXAMPLE), "-o", "{tmp}/bc.docx"],
    ["fill", str(SAMPLE), "-o", "{tmp}/kq.xlsx", "--json"],
    ["templates", "-o", "{tmp}/mau"],
    ["build-addin", "-o", "{tmp}/addin"],
    ["demo", "-o", "{tmp}/demo"],
    ["--help"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:2]).replace(str(ROOT) + "/", ""))
def test_closed_pipe_ends_quietly(tmp_path: Path, argv: list[str]) -> None:
    """The reader of stdout is gone before the command writes (``xl-tthc … | head`` after head exited)."""
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    r, w = os.pipe()
    os.close(r)  # nobody will ever read
    proc = subprocess.run([PYTHON, "-m", "xl_tthc", *args], stdout=w, stderr=subprocess.PIPE, timeout=300, cwd=ROOT)
    os.close(w)
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err
    assert proc.returncode == (0 if argv == ["--help"] else EXIT_PIPE_CLOSED), err  # --help: argparse's own exit


# ---------------------------------------------------------------------------- values that only look like numbers


def _score_with(changes: dict[str, Any]) -> dict[str, Any]:
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    doc = copy.deepcopy(doc)
    counts = doc["units"][0]["data"]["counts"]
    crit = doc["units"][0]["data"]["criteria"]
    for key, v in changes.items():
        if key.startswith("criteria/"):
            _, c, _, lv = key.split("/")
            crit[c]["counts"][lv] = v
        else:
            counts[key] = v
    return score_document(doc, file="x.json")


def _findings(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(f["code"], f["severity"], (f.get("location") or {}).get("path") or "", f["message"]) for f in result["units"][0]["findings"]]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("30/06/2021", "ghi ngày tháng «30/06/2021», không phải là số hồ sơ"),
        ("2021-06-30", "ghi ngày tháng «2021-06-30»"),
        ("30.06.2021", "ghi ngày tháng «30.06.2021»"),
        ("99/100", "ghi «99/100» (dạng a/b), không phải là một số hồ sơ"),
        ("1/2", "ghi «1/2» (dạng a/b)"),
    ],
)
def test_date_or_fraction_in_a_count_is_an_error(raw: str, fragment: str) -> None:
    found = _findings(_score_with({"received_online": raw}))
    hits = [f for f in found if f[0] == "not_a_number" and f[2].endswith("counts/received_online")]
    assert hits and hits[0][1] == "error" and fragment in hits[0][3], found


def test_date_value_in_a_level_count_is_an_error() -> None:
    from xl_tthc.core.engine import score_unit
    from xl_tthc.core.framework import get
    from xl_tthc.core.model import UnitInput

    doc = json.loads(EXAMPLE.read_text("utf-8"))
    u = doc["units"][0]
    data = copy.deepcopy(u["data"])
    data["criteria"]["1"]["counts"]["b"] = datetime(2021, 6, 30)
    r = score_unit(get(doc["framework"]), UnitInput(name=u["unit"]["name"], level=u["unit"].get("level"), period=u["period"], data=data))
    hits = [f for f in r.findings if f.code.value == "not_a_number"]
    assert hits and "ghi ngày tháng «30/06/2021»" in hits[0].message and hits[0].severity.value == "error"


def test_stated_ratio_still_reads_a_over_b() -> None:
    p = parse_number("58,69/85")
    assert (p.value, p.over, p.date) == (58.69, 85.0, False)
    seed = json.loads((ROOT / "docs" / "examples" / "sv459-dienbien-2023-input.json").read_text("utf-8"))
    result = score_document(seed, file="sv459.json")
    assert not [f for u in result["units"] for f in u["findings"] if "(dạng a/b)" in f["message"]]


@pytest.mark.parametrize(("raw", "value"), [("９９", 99), ("٩٩", 99), ("۹۹", 99), ("९९", 99)])
def test_non_ascii_digits_are_read_with_a_note(raw: str, value: int) -> None:
    found = _findings(_score_with({"received_online": raw}))
    notes = [f for f in found if f[0] == "non_ascii_digits"]
    assert notes and notes[0][1] == "info" and f"đã hiểu là {value}" in notes[0][3] and raw in notes[0][3]
    assert not [f for f in found if f[1] == "error"]  # 99 is the true figure: the unit scores as published


@pytest.mark.parametrize("raw", [b"UBND x\xe3 \xff.xlsx", b"X\xc3\xa3\nd\xc3\xb2ng m\xe1\xbb\x9bi.xlsx"], ids=["not utf-8", "newline"])
def test_fill_on_a_name_that_is_not_utf8_or_has_control_characters(tmp_path: Path, raw: bytes) -> None:
    src = Path(os.fsdecode(os.fsencode(tmp_path) + b"/" + raw))
    shutil.copy(SAMPLE, src)
    proc = subprocess.run([PYTHON, "-m", "xl_tthc", "fill", str(src)], capture_output=True, timeout=120, cwd=ROOT)
    err = proc.stderr.decode("utf-8", "replace")
    assert "không mong muốn" not in err and proc.returncode in (0, 1), err
    assert len(list(tmp_path.iterdir())) == 2


def test_a_cp1258_roster_note_reaches_the_batch_report(tmp_path: Path) -> None:
    from xl_tthc import api

    folder = tmp_path / "don-vi"
    folder.mkdir()
    roster = tmp_path / "danh sách.csv"
    roster.write_bytes(cp1258(ROSTER))
    report = api.consolidate(folder, roster=roster, jobs=1).report
    notes = [f for f in report.findings if f.code.value == "file_legacy_format"]
    assert notes and "«danh sách.csv»" in notes[0].message and CP1258 in notes[0].message
    assert report.roster_size == 3  # the three units, read in Windows-1258


def test_a_fifo_in_a_frameworks_folder_is_refused_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "khung.json")
    proc = subprocess.run(
        [PYTHON, "-m", "xl_tthc", "--frameworks", str(tmp_path), "frameworks"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2 and "không phải tệp thường" in proc.stderr and "Traceback" not in proc.stderr


def test_a_trace_naming_a_file_that_is_not_utf8_is_logged_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xl_tthc.api as api
    import xl_tthc.batch as batch

    class Report:
        def traces(self) -> list[str]:
            return ["/don-vi/UBND x\udce3 \udcff.xlsx\nTraceback …"]  # os.fsdecode of b"UBND x\xe3 \xff.xlsx"

    monkeypatch.setattr(batch, "run", lambda *a, **kw: Report())
    monkeypatch.setattr(api, "LOG_PATH", tmp_path / "loi.log")
    api.validate(tmp_path, jobs=1)
    assert "\\udce3" in (tmp_path / "loi.log").read_text(encoding="utf-8")


def test_a_stated_total_in_full_width_digits_is_compared_with_a_note() -> None:
    """Seed 001: 16,74 is the true total (3 × 1,9125… + 2 + 2 + 2 + 2 + 2 + 1 = 16,7376). Typed «１６,７４» in
    full-width digits it is read as 16,74 (no mismatch) and said so; «１５,００» is read as 15 and is a mismatch."""
    seed = json.loads((ROOT / "xl_tthc" / "sample_data" / "seed001_tthc_huyen.json").read_text("utf-8"))
    for typed, mismatch in (("１６,７４", False), ("１５,００", True)):
        doc = json.loads(json.dumps(seed))
        doc["units"][0]["data"]["stated_total"] = typed
        found = [(f["code"], f["severity"]) for f in score_document(doc)["units"][0]["findings"]]
        assert ("non_ascii_digits", "info") in found
        assert (("stated_total_mismatch", "error") in found) is mismatch


def _ods(path: Path, rows: int, cols: int) -> Path:
    """An .ods of a few hundred bytes whose one value cell LibreOffice-style repetition spreads over rows × cols."""
    return write_ods(
        path,
        '<table:table table:name="Phụ lục"><table:table-row><table:table-cell '
        'office:value-type="string"><text:p>STT</text:p></table:table-cell></table:table-row>'
        f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell office:value-type="float" '
        f'office:value="1" table:number-columns-repeated="{cols}"><text:p>1</text:p></table:table-cell>'
        "</table:table-row></table:table>",
    )


def test_an_ods_whose_repetitions_would_abort_calamine_is_refused_by_the_probe(tmp_path: Path) -> None:
    """90.000 rows × 1.000 columns of one repeated value (815 bytes on disk) made python-calamine allocate 2,9 GB and
    abort the whole process (a batch of thousands of files with it); 1.000 × 10 is read as usual."""
    big = probe(_ods(tmp_path / "xa xa.ods", 90_000, 1_000))
    assert not big.ok and big.finding is not None and big.finding.code.value == "sheet_too_large"
    assert "90.001 dòng × 1.000 cột" in big.finding.message and "«Phụ lục»" in big.finding.message
    assert probe(_ods(tmp_path / "nho.ods", 1_000, 10)).ok
    assert probe(ROOT / "tests" / "data" / "handmade" / "phu_luc_405_thang7_2023.ods").ok  # saved by LibreOffice
