"""TTHC scoring (9 criteria × 2 points): seed 001 golden figures, collect-all findings, properties."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import codes, only, score_data
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_tthc.core.findings import Code, Severity

HUYEN = "tthc-dienbien-1187-2019-huyen"

# ---------------------------------------------------------------------------- seed 001, UBND cấp huyện
# Báo cáo 205/BC-UBND ngày 22/6/2021 (seed 001), appendix "UBND CẤP HUYỆN":
#   1.147 received (99 online + 1.047 direct + 1 carried), 1.132 resolved (1.033 early + 99 on time + 0 late).
#   Criteria 1, 2, 5: 1.033 at 2 points and 99 at 1 point over 1.132 dossiers.
CRIT_125 = (1033 * 2 + 99 * 1) / 1132  # = 2165/1132 = 1,912544…
CRIT_34 = (1132 * 2) / 1132  # = 2
TOTAL_001 = 3 * CRIT_125 + 2 * CRIT_34 + 2 + 2 + 2 + 1  # = 6495/1132 + 11 = 16,737632…

# (criterion, unrounded score, shown as printed in the seed's column "Điểm tự đánh giá")
SEED001_CRITERIA = [
    ("1", CRIT_125, 1.91),
    ("2", CRIT_125, 1.91),
    ("3", CRIT_34, 2.00),
    ("4", CRIT_34, 2.00),
    ("5", CRIT_125, 1.91),
    ("6", 2.0, 2),
    ("7", 2.0, 2),
    ("8", 2.0, 2),
    ("9", 1.0, 1),
]


def _unit(result: dict[str, Any]) -> dict[str, Any]:
    assert len(result["units"]) == 1
    return result["units"][0]


def _item(unit: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in unit["items"] if i["code"] == code)


def test_seed001_hand_figures_are_what_the_seed_prints() -> None:
    assert pytest.approx(1.9125441696) == CRIT_125
    assert round(CRIT_125, 2) == 1.91
    assert pytest.approx(16.7376325088) == TOTAL_001
    assert pytest.approx(6495 / 1132 + 11) == TOTAL_001


@pytest.mark.parametrize(("code", "score", "shown"), SEED001_CRITERIA)
def test_seed001_huyen_criterion_scores(seed001_huyen: dict[str, Any], code: str, score: float, shown: float) -> None:
    item = _item(_unit(seed001_huyen), code)
    assert item["max"] == 2
    assert item["score"] == pytest.approx(score)
    assert item["shown"] == pytest.approx(shown)


def test_seed001_huyen_total(seed001_huyen: dict[str, Any]) -> None:
    u = _unit(seed001_huyen)
    assert u["status"] == "scored"
    # total from unrounded criteria: 16,7376… → 16,74 (summing the shown 1,91 would give 16,73)
    assert u["total"] == pytest.approx(TOTAL_001)
    assert u["total_shown"] == pytest.approx(16.74)
    assert pytest.approx(16.73) == 3 * 1.91 + 2 + 2 + 2 + 2 + 2 + 1  # why the unrounded sum matters
    assert u["max_total"] == 18
    # provisional bands (15/12/9/6 on the 18-point scale): 16,74 ≥ 15
    assert u["band"]["code"] == "xuat_sac"


def test_seed001_huyen_counts_add_up(seed001_huyen: dict[str, Any]) -> None:
    u = _unit(seed001_huyen)
    # 99 + 1.047 + 1 = 1.147; 1.033 + 99 + 0 = 1.132; 1.132 + 15 + 0 = 1.147: no count finding
    assert Code.COUNTS_DO_NOT_ADD_UP.value not in codes(u["findings"])
    assert Code.CRITERION_COUNTS_MISMATCH.value not in codes(u["findings"])
    assert Code.STATED_SCORE_MISMATCH.value not in codes(u["findings"])  # 1,91 / 2,00 / 2 all match
    assert Code.STATED_TOTAL_MISMATCH.value not in codes(u["findings"])  # 16,74 matches
    counts = u["extra"]["counts"]
    assert counts["received_total"] == 1147
    assert counts["received_direct"] == 1047
    assert counts["resolved_total"] == 1132


def test_seed001_huyen_criterion_9_contradicts_online_share(seed001_huyen: dict[str, Any]) -> None:
    u = _unit(seed001_huyen)
    found = only(u["findings"], Code.LEVEL_CONTRADICTS_DATA)
    assert len(found) == 1
    f = found[0]
    assert f["item"] == "9"
    assert f["severity"] == Severity.WARNING.value
    assert f["value"] == 1  # the level marked "x"
    assert f["expected"] == 0  # 99/1.147 = 8,63 % < 15 %: at most 0 points
    assert pytest.approx(8.6312, abs=1e-4) == 99 / 1147 * 100
    msg = f["message"]
    assert "99/1.147" in msg
    assert "8,63" in msg
    assert "1.147" in msg
    # corrected total: 16,7376 − 1 + 0 = 15,7376 → 15,74
    assert "15,74" in msg
    assert _item(u, "9")["detail"]["data_ratio_percent"] == pytest.approx(99 / 1147 * 100)


# ---------------------------------------------------------------------------- seed 001, UBND cấp xã


def test_seed001_xa_counts_do_not_add_up(seed001_xa: dict[str, Any]) -> None:
    u = _unit(seed001_xa)
    found = only(u["findings"], Code.COUNTS_DO_NOT_ADD_UP)
    # only the received split is wrong: 3.773 + 11.428 + 0 = 15.201 and 15.201 + 49 + 0 = 15.250 hold
    assert len(found) == 1
    f = found[0]
    assert f["severity"] == Severity.ERROR.value
    assert f["expected"] == 15250
    assert f["value"] == 36 + 115213 + 1  # = 115.250
    msg = f["message"]
    assert "15.250" in msg
    assert "115.213" in msg
    assert "36 + 115.213 + 1" in msg
    assert "115.250" in msg
    # the typo hint: 15.250 − 36 − 1 = 15.213
    assert 15250 - 36 - 1 == 15213
    assert "15.213" in msg.replace("115.213", "")
    assert f["location"]["path"] == "units[0].data/counts/received_total"


def test_seed001_xa_has_no_criteria_so_it_is_not_scored_as_valid(seed001_xa: dict[str, Any]) -> None:
    # the seed has only the summary counts for the communes, no per-criterion appendix
    u = _unit(seed001_xa)
    assert u["status"] == "invalid"
    assert u["total"] is None
    # criterion 1 still takes its levels from the resolved counts: (3.773×2 + 11.428×1)/15.201
    assert _item(u, "1")["score"] == pytest.approx((3773 * 2 + 11428 * 1) / 15201)
    assert codes(u["findings"]).count(Code.LEVEL_NOT_CHOSEN.value) == 4  # criteria 6–9


# ---------------------------------------------------------------------------- collect-all


def _good_tthc_data() -> dict[str, Any]:
    return {
        "counts": {
            "received_total": 10, "received_online": 4, "received_direct": 6, "received_carried": 0,
            "resolved_total": 10, "resolved_before": 5, "resolved_on_time": 5, "resolved_late": 0,
            "in_progress_on_time": 0, "in_progress_late": 0,
        },
        "criteria": {
            **{c: {"counts": {"a": 5, "b": 5, "c": 0}} for c in ("1", "2", "3", "4", "5")},
            **{c: {"marks": {"a": "x"}} for c in ("6", "7", "8", "9")},
        },
    }


def test_good_tthc_input_has_no_errors() -> None:
    r = score_data(HUYEN, _good_tthc_data(), level="huyen")
    assert r.status == "scored"
    # criteria 1–5: (5×2 + 5×1)/10 = 1,5 each; 6–9: 2 each
    assert r.total == pytest.approx(5 * 1.5 + 4 * 2)
    assert not [f for f in r.findings if f.severity is Severity.ERROR]


def test_collect_all_reports_every_problem_at_once() -> None:
    data = _good_tthc_data()
    data["counts"]["resolved_late"] = -3  # negative count
    data["criteria"]["2"]["counts"]["b"] = "năm"  # text in a number cell
    data["criteria"]["7"]["marks"] = {"a": "x", "b": "x"}  # two "x" in one criterion
    data["criteria"]["8"]["marks"] = {}  # none in another
    data["criteria"]["3"]["counts"]["c"] = "#REF!"  # an Excel error value
    r = score_data(HUYEN, data, level="huyen")
    got = codes(r.findings)
    for code in (Code.NEGATIVE_VALUE, Code.NOT_A_NUMBER, Code.LEVEL_CHOSEN_TWICE, Code.LEVEL_NOT_CHOSEN, Code.ERROR_VALUE):
        assert code.value in got, code
    by = {f.code: f for f in r.findings}
    assert by[Code.LEVEL_CHOSEN_TWICE].item == "7"
    assert by[Code.LEVEL_NOT_CHOSEN].item == "8"
    assert by[Code.NOT_A_NUMBER].item == "2"
    assert by[Code.NOT_A_NUMBER].value == "năm"
    assert by[Code.ERROR_VALUE].item == "3"
    assert by[Code.NEGATIVE_VALUE].value == -3
    assert by[Code.NEGATIVE_VALUE].location.path == "data/counts/resolved_late"
    assert by[Code.LEVEL_CHOSEN_TWICE].location.path == "data/criteria/7/marks/a"
    assert "2 mức" in by[Code.LEVEL_CHOSEN_TWICE].message
    assert all(f.unit == "Đơn vị thử" for f in r.findings)
    # the unit cannot be totalled, but it is not rejected: criteria without problems are still scored
    assert r.status == "invalid"
    assert r.total is None
    assert r.item("1").score == pytest.approx(1.5)
    assert r.item("7").score is None
    assert r.item("8").score is None
    assert r.item("6").score == 2


# ---------------------------------------------------------------------------- properties

COUNT = st.integers(min_value=0, max_value=5000)


def _weighted_data(levels: dict[str, tuple[int, int, int]], marks: dict[str, str]) -> dict[str, Any]:
    return {
        "criteria": {
            **{c: {"counts": {"a": a, "b": b, "c": cc}} for c, (a, b, cc) in levels.items()},
            **{c: {"marks": {m: "x"}} for c, m in marks.items()},
        }
    }


@settings(max_examples=200, deadline=None)
@given(
    levels=st.fixed_dictionaries({c: st.tuples(COUNT, COUNT, COUNT) for c in ("1", "2", "3", "4", "5")}),
    marks=st.fixed_dictionaries({c: st.sampled_from("abc") for c in ("6", "7", "8", "9")}),
)
def test_no_tthc_score_above_its_maximum(levels: dict[str, tuple[int, int, int]], marks: dict[str, str]) -> None:
    r = score_data(HUYEN, _weighted_data(levels, marks))
    for item in r.items:
        if item.score is None:
            assert sum(levels[item.code]) == 0  # only an empty criterion has no score
            continue
        assert 0 <= item.score <= item.max == 2
        assert 0 <= item.shown <= 2
    if r.total is not None:
        assert 0 <= r.total <= 18
        assert r.total_shown <= 18


@settings(max_examples=200, deadline=None)
@given(
    a=COUNT, b=COUNT, c=COUNT,
    move=st.sampled_from([("c", "b"), ("b", "a"), ("c", "a")]),
    k=st.integers(min_value=1, max_value=5000),
    crit=st.sampled_from(["1", "2", "3", "4", "5"]),
)
def test_moving_dossiers_to_a_better_level_never_lowers_the_score(
    a: int, b: int, c: int, move: tuple[str, str], k: int, crit: str
) -> None:
    before = {"a": a, "b": b, "c": c}
    src, dst = move
    k = min(k, before[src])
    after = dict(before)
    after[src] -= k
    after[dst] += k
    data = {"criteria": {crit: {"counts": before}}}
    s0 = score_data(HUYEN, data).item(crit)
    data = {"criteria": {crit: {"counts": after}}}
    s1 = score_data(HUYEN, data).item(crit)
    if a + b + c == 0:
        assert s0.score is None and s1.score is None
        return
    assert s1.score >= s0.score - 1e-12
    assert s1.shown >= s0.shown


@settings(max_examples=200, deadline=None)
@given(a=COUNT, b=COUNT, c=COUNT)
def test_weighted_criterion_is_the_points_weighted_average(a: int, b: int, c: int) -> None:
    if a + b + c == 0:
        return
    r = score_data(HUYEN, {"criteria": {"2": {"counts": {"a": a, "b": b, "c": c}}}})
    assert r.item("2").score == pytest.approx((2 * a + 1 * b + 0 * c) / (a + b + c))
