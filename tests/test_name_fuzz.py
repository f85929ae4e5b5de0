"""Fuzzing file names: any name the OS accepts (bytes that are not UTF-8, control characters, NFD, emoji, 255 bytes)
goes through the probe, the batch walk, the batch, the text summary, the JSON report and the summary workbook without
an exception, is shown readably, and gives a derived output name within 255 bytes."""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_tthc.batch import find_files, run
from xl_tthc.batch.text import summary_table
from xl_tthc.io.paths import display_name, safe_output_name
from xl_tthc.io.probe import probe
from xl_tthc.io.summary import write_summary

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = (b".xlsx", b".xls", b".xlsm", b".ods")


@functools.cache
def unit_bytes() -> bytes:
    sys.path.insert(0, str(ROOT / "bench"))
    import _unit_workbooks as gen

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "u.xlsx"
        gen.write_unit_workbook(p, gen.make_unit(7))
        return p.read_bytes()


NOT_SHOWN = {"Cc", "Cs", "Zl", "Zp"}


texts = st.one_of(
    st.binary(min_size=1, max_size=60),  # anything, most of it not UTF-8
    st.text(min_size=1, max_size=60).map(lambda t: t.encode("utf-8", "surrogateescape")),
    st.text(alphabet="ăâđêôơưáàảãạấầẩẫậếềểễệốồổỗộớờởỡợứừửữựíìỉĩịýỳỷỹỵ ", min_size=1, max_size=80).map(
        lambda t: unicodedata.normalize("NFD", t).encode("utf-8")
    ),
    st.sampled_from(["👩‍👩‍👧", "\u202e", "\n", "\x1b[31m", "~$", ".~lock.", " "]).map(str.encode),
)


@st.composite
def names(draw: st.DrawFn) -> bytes:
    stem = b"".join(draw(st.lists(texts, min_size=1, max_size=4))).replace(b"/", b"_").replace(b"\0", b"_")
    suffix = draw(st.sampled_from(SUFFIXES))
    long = draw(st.booleans())
    if long:
        stem = (stem * (255 // len(stem) + 1))[: 255 - len(suffix)]
    return stem[: 255 - len(suffix)] + suffix


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(st.tuples(names(), st.sampled_from(["unit", "junk", "empty"])), min_size=1, max_size=4))
def test_any_name_goes_through_probe_batch_and_summary(files: list[tuple[bytes, str]]) -> None:
    d = Path(tempfile.mkdtemp(prefix="xl_tthc-ten-"))
    try:
        written: set[str] = set()
        for raw, content in files:
            path = os.path.join(os.fsencode(d), raw)
            data = unit_bytes() if content == "unit" else b"" if content == "empty" else b"PK\x03\x04" + raw
            with open(path, "wb") as fh:
                fh.write(data)
            written.add(os.fsdecode(raw))
        for name in written:
            pr = probe(d / name, root=d)
            assert pr.ok or pr.finding is not None
            shown = display_name(name)
            shown.encode("utf-8")
            bad = [c for c in shown if unicodedata.category(c) in NOT_SHOWN or (unicodedata.category(c) == "Cf" and c not in "\u200c\u200d")]
            assert not bad, shown
            derived = safe_output_name(Path(name).stem, " - đã tính điểm", ".xlsx")
            assert len(os.fsencode(derived)) <= 255
        assert {p.name for p in find_files(d)} == written  # lock files included: the batch reports them
        report = run(d, jobs=1)
        assert len(report.outcomes) == len(written)
        assert not report.traces()
        summary_table(report).encode("utf-8")
        json.dumps(report.to_dict(), ensure_ascii=False)
        out = d.parent / f"{d.name}-tong-hop.xlsx"
        try:
            write_summary(report, out)
            import openpyxl

            openpyxl.load_workbook(out, read_only=True).close()
        finally:
            out.unlink(missing_ok=True)
    finally:
        shutil.rmtree(d)
