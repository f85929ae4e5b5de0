"""Paths as the operating system gives them: inputs that must never be written, names that must be shown and derived.

* :func:`guard_outputs` – no command writes to a path that is one of its inputs or inside the set of files it reads.
  Files are compared by identity (device and inode, after resolving symlinks), so a symlink, a hard link, another
  spelling of the same path or a case-insensitive file system cannot slip an input through. A folder input stands for
  every file under it (or, with ``folder_files``, every file the command would read there).
* :func:`display_name` – any name the OS gives (bytes that are not UTF-8, control characters) as readable text that
  every writer (terminal, JSON, xlsx, docx) can carry.
* :func:`safe_output_name` – a derived output name (``<tên> - đã tính điểm.xlsx``) that fits the 255-byte limit of
  a name, shortened at a character boundary, its suffix kept.

Nothing here reads file contents except :func:`is_own_summary` (the zip directory and the core properties part).
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import field
from pathlib import Path

from xl_tthc.core.records import record

NAME_MAX_BYTES = 255  # the longest file name (one path component) on ext4, XFS, btrfs, NTFS (in UTF-16 units), APFS

PathLike = str | os.PathLike[str]


class InputClash(Exception):
    """An output would overwrite an input (message in Vietnamese, naming both paths)."""


# ---------------------------------------------------------------------------- names shown to people


def _escape_char(ch: str) -> str:
    o = ord(ch)
    if 0xDC80 <= o <= 0xDCFF:  # a byte that was not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{o - 0xDC00:02x}"
    if o < 0x100:
        return f"\\x{o:02x}"
    return f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}"


def _needs_escape(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if cat in ("Cs", "Cc", "Zl", "Zp") or ch in "\ufffe\uffff":
        return True
    return cat == "Cf" and ch not in "\u200c\u200d"  # keep ZWJ/ZWNJ (emoji, scripts)


def display_name(name: str | bytes | os.PathLike[str]) -> str:
    """A name or path as text every writer can carry and a person can read.

    Bytes that are not UTF-8 become ``\\xff``; control and format characters (a newline, a right-to-left override)
    become ``\\x0a`` / ``\\u202e``; a name in NFD (macOS) is shown in NFC; everything else (emoji) is kept.

    >>> display_name(os.fsdecode(b"X\\xe3 \\xff.xlsx"))
    'X\\\\xe3 \\\\xff.xlsx'
    """
    text = os.fsdecode(name) if isinstance(name, bytes) else os.fspath(name)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)  # a name from macOS (NFD) shows and lines up as typed
    if text.isprintable() and not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return text  # the common case
    return "".join(_escape_char(c) if _needs_escape(c) else c for c in text)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def displayable(text: str) -> str:
    """``text`` with what UTF-8 and XML cannot carry escaped (bytes that were not UTF-8, control characters other than
    tab and line breaks), everything else unchanged: for any message or cell text that may hold a file name."""
    return _NOT_XML.sub(lambda m: _escape_char(m.group()), text)


def _fs_len(text: str) -> int:
    return len(os.fsencode(text))


def safe_output_name(stem: str, tail: str = "", suffix: str = "", *, max_bytes: int = NAME_MAX_BYTES) -> str:
    """``stem + tail + suffix`` as one file name of at most ``max_bytes`` bytes (as the OS stores it).

    ``tail`` (e.g. `` - đã tính điểm``) and ``suffix`` (``.xlsx``) are kept whole; the stem is shortened at a
    character boundary, never between a letter and its combining accent (NFD names), and marked with «…». Bytes
    that were not UTF-8 (surrogateescape) stay the bytes they were. A path separator or NUL in the stem becomes «_».
    """
    stem = stem.replace("/", "_").replace("\0", "_")
    if os.sep != "/":
        stem = stem.replace(os.sep, "_")
    fixed = tail + suffix
    if _fs_len(fixed) >= max_bytes:
        raise ValueError(f"tail and suffix alone exceed {max_bytes} bytes")
    name = stem + fixed
    if _fs_len(name) <= max_bytes:
        return name
    ell = "…"
    room = max_bytes - _fs_len(fixed) - _fs_len(ell)
    used = 0
    cut = 0
    for i, ch in enumerate(stem):
        n = _fs_len(ch)
        if used + n > room:
            break
        used += n
        cut = i + 1
    while 0 < cut < len(stem) and unicodedata.combining(stem[cut]):
        cut -= 1  # do not leave a base letter without the accent that follows it
    # a stem of surrogates alone (undecodable bytes) is one byte per character: always progress
    return stem[:cut].rstrip() + ell + fixed


# ---------------------------------------------------------------------------- inputs are sacred


Identity = tuple[int, int]


def identity(path: PathLike) -> Identity | None:
    """(device, inode) of what ``path`` names after following symlinks; None when nothing is there."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _all_files(folder: Path) -> Iterator[Path]:
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            yield Path(dirpath, name)


@record
class ReadSet:
    """The files (and folders) a command reads, by identity, with the path to name each by."""

    files: dict[Identity, str] = field(default_factory=dict)
    folders: dict[Identity, str] = field(default_factory=dict)

    def add(self, path: PathLike | None, folder_files: Callable[[Path], Iterable[Path]] | None = None) -> None:
        if path is None or os.fspath(path) in ("", "-"):
            return
        p = Path(path)
        ident = identity(p)
        if ident is None:
            return
        if p.is_dir():
            self.folders.setdefault(ident, str(p))
            for f in (folder_files or _all_files)(p):
                fid = identity(f)
                if fid is not None:
                    self.files.setdefault(fid, str(f))
        else:
            self.files.setdefault(ident, str(p))

    def owner(self, path: PathLike) -> str | None:
        """The input ``path`` is (a file read, or an input folder itself), or None."""
        ident = identity(path)
        if ident is None:
            return None
        return self.files.get(ident) or self.folders.get(ident)


def read_set(
    inputs: Iterable[PathLike | None], folder_files: Callable[[Path], Iterable[Path]] | None = None
) -> ReadSet:
    rs = ReadSet()
    for p in inputs:
        rs.add(p, folder_files)
    return rs


def guard_outputs(
    outputs: Sequence[PathLike | None],
    inputs: Iterable[PathLike | None] | ReadSet,
    *,
    folder_files: Callable[[Path], Iterable[Path]] | None = None,
    replaceable: Callable[[Path], bool] | None = None,
) -> None:
    """Refuse (:class:`InputClash`) when an output is one of the inputs, a file the command reads, or another output.

    ``inputs``: files and folders the command reads (a folder stands for every file under it, or for what
    ``folder_files(folder)`` lists). ``replaceable(path)``: an existing output that may be replaced even though it lies
    among the files read (our own summary workbook from an earlier run, which the batch leaves out).
    """
    reads = inputs if isinstance(inputs, ReadSet) else read_set(inputs, folder_files)
    seen: dict[Identity, str] = {}
    for out in outputs:
        if out is None or os.fspath(out) in ("", "-"):
            continue
        shown = display_name(os.fspath(out))
        hit = reads.owner(out)
        if hit is not None and not (replaceable is not None and Path(out).is_file() and replaceable(Path(out))):
            same = os.path.abspath(hit) == os.path.abspath(out)
            raise InputClash(
                f"tệp kết quả «{shown}» "
                + ("là tệp đầu vào" if same else f"chính là tệp đầu vào «{display_name(hit)}» (cùng một tệp trên đĩa)")
                + ": không ghi đè dữ liệu đầu vào; chọn tên tệp kết quả khác."
            )
        ident = identity(out)
        if ident is not None:
            if ident in seen:
                raise InputClash(f"tệp kết quả «{shown}» trùng với tệp kết quả «{display_name(seen[ident])}»: chọn hai tên khác nhau.")
            seen[ident] = os.fspath(out)
        else:
            key = os.path.normcase(os.path.abspath(out))
            for other in seen.values():
                if os.path.normcase(os.path.abspath(other)) == key:
                    raise InputClash(f"tệp kết quả «{shown}» được chỉ định hai lần (trùng tên): chọn hai tên khác nhau.")
            seen[(-1, hash(key))] = os.fspath(out)


def guard_output_dir(out_dir: PathLike, planned: Iterable[str] | None, inputs: Iterable[PathLike | None] | ReadSet) -> None:
    """An output folder: refuse when it is an input file, or when a file the command will write there is an input.

    ``planned``: the names (relative to ``out_dir``) the command writes; None when they are not known beforehand
    (then no input file may lie anywhere under ``out_dir``).
    """
    reads = inputs if isinstance(inputs, ReadSet) else read_set(inputs)
    d = Path(out_dir)
    ident = identity(d)
    if ident is not None and ident in reads.files:
        raise InputClash(
            f"thư mục kết quả «{display_name(os.fspath(d))}» là tệp đầu vào «{display_name(reads.files[ident])}»: "
            "chọn một thư mục khác."
        )
    if not d.is_dir():
        return
    if planned is not None:
        guard_outputs([d / name for name in planned], reads)
        return
    for f in _all_files(d):
        hit = reads.owner(f)
        if hit is not None:
            raise InputClash(
                f"thư mục kết quả «{display_name(os.fspath(d))}» chứa tệp đầu vào «{display_name(hit)}», có thể bị ghi "
                "đè: chọn một thư mục khác (thư mục mới hoặc thư mục trống)."
            )


def guard_writable(path: PathLike | None) -> None:
    """Refuse (:class:`InputClash`) to replace an existing file that is marked read-only.

    An atomic write renames a new file over the target, which the OS allows even for a read-only file (the folder is
    what is written); an officer who marked the file read-only meant it to stay. The mode bits are looked at, not only
    :func:`os.access` (which says yes to the administrator).
    """
    if path is None:
        return
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return
    if stat.S_ISREG(st.st_mode) and (not st.st_mode & 0o222 or not os.access(path, os.W_OK)):
        raise InputClash(
            f"tệp kết quả «{display_name(os.fspath(path))}» đang đặt chế độ chỉ đọc (read-only): không ghi đè; "
            "bỏ chế độ chỉ đọc hoặc chọn tên tệp kết quả khác."
        )


# ---------------------------------------------------------------------------- our own outputs

SUMMARY_TITLE = "Tổng hợp kết quả chấm điểm"  # the title xl_tthc.io.summary writes into docProps/core.xml
_CORE_TITLE = re.compile(r"<dc:title>([^<]*)</dc:title>")
_CORE_CREATOR = re.compile(r"<dc:creator>([^<]*)</dc:creator>")


def is_own_summary(path: PathLike) -> bool:
    """True when ``path`` is a regular file holding a summary workbook that ``xl-tthc consolidate`` wrote."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > 256 * 1024 * 1024:
            return False
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/core.xml")
            if info.file_size > 64 * 1024:
                return False
            core = zf.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, RuntimeError, EOFError, NotImplementedError):
        return False
    title, creator = _CORE_TITLE.search(core), _CORE_CREATOR.search(core)
    return bool(title and creator and title.group(1) == SUMMARY_TITLE and creator.group(1) == "xl_tthc")


__all__ = [
    "NAME_MAX_BYTES",
    "InputClash",
    "ReadSet",
    "display_name",
    "displayable",
    "guard_output_dir",
    "guard_outputs",
    "guard_writable",
    "identity",
    "is_own_summary",
    "read_set",
    "safe_output_name",
]
