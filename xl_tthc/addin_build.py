"""Build the Excel add-in ``xl_tthc.xlam`` reproducibly, on any OS and without Excel.

The add-in starts from the ribbon add-in shipped inside the pinned xlwings wheel
(``xlwings/quickstart_addin_ribbon.xlam``: its ``vbaProject.bin`` holds the xlwings VBA of exactly that
release, with the DLL name ``xlwings64-<version>.dll`` baked in). On top of it the build

- replaces ``customUI/customUI.xml`` with our Vietnamese ribbon (``macros/customUI.xml``);
- activates the config sheet (``_myaddin.conf`` -> ``myaddin.conf``) and fills it from
  ``macros/addin_config.json`` (ASCII values only: the xlwings VBA passes them through ANSI APIs);
- drops developer metadata (the ``absPath`` of the xlwings author's machine, author names in core.xml);
- writes the zip deterministically: ``[Content_Types].xml`` first, then the other parts sorted by name,
  timestamps 1980-01-01 00:00, deflate level 9, fixed MS-DOS attributes. Two builds are byte-identical.

The stock ribbon callback ``RibbonMyAddin.RunMain`` runs ``import <add-in base name>;
<add-in base name>.main()``, so the file must be called ``xl_tthc.xlam`` and must not be renamed.
Only the standard library is used here (plus ``xl_tthc.io.atomic``); lxml-based schema validation lives
in the tests.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from xl_tthc import __version__
from xl_tthc.io.atomic import atomic_write_bytes

CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STOCK_ADDIN = "quickstart_addin_ribbon.xlam"
STOCK_CONF_SHEET = "_myaddin.conf"
ACTIVE_CONF_SHEET = "myaddin.conf"
CUSTOMUI_PART = "customUI/customUI.xml"
WORKBOOK_PART = "xl/workbook.xml"
CONF_SHEET_PART = "xl/worksheets/sheet1.xml"
SHARED_STRINGS_PART = "xl/sharedStrings.xml"
CORE_PART = "docProps/core.xml"
VBA_PART = "xl/vbaProject.bin"
CONTENT_TYPES_PART = "[Content_Types].xml"

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 9
ZIP_ATTR = 0x20  # the DOS "archive" bit; zipfile would put its own default over a 0

DEFAULT_MACROS_DIR = Path(__file__).resolve().parent.parent / "macros"
RIBBON_FILE = "customUI.xml"
CONFIG_FILE = "addin_config.json"


class AddinBuildError(Exception):
    """The add-in cannot be built (missing or invalid input). The message is Vietnamese."""


@dataclass(frozen=True, slots=True)
class AddinConfig:
    addin_file: str
    sheet: dict[str, str | bool]


def load_config(path: Path) -> AddinConfig:
    """Read ``addin_config.json`` and check what the VBA side needs (ASCII, a valid add-in name)."""
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AddinBuildError(f"Không đọc được tệp cấu hình add-in {path}: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("sheet"), dict):
        raise AddinBuildError(f"Tệp cấu hình add-in {path} phải có mục «sheet» là một đối tượng JSON.")
    name = raw.get("addin_file", "xl_tthc.xlam")
    if not isinstance(name, str) or not name.endswith(".xlam"):
        raise AddinBuildError(f"Tên tệp add-in «{name}» phải có đuôi .xlam.")
    stem = name[: -len(".xlam")]
    if not (stem.isascii() and stem.isidentifier()):
        raise AddinBuildError(
            f"Tên tệp add-in «{name}» phải là tên mô-đun Python chỉ gồm chữ ASCII: nút trên ribbon chạy "
            f"«import {stem}»."
        )
    sheet: dict[str, str | bool] = {}
    for key, value in raw["sheet"].items():
        if isinstance(value, bool):
            sheet[key] = value
        elif isinstance(value, str):
            if not value.isascii():
                raise AddinBuildError(
                    f"Giá trị cấu hình «{key}» = «{value}» có ký tự không phải ASCII; VBA của xlwings đọc đường dẫn "
                    "bằng bảng mã ANSI nên chỉ dùng đường dẫn không dấu (ví dụ C:\\TinhDiem\\...)."
                )
            sheet[key] = value
        else:
            raise AddinBuildError(f"Giá trị cấu hình «{key}» phải là chuỗi hoặc true/false.")
    return AddinConfig(addin_file=name, sheet=sheet)


def stock_addin_bytes() -> bytes:
    """The ribbon add-in shipped with the installed xlwings (not committed to this repository)."""
    try:
        return resources.files("xlwings").joinpath(STOCK_ADDIN).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise AddinBuildError(f"Không tìm thấy {STOCK_ADDIN} trong gói xlwings đã cài: {exc}") from None


def read_ribbon(path: Path) -> bytes:
    """The ribbon XML with LF line ends (a Windows checkout may have CRLF); checked to be a customUI part."""
    try:
        data = path.read_bytes().replace(b"\r\n", b"\n")
    except OSError as exc:
        raise AddinBuildError(f"Không đọc được tệp ribbon {path}: {exc}") from None
    try:
        root = ET.fromstring(data)  # noqa: S314 - our own repository file
    except ET.ParseError as exc:
        raise AddinBuildError(f"Tệp ribbon {path} không phải XML hợp lệ: {exc}") from None
    if root.tag != f"{{{CUSTOMUI_NS}}}customUI":
        raise AddinBuildError(f"Tệp ribbon {path} phải có phần tử gốc customUI thuộc không gian tên {CUSTOMUI_NS}.")
    return data


def _sub_checked(pattern: str, repl: Callable[[re.Match[str]], str], text: str, what: str, flags: int = 0) -> str:
    """Replace exactly one match (a function replacement, so Windows backslashes stay literal)."""
    new, n = re.subn(pattern, repl, text, flags=flags)
    if n != 1:
        raise AddinBuildError(f"Add-in gốc của xlwings khác dự kiến: không tìm thấy đúng một chỗ {what}.")
    return new


def patch_workbook(xml: str) -> str:
    """Activate the config sheet and drop the xlwings author's absolute path."""
    xml = _sub_checked(
        rf'(<sheet\b[^>]*\bname="){re.escape(STOCK_CONF_SHEET)}"',
        lambda m: f'{m.group(1)}{ACTIVE_CONF_SHEET}"',
        xml,
        f"trang cấu hình «{STOCK_CONF_SHEET}»",
    )
    xml = re.sub(
        r"<mc:AlternateContent\b(?:(?!</mc:AlternateContent>).)*?absPath.*?</mc:AlternateContent>", "", xml, flags=re.S
    )
    if "absPath" in xml:
        raise AddinBuildError("Không xoá được đường dẫn absPath trong xl/workbook.xml.")
    return xml


def _shared_strings(xml: bytes) -> list[str]:
    root = ET.fromstring(xml)  # noqa: S314 - a part of the add-in shipped in the xlwings wheel
    return ["".join(t.text or "" for t in si.iter(f"{{{SHEET_NS}}}t")) for si in root.findall(f"{{{SHEET_NS}}}si")]


def conf_keys(sheet_xml: bytes, shared_xml: bytes) -> list[tuple[str, int]]:
    """The keys in column A of the stock config sheet, in row order, with their shared-string index."""
    strings = _shared_strings(shared_xml)
    keys: list[tuple[str, int]] = []
    sheet = ET.fromstring(sheet_xml)  # noqa: S314 - a part of the add-in shipped in the xlwings wheel
    for row in sheet.iter(f"{{{SHEET_NS}}}row"):
        for c in row.findall(f"{{{SHEET_NS}}}c"):
            if c.get("r", "").startswith("A") and c.get("t") == "s":
                v = c.find(f"{{{SHEET_NS}}}v")
                if v is not None and v.text is not None:
                    idx = int(v.text)
                    keys.append((strings[idx], idx))
    return keys


def patch_conf_sheet(sheet_xml: bytes, shared_xml: bytes, values: dict[str, str | bool]) -> str:
    """Rewrite the config sheet's rows: key in A (shared string as in the stock file), value in B."""
    keys = conf_keys(sheet_xml, shared_xml)
    known = {k for k, _ in keys}
    unknown = sorted(set(values) - known)
    if unknown:
        raise AddinBuildError(
            "Khoá cấu hình không có trong trang cấu hình của xlwings: "
            + ", ".join(unknown)
            + ". Các khoá hợp lệ: "
            + ", ".join(k for k, _ in keys)
            + "."
        )
    rows = []
    for r, (key, idx) in enumerate(keys, start=1):
        cells = f'<c r="A{r}" s="1" t="s"><v>{idx}</v></c>'
        value = values.get(key, "")
        if isinstance(value, bool):
            cells += f'<c r="B{r}" s="1" t="b"><v>{int(value)}</v></c>'
        elif value:
            cells += f'<c r="B{r}" s="1" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        rows.append(f'<row r="{r}" spans="1:2">{cells}</row>')
    text = sheet_xml.decode("utf-8")
    data = "<sheetData>" + "".join(rows) + "</sheetData>"
    text = _sub_checked(r"<sheetData>.*?</sheetData>", lambda _m: data, text, "sheetData", re.S)
    dim = f'<dimension ref="A1:B{len(keys)}" />'
    return _sub_checked(r'<dimension ref="[^"]*"\s*/>', lambda _m: dim, text, "dimension")


def core_properties(xlwings_version: str) -> str:
    """Fixed document properties: no author names, no dates (both would differ between builds)."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:title>Tính điểm (xl_tthc)</dc:title>"
        "<dc:creator>xl_tthc</dc:creator>"
        f"<dc:description>xl_tthc {__version__}; xlwings {xlwings_version}</dc:description>"
        "</cp:coreProperties>"
    )


def deterministic_zip(parts: dict[str, bytes]) -> bytes:
    """Zip the parts with fixed order, dates, attributes and compression."""
    order = sorted(parts, key=lambda n: (n != CONTENT_TYPES_PART, n))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # MS-DOS/Windows, whatever OS builds it
            info.external_attr = ZIP_ATTR
            zf.writestr(info, parts[name], compresslevel=ZIP_LEVEL)
    return buf.getvalue()


def addin_parts(macros_dir: Path = DEFAULT_MACROS_DIR, vba_project: Path | None = None) -> tuple[str, dict[str, bytes]]:
    """The add-in file name and its parts, ready to be zipped."""
    config = load_config(macros_dir / CONFIG_FILE)
    ribbon = read_ribbon(macros_dir / RIBBON_FILE)
    with zipfile.ZipFile(io.BytesIO(stock_addin_bytes())) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    for needed in (CUSTOMUI_PART, WORKBOOK_PART, CONF_SHEET_PART, SHARED_STRINGS_PART, CORE_PART, VBA_PART):
        if needed not in parts:
            raise AddinBuildError(f"Add-in gốc của xlwings thiếu phần {needed}.")
    parts[CUSTOMUI_PART] = ribbon
    parts[WORKBOOK_PART] = patch_workbook(parts[WORKBOOK_PART].decode("utf-8")).encode("utf-8")
    parts[CONF_SHEET_PART] = patch_conf_sheet(parts[CONF_SHEET_PART], parts[SHARED_STRINGS_PART], config.sheet).encode(
        "utf-8"
    )
    parts[CORE_PART] = core_properties(metadata.version("xlwings")).encode("utf-8")
    if vba_project is not None:
        # A vbaProject.bin made once in Excel on Windows (e.g. with the UDF wrappers imported).
        try:
            parts[VBA_PART] = Path(vba_project).read_bytes()
        except OSError as exc:
            raise AddinBuildError(f"Không đọc được tệp VBA {vba_project}: {exc}") from None
    return config.addin_file, parts


def build_addin(out_dir: Path, *, macros_dir: Path = DEFAULT_MACROS_DIR, vba_project: Path | None = None) -> Path:
    """Write ``<out_dir>/xl_tthc.xlam`` (atomically) and return its path."""
    name, parts = addin_parts(Path(macros_dir), vba_project)
    target = Path(out_dir) / name
    atomic_write_bytes(target, deterministic_zip(parts))
    target.chmod(0o644)  # the atomic temp file is created 0600
    return target


__all__ = ["AddinBuildError", "build_addin"]
