"""Inputs are sacred: every command with an output, its output pointed at each of its inputs (the path itself, a
symlink to it, a hard link to it, a file inside an input folder), is refused with a Vietnamese message naming both
paths, exit code 2, and no input file changes (sha256 of every input before and after)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from xl_tthc.cli import main
from xl_tthc.io.paths import InputClash, guard_output_dir, guard_outputs, guard_writable, is_own_summary

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import _unit_workbooks as gen  # noqa: E402

EXAMPLE = ROOT / "docs" / "examples" / "tthc-dienbien-1187-2019-huyen-input.json"
SAMPLE = ROOT / "workbooks" / "samples" / "Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx"
FRAMEWORK = ROOT / "xl_tthc" / "frameworks" / "tthc" / "tthc-dienbien-1187-2019-huyen.json"


def sha(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    w = tmp_path_factory.mktemp("sacred")
    shutil.copy(EXAMPLE, w / "IN.json")
    shutil.copy(SAMPLE, w / "Mẫu đã nhập.xlsx")
    (w / "fw").mkdir()
    shutil.copy(FRAMEWORK, w / "fw" / FRAMEWORK.name)
    d = w / "Hồ sơ"
    d.mkdir()
    for i in (1, 2):
        gen.write_unit_workbook(d / f"UBND xã Số {i}.xlsx", gen.make_unit(i))
    (w / "roster.csv").write_text("Tên đơn vị,Cấp\nUBND xã A,Xã\n", encoding="utf-8")
    os.link(w / "IN.json", w / "IN-hardlink.json")
    os.symlink(w / "IN.json", w / "IN-symlink.json")
    os.link(d / "UBND xã Số 1.xlsx", w / "don-vi-1-hardlink.xlsx")
    os.symlink(d / "UBND xã Số 2.xlsx", w / "don-vi-2-symlink.xlsx")
    os.link(w / "Mẫu đã nhập.xlsx", w / "mau-hardlink.xlsx")
    os.symlink(w / "Mẫu đã nhập.xlsx", w / "mau-symlink.xlsx")
    return w


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # main() adds --frameworks to it: setenv records the old state so the value main() leaves is undone after the test
    monkeypatch.setenv("XL_TTHC_FRAMEWORKS", "")
    yield


def cases(w: Path) -> list[tuple[str, list[str]]]:
    d = w / "Hồ sơ"
    unit1, unit2 = d / "UBND xã Số 1.xlsx", d / "UBND xã Số 2.xlsx"
    fw = ["--frameworks", str(w / "fw")]
    fwfile = str(w / "fw" / FRAMEWORK.name)
    out = []
    for target in (w / "IN.json", w / "IN-hardlink.json", w / "IN-symlink.json", Path(fwfile)):
        out.append((f"score -o {target.name}", [*fw, "score", str(w / "IN.json"), "-o", str(target)]))
        out.append((f"report -o {target.name}", [*fw, "report", str(w / "IN.json"), "-o", str(target)]))
        out.append((f"report --history {target.name}", [*fw, "report", str(w / "IN.json"), "-o", str(w / "r.docx"), "--history", str(target)]))  # fmt: skip
    for target in (unit1, unit2, w / "don-vi-1-hardlink.xlsx", w / "don-vi-2-symlink.xlsx"):
        c = ["consolidate", str(d), "--quiet", "--jobs", "1"]
        out.append((f"consolidate -o {target.name}", [*c, "-o", str(target)]))
        out.append((f"consolidate --report {target.name}", [*c, "-o", str(w / "th.xlsx"), "--report", str(target)]))
        out.append((f"consolidate --history {target.name}", [*c, "-o", str(w / "th.xlsx"), "--history", str(target)]))
    c = ["consolidate", str(d), "--quiet", "--jobs", "1", "--roster", str(w / "roster.csv")]
    out.append(("consolidate --report roster", [*c, "-o", str(w / "th.xlsx"), "--report", str(w / "roster.csv")]))
    out.append(("consolidate -o framework", [*fw, *c, "-o", str(w / "th.xlsx"), "--history", fwfile]))
    out.append(("consolidate -o = --report", [*c, "-o", str(w / "th.xlsx"), "--report", str(w / "th.xlsx")]))
    for target in (w / "Mẫu đã nhập.xlsx", w / "mau-hardlink.xlsx", w / "mau-symlink.xlsx"):
        out.append((f"fill -o {target.name}", ["fill", str(w / "Mẫu đã nhập.xlsx"), "-o", str(target)]))
    out.append(("fill -o framework", [*fw, "fill", str(w / "Mẫu đã nhập.xlsx"), "-o", fwfile]))
    out.append(("templates -o framework file", [*fw, "templates", "-o", fwfile]))
    out.append(("build-addin -o config file", ["build-addin", "-o", str(ROOT / "macros" / "addin_config.json")]))
    out.append(("demo -o frameworks folder", [*fw, "demo", "-o", str(w / "fw")]))
    out.append(("demo -o sample data folder", ["demo", "-o", str(ROOT / "xl_tthc" / "sample_data")]))
    return out


def test_every_command_refuses_to_write_over_each_of_its_inputs(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    watched = [work, ROOT / "macros", ROOT / "workbooks", ROOT / "xl_tthc" / "frameworks"]
    before = [sha(f) for f in watched]
    ran = []
    for name, argv in cases(work):
        code = main(argv)
        err = capsys.readouterr().err
        ran.append(name)
        assert code == 2, (name, err)
        assert err.startswith("Lỗi: "), (name, err)
        assert "đầu vào" in err or "trùng" in err, (name, err)
        assert "Traceback" not in err
        assert [sha(f) for f in watched] == before, name
    assert len(ran) >= 30
    # nothing was written beside the inputs either
    assert not (work / "th.xlsx").exists() and not (work / "r.docx").exists()


def test_message_names_both_paths(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = work / "Hồ sơ"
    code = main(["consolidate", str(d), "--quiet", "-o", str(work / "don-vi-1-hardlink.xlsx")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"«{work / 'don-vi-1-hardlink.xlsx'}»" in err
    assert f"«{d / 'UBND xã Số 1.xlsx'}»" in err
    assert "cùng một tệp trên đĩa" in err


def test_consolidate_may_replace_its_own_summary_in_the_folder(work: Path, tmp_path: Path) -> None:
    d = tmp_path / "Hồ sơ"
    shutil.copytree(work / "Hồ sơ", d)
    out = d / "TONG_HOP.xlsx"
    assert main(["consolidate", str(d), "--quiet", "--jobs", "1", "-o", str(out)]) in (0, 1)
    assert is_own_summary(out)
    assert not is_own_summary(d / "UBND xã Số 1.xlsx")
    units = sha(d)
    assert main(["consolidate", str(d), "--quiet", "--jobs", "1", "-o", str(out)]) in (0, 1)  # the second run
    assert {k: v for k, v in sha(d).items() if k != "TONG_HOP.xlsx"} == {k: v for k, v in units.items() if k != "TONG_HOP.xlsx"}


def test_fill_onto_a_read_only_file_is_refused(work: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ro = tmp_path / "kết quả.xlsx"
    ro.write_bytes("giữ nguyên".encode())
    ro.chmod(0o444)
    code = main(["fill", str(work / "Mẫu đã nhập.xlsx"), "-o", str(ro)])
    err = capsys.readouterr().err
    assert code == 2
    assert "chỉ đọc" in err and "kết quả.xlsx" in err
    assert ro.read_bytes() == "giữ nguyên".encode()


def test_library_guard(tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    a.write_text("{}")
    sub = tmp_path / "in"
    sub.mkdir()
    (sub / "x.xlsx").write_bytes(b"x")
    guard_outputs([tmp_path / "b.json", None, "-"], [a, sub])  # new files: fine
    with pytest.raises(InputClash, match="là tệp đầu vào"):
        guard_outputs([a], [a])
    with pytest.raises(InputClash, match="trùng"):
        guard_outputs([tmp_path / "b.json", tmp_path / "." / "b.json"], [a])
    with pytest.raises(InputClash):
        guard_outputs([sub / "x.xlsx"], [sub])
    with pytest.raises(InputClash):
        guard_outputs([sub], [sub])  # the input folder itself
    with pytest.raises(InputClash, match="chứa tệp đầu vào"):
        guard_output_dir(tmp_path, None, [sub])
    guard_output_dir(tmp_path / "new", None, [sub])
    guard_output_dir(sub, ["y.xlsx"], [sub])
    with pytest.raises(InputClash):
        guard_output_dir(sub, ["x.xlsx"], [sub])
    guard_writable(tmp_path / "missing.xlsx")
    a.chmod(0o400)
    with pytest.raises(InputClash, match="chỉ đọc"):
        guard_writable(a)
