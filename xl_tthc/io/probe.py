"""Look at a file before any spreadsheet library parses it: empty, lock file, corrupt or truncated zip,
password-protected (encrypted OOXML in an OLE container), old .xls, zip bomb, XML with a DOCTYPE/ENTITY.

Every problem becomes a Vietnamese finding; nothing here raises for bad files.

Only regular files are opened (:func:`open_regular`): a FIFO, a device, a socket, or a symlink to one of them (or, with
``root``, a symlink that leads out of the folder) is a finding and is never read, so nothing blocks on a FIFO and a
symlink to /dev/zero is not read until memory runs out. A file larger than :data:`MAX_FILE_BYTES` is not read either.

The file is read from disk once: a spreadsheet of up to :data:`READ_WHOLE_MAX` bytes is read whole, its zip
directory parsed from those bytes, the head of every XML part inflated straight from the raw member data, and the
bytes are handed on in :attr:`Probe.data` so that the reader does not open the file again.
"""

from __future__ import annotations

import html
import io
import os
import re
import stat
import zipfile
import zlib
from dataclasses import field
from pathlib import Path
from struct import Struct

from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.numbers import fmt_int_vn
from xl_tthc.core.records import record

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # 200 MB of XML is far beyond any unit form
MAX_RATIO = 200  # a deflate ratio above this is a zip bomb, not a spreadsheet
XML_SNIFF = 512  # the prolog of an OOXML part is about a hundred bytes
READ_WHOLE_MAX = 32 * 1024 * 1024  # larger files are probed through the file (not held in memory)
MAX_FILE_BYTES = 256 * 1024 * 1024  # no unit form comes near; checked before a byte is read
_O_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_O_FLAGS |= getattr(os, "O_BINARY", 0)

_LOCAL = Struct("<4s22xHH")  # local file header: signature, …, file name length, extra field length
_LOCAL_SIZE = 30
STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
# python-calamine builds each sheet as one dense block from its first to its last cell and aborts the whole process
# (a Rust allocation failure, not an exception) when that block does not fit in memory: one value at XFD200000 of a
# 10 KB file asks for 100 GB. Sheets whose block would exceed this many cells are refused before calamine sees them.
MAX_DENSE_CELLS = 4_000_000  # 32 bytes a cell: 128 MB; the readers refuse sheets over 2.000.000 cells anyway
# a cell with a value, an inline string or a formula (calamine leaves out cells that only carry a format)
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]{1,3})([0-9]{1,7})\"[^>]*(?<!/)>\s*<(?:\w+:)?(?:v|is|f)\b")
_SCAN_CHUNK = 1 << 20
KEEP_PART = 4 * 1024 * 1024  # a worksheet part up to this size is inflated whole by the probe and handed on
_ANY_REF = re.compile(rb'r="([A-Z]{1,3})([0-9]{1,7})"')  # a superset of _CELL_REF's cells: a quick upper bound
_PAST_ZZ999 = re.compile(rb'r="(?:[A-Z]{1,3}[0-9]{4,7}|[A-Z]{3}[0-9]{1,7})"')  # a row ≥ 1000 or a column ≥ AAA
_ELEMENT = re.compile(rb"<[A-Za-z_:]")  # the start of an element: the prolog (and any DOCTYPE) is over


@record(frozen=True)
class Probe:
    path: Path
    container: str | None  # "zip" (xlsx/xlsm/ods), "xls" or None when unusable
    finding: Finding | None = None
    data: bytes | None = field(default=None, repr=False, compare=False)  # the whole file, when it was read whole
    strict: bool = False  # Strict Open XML (ISO 29500 strict namespaces): openpyxl sees no worksheet in it
    # {sheet name: worksheet XML} of the parts inflated whole to bound their cells, handed to the checks that read
    # the sheet XML after python-calamine (cell states, formulas) so that they do not inflate them again
    sheets_xml: dict[str, bytes] | None = field(default=None, repr=False, compare=False)
    # sheets left out because a cell lies too far (see :data:`MAX_DENSE_CELLS`) while another sheet holds data:
    # (sheet name, the farthest cell, rows, columns). The reader never builds them (python-calamine would abort)
    far_sheets: tuple[tuple[str, str, int, int], ...] = ()

    @property
    def ok(self) -> bool:
        return self.container is not None

    @property
    def skip(self) -> frozenset[str]:
        """The names of the sheets no reader may build (:attr:`far_sheets`)."""
        return frozenset(f[0] for f in self.far_sheets)


def is_lock_name(name: str) -> bool:
    return name.startswith(("~$", ".~lock."))


def is_lock_file(path: Path) -> bool:
    return is_lock_name(path.name)


def _bad(path: Path, code: Code, message: str, severity: Severity = Severity.ERROR) -> Probe:
    return Probe(path, None, Finding(code, severity, message, Location(file=str(path))))


_KIND_VI = (
    (stat.S_ISFIFO, "một đường ống (FIFO)"),
    (stat.S_ISCHR, "một thiết bị"),
    (stat.S_ISBLK, "một thiết bị khối"),
    (stat.S_ISSOCK, "một socket"),
    (stat.S_ISDIR, "một thư mục"),
)


def _kind_vi(mode: int) -> str:
    return next((text for test, text in _KIND_VI if test(mode)), "không phải tệp thông thường")


class NotRegularFile(OSError):
    """``path`` is not a regular file that may be read (the message is Vietnamese, naming the file)."""

    def __init__(self, message: str, code: Code = Code.FILE_UNSUPPORTED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def open_regular(
    path: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None, max_bytes: int | None = MAX_FILE_BYTES
) -> tuple[int, os.stat_result]:
    """Open ``path`` for reading only when it is a regular file; return (file descriptor, its stat).

    Looks before it opens (``os.stat``: a device is never opened), then opens with ``O_NONBLOCK`` (a FIFO swapped in
    meanwhile does not block) and checks the opened file again (``fstat``). With ``root``, a symlink whose target lies
    outside ``root`` is refused. Raises :class:`NotRegularFile` (Vietnamese message) or ``OSError`` (missing,
    permission); the caller closes the descriptor.
    """
    name = os.path.basename(os.fspath(path))
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        link = " (qua liên kết symlink)" if os.path.islink(path) else ""
        raise NotRegularFile(
            f"«{name}» là {_kind_vi(st.st_mode)}{link}, không phải tệp dữ liệu thông thường: không đọc."
        )
    if root is not None and os.path.islink(path):
        target = os.path.realpath(path)
        if not _inside(target, os.path.realpath(root)):
            raise NotRegularFile(f"Tệp «{name}» là liên kết (symlink) trỏ ra ngoài thư mục đang xét: không đọc.")
    fd = os.open(path, _O_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"«{name}» là {_kind_vi(st.st_mode)}, không phải tệp dữ liệu thông thường: không đọc.")
        if max_bytes is not None and st.st_size > max_bytes:
            raise NotRegularFile(
                f"Tệp «{name}» quá lớn ({fmt_int_vn(st.st_size // (1024 * 1024))} MB; giới hạn "
                f"{fmt_int_vn(max_bytes // (1024 * 1024))} MB): không đọc.",
                Code.FILE_TOO_LARGE,
            )
        if hasattr(os, "set_blocking") and os.name != "nt":
            # Windows has no O_NONBLOCK; its set_blocking (Python 3.12+) is for pipes and fails on a file
            # ("Invalid function")
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_regular(
    path: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None, max_bytes: int | None = MAX_FILE_BYTES
) -> bytes:
    """The bytes of a regular file (see :func:`open_regular`), read at most ``max_bytes`` (+1 to see a file grow)."""
    fd, _st = open_regular(path, root=root, max_bytes=max_bytes)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        name = os.path.basename(os.fspath(path))
        raise NotRegularFile(
            f"Tệp «{name}» quá lớn (giới hạn {fmt_int_vn(max_bytes // (1024 * 1024))} MB): không đọc.",
            Code.FILE_TOO_LARGE,
        )
    return data


def check_entry(path: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None) -> Finding | None:
    """For a folder walk: a finding when ``path`` is not a regular file to read (nothing is read, nothing blocks)."""
    try:
        fd, _st = open_regular(path, root=root, max_bytes=MAX_FILE_BYTES)
    except NotRegularFile as exc:
        return Finding(exc.code, Severity.ERROR, exc.message, Location(file=os.fspath(path)))
    except OSError as exc:
        name = os.path.basename(os.fspath(path))
        return Finding(
            Code.FILE_CORRUPT,
            Severity.ERROR,
            f"Không mở được tệp «{name}» ({exc.strerror or exc.__class__.__name__}).",
            Location(file=os.fspath(path)),
        )
    os.close(fd)
    return None


def probe(path: Path, *, root: str | os.PathLike[str] | None = None) -> Probe:
    """Look at ``path`` (see the module docstring). ``root``: the folder being walked; a symlink leading out of it is
    a finding, not a read."""
    path = Path(path)
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
    data: bytes | None = None
    try:
        fd, _st = open_regular(path, root=root)
    except NotRegularFile as exc:
        return _bad(path, exc.code, exc.message)
    except OSError as exc:
        return _bad(path, Code.FILE_CORRUPT, f"Không mở được tệp «{name}» ({exc.strerror or exc.__class__.__name__}).")
    try:
        with os.fdopen(fd, "rb") as fh:
            size = fh.seek(0, io.SEEK_END)
            fh.seek(0)
            if size <= READ_WHOLE_MAX:
                data = fh.read()
                size = len(data)
                head = data[:8]
            else:
                head = fh.read(8)
    except OSError as exc:
        return _bad(path, Code.FILE_CORRUPT, f"Không mở được tệp «{name}» ({exc.strerror or exc.__class__.__name__}).")
    if size == 0:
        return _bad(path, Code.FILE_EMPTY, f"Tệp «{name}» rỗng (0 byte): đề nghị đơn vị gửi lại.")
    if head.startswith(OLE_MAGIC):
        pr = _probe_ole(path)
    elif head.startswith(ZIP_MAGIC):
        pr = _probe_zip(path, data)
    else:
        return _bad(
            path,
            Code.FILE_CORRUPT,
            f"Tệp «{name}» bị hỏng hoặc không phải bảng tính (phần đầu tệp không đúng định dạng).",
        )
    if pr.ok and data is not None:
        return Probe(
            path, pr.container, data=data, strict=pr.strict, sheets_xml=pr.sheets_xml, far_sheets=pr.far_sheets
        )
    return pr


def _probe_ole(path: Path) -> Probe:
    import olefile

    far = None
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(s) for s in ole.listdir()}
            book = "Workbook" if "Workbook" in streams else "Book" if "Book" in streams else None
            if book is not None and "EncryptionInfo" not in streams:
                # python-calamine builds every sheet of a .xls when it opens the file: one too far refuses it
                far = _xls_too_far(ole.openstream(book).read())
    except OSError:
        return _bad(path, Code.FILE_CORRUPT, f"Tệp «{path.name}» bị hỏng (cấu trúc OLE không đọc được).")
    if far is not None:
        return refuse_far(path, *far)
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return _bad(
            path,
            Code.FILE_ENCRYPTED,
            f"Tệp «{path.name}» có đặt mật khẩu mở tệp: đề nghị đơn vị gỡ mật khẩu rồi gửi lại.",
        )
    if "Workbook" in streams or "Book" in streams:
        return Probe(path, "xls")
    return _bad(path, Code.FILE_UNSUPPORTED, f"Tệp «{path.name}» là tài liệu Office nhưng không phải bảng tính Excel.")


def _xml_head(zf: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes | None) -> bytes:
    """The head of a member, long enough to hold its prolog: :data:`XML_SNIFF` bytes, eight times more while no
    element has started yet (a DOCTYPE can only stand before the first element).

    With the file's bytes at hand, a plain stored or deflated member is inflated straight from its raw data (its
    local header checked, its CRC checked when the whole member was inflated); anything unusual (encryption, other
    compression methods, a header that does not match the directory, a broken stream, a bad CRC) goes through
    zipfile, which reads the same lengths and raises exactly as before.
    """
    if (
        data is not None
        and not info.flag_bits & 0x1
        and info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
    ):
        try:
            off = info.header_offset
            magic, n_name, n_extra = _LOCAL.unpack_from(data, off)
            start = off + _LOCAL_SIZE + n_name + n_extra
            end = start + info.compress_size
            local_name = data[off + _LOCAL_SIZE : off + _LOCAL_SIZE + n_name]
            names_match = local_name == info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
            if magic == ZIP_MAGIC and names_match and end <= len(data):
                raw = memoryview(data)[start:end]
                if info.compress_type == zipfile.ZIP_STORED:
                    n = XML_SNIFF
                    head = bytes(raw[:n])
                    while len(head) < len(raw) and not _ELEMENT.search(head):
                        n *= 8
                        head = bytes(raw[:n])
                    whole = len(head) == len(raw)
                else:
                    d = zlib.decompressobj(-15)
                    head = d.decompress(raw, XML_SNIFF)
                    while not d.eof and not _ELEMENT.search(head):
                        more = d.decompress(d.unconsumed_tail, 7 * len(head))
                        if not more:
                            break
                        head += more
                    whole = d.eof
                if not whole and len(head) < info.file_size and _ELEMENT.search(head):
                    return head  # the prolog of a longer part: zipfile would not have reached its end either
                if whole and len(head) == info.file_size and zlib.crc32(head) == info.CRC:
                    return head
        except (zlib.error, ValueError, UnicodeError, OverflowError):
            pass  # zipfile below says what is wrong
    with zf.open(info) as fh:
        head = fh.read(XML_SNIFF)
        while not _ELEMENT.search(head):
            more = fh.read(7 * len(head))
            if not more:
                break
            head += more
        return head


def refuse_far(path: Path, sheet: str, ref: str, rows: int, cols: int) -> Probe:
    """The file refused for a sheet whose cell lies too far (see :data:`MAX_DENSE_CELLS`)."""
    return Probe(
        path,
        None,
        Finding(
            Code.SHEET_TOO_LARGE,
            Severity.ERROR,
            f"Trang «{sheet}» có ô dữ liệu ở {ref} ({fmt_int_vn(rows)} dòng × {fmt_int_vn(cols)} cột): quá lớn, "
            "không đọc tệp này (thường do một ô sót ở rất xa). Xóa các dòng, cột thừa rồi gửi lại.",
            Location(file=str(path), sheet=sheet),
            value=[rows, cols],
        ),
    )


def far_sheet_finding(file: str, sheet: str, ref: str, rows: int, cols: int, *, alone: bool = False) -> Finding:
    """The finding of a sheet left out for a cell too far away (:attr:`Probe.far_sheets`): a warning while other
    sheets are read and scored; ``alone``: an error, nothing else in the file could be scored."""
    head = (
        f"Tệp «{Path(file).name}», trang tính «{sheet}» có ô dữ liệu ở {ref} ({fmt_int_vn(rows)} dòng × "
        f"{fmt_int_vn(cols)} cột tính từ ô A1), quá xa so với giới hạn {fmt_int_vn(MAX_DENSE_CELLS)} ô của một trang"
    )
    tail = (
        ": bỏ qua trang này, các trang khác không có bảng chấm điểm nào. Thường do một ô sót ở rất xa: xóa các dòng, "
        "cột thừa rồi gửi lại."
        if alone
        else "; bỏ qua trang này, các trang khác vẫn được đọc và tính điểm. Nếu trang này có số liệu cần tính, xóa "
        "các dòng, cột thừa (thường do một ô sót ở rất xa) rồi gửi lại."
    )
    return Finding(
        Code.SHEET_TOO_LARGE,
        Severity.ERROR if alone else Severity.WARNING,
        head + tail,
        Location(file=file, sheet=sheet, cell=ref),
        value=[rows, cols],
    )


_BIFF_CELLS = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x0006, 0x0205, 0x00D6, 0x00BD})  # cells holding a value
_BIFF_BOF, _BIFF_BOUNDSHEET = 0x0809, 0x0085


def _a1(row0: int, col0: int) -> str:
    letters, n = "", col0 + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row0 + 1}"


def _xls_too_far(stream: bytes) -> tuple[str, str, int, int] | None:
    """:func:`_too_far` for a BIFF8 workbook stream: the record of every cell holding a value gives its row and column
    (a .xls sheet is at most 65.536 × 256, which python-calamine would still build as one block of a gigabyte)."""
    names: dict[int, str] = {}
    pos, n = 0, len(stream)
    sheet: str | None = None
    rows = cols = 0
    far = ""

    def verdict() -> tuple[str, str, int, int] | None:
        return (sheet or "?", far, rows, cols) if rows * cols > MAX_DENSE_CELLS else None

    while pos + 4 <= n:
        rtype, size = stream[pos] | stream[pos + 1] << 8, stream[pos + 2] | stream[pos + 3] << 8
        body = stream[pos + 4 : pos + 4 + size]
        if rtype == _BIFF_BOUNDSHEET and len(body) >= 8:
            cch, flags = body[6], body[7]
            raw = body[8 : 8 + (cch * 2 if flags & 1 else cch)]
            names[int.from_bytes(body[0:4], "little")] = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
        elif rtype == _BIFF_BOF:
            hit = verdict()
            if hit is not None:
                return hit
            sheet, rows, cols, far = names.get(pos), 0, 0, ""
        elif rtype in _BIFF_CELLS and len(body) >= 6 and sheet is not None:
            r, c = body[0] | body[1] << 8, body[2] | body[3] << 8
            if rtype == 0x00BD:  # MULRK: the last column ends the record
                c = body[-2] | body[-1] << 8
            if r + 1 > rows or c + 1 > cols:
                rows, cols = max(rows, r + 1), max(cols, c + 1)
                far = _a1(r, c)
        pos += 4 + size
    return verdict()


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet name, through xl/workbook.xml and its relationships (empty when they cannot be read)."""
    import html

    try:
        wb = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error, RuntimeError, ValueError, NotImplementedError):
        return {}
    targets = {}
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*)/?>", rels):
        a = dict(re.findall(rb'([\w:]+)="([^"]*)"', m.group(1)))
        t = a.get(b"Target", b"").decode("utf-8", "replace")
        targets[a.get(b"Id", b"")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    out = {}
    for m in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)/?>", wb):
        a = dict(re.findall(rb'([\w:]+)="([^"]*)"', m.group(1)))
        rid = next((v for k, v in a.items() if k.endswith(b":id")), None)
        if rid in targets:
            out[targets[rid]] = html.unescape(a.get(b"name", b"").decode("utf-8", "replace"))
    return out


def _too_far(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], kept: dict[str, bytes] | None = None
) -> tuple[list[tuple[str, str, int, int]], bool]:
    """The worksheets whose cells span more than :data:`MAX_DENSE_CELLS` (from A1 to their farthest row and column),
    each as (sheet name, the farthest cell, rows, columns), in the order of the parts; and whether they may be left
    out while the others are read: every one of them is named in the workbook and another worksheet holds a cell.

    Every cell reference of every worksheet part is looked at (a file is bounded by :data:`MAX_UNCOMPRESSED`), read a
    chunk at a time; a cell without a reference is placed by calamine after the previous one, within the part's size.
    ``kept``: the parts of at most :data:`KEEP_PART` bytes are read whole and put there (part name → XML); a part
    found too far is not kept.
    """
    far_parts: list[tuple[str, str, int, int]] = []
    within: list[zipfile.ZipInfo] = []
    for info in infos:
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")) or not info.file_size:
            continue
        if kept is not None and info.file_size <= KEEP_PART:
            xml = kept[info.filename] = zf.read(info)
            rows, cols = _bound(xml, 0, 0)
        else:
            rows, cols, _ = _extent(zf, info, exact=False)
        if rows * cols <= MAX_DENSE_CELLS:
            within.append(info)
            continue  # the quick upper bound settles it
        rows, cols, far = _extent(zf, info, exact=True)
        if rows * cols > MAX_DENSE_CELLS:
            far_parts.append((info.filename, far, rows, cols))
            if kept is not None:
                kept.pop(info.filename, None)
        else:
            within.append(info)
    if not far_parts:
        return [], False
    names = _sheet_names(zf)
    found = [(names.get(part, part), far, rows, cols) for part, far, rows, cols in far_parts]
    if any(part not in names for part, *_ in far_parts):
        return found, False  # a sheet that cannot be named cannot be left out by name: the file is refused
    return found, any(_holds_cell(zf, info, kept) for info in within)


def _holds_cell(zf: zipfile.ZipFile, info: zipfile.ZipInfo, kept: dict[str, bytes] | None) -> bool:
    """A worksheet part has a cell holding a value, an inline string or a formula (looked at only when another sheet
    is too far: whether the file still has something to read)."""
    xml = kept.get(info.filename) if kept is not None else None
    if xml is not None:
        return _CELL_REF.search(xml) is not None
    return _extent(zf, info, exact=True)[0] > 0


def _extent(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, exact: bool) -> tuple[int, int, str]:
    """The farthest row and column of a worksheet part's cells that hold something, and the reference at which the
    last of the two was reached; or, without ``exact``, an upper bound of the two (every r="A1"-like attribute, empty
    cells included, found by a literal-prefix scan of the regex engine: a Python step per cell and the exact
    pattern cost about as much as reading the file with python-calamine). Within bounds the bound settles it."""
    rows = cols = 0
    far = ""
    with zf.open(info) as fh:
        carry = b""
        while True:
            chunk = fh.read(_SCAN_CHUNK)
            if not chunk:
                break
            text = carry + chunk
            if exact:
                for m in _CELL_REF.finditer(text):
                    r, c = int(m.group(2)), _col_index(m.group(1))
                    if r > rows or c > cols:
                        rows, cols = max(rows, r), max(cols, c)
                        far = (m.group(1) + m.group(2)).decode("ascii")
            else:
                rows, cols = _bound(text, rows, cols)
            cut = text.rfind(b"<")
            carry = text[cut:] if cut >= 0 and len(text) - cut < 4096 else b""
    return rows, cols, far


def _bound(text: bytes, rows: int, cols: int) -> tuple[int, int]:
    """(rows, cols) raised to the farthest r="A1"-like reference in ``text`` (a quick upper bound of the extent).

    Most sheets have no reference past column ZZ and row 999 (702 × 999 cells, well within the bound): one search
    says so, and (999, 702) stands for the extent, without a list of every reference."""
    if _PAST_ZZ999.search(text) is None:
        return max(rows, 999), max(cols, 702)
    found = _ANY_REF.findall(text)
    if found:
        letters, digits = zip(*found, strict=True)
        rows = max(rows, max(map(int, digits)))
        cols = max(cols, max(map(_col_index, set(letters))))
    return rows, cols


_ODS_TOKEN = re.compile(
    rb"<table:table(?=[\s>])([^>]*)>|<table:table-row(?=[\s/>])([^>]*?)(/?)>|</table:table-row>"
    rb"|<table:(?:covered-)?table-cell(?=[\s/>])([^>]*?)(/?)>"
)
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="([0-9]+)"')
_ODS_COLS = re.compile(rb'table:number-columns-repeated="([0-9]+)"')
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')


def _ods_too_far(zf: zipfile.ZipFile) -> tuple[str, str, int, int] | None:
    """The first table of an .ods whose cells holding something span more than :data:`MAX_DENSE_CELLS`, counting the
    repetitions LibreOffice writes (``number-rows-repeated``, ``number-columns-repeated``): an 815-byte file can
    make python-calamine build 90 million cells and abort the process. (sheet, farthest cell, rows, columns)."""
    try:
        xml = zf.read("content.xml")
    except KeyError:
        return None
    name, rows, cols, row_at = "", 0, 0, 0
    row_repeat, row_has, col_at = 1, False, 0

    def end_row() -> None:
        nonlocal rows, row_at
        row_at += row_repeat
        if row_has:
            rows = max(rows, row_at)

    for m in _ODS_TOKEN.finditer(xml):
        table, row_attrs, row_closed, cell_attrs, cell_closed = m.groups()
        if table is not None:
            if rows * cols > MAX_DENSE_CELLS:
                break
            n = _ODS_NAME.search(table)
            name = html.unescape(n.group(1).decode("utf-8", "replace")) if n else ""
            rows = cols = row_at = 0
        elif row_attrs is not None:
            r = _ODS_ROWS.search(row_attrs)
            row_repeat, row_has, col_at = (int(r.group(1)) if r else 1), False, 0
            if row_closed:
                end_row()
        elif cell_attrs is not None:
            c = _ODS_COLS.search(cell_attrs)
            col_at += int(c.group(1)) if c else 1
            if b"office:value-type" in cell_attrs or not cell_closed:
                row_has = True
                cols = max(cols, col_at)
        else:  # </table:table-row>
            end_row()
    if rows * cols > MAX_DENSE_CELLS:
        from xl_tthc.io.cells import a1

        return name, a1(rows - 1, cols - 1), rows, cols
    return None


def _probe_zip(path: Path, data: bytes | None = None) -> Probe:
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as zf:
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
            strict = False
            for info in infos:
                if info.filename.endswith((".xml", ".rels")) and info.file_size:
                    head = _xml_head(zf, info, data)
                    if info.filename == "xl/workbook.xml" and (STRICT_NS in head or b'conformance="strict"' in head):
                        strict = True
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        return _bad(
                            path,
                            Code.FILE_UNSAFE_XML,
                            f"Tệp «{path.name}» chứa khai báo DOCTYPE/ENTITY trong {info.filename} (có thể là tấn công XXE): không đọc.",
                        )
            kept: dict[str, bytes] | None = {} if data is not None else None
            far_sheets: list[tuple[str, str, int, int]] = []
            if "content.xml" in names:
                # python-calamine builds every table of an .ods when it opens the file: one too far refuses it
                far = _ods_too_far(zf)
                if far is not None:
                    return refuse_far(path, *far)
            else:
                far_sheets, skippable = _too_far(zf, infos, kept)
                if far_sheets and not skippable:
                    return refuse_far(path, *far_sheets[0])
            sheets_xml = None
            if kept:
                by_part = _sheet_names(zf)
                sheets_xml = {by_part[p]: xml for p, xml in kept.items() if p in by_part}
    except zipfile.BadZipFile:
        return _bad(
            path, Code.FILE_CORRUPT, f"Tệp «{path.name}» bị hỏng hoặc tải về chưa hết (tệp nén không đọc được)."
        )
    except (OSError, EOFError, RuntimeError, ValueError, NotImplementedError, zlib.error) as exc:
        return _bad(path, Code.FILE_CORRUPT, f"Tệp «{path.name}» bị hỏng ({exc.__class__.__name__}).")
    return Probe(path, "zip", strict=strict, sheets_xml=sheets_xml, far_sheets=tuple(far_sheets))
