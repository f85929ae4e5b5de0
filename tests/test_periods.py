"""The one period parser (xl_tthc.core.periods) that every shell uses: real periods only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_tthc.core.periods import parse_period, period_key, period_start


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Quý II, năm 2021", "2021-Q2"),
        ("QUÝ II NĂM 2021", "2021-Q2"),
        ("quý 4/2020", "2020-Q4"),
        ("Quý IV năm 2019", "2019-Q4"),
        ("Tháng 7 năm 2023", "2023-07"),
        ("tháng 7/2023", "2023-07"),
        ("07/2023", "2023-07"),
        ("7/2021", "2021-07"),  # fill gave 2021-07, the batch gave nothing: one answer now
        ("7-2021", "2021-07"),
        ("Năm 2020", "2020"),
        ("2020", "2020"),
        (2020, "2020"),
        (2020.0, "2020"),
        ("2021-q2", "2021-Q2"),
        ("2023-07", "2023-07"),
        (datetime(2021, 7, 1), "2021-07"),  # «7/2021» typed into a cell Excel made a date
        (date(2023, 7, 1), "2023-07"),
        ("Kết quả tháng 7 năm 2023 (kèm theo Báo cáo số 405/BC-UBND ngày 17/8/2023)", "2023-07"),
        ("Báo cáo ngày 30 tháng 6 năm 2021 về quý II năm 2021", "2021-Q2"),
    ],
)
def test_real_periods(raw: Any, code: str) -> None:
    assert parse_period(raw) == code


@pytest.mark.parametrize(
    "raw",
    [
        "Quý V, năm 2021",  # fill took this as the whole year 2021
        "quý 0/2021",
        "2021-Q5",
        "2021-Q0",
        "2023-13",
        "13/2021",
        "Tháng 13 năm 2023",
        "tháng 0 năm 2023",
        "30/06/2021",  # a date is not a period
        "ngày 30 tháng 6 năm 2021",
        "Quyết định 1187/QĐ-UBND",
        "kỳ này",
        "",
        None,
        True,
        1187,
        2021.5,
        "Quý năm 2021",  # a quarter was meant: not the whole year
    ],
)
def test_no_period(raw: Any) -> None:
    assert parse_period(raw) is None


def test_start_and_order() -> None:
    assert period_start("2021-Q2") == date(2021, 4, 1)
    assert period_start("2021-Q5") is None
    assert sorted(["2023-07", "2021-Q2", "2020", "2021-Q1", "2023-06"], key=period_key) == [
        "2020",
        "2021-Q1",
        "2021-Q2",
        "2023-06",
        "2023-07",
    ]


_WORDS = st.sampled_from(["Quý", "quý", "QUÝ", "Tháng", "tháng", "năm", "Năm", "/", "-", ",", " ", "kỳ", "ngày"])
_NUMS = st.integers(min_value=-5, max_value=3000).map(str)
_ROMANS = st.sampled_from(["I", "II", "III", "IV", "V", "VI", "X"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_WORDS, _NUMS, _ROMANS, st.text(max_size=4)), max_size=8).map(" ".join))
def test_fuzz_period_texts(text: str) -> None:
    """Any text: None or a real period (quarter 1–4, month 1–12, a plausible year), never an exception."""
    code = parse_period(text)
    if code is None:
        return
    start = period_start(code)
    assert start is not None and 1990 <= start.year <= 2100
    if "-Q" in code:
        assert code[-1] in "1234"
    elif len(code) == 7:
        assert 1 <= int(code[5:]) <= 12
