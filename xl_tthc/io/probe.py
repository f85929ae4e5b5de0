"""Look at a file before any spreadsheet library parses it: empty, lock file, corrupt or truncated zip,
password-protected (encrypted OOXML in an OLE container), old .xls, zip bomb, XML with a DOCTYPE/ENTITY.

Every problem becomes a Vietnamese finding; nothing here raises for bad files.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.numbers import fmt_int_vn

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # 200 MB of XML is far beyond any unit form
MAX_RATIO = 200  # a deflate ratio above this is a zip bomb, not a spreadsheet
XML_SNIFF = 4096


@dataclass(frozen=True, slots=True)
class Probe:
    path: Path
    container: str | None  # "zip" (xlsx/xlsm/ods), "xls" or None when unusable
    finding: Finding | None = None

    @property
    def ok(self) -> bool:
        return self.container is not None


def is_lock_file(path: Path) -> bool:
    return path.name.startswith("~$") or path.name.startswith(".~lock.")


def _bad(path: Path, code: Code, message: str, severity: Severity = Severity.ERROR) -> Probe:
    return Probe(path, None, Finding(code, severity, message, Location(file=str(path))))


def probe(path: Path) -> Probe:
    name = path.name
    if is_lock_file(path):
        return _bad(path, Code.FILE_LOCK, f"Bỏ qua tệp khóa tạm của Excel/LibreOffice «{name}».", Severity.INFO)
    if path.suffix.lower() not in SUFFIXES:
        return _bad(
            path,
            Code.FILE_UNSUPPORTED,
            f"Tệp «{name}» không phải bảng tính Excel/LibreOffice (.xlsx, .xlsm, .xls, .ods).",
            Severity.INFO,
        )
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        return _bad(path, Code.FILE_CORRUPT, f"Không mở được tệp «{name}» ({exc.strerror or exc.__class__.__name__}).")
    if size == 0:
        return _bad(path, Code.FILE_EMPTY, f"Tệp «{name}» rỗng (0 byte): đề nghị đơn vị gửi lại.")
    if head.startswith(OLE_MAGIC):
        return _probe_ole(path)
    if head.startswith(ZIP_MAGIC):
        return _probe_zip(path)
    return _bad(
        path, Code.FILE_CORRUPT, f"Tệp «{name}» bị hỏng hoặc không phải bảng tính (phần đầu tệp không đúng định dạng)."
    )


def _probe_ole(path: Path) -> Probe:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(s) for s in ole.listdir()}
    except OSError:
        return _bad(path, Code.FILE_CORRUPT, f"Tệp «{path.name}» bị hỏng (cấu trúc OLE không đọc được).")
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return _bad(
            path,
            Code.FILE_ENCRYPTED,
            f"Tệp «{path.name}» có đặt mật khẩu mở tệp: đề nghị đơn vị gỡ mật khẩu rồi gửi lại.",
        )
    if "Workbook" in streams or "Book" in streams:
        return Probe(path, "xls")
    return _bad(path, Code.FILE_UNSUPPORTED, f"Tệp «{path.name}» là tài liệu Office nhưng không phải bảng tính Excel.")


def _probe_zip(path: Path) -> Probe:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
                return _bad(
                    path,
                    Code.FILE_TOO_LARGE,
                    f"Tệp «{path.name}» giải nén ra {fmt_int_vn(total // (1024 * 1024))} MB (nén {fmt_int_vn(total // packed)} lần): "
                    "nghi là tệp độc hại (zip bomb), không đọc.",
                )
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names and "content.xml" not in names:
                return _bad(path, Code.FILE_UNSUPPORTED, f"Tệp «{path.name}» là tệp nén nhưng không phải bảng tính.")
            for info in infos:
                if info.filename.endswith((".xml", ".rels")) and info.file_size:
                    with zf.open(info) as fh:
                        head = fh.read(XML_SNIFF)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        return _bad(
                            path,
                            Code.FILE_UNSAFE_XML,
                            f"Tệp «{path.name}» chứa khai báo DOCTYPE/ENTITY trong {info.filename} (có thể là tấn công XXE): không đọc.",
                        )
    except zipfile.BadZipFile:
        return _bad(
            path, Code.FILE_CORRUPT, f"Tệp «{path.name}» bị hỏng hoặc tải về chưa hết (tệp nén không đọc được)."
        )
    except (OSError, EOFError, RuntimeError, ValueError, NotImplementedError, zlib.error) as exc:
        return _bad(path, Code.FILE_CORRUPT, f"Tệp «{path.name}» bị hỏng ({exc.__class__.__name__}).")
    return Probe(path, "zip")
