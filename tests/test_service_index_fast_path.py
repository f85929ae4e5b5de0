"""The service-index scorer's short paths (a score within its maximum, typed as a number or clean text; «-») give
exactly what the long way through the Reader gives: the same items, groups, totals, band and findings (issue 15:
scoring a 459 unit cost 2× a TTHC unit before them).

The figures themselves are asserted against the seeds elsewhere (tests/test_core_service_index_459.py); here one
unit's data is scored twice, the second time with the short paths switched off, over values drawn by hypothesis
from what appendices hold: numbers in and out of range, Vietnamese and dotted decimal text, "-", blanks, marks,
negatives, NaN, booleans and full-width digits.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_tthc.core.engine import score_unit
from xl_tthc.core.engine import service_index as si
from xl_tthc.core.framework import default_registry

FRAMEWORKS = ("sv459-dienbien-2023", "sv766-national-2026")

_value = st.one_of(
    st.floats(min_value=-5, max_value=40),
    st.sampled_from([math.nan, math.inf, -math.inf, 10.000000001, 5.0]),
    st.integers(min_value=-3, max_value=40),
    st.sampled_from(["-", " - ", "–", "", "  ", "x", "4,81", "4.81", "5", "11,5", "-2", "１０", "1.132", "3,33/5", None]),
    st.booleans(),
    st.builds(lambda n, d: {"numerator": n, "denominator": d}, st.integers(0, 9), st.integers(0, 9)),
    st.builds(
        lambda n, d: {"numerator": n, "denominator": d},
        st.one_of(st.floats(-2, 50), st.sampled_from([math.nan, math.inf, "3", "-", None, True])),
        st.one_of(st.floats(-2, 50), st.sampled_from([0, math.inf, "40", "-", None, False])),
    ),
    st.builds(lambda r: {"ratio": r}, st.floats(0, 120)),
)


def _long_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(si, "_plain_item", lambda fw, ind, raw: None)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.parametrize("fid", FRAMEWORKS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_short_paths_score_as_the_long_way(fid: str, data: st.DataObject) -> None:
    from xl_tthc.core.model import UnitInput

    fw = default_registry().get(fid)
    codes = [ind.code for ind in fw.indicators()]
    values = {code: data.draw(_value, label=code) for code in codes}
    stated = data.draw(st.fixed_dictionaries({}, optional={"total": st.sampled_from(["58,69/85", "50", 61.2, "-"])}))
    unit = UnitInput("Đơn vị thử", {"indicators": values, "stated": stated}, level=fw.levels[0], period="2023-07")
    short = score_unit(fw, unit).to_dict()
    with pytest.MonkeyPatch.context() as mp:
        _long_way(mp)
        long = score_unit(fw, unit).to_dict()
    assert _same(short, long), (short, long)
