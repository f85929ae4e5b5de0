"""The Windows installer under Wine: build it, install it silently into a fresh Wine prefix, run the bundled
Python, compare with Linux, update, uninstall; then the offline zip's scripts.

What Wine cannot run, so this test does not cover it (docs/excel-checklist.md lists it for a Windows PC):
Excel itself (no Office under Wine), hence the ribbon button, the VBA, the UDFs through xlwings' COM server,
the Trust Center and the Mark of the Web (Wine has no NTFS alternate data streams; the ``…:Zone.Identifier``
removals of the installer and of ``xl_tthc.win_setup`` find nothing to remove there). Debian 12's
Wine 8.0 also lacks ``bcryptprimitives.dll`` (``ProcessPrng``), which the Rust-built ``python_calamine`` module
imports and every Windows 10/11 has: the test puts a stub of that one function (calling ``RtlGenRandom``,
assembled with Debian's ``binutils-mingw-w64-x86-64``) into the prefix's system32 only, never into the bundle.

Slow (a real build: about 1,5 minutes, most of it LZMA; Wine: about 1 minute), so it runs when the tools are
there and either CI is set (``.ci/run`` installs wine, nsis, osslsigncode, binutils-mingw-w64) or
XL_TTHC_BUNDLE_TESTS=1; otherwise it skips saying why.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xl_tthc import bundle_windows as bw

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbooks" / "samples"
TOOLS = ("wine", "wineboot", "wineserver", "makensis", "osslsigncode", "x86_64-w64-mingw32-as")
_missing = [t for t in TOOLS if shutil.which(t) is None]
_wanted = os.environ.get("CI") == "true" or os.environ.get("XL_TTHC_BUNDLE_TESTS") == "1"
pytestmark = [
    pytest.mark.skipif(bool(_missing), reason=f"not installed here: {', '.join(_missing)} (CI installs them: .ci/run)"),
    pytest.mark.skipif(not _wanted, reason="slow Wine test: runs in CI (CI=true) or with XL_TTHC_BUNDLE_TESTS=1"),
]

SHIM_ASM = """\
    .text
    .globl DllMain
DllMain:
    mov $1, %eax
    ret
    .globl ProcessPrng
ProcessPrng:
    sub $40, %rsp
    call *__imp_SystemFunction036(%rip)
    mov $1, %eax
    add $40, %rsp
    ret
"""


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> bw.Bundle:
    return bw.build(tmp_path_factory.mktemp("dist"))


def _shim(folder: Path) -> Path:
    """bcryptprimitives.dll exporting ProcessPrng (= advapi32!SystemFunction036, RtlGenRandom)."""
    (folder / "shim.s").write_text(SHIM_ASM, "ascii")
    (folder / "advapi32.def").write_text("LIBRARY advapi32.dll\nEXPORTS\nSystemFunction036\n", "ascii")
    (folder / "shim.def").write_text("LIBRARY bcryptprimitives.dll\nEXPORTS\nProcessPrng\n", "ascii")
    run = {"cwd": folder, "check": True, "capture_output": True}
    subprocess.run(["x86_64-w64-mingw32-dlltool", "-d", "advapi32.def", "-l", "libadvapi32.a"], **run)  # type: ignore[call-overload]
    subprocess.run(["x86_64-w64-mingw32-as", "shim.s", "-o", "shim.o"], **run)  # type: ignore[call-overload]
    subprocess.run(
        [
            "x86_64-w64-mingw32-ld",
            "--dll",
            "-e",
            "DllMain",
            "-o",
            "bcryptprimitives.dll",
            "shim.o",
            "shim.def",
            "libadvapi32.a",
            "--subsystem",
            "windows",
        ],
        **run,  # type: ignore[call-overload]
    )
    return folder / "bcryptprimitives.dll"


class Wine:
    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.env = {**os.environ, "WINEPREFIX": str(prefix), "WINEDEBUG": "-all", "WINEDLLOVERRIDES": "mscoree,mshtml="}
        self.env.pop("DISPLAY", None)
        self.env.pop("WAYLAND_DISPLAY", None)
        self.drive_c = prefix / "drive_c"
        self.install_dir = self.drive_c / "TinhDiem"

    def run(self, *args: str, timeout: int = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        # stdin/stdout as pipes: Wine 8 cannot hand a redirected regular file to Python as a standard stream
        res = subprocess.run(
            ["wine", *args], env=self.env, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False
        )
        self.wait()
        out = subprocess.CompletedProcess(
            res.args, res.returncode, res.stdout.decode("utf-8", "replace"), res.stderr.decode("utf-8", "replace")
        )
        if check and res.returncode != 0:
            raise AssertionError(
                f"wine {' '.join(args)} → {res.returncode}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
            )
        return out

    def wait(self) -> None:
        subprocess.run(["wineserver", "-w"], env=self.env, check=True, timeout=600)

    def python(self, *args: str, findings_ok: bool = False) -> subprocess.CompletedProcess[str]:
        """The bundled python.exe; ``findings_ok``: exit code 1 (xl-tthc found errors in the data) is fine."""
        res = self.run("C:\\TinhDiem\\python\\python.exe", "-X", "utf8", *args, check=not findings_ok)
        assert res.returncode in (0, 1), res.stderr[-2000:]
        return res

    def reg_values(self, key: str) -> dict[str, str] | None:
        res = self.run("reg", "query", f"HKCU\\{key}", check=False)
        if res.returncode != 0:
            return None
        values = {}
        for line in res.stdout.replace("\r", "").splitlines():
            parts = line.strip().split(None, 2)
            if len(parts) == 3 and parts[1].startswith("REG_"):
                values[parts[0]] = parts[2]
        return values


@pytest.fixture(scope="module")
def wine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wine]:
    w = Wine(tmp_path_factory.mktemp("wineprefix"))
    subprocess.run(["wineboot", "-i"], env=w.env, capture_output=True, check=True, timeout=600)
    w.wait()
    shutil.copy(_shim(tmp_path_factory.mktemp("shim")), w.drive_c / "windows" / "system32" / "bcryptprimitives.dll")
    yield w
    subprocess.run(["wineserver", "-k"], env=w.env, check=False)


@pytest.fixture(scope="module")
def installed(dist: bw.Bundle, wine: Wine) -> float:
    t = time.perf_counter()
    wine.run(str(dist.installer), "/S")
    return time.perf_counter() - t


def test_artifacts(dist: bw.Bundle) -> None:
    assert dist.installer.name == "CaiDat_TinhDiem_0.1.0.exe" and dist.installer.read_bytes()[:2] == b"MZ"
    assert 10_000_000 < dist.installer.stat().st_size < dist.zip.stat().st_size < 40_000_000
    with zipfile.ZipFile(dist.zip) as zf:
        names = set(zf.namelist())
    for needed in (
        "TinhDiem/python/pythonw.exe",
        "TinhDiem/python/xlwings64-0.37.8.dll",  # next to pythonw.exe: where the VBA loads it from
        "TinhDiem/python/xlwings32-0.37.8.dll",
        "TinhDiem/python/Lib/site-packages/win32/win32api.pyd",
        "TinhDiem/python/Lib/site-packages/xl_tthc/udfs.py",
        "TinhDiem/addin/xl_tthc.xlam",
        "TinhDiem/BieuMau/Mau_TTHC_cap_xa.xlsx",
        "TinhDiem/HuongDan_CaiDat.txt",
        "TinhDiem/CaiDat.cmd",
        "TinhDiem/tmp/",
        "TinhDiem/app/",
    ):
        assert needed in names, needed
    assert not any("__pycache__" in n or n.startswith("TinhDiem/python/Lib/site-packages/bin/") for n in names)
    assert len(dist.signatures) > 20


def test_staging_again_gives_the_same_files(dist: bw.Bundle, tmp_path: Path) -> None:
    import hashlib

    top, _ = bw.stage(tmp_path, bw.DEFAULT_CACHE)
    again = {
        p.relative_to(tmp_path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in top.rglob("*")
        if p.is_file()
    }
    with zipfile.ZipFile(dist.zip) as zf:
        shipped = {
            i.filename: hashlib.sha256(zf.read(i)).hexdigest()
            for i in zf.infolist()
            if not i.is_dir() and i.filename not in ("TinhDiem/CaiDat.cmd", "TinhDiem/GoCaiDat.cmd")
        }
    assert again == shipped


def test_silent_install_without_admin(dist: bw.Bundle, wine: Wine, installed: float) -> None:
    print(f"silent install under Wine: {installed:.1f} s")
    d = wine.install_dir
    for rel in ("python/python.exe", "python/pythonw.exe", "addin/xl_tthc.xlam", "GoCaiDat.exe", "BieuMau/Vi_du"):
        assert (d / rel).exists(), rel
    assert (d / "tmp").is_dir() and (d / "app").is_dir()
    log = (d / "CaiDat.log").read_bytes().decode("utf-16")
    assert "Đã bật add-in C:\\TinhDiem\\addin\\xl_tthc.xlam" in log and "vị trí tin cậy" in log
    size = sum(p.stat().st_size for p in d.rglob("*") if p.is_file())
    assert size >= dist.installed_bytes


REG_DUMP = """
import json, winreg
def values(key):
    try:
        k = winreg.OpenKey(winreg.HKEY_CURRENT_USER, key)
    except OSError:
        return None
    out, i = {}, 0
    while True:
        try:
            name, value, _kind = winreg.EnumValue(k, i)
        except OSError:
            return out
        out[name] = value
        i += 1
print(json.dumps({key: values(key) for key in %r}))
"""


def test_registry_keys(wine: Wine, installed: float) -> None:
    keys = [bw.OPTIONS_KEY, bw.TRUSTED_KEY, bw.UNINSTALL_KEY]
    got = json.loads(wine.python("-c", REG_DUMP % keys).stdout)  # read through the Windows registry API
    assert got[bw.OPTIONS_KEY] == {"OPEN": '"C:\\TinhDiem\\addin\\xl_tthc.xlam"'}
    assert got[bw.TRUSTED_KEY] == {"Path": "C:\\TinhDiem\\", "AllowSubfolders": 1, "Description": "Tinh diem (xl_tthc)"}
    uninstall = got[bw.UNINSTALL_KEY]
    assert uninstall["DisplayName"] == "Tính điểm (xl_tthc)" and uninstall["DisplayVersion"] == "0.1.0"
    assert uninstall["QuietUninstallString"] == '"C:\\TinhDiem\\GoCaiDat.exe" /S'
    assert uninstall["InstallLocation"] == "C:\\TinhDiem"
    assert uninstall["EstimatedSize"] > 50_000  # KB


def test_bundled_python_imports_everything(wine: Wine, installed: float) -> None:
    code = (
        "import sys, json, xl_tthc, xlwings, pywintypes, pythoncom, win32api, python_calamine, lxml.etree, openpyxl;"
        "from xl_tthc.udfs import TTHC_DIEM;"
        "print(json.dumps([sys.version_info[:3], sys.executable, xl_tthc.__version__, xlwings.__version__,"
        " TTHC_DIEM([[1033], [10]], [[99], [0]], 0)]))"
    )
    version, exe, ours, xlw, udf = json.loads(wine.python("-c", code).stdout)
    assert version[:2] == [3, 12] and exe == "C:\\TinhDiem\\python\\python.exe"
    assert ours == "0.1.0" and xlw == "0.37.8"
    assert udf == [[(1033 * 2 + 99) / 1132], [2.0]]


def _same(a: Any, b: Any, path: str = "") -> None:
    """Equal JSON, floats to 1e-9 relative (CPython 3.12's sum() rounds differently from 3.11's in the last bit)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), path
        for k in a:
            if k not in ("input", "output", "file", "folder", "seconds", "path"):
                _same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float | int):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (path, a, b)
    else:
        assert a == b, (path, a, b)


def _linux(*args: str) -> Any:
    res = subprocess.run(
        [sys.executable, "-m", "xl_tthc", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert res.returncode in (0, 1), res.stderr
    return json.loads(res.stdout)


def _cells(path: Path) -> dict[str, Any]:
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=False)
    return {
        f"{ws.title}!{c.coordinate}": c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.xlsx")))
def test_fill_gives_the_same_values_as_on_linux(wine: Wine, installed: float, sample: str, tmp_path: Path) -> None:
    work = wine.drive_c / "work"
    work.mkdir(exist_ok=True)
    shutil.copy(SAMPLES / sample, work / sample)
    res = wine.python(
        "-m", "xl_tthc", "fill", "--json", "-o", f"C:\\work\\filled-{sample}", f"C:\\work\\{sample}", findings_ok=True
    )
    linux_out = tmp_path / f"filled-{sample}"
    _same(json.loads(res.stdout), _linux("fill", "--json", "-o", str(linux_out), str(SAMPLES / sample)))
    win_cells, linux_cells = _cells(work / f"filled-{sample}"), _cells(linux_out)
    assert win_cells.keys() == linux_cells.keys()
    for k in win_cells:
        value = win_cells[k]
        if isinstance(value, str):  # the findings sheet names the input file as each system writes its path
            value = value.replace(f"C:\\work\\{sample}", str(SAMPLES / sample))
        _same(value, linux_cells[k], k)


def test_consolidate_gives_the_same_values_as_on_linux(wine: Wine, installed: float, tmp_path: Path) -> None:
    work = wine.drive_c / "tonghop"
    shutil.copytree(SAMPLES, work)
    res = wine.python(
        "-m", "xl_tthc", "consolidate", "--quiet", "--json", "-o", "C:\\tong.xlsx", "C:\\tonghop", findings_ok=True
    )
    got = json.loads(res.stdout)
    assert got["summary"]["files"] == 3 and got["summary"]["units"] > 0
    _same(got, _linux("consolidate", "--quiet", "--json", "-o", str(tmp_path / "tong.xlsx"), str(SAMPLES)))
    assert (wine.drive_c / "tong.xlsx").exists()
    (wine.drive_c / "tong.xlsx").unlink()
    shutil.rmtree(work)


def test_update_replaces_in_one_step(dist: bw.Bundle, wine: Wine, installed: float) -> None:
    stale = wine.install_dir / "python" / "Lib" / "site-packages" / "xl_tthc" / "stale_module.py"
    stale.write_text("raise SystemExit('old version')\n", "utf-8")
    wine.run(str(dist.installer), "/S")
    assert not stale.exists()  # the old program folder went
    assert wine.reg_values(bw.OPTIONS_KEY) == {"OPEN": '"C:\\TinhDiem\\addin\\xl_tthc.xlam"'}  # not added twice
    assert wine.python("-c", "import xl_tthc; print(xl_tthc.__version__)").stdout.strip() == "0.1.0"


def test_uninstall_leaves_nothing(wine: Wine, installed: float) -> None:
    # another add-in registered after ours moves down to keep Excel's OPEN, OPEN1, … without a gap
    wine.run("reg", "add", f"HKCU\\{bw.OPTIONS_KEY}", "/v", "OPEN1", "/t", "REG_SZ", "/d", "C:\\Khac\\khac.xlam", "/f")
    shutil.rmtree(wine.drive_c / "work", ignore_errors=True)
    wine.run("C:\\TinhDiem\\GoCaiDat.exe", "/S")
    assert not wine.install_dir.exists()
    assert wine.reg_values(bw.OPTIONS_KEY) == {"OPEN": "C:\\Khac\\khac.xlam"}
    assert wine.reg_values(bw.TRUSTED_KEY) is None
    assert wine.reg_values(bw.UNINSTALL_KEY) is None
    wine.run("reg", "delete", f"HKCU\\{bw.EXCEL_KEY}", "/f")


def test_offline_zip_scripts(dist: bw.Bundle, wine: Wine) -> None:
    with zipfile.ZipFile(dist.zip) as zf:
        zf.extractall(wine.drive_c)
    res = wine.run("cmd", "/c", "C:\\TinhDiem\\CaiDat.cmd")
    assert "vị trí tin cậy" in res.stdout
    assert wine.reg_values(bw.OPTIONS_KEY) == {"OPEN": '"C:\\TinhDiem\\addin\\xl_tthc.xlam"'}
    assert (wine.reg_values(bw.TRUSTED_KEY) or {}).get("Path") == "C:\\TinhDiem\\"
    wine.run("reg", "add", f"HKCU\\{bw.OPTIONS_KEY}", "/v", "OPEN1", "/t", "REG_SZ", "/d", "C:\\Khac\\khac.xlam", "/f")
    wine.run("cmd", "/c", "C:\\TinhDiem\\CaiDat.cmd")  # again: ours is found, not added twice
    assert wine.reg_values(bw.OPTIONS_KEY) == {
        "OPEN": '"C:\\TinhDiem\\addin\\xl_tthc.xlam"',
        "OPEN1": "C:\\Khac\\khac.xlam",
    }
    assert wine.python("-c", "import xl_tthc, xlwings; print('ok')").stdout.strip() == "ok"
    res = wine.run("cmd", "/c", "C:\\TinhDiem\\GoCaiDat.cmd")
    assert "Đã tắt add-in" in res.stdout
    assert wine.reg_values(bw.OPTIONS_KEY) == {"OPEN": "C:\\Khac\\khac.xlam"}  # moved down, no gap
    assert wine.reg_values(bw.TRUSTED_KEY) is None
    shutil.rmtree(wine.install_dir)
