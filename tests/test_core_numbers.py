"""xl_tthc.core.numbers: what officers type, what they read, how figures are rounded."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_tthc.core.numbers import (
    Kind,
    fmt_int_vn,
    fmt_vn,
    parse_number,
    round_half_up_binary,
    round_half_up_decimal,
)

# ---------------------------------------------------------------------------- parse_number


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("16,74", 16.74),  # decimal comma (seed 001 total)
        ("1.132", 1132.0),  # thousands dot (seed 001 resolved dossiers)
        ("1.147", 1147.0),
        ("115.213", 115213.0),  # the seed-001 typo, read as typed
        ("15.250", 15250.0),
        ("84,68919", 84.68919),
        ("0,7904", 0.7904),
        ("1.234,5", 1234.5),  # thousands dot and decimal comma together
        ("2", 2.0),
        ("  3,33 ", 3.33),  # surrounding spaces
        ("1\u00a0147", 1147.0),  # non-breaking space inside the figure
        (99, 99.0),
        (2.5, 2.5),
    ],
)
def test_parse_number_vietnamese(raw: object, value: float) -> None:
    p = parse_number(raw)
    assert p.kind is Kind.NUMBER
    assert p.ok
    assert p.value == pytest.approx(value)
    assert not p.ambiguous
    assert p.over is None
    assert not p.percent


def test_parse_number_decimal_dot_is_ambiguous() -> None:
    # seed 002, Phòng Tư pháp, chỉ số 3.1: "8.32" – one or two digits after the dot cannot be thousands
    p = parse_number("8.32")
    assert p.kind is Kind.NUMBER
    assert p.value == pytest.approx(8.32)
    assert p.ambiguous


def test_parse_number_english_thousands_is_ambiguous() -> None:
    p = parse_number("1,234.5")
    assert p.value == pytest.approx(1234.5)
    assert p.ambiguous


def test_parse_number_score_over_max() -> None:
    # seed 002: "58,69/85" = 58,69 points out of 85 applicable
    p = parse_number("58,69/85")
    assert p.kind is Kind.NUMBER
    assert p.value == pytest.approx(58.69)
    assert p.over == pytest.approx(85.0)
    p = parse_number("36,15/65")
    assert (p.value, p.over) == (pytest.approx(36.15), pytest.approx(65.0))


def test_parse_number_bad_denominator_is_invalid() -> None:
    assert parse_number("58,69/abc").kind is Kind.INVALID


@pytest.mark.parametrize("raw", ["-", "–", "—", "k/a", "không áp dụng", "N/A"])
def test_parse_number_not_applicable(raw: str) -> None:
    p = parse_number(raw)
    assert p.kind is Kind.NOT_APPLICABLE
    assert p.value is None
    assert not p.ok


@pytest.mark.parametrize("raw", ["#REF!", "#VALUE!", "#DIV/0!", "#N/A", "#ref!"])
def test_parse_number_excel_error(raw: str) -> None:
    p = parse_number(raw)
    assert p.kind is Kind.ERROR_VALUE
    assert p.value is None


@pytest.mark.parametrize("raw", ["abc", "x", "1,2,3", "12a", True, float("nan"), float("inf"), [1], {"a": 1}])
def test_parse_number_invalid(raw: object) -> None:
    p = parse_number(raw)
    assert p.kind is Kind.INVALID
    assert p.value is None
    assert not p.ok


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_parse_number_empty(raw: object) -> None:
    p = parse_number(raw)
    assert p.kind is Kind.EMPTY
    assert p.value is None


def test_parse_number_percent() -> None:
    p = parse_number("99%")
    assert p.kind is Kind.NUMBER
    assert p.value == pytest.approx(99.0)
    assert p.percent
    p = parse_number("8,63 %")
    assert p.value == pytest.approx(8.63)
    assert p.percent


def test_parse_number_keeps_raw() -> None:
    assert parse_number("16,74").raw == "16,74"
    assert parse_number("-").raw == "-"


def test_parse_number_negative() -> None:
    # parsing keeps the sign; the engine reports negative counts as findings
    assert parse_number("-5").value == pytest.approx(-5.0)
    assert parse_number("-1.147").value == pytest.approx(-1147.0)


# ---------------------------------------------------------------------------- formatting


def test_fmt_vn() -> None:
    assert fmt_vn(16.74) == "16,74"
    assert fmt_vn(16.737632) == "16,74"  # 3 × 2165/1132 + 11 shown with 2 decimals
    assert fmt_vn(1132, 0) == "1.132"
    assert fmt_vn(1132.0, None) == "1.132"
    assert fmt_vn(84.68919, None) == "84,68919"
    assert fmt_vn(56.9527, None) == "56,9527"
    assert fmt_vn(115213, 0) == "115.213"
    assert fmt_vn(1234567.891, 2) == "1.234.567,89"
    assert fmt_vn(2.0) == "2,00"
    assert fmt_vn(2.0, trim=True) == "2"
    assert fmt_vn(8.5, 2, trim=True) == "8,5"
    assert fmt_vn(None) == ""


def test_fmt_int_vn() -> None:
    assert fmt_int_vn(1147) == "1.147"
    assert fmt_int_vn(115213) == "115.213"
    assert fmt_int_vn(99) == "99"
    assert fmt_int_vn(15250.0) == "15.250"


# ---------------------------------------------------------------------------- rounding


def test_round_half_up_binary_like_javascript_tofixed() -> None:
    # legal.md §1.7: 0.625 is exact in binary → 0.63; 5.145 is stored as 5.14499… → 5.14
    assert round_half_up_binary(0.625) == 0.63
    assert round_half_up_binary(5.145) == 5.14
    assert round_half_up_binary(1.005) == 1.0  # stored as 1.00499…
    assert round_half_up_binary(0.125, 2) == 0.13
    assert round_half_up_binary(2.5, 0) == 3.0  # half-up, not Python's half-even round()


def test_round_half_up_decimal_like_a_person() -> None:
    assert round_half_up_decimal(5.145) == 5.15
    assert round_half_up_decimal(0.625) == 0.63
    assert round_half_up_decimal(1.005) == 1.01
    assert round_half_up_decimal(16.737632508833922) == 16.74
    assert round_half_up_decimal(55.6153846) == 55.62  # seed 002 Phòng Nội vụ 36,15/65 × 100
    assert round_half_up_decimal(93.0666667) == 93.07  # seed 002 Phòng LĐTBXH 69,8/75 × 100
    assert round_half_up_decimal(70.8352941) == 70.84  # seed 002 Hẹ Muông 60,21/85 × 100
    assert round_half_up_decimal(2.5, 0) == 3.0


def test_round_half_up_decimal_ignores_float_noise_of_arithmetic() -> None:
    # 45,86/80 × 100 = 57,325 exactly, but the double result is 57,32499999999999…: a person (and Excel's
    # ROUND, which works on 15 significant digits) writes 57,33.
    assert round_half_up_decimal(45.86 / 80 * 100) == 57.33
    assert round_half_up_decimal(32.3 / 80 * 100) == 40.38  # 40,375
    assert round_half_up_decimal(0.1 + 0.2) == 0.3


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**7))
def test_round_half_up_decimal_matches_paper_for_three_decimals(k: int) -> None:
    # any figure written with 3 decimals (k/1000) rounds half-up the way it does on paper
    x = k / 1000
    expected = Decimal(k).scaleb(-3).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(repr(round_half_up_decimal(x))) == expected


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False))
def test_rounders_move_by_at_most_half_a_cent(x: float) -> None:
    assert abs(round_half_up_binary(x) - x) <= 0.005 + 1e-9
    assert abs(round_half_up_decimal(x) - x) <= 0.005 + 1e-9


@pytest.mark.parametrize("x", [1e30, -1e30, 1.3e137, 9.5e15, math.inf, -math.inf])
def test_rounding_a_huge_figure_gives_it_back(x: float) -> None:
    # a ratio of 1 over 7,5e-136 (counts typed in the wrong cells) is 1,3e139 %: Decimal's 28 digits could not
    # quantize it and the scorer raised InvalidOperation; a double this large has no fraction left to round
    assert round_half_up_binary(x) == x and round_half_up_decimal(x) == x
    assert math.isnan(round_half_up_decimal(math.nan)) and math.isnan(round_half_up_binary(math.nan))
    assert round_half_up_binary(2e15 + 0.5, 0) == 2e15 + 1  # below 2**53 a half is still decided, half up


def test_add_up_adds_left_to_right_on_every_python() -> None:
    """Ten times 0,1 added left to right is 0,9999999999999999 in binary (Python 3.11's sum() and the portals);
    Python 3.12's sum() compensates and gives 1,0. The bundled Windows Python is 3.12: the core adds with add_up so
    both give the same binary figure, and a total on a rounding half rounds the same way."""
    from xl_tthc.core.numbers import add_up

    assert add_up([0.1] * 10) == 0.9999999999999999
    assert add_up([]) == 0.0
