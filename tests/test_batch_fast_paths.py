"""The batch's fast paths give exactly what the plain paths give.

``probe()`` inflates the head of every XML part straight from the file's bytes, as far as its first element; for
every zip below it must answer as zipfile's own member reading does (``_probe_zip(path, None)``). A worker takes its
files phase by phase (``process_files``); every file must come out as when it is processed alone.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from badinput.make_corpus import write_unit

from xl_tthc.io import probe as probe_mod


def _finding(pr: probe_mod.Probe) -> tuple[str | None, str | None, str | None]:
    f = pr.finding
    return (pr.container, f.code.value if f else None, f.message if f else None)


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _corrupt_member_crc(path: Path, member: str) -> None:
    """Flip the CRC of ``member`` in the central directory and the local header."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    bad = struct.pack("<I", info.CRC ^ 0xFFFF)
    data[info.header_offset + 14 : info.header_offset + 18] = bad
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + n]) == member.encode():
            data[pos + 16 : pos + 20] = bad
        pos += 4
    path.write_bytes(bytes(data))


WB = b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
XXE = b'<?xml version="1.0"?><!DOCTYPE ws [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><worksheet/>'
# a DOCTYPE behind 40 KB of comment: still in the prolog, so still found
PADDED_XXE = b'<?xml version="1.0"?><!--' + b"x" * 40_000 + b'--><!DOCTYPE ws [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><worksheet/>'


def _cases(tmp: Path) -> list[Path]:
    good = tmp / "good.xlsx"
    write_unit(good, 1)
    long_xml = b'<?xml version="1.0"?><worksheet>' + b"<row/>" * 3000 + b"</worksheet>"
    out = [
        good,
        _zip(tmp / "xxe_small.xlsx", {"xl/workbook.xml": WB, "xl/worksheets/sheet1.xml": XXE}),
        _zip(tmp / "xxe_stored.xlsx", {"xl/workbook.xml": WB, "xl/worksheets/sheet1.xml": XXE}, zipfile.ZIP_STORED),
        _zip(tmp / "long_part.xlsx", {"xl/workbook.xml": WB, "xl/worksheets/sheet1.xml": long_xml}),
        _zip(tmp / "late_doctype.xlsx", {"xl/workbook.xml": WB, "xl/worksheets/sheet1.xml": long_xml[:5000] + XXE}),
        _zip(tmp / "padded_doctype.xlsx", {"xl/workbook.xml": WB, "xl/worksheets/sheet1.xml": PADDED_XXE}),
        _zip(tmp / "padded_stored.xlsx", {"xl/workbook.xml": WB, "xl/worksheets/sheet1.xml": PADDED_XXE}, zipfile.ZIP_STORED),
        _zip(tmp / "stored.xlsx", {"xl/workbook.xml": WB, "xl/styles.xml": long_xml}, zipfile.ZIP_STORED),
        _zip(tmp / "bzip2.xlsx", {"xl/workbook.xml": WB, "xl/worksheets/sheet1.xml": XXE}, zipfile.ZIP_BZIP2),
        _zip(tmp / "not_a_workbook.xlsx", {"word/document.xml": WB}),
    ]
    small_crc = _zip(tmp / "bad_crc_small.xlsx", {"xl/workbook.xml": WB, "xl/worksheets/sheet1.xml": b"<worksheet/>"})
    _corrupt_member_crc(small_crc, "xl/worksheets/sheet1.xml")
    stored_crc = _zip(tmp / "bad_crc_stored.xlsx", {"xl/workbook.xml": WB}, zipfile.ZIP_STORED)
    _corrupt_member_crc(stored_crc, "xl/workbook.xml")
    broken = tmp / "broken_stream.xlsx"
    _zip(broken, {"xl/workbook.xml": WB, "xl/worksheets/sheet1.xml": long_xml})
    data = bytearray(broken.read_bytes())
    with zipfile.ZipFile(broken) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename)
    data[start + 2 : start + 40] = b"\xff" * 38
    broken.write_bytes(bytes(data))
    truncated = tmp / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return [*out, small_crc, stored_crc, broken, truncated]


def test_probe_fast_path_answers_as_zipfile(tmp_path: Path) -> None:
    seen = set()
    for p in _cases(tmp_path):
        fast = probe_mod.probe(p)
        slow = probe_mod._probe_zip(p, None)
        assert _finding(fast) == _finding(slow), p.name
        seen.add(_finding(fast)[1])
        if fast.ok:
            assert fast.data == p.read_bytes()
    assert {None, "file_unsafe_xml", "file_corrupt", "file_unsupported"} <= seen
    for name in ("padded_doctype.xlsx", "padded_stored.xlsx", "xxe_small.xlsx"):
        assert _finding(probe_mod.probe(tmp_path / name))[1] == "file_unsafe_xml", name
    for name in ("late_doctype.xlsx", "long_part.xlsx"):  # after the first element it is no DOCTYPE (bad XML)
        assert _finding(probe_mod.probe(tmp_path / name))[1] is None, name


def test_probe_of_a_large_file_reads_through_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "good.xlsx"
    write_unit(p, 2)
    monkeypatch.setattr(probe_mod, "READ_WHOLE_MAX", 100)
    pr = probe_mod.probe(p)
    assert pr.ok and pr.data is None


def test_a_chunk_goes_phase_by_phase_and_each_file_keeps_its_own_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xl_tthc.pipeline as pipeline
    from xl_tthc.batch import worker

    names = ["a.xlsx", "hỏng.xlsx", "b.xlsx", "lỗi nội bộ.xlsx", "c.xlsx"]
    for i, name in enumerate(names, 1):
        write_unit(tmp_path / name, i)
    (tmp_path / "hỏng.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    tasks = [(str(tmp_path / n), n) for n in names]
    one_by_one = [worker.process_file(t) for t in tasks]
    assert [o.status for o in one_by_one] == ["ok", "unreadable", "ok", "ok", "ok"]

    real = pipeline.recognise

    def broken(grid: object, ctx: Any) -> object:
        if ctx.file == "lỗi nội bộ.xlsx":
            raise RuntimeError("programmer error")
        return real(grid, ctx)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "recognise", broken)
    for limit in (10**9, 1):  # all files held in each phase, or one file at a time
        monkeypatch.setattr(worker, "PHASE_BYTES", limit)
        monkeypatch.setattr(worker, "PHASE_CELLS", limit)
        outs = worker.process_files(tasks)
        assert [o.file for o in outs] == names
        assert [o.status for o in outs] == ["ok", "unreadable", "ok", "error", "ok"]
        assert outs[3].trace and "programmer error" in outs[3].trace and outs[3].results == []
        for got, want in zip(outs, one_by_one, strict=True):
            if got.status == "ok":  # the other files score as when they are processed one by one
                assert [(f, r.total, r.band_label) for f, r in got.results] == [
                    (f, r.total, r.band_label) for f, r in want.results
                ]
                assert got.seconds > 0
