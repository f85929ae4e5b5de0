"""Service index, QĐ 766 as the national portal computes it in 2026 (framework sv766-national-2026).

Rules (research/legal.md §1.7): each metric score is rounded half-up to 2 decimals on the binary value of the
double (JavaScript toFixed); a group score is the sum of the ROUNDED metric scores; the payment group scores
the stated 2-decimal ratios; targets are 80 % (4.3, 3.5, 3.5b) and 90 % (5.3), the rest linear; 0/0 gives
full marks for the two PAKN metrics and the electronic certified copy, 0 for everything else.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import codes, score_data
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_tthc.core.engine.service_index import indicator_score
from xl_tthc.core.findings import Code
from xl_tthc.core.framework import get
from xl_tthc.core.numbers import round_half_up_binary

SV766 = "sv766-national-2026"


def nd(n: int, d: int) -> dict[str, int]:
    return {"numerator": n, "denominator": d}


# ---------------------------------------------------------------------------- the hand-computed unit
#
# Metric score = P × R / 100 (linear) or min(P, P × R / T) (target), R = 100 × n / d, then half-up (binary).
#
# Công khai, minh bạch (18)
#   1.1  P=6  1/7      R = 14,2857…   6 × 14,2857…/100 = 0,857142… → 0,86
#   1.2  P=4  77/82    R = 93,9024…   4 × 93,9024…/100 = 3,756097… → 3,76
#   1.3  P=2  5/16     R = 31,25      2 × 31,25/100    = 0,625 (exact in binary) → 0,63
#   1.4  P=6  343/400  R = 85,75      6 × 85,75/100    = 5,145 (stored 5,14499…) → 5,14
#   group = 0,86 + 3,76 + 0,63 + 5,14 = 10,39
#   (the unrounded sum 0,857143 + 3,756098 + 0,625 + 5,145 = 10,383240 would give 10,38)
# Tiến độ, kết quả giải quyết (20)
#   2.1  P=20 1080/1147 R = 94,1586…  20 × 94,1586…/100 = 18,831734… → 18,83
#   2.2  monitoring only, no input
#   group = 18,83
# Dịch vụ công trực tuyến (12)
#   3.1  P=12 301/400  R = 75,25      12 × 75,25/100 = 9,03
#   group = 9,03
# Thanh toán trực tuyến (10), on the stated 2-decimal ratios
#   3.6  P=6  linear     2573/12500 R = 20,584 → stated 20,58   6 × 20,58/100 = 1,2348 → 1,23
#        (on the unrounded ratio: 6 × 20,584/100 = 1,23504 → 1,24)
#   3.5  P=2  target 80  0/0 → 0 (a payment term with denominator 0 scores 0)
#   3.5b P=2  target 80  9/10 R = 90,00  min(2, 2 × 90/80 = 2,25) = 2
#   group = 1,23 + 0 + 2 = 3,23
# Số hóa hồ sơ (22)
#   4.1  P=6  3/4        R = 75       6 × 75/100 = 4,5
#   4.2  P=4  2112/10000 R = 21,12    4 × 21,12/100 = 0,8448 → 0,84 (legal.md: 21,12 % → 0,84, linear)
#   4.3  P=2  target 80  3/5 R = 60   min(2, 2 × 60/80) = 1,5
#   4.4  P=4  99/1000    R = 9,9      4 × 9,9/100 = 0,396 → 0,40 (legal.md: 9,9 % → 0,40)
#   4.5  P=2  0/0 → full 2 (electronic certified copy)
#   4.6  P=2  0/0 → 0 (others)
#   4.7  P=2  1/3        R = 33,33…   2 × 33,33…/100 = 0,6666… → 0,67
#   group = 4,5 + 0,84 + 1,5 + 0,40 + 2 + 0 + 0,67 = 9,91
# Mức độ hài lòng (18)
#   5.1  P=6  0/0 → full 6 (PAKN on time)
#   5.2  P=6  0/0 → full 6 (PAKN satisfaction)
#   5.3  P=6  target 90  85/100 R = 85   min(6, 6 × 85/90) = 5,6666… → 5,67
#   5.4, 5.5 monitoring only
#   group = 6 + 6 + 5,67 = 17,67
# Total = 10,39 + 18,83 + 9,03 + 3,23 + 9,91 + 17,67 = 69,06 → Trung bình (50 ≤ 69,06 < 70)

HAND_UNIT = {
    "indicators": {
        "1.1": nd(1, 7), "1.2": nd(77, 82), "1.3": nd(5, 16), "1.4": nd(343, 400),
        "2.1": nd(1080, 1147),
        "3.1": nd(301, 400),
        "3.6": nd(2573, 12500), "3.5": nd(0, 0), "3.5b": nd(9, 10),
        "4.1": nd(3, 4), "4.2": nd(2112, 10000), "4.3": nd(3, 5), "4.4": nd(99, 1000),
        "4.5": nd(0, 0), "4.6": nd(0, 0), "4.7": nd(1, 3),
        "5.1": nd(0, 0), "5.2": nd(0, 0), "5.3": nd(85, 100),
    }
}

HAND_METRICS = {
    # code: (unrounded score, shown)
    "1.1": (6 * (100 * 1 / 7) / 100, 0.86),
    "1.2": (4 * (100 * 77 / 82) / 100, 3.76),
    "1.3": (0.625, 0.63),
    "1.4": (5.145, 5.14),
    "2.1": (20 * (100 * 1080 / 1147) / 100, 18.83),
    "3.1": (9.03, 9.03),
    "3.6": (6 * 20.58 / 100, 1.23),
    "3.5": (0.0, 0.0),
    "3.5b": (2.0, 2.0),
    "4.1": (4.5, 4.5),
    "4.2": (0.8448, 0.84),
    "4.3": (1.5, 1.5),
    "4.4": (0.396, 0.40),
    "4.5": (2.0, 2.0),
    "4.6": (0.0, 0.0),
    "4.7": (2 / 3, 0.67),
    "5.1": (6.0, 6.0),
    "5.2": (6.0, 6.0),
    "5.3": (6 * 85 / 90, 5.67),
}

HAND_GROUPS = {
    "CKMB": (18, "10.39"),  # 0,86 + 3,76 + 0,63 + 5,14
    "TDGQ": (20, "18.83"),
    "DVCTT": (12, "9.03"),
    "TTTT": (10, "3.23"),  # 1,23 + 0 + 2
    "SHHS": (22, "9.91"),  # 4,5 + 0,84 + 1,5 + 0,40 + 2 + 0 + 0,67
    "MDHL": (18, "17.67"),  # 6 + 6 + 5,67
}


@pytest.fixture(scope="module")
def hand() -> Any:
    return score_data(SV766, HAND_UNIT, level="xa")


@pytest.mark.parametrize(("code", "score", "shown"), [(c, s, sh) for c, (s, sh) in HAND_METRICS.items()])
def test_766_hand_unit_metric(hand: Any, code: str, score: float, shown: float) -> None:
    item = hand.item(code)
    assert item.applicable
    assert item.score == pytest.approx(score)
    assert item.shown == shown


@pytest.mark.parametrize(("code", "group_max", "expected"), [(c, m, e) for c, (m, e) in HAND_GROUPS.items()])
def test_766_hand_unit_group(hand: Any, code: str, group_max: int, expected: str) -> None:
    g = hand.item(code)
    assert g.max == group_max
    assert g.score == pytest.approx(float(expected))
    assert g.shown == float(expected)


def test_766_hand_unit_total_and_band(hand: Any) -> None:
    assert hand.status == "scored"
    # 10,39 + 18,83 + 9,03 + 3,23 + 9,91 + 17,67 = 69,06
    expected = sum(Decimal(e) for _, e in HAND_GROUPS.values())
    assert expected == Decimal("69.06")
    assert hand.total == pytest.approx(69.06)
    assert hand.total_shown == 69.06
    assert hand.quy_doi == 69.06  # no conversion on the national portal
    assert hand.max_total == 100
    assert hand.applicable_max == 100  # monitoring-only 2.2, 5.4, 5.5 carry 0 points
    assert hand.band_label == "Trung bình"
    assert not [f for f in hand.findings if f.severity.value == "error"]


def test_766_monitoring_only_metrics_need_no_input(hand: Any) -> None:
    for code in ("2.2", "5.4", "5.5"):
        item = hand.item(code)
        assert not item.applicable
        assert item.score is None
    assert Code.MISSING_VALUE.value not in codes(hand.findings)


def test_766_group_is_the_sum_of_rounded_metrics_not_the_rounded_sum(hand: Any) -> None:
    # CKMB: rounded metrics sum to 10,39; rounding the unrounded sum would give 10,38
    unrounded = sum(HAND_METRICS[c][0] for c in ("1.1", "1.2", "1.3", "1.4"))
    assert unrounded == pytest.approx(10.383240, abs=1e-6)
    assert round_half_up_binary(unrounded) == 10.38
    assert hand.item("CKMB").shown == 10.39


def test_766_payment_group_uses_the_stated_two_decimal_ratio(hand: Any) -> None:
    item = hand.item("3.6")
    assert item.detail["ratio"] == 20.58  # 100 × 2573/12500 = 20,584 → stated 20,58
    assert item.shown == 1.23  # 6 × 20,58/100 = 1,2348
    assert round_half_up_binary(6 * 20.584 / 100) == 1.24  # what the unrounded ratio would give
    # other groups use the unrounded ratio: 2.1 keeps 94,1586…
    assert hand.item("2.1").detail["ratio"] == pytest.approx(100 * 1080 / 1147)


def test_766_stated_payment_ratio_input() -> None:
    # the portal publishes the payment ratios; as input they give the same scores as the counts
    data = {"indicators": {**HAND_UNIT["indicators"], "3.6": {"ratio": "20,58"}, "3.5b": {"ratio": 90}}}
    r = score_data(SV766, data)
    assert r.item("3.6").shown == 1.23
    assert r.item("3.5b").shown == 2
    assert r.item("TTTT").shown == 3.23


def test_766_online_service_group_from_the_published_ratio() -> None:
    # the portal publishes only the group ratio for online service: 12 × 75,25/100 = 9,03
    data = {"indicators": {**HAND_UNIT["indicators"], "3.1": {"ratio": "75,25"}}}
    r = score_data(SV766, data)
    assert r.item("3.1").shown == 9.03
    assert r.total == pytest.approx(69.06)


# ---------------------------------------------------------------------------- 0/0 policies


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("5.1", 6.0),  # PAKN on time: no PAKN → full 6
        ("5.2", 6.0),  # PAKN satisfaction: full 6
        ("4.5", 2.0),  # electronic certified copy: full 2
        ("5.3", 0.0),  # TTHC satisfaction: 0
        ("1.1", 0.0), ("1.2", 0.0), ("1.3", 0.0), ("1.4", 0.0), ("2.1", 0.0), ("3.1", 0.0),
        ("3.6", 0.0), ("3.5", 0.0), ("3.5b", 0.0),
        ("4.1", 0.0), ("4.2", 0.0), ("4.3", 0.0), ("4.4", 0.0), ("4.6", 0.0), ("4.7", 0.0),
    ],
)
def test_766_zero_over_zero(code: str, expected: float) -> None:
    data = {"indicators": {**HAND_UNIT["indicators"], code: nd(0, 0)}}
    r = score_data(SV766, data)
    item = r.item(code)
    assert item.applicable
    assert item.score == expected
    assert item.shown == expected
    assert not [f for f in r.findings if f.item == code]


def test_766_satisfaction_group_without_dossiers_or_pakn() -> None:
    # no PAKN and no dossiers: 6 + 6 + 0 = 12 of 18
    data = {"indicators": {**HAND_UNIT["indicators"], "5.1": nd(0, 0), "5.2": nd(0, 0), "5.3": nd(0, 0)}}
    assert score_data(SV766, data).item("MDHL").shown == 12


# ---------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("code", "ratio", "expected"),
    [
        ("4.3", 60, 1.5),  # target 80: 2 × 60/80
        ("4.3", 80, 2.0),  # reaches the target
        ("4.3", 95, 2.0),  # capped at P
        ("5.3", 45, 3.0),  # target 90: 6 × 45/90
        ("5.3", 90, 6.0),
        ("3.5", 40, 1.0),  # target 80: 2 × 40/80
        ("1.4", 50, 3.0),  # linear: 6 × 50/100
        ("2.1", 100, 20.0),
        ("2.1", 150, 20.0),  # a ratio above 100 never scores above P
    ],
)
def test_766_linear_and_target_rules(code: str, ratio: float, expected: float) -> None:
    ind = next(i for i in get(SV766).indicators() if i.code == code)
    assert indicator_score(ind, ratio) == pytest.approx(expected)


def test_766_metric_rounding_is_half_up_on_the_binary_value() -> None:
    r = score_data(SV766, {"indicators": {**HAND_UNIT["indicators"], "1.4": nd(343, 400)}})
    assert r.item("1.4").score == 5.145
    assert r.item("1.4").shown == 5.14  # not 5,15: 5,145 is stored as 5,14499…
    r = score_data(SV766, {"indicators": {**HAND_UNIT["indicators"], "1.3": nd(5, 16)}})
    assert r.item("1.3").shown == 0.63  # 0,625 is exact: half-up


def test_766_numerator_above_denominator_is_reported_and_capped() -> None:
    r = score_data(SV766, {"indicators": {**HAND_UNIT["indicators"], "4.4": nd(12, 10)}})
    assert r.item("4.4").score == 4  # 120 % → capped at P
    found = [f for f in r.findings if f.code is Code.NUMERATOR_ABOVE_DENOMINATOR]
    assert len(found) == 1
    assert found[0].item == "4.4"


def test_766_not_applicable_is_not_allowed() -> None:
    r = score_data(SV766, {"indicators": {**HAND_UNIT["indicators"], "4.4": "-"}})
    assert r.status == "invalid"
    assert [f.item for f in r.findings if f.code is Code.NOT_A_NUMBER] == ["4.4"]


def test_766_missing_metric_is_reported() -> None:
    indicators = dict(HAND_UNIT["indicators"])
    del indicators["2.1"]
    r = score_data(SV766, {"indicators": indicators})
    assert r.status == "invalid"
    assert [f.item for f in r.findings if f.code is Code.MISSING_VALUE] == ["2.1"]


def test_766_unit_without_data_is_not_scored() -> None:
    r = score_data(SV766, {})
    assert r.status == "not_scored"
    assert r.total is None


# ---------------------------------------------------------------------------- properties

SCORED = [i for i in get(SV766).indicators() if not i.monitoring_only]

COUNTS = st.integers(min_value=0, max_value=100_000)
INPUT = st.one_of(
    st.builds(nd, COUNTS, COUNTS),  # includes n > d and 0/0
    st.builds(lambda r: {"ratio": r}, st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)),
    st.builds(lambda s: {"score": s}, st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)),
    st.builds(lambda n, d: {"numerator": str(n), "denominator": f"{d:,}".replace(",", ".")}, COUNTS, COUNTS),
)


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({i.code: INPUT for i in SCORED}))
def test_766_no_score_above_its_maximum(inputs: dict[str, Any]) -> None:
    r = score_data(SV766, {"indicators": inputs})
    assert r.status == "scored"
    for item in r.items:
        if item.score is None:
            continue
        assert 0 <= item.score <= item.max
        assert 0 <= item.shown <= item.max
    for g in r.groups:
        assert 0 <= g.score <= g.max + 1e-9
    assert 0 <= r.total <= 100 + 1e-9
    assert 0 <= r.quy_doi <= 100


@settings(max_examples=200, deadline=None)
@given(
    code=st.sampled_from([i.code for i in SCORED]),
    d=st.integers(min_value=1, max_value=100_000),
    n1=st.integers(min_value=0, max_value=120_000),
    n2=st.integers(min_value=0, max_value=120_000),
)
def test_766_higher_numerator_never_lowers_the_score(code: str, d: int, n1: int, n2: int) -> None:
    lo, hi = sorted((n1, n2))
    a = score_data(SV766, {"indicators": {**HAND_UNIT["indicators"], code: nd(lo, d)}})
    b = score_data(SV766, {"indicators": {**HAND_UNIT["indicators"], code: nd(hi, d)}})
    assert b.item(code).score >= a.item(code).score
    assert b.item(code).shown >= a.item(code).shown
    assert b.total >= a.total


@settings(max_examples=200, deadline=None)
@given(
    code=st.sampled_from([i.code for i in SCORED]),
    r1=st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False),
    r2=st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False),
)
def test_indicator_score_is_monotonic_and_bounded(code: str, r1: float, r2: float) -> None:
    ind = next(i for i in SCORED if i.code == code)
    lo, hi = sorted((r1, r2))
    assert 0 <= indicator_score(ind, lo) <= indicator_score(ind, hi) <= ind.max
