"""Register or unregister the add-in for the current Windows user: the offline zip's ``CaiDat.cmd``/``GoCaiDat.cmd``.

    C:\\TinhDiem\\python\\python.exe -X utf8 -m xl_tthc.win_setup install|uninstall

Does what the NSIS installer (``xl_tthc/bundle_windows.py``) does, under HKCU only, without administrator
rights: removes the Mark of the Web (the ``Zone.Identifier`` stream, as PowerShell's ``Unblock-File``) from every
file under ``C:\\TinhDiem``, adds ``C:\\TinhDiem\\`` as an Excel trusted location and registers the add-in as the
first free ``OPENn`` value of Excel 2016+'s Options key (reusing ours if present). Uninstall removes both and
moves the later ``OPENn`` values down one place, because Excel stops at the first missing number.
Messages are Vietnamese; the exit code is 0 on success, 1 otherwise.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

INSTALL_DIR = "C:\\TinhDiem"
ADDIN = INSTALL_DIR + "\\addin\\xl_tthc.xlam"
EXCEL_KEY = "Software\\Microsoft\\Office\\16.0\\Excel"
TRUSTED_KEY = EXCEL_KEY + "\\Security\\Trusted Locations\\TinhDiem"
OPTIONS_KEY = EXCEL_KEY + "\\Options"
MAX_OPEN = 100


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def open_name(n: int) -> str:
    return "OPEN" if n == 0 else f"OPEN{n}"


def unblock(folder: Path) -> int:
    """Remove the Zone.Identifier stream of every file under ``folder``; the number of files unblocked."""
    count = 0
    for path in folder.rglob("*"):
        if path.is_file():
            try:
                Path(f"{path}:Zone.Identifier").unlink()
                count += 1
            except OSError:  # no stream (or a file system without streams)
                pass
    return count


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in (["install"], ["uninstall"]):
        _say("Cách dùng: python -m xl_tthc.win_setup install|uninstall")
        return 1
    if sys.platform != "win32":
        _say("Lệnh này chỉ chạy trên Windows.")
        return 1
    import winreg

    hkcu = winreg.HKEY_CURRENT_USER

    def read(key: str, name: str) -> str | None:
        try:
            with winreg.OpenKey(hkcu, key) as k:
                value, _kind = winreg.QueryValueEx(k, name)
                return str(value)
        except OSError:
            return None

    if args == ["install"]:
        if Path(sys.executable).resolve().parent.parent != Path(INSTALL_DIR).resolve():
            _say(
                f"Hãy giải nén để có {INSTALL_DIR}\\python\\python.exe rồi chạy lại (add-in đã ghi sẵn đường dẫn này)."
            )
            return 1
        unblocked = unblock(Path(INSTALL_DIR))
        try:
            with winreg.CreateKey(hkcu, TRUSTED_KEY) as k:
                winreg.SetValueEx(k, "Path", 0, winreg.REG_SZ, INSTALL_DIR + "\\")
                winreg.SetValueEx(k, "AllowSubfolders", 0, winreg.REG_DWORD, 1)
                winreg.SetValueEx(k, "Description", 0, winreg.REG_SZ, "Tinh diem (xl_tthc)")
            n = 0
            while n < MAX_OPEN:
                value = read(OPTIONS_KEY, open_name(n))
                if value is None or "xl_tthc.xlam" in value.lower():
                    break
                n += 1
            with winreg.CreateKey(hkcu, OPTIONS_KEY) as k:
                winreg.SetValueEx(k, open_name(n), 0, winreg.REG_SZ, f'"{ADDIN}"')
        except OSError as exc:
            _say(f"Không ghi được vào sổ đăng ký Windows (HKCU): {exc}")
            return 1
        _say(f"Đã bỏ chặn {unblocked} tệp, thêm {INSTALL_DIR} vào vị trí tin cậy của Excel và bật add-in {ADDIN}.")
        _say("Mở lại Excel để thấy thẻ «Tính điểm».")
        return 0

    values = []
    n = 0
    while (value := read(OPTIONS_KEY, open_name(n))) is not None:
        values.append(value)
        n += 1
    kept = [v for v in values if "xl_tthc.xlam" not in v.lower()]
    try:
        if kept != values:
            with winreg.CreateKey(hkcu, OPTIONS_KEY) as k:
                for i, value in enumerate(kept):
                    winreg.SetValueEx(k, open_name(i), 0, winreg.REG_SZ, value)
                for i in range(len(kept), len(values)):
                    winreg.DeleteValue(k, open_name(i))
        with contextlib.suppress(FileNotFoundError):
            winreg.DeleteKey(hkcu, TRUSTED_KEY)
    except OSError as exc:
        _say(f"Không sửa được sổ đăng ký Windows (HKCU): {exc}")
        return 1
    _say(f"Đã tắt add-in xl_tthc.xlam và bỏ vị trí tin cậy {INSTALL_DIR}. Đóng Excel rồi xoá thư mục {INSTALL_DIR}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
