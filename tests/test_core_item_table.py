"""Scoring a summary row from item scores (``xl_tthc.core.engine.item_table``): hand-computed figures."""

from __future__ import annotations

import pytest

from xl_tthc.core.engine import item_table
from xl_tthc.core.findings import Code
from xl_tthc.core.framework import get
from xl_tthc.core.model import UnitInput

SV459 = ("1.1", "1.2", "1.3", "2.1", "3.1", "3.2", "4.1", "4.2", "5.1", "5.2", "5.3")


def _unit(values: tuple[object, ...], codes: tuple[str, ...]) -> UnitInput:
    return UnitInput("Đơn vị thử", {"items": dict(zip(codes, values, strict=True))})


def test_service_index_row_with_not_applicable_and_a_score_above_max() -> None:
    fw = get("sv459-dienbien-2023")
    # Núa Ngam (seed 002): - 4,81 - 29,71 10 4,81 4,79 11,5 5 5 5; 11,5 > 10 counts as 10
    r = item_table.score(fw, _unit(("-", "4,81", "-", 29.71, 10, 4.81, 4.79, "11,5", 5, 5, 5), SV459))
    assert r.status == "scored"
    assert r.total == pytest.approx(4.81 + 29.71 + 10 + 4.81 + 4.79 + 10 + 15)  # 79,12
    assert r.applicable_max == 85  # 100 − 5 − 10
    assert r.quy_doi == pytest.approx(93.08)  # 79,12/85 × 100 = 93,082…
    assert r.band_label == "Xuất sắc"
    assert [f.code for f in r.findings] == [Code.SCORE_ABOVE_MAX]


def test_tthc_row_sums_the_criteria() -> None:
    fw = get("tthc-dienbien-1187-2019-huyen")
    codes = tuple(c.code for c in fw.criteria)
    r = item_table.score(fw, _unit((1.91, 1.91, 2, 2, 1.91, 2, 2, 2, 1), codes))
    assert r.total == pytest.approx(16.73)  # the rounded criterion scores of seed 001 add up to 16,73
    assert r.applicable_max == 18


def test_dash_is_an_error_where_the_framework_has_no_not_applicable() -> None:
    fw = get("tthc-dienbien-1187-2019-huyen")
    codes = tuple(c.code for c in fw.criteria)
    r = item_table.score(fw, _unit(("-", 2, 2, 2, 2, 2, 2, 2, 2), codes))
    assert r.status == "invalid" and r.total is None
    assert Code.NOT_A_NUMBER in [f.code for f in r.findings]


def test_empty_row_is_not_scored() -> None:
    fw = get("sv459-dienbien-2023")
    r = item_table.score(fw, _unit((None,) * 11, SV459))
    assert r.status == "not_scored" and r.findings == []
