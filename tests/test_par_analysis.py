"""PAR analysis (core.par_analysis) against seed 003 (district letter, Tuần Giáo 2019) and seed 004 (province 2020).

Expected figures are the ones the seed prints, or hand arithmetic written next to the assertion.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import load_seed

from xl_tthc.core.document import parse_input
from xl_tthc.core.engine import score_unit
from xl_tthc.core.framework import get
from xl_tthc.core.model import UnitInput
from xl_tthc.core.numbers import fmt_vn
from xl_tthc.core.par_analysis import ParAnalysis, analyse, analyse_many, percent


def _analyse_seed(name: str, *, with_stated: bool = True) -> ParAnalysis:
    doc = load_seed(name)
    fw, units = parse_input(doc)
    result = score_unit(fw, units[0])
    a = analyse(fw, result, stated=units[0].data.get("stated") if with_stated else {})
    assert a is not None
    return a


@pytest.fixture(scope="module")
def seed003() -> ParAnalysis:
    return _analyse_seed("seed003_par_huyen_2019")


def test_seed003_total_and_points_not_reached(seed003: ParAnalysis) -> None:
    # "Kết quả huyện Tuần Giáo đạt 79,42/100 điểm" … "Điểm chưa đạt là 20,58/100 điểm"
    assert seed003.total == pytest.approx(79.415)  # Σ of the 15 leaves
    assert seed003.total_shown == 79.42
    assert seed003.max_total == 100
    assert seed003.percent == 79.42
    assert seed003.lost == 20.58  # 100 - 79,42, as the letter computes it (not 100 - 79,415)
    assert fmt_vn(seed003.lost) == "20,58"


def test_seed003_split_uses_the_published_figures(seed003: ParAnalysis) -> None:
    # "Điểm đánh giá kết quả triển khai thực hiện CCHC đạt 52,02/68,5 tương đương 75,94%"
    impl = seed003.implementation
    assert (impl.shown, impl.max, impl.percent) == (52.02, 68.5, 75.94)
    # the fields add up to 51,98 (README of tests/data: the province published 79,42 - 27,4 = 52,02)
    assert impl.achieved == 51.98
    assert impl.computed_percent == 75.88  # 51,98 / 68,5 = 75,883…
    assert impl.stated_matches is False
    # "Điểm đánh giá thông qua điều tra xã hội học đạt 27,4/31,5 tương đương 86,98 %"
    survey = seed003.survey
    assert (survey.shown, survey.max, survey.percent) == (27.4, 31.5, 86.98)
    assert survey.achieved == 27.435  # Σ of the .XHH leaves; 27,4 is that figure at one decimal
    assert survey.stated_matches is True


def test_percent_is_rounded_half_up() -> None:
    assert percent(52.02, 68.5) == 75.94  # 75,9416…
    assert percent(27.4, 31.5) == 86.98  # 86,9841…
    assert percent(1, 8) == 12.5
    assert percent(1, 0) is None


def test_seed003_without_published_figures_uses_computed_ones() -> None:
    a = _analyse_seed("seed003_par_huyen_2019", with_stated=False)
    assert (a.implementation.shown, a.implementation.percent) == (51.98, 75.88)
    assert (a.survey.shown, a.survey.percent) == (27.435, 87.10)  # 27,435 / 31,5 = 87,095…


def test_seed003_points_per_field_as_the_letter_lists_them(seed003: ParAnalysis) -> None:
    # "Lĩnh vực 1: … đạt 14,076/16,5 điểm; trong đó Điều tra xã hội học đạt 2,326/3 điểm." etc.
    got = [(f.code, f.achieved, f.max, f.survey_achieved, f.survey_max) for f in seed003.fields]
    assert got == [
        ("1", 14.076, 16.5, 2.326, 3),
        ("2", 7.013, 7.5, 1.513, 2),
        ("3", 8.5, 8.5, 0, 0),
        ("4", 4.73, 6.5, 1.5, 2),
        ("5", 11.246, 15, 3.496, 4.5),
        ("6", 6.24, 9, 1.74, 2.5),
        ("7", 11.61, 21, 1.86, 2.5),
        ("8", 16, 16, 15, 15),
    ]


def test_seed003_lost_by_field_largest_first(seed003: ParAnalysis) -> None:
    # 21 - 11,61 = 9,39; 15 - 11,246 = 3,754; 9 - 6,24 = 2,76; 16,5 - 14,076 = 2,424; 6,5 - 4,73 = 1,77;
    # 7,5 - 7,013 = 0,487; fields 3 and 8 lost nothing. Σ = 20,585 (= 100 - 79,415).
    got = [(f.code, f.lost) for f in seed003.lost_by_field]
    assert got == [("7", 9.39), ("5", 3.754), ("6", 2.76), ("1", 2.424), ("4", 1.77), ("2", 0.487)]
    assert sum(f.lost for f in seed003.lost_by_field) == pytest.approx(20.585)


def test_seed003_lost_by_criterion_largest_first(seed003: ParAnalysis) -> None:
    got = [(c.code, c.lost) for c in seed003.lost_by_criterion]
    # 7.TH: 18,5 - 9,75 = 8,75 (the largest single loss); 4.XHH: 2 - 1,5 = 0,5; 2.XHH: 2 - 1,513 = 0,487
    assert got[0] == ("7.TH", 8.75)
    assert got[1] == ("5.TH", 2.75)  # 10,5 - 7,75
    assert got[-1] == ("2.XHH", 0.487)
    assert [x for _, x in got] == sorted((x for _, x in got), reverse=True)
    assert {c.field_code for c in seed003.lost_by_criterion} == {"1", "2", "4", "5", "6", "7"}


def test_seed003_deduction_and_final_score(seed003: ParAnalysis) -> None:
    # "Huyện Tuần Giáo bị trừ 8,90 điểm": 79,42 - 8,9 = 70,52
    assert [d.amount for d in seed003.deductions] == [8.9]
    assert "1030-TB/TU" in seed003.deductions[0].reason
    assert seed003.final == 70.52


def _seed003_unit(name: str, th7: float, deduction: float | None) -> tuple[Any, UnitInput]:
    doc = copy.deepcopy(load_seed("seed003_par_huyen_2019"))
    data = doc["units"][0]["data"]
    data["rows"]["7.TH"]["appraised"] = th7
    data.pop("stated")
    if deduction is None:
        data.pop("deductions")
    else:
        data["deductions"][0]["amount"] = deduction
    fw = get(doc["framework"])
    return fw, UnitInput(name=name, level="huyen", data=data, period="2019")


def test_ranking_by_total_and_by_final_score() -> None:
    # Like seed 003 ("xếp thứ 3/10 … bị trừ 8,90 điểm … xếp thứ 8/10"), on three units:
    # A = seed 003: 79,42, final 70,52; B: 7.TH 14,75 (+5) -> 84,42, no deduction; C: 7.TH 4,75 (-5) -> 74,42.
    fw, a_in = _seed003_unit("UBND huyện A", 9.75, 8.9)
    _, b_in = _seed003_unit("UBND huyện B", 14.75, None)
    _, c_in = _seed003_unit("UBND huyện C", 4.75, None)
    results = [score_unit(fw, u) for u in (a_in, b_in, c_in)]
    analyses = {x.unit: x for x in analyse_many(fw, results)}
    assert [(u, x.total_shown, x.final) for u, x in analyses.items()] == [
        ("UBND huyện B", 84.42, 84.42),
        ("UBND huyện A", 79.42, 70.52),
        ("UBND huyện C", 74.42, 74.42),
    ]
    assert {u: (x.rank, x.final_rank, x.of) for u, x in analyses.items()} == {
        "UBND huyện B": (1, 1, 3),
        "UBND huyện A": (2, 3, 3),  # second by total, last after the deduction
        "UBND huyện C": (3, 2, 3),
    }


def test_a_single_unit_has_no_rank(seed003: ParAnalysis) -> None:
    assert seed003.rank is None and seed003.of is None  # analysed alone, not ranked among others


def test_a_lone_unit_ranked_together_is_first_of_one() -> None:
    # the one PAR unit of a report: 1st of 1 by total (79,42) and by final score (79,42 - 8,90 = 70,52), as the
    # summary workbook ranks it
    fw, a_in = _seed003_unit("UBND huyện A", 9.75, 8.9)
    [a] = analyse_many(fw, [score_unit(fw, a_in)])
    assert (a.total_shown, a.final, a.rank, a.final_rank, a.of) == (79.42, 70.52, 1, 1, 1)


@pytest.fixture(scope="module")
def seed004() -> ParAnalysis:
    return _analyse_seed("seed004_par_tinh_2020")


def test_seed004_self_assessed_versus_appraised(seed004: ParAnalysis) -> None:
    # tests/data/README.md, "Oddities": 1.5 self 2 -> 1,5; 5.6 1 -> 0,9; 6.1.1 0,7904 -> 0,7664; 1.6 0 -> 1,28
    diffs = {d.code: (d.self_score, d.appraised, d.difference) for d in seed004.differences}
    assert diffs == {
        "1.5": (2, 1.5, -0.5),
        "1.6": (0, 1.28, 1.28),
        "5.6": (1, 0.9, -0.1),
        "6.1.1": (0.7904, 0.7664, -0.024),
    }
    assert [d.code for d in seed004.cuts] == ["1.5", "5.6", "6.1.1"]  # largest cut first; 1.6 was raised


def test_seed004_every_self_scored_row_has_an_explanation(seed004: ParAnalysis) -> None:
    assert seed004.unsupported == []
    # Σ appraised over all leaves = 84,68919 (README), implementation part 56,9527 + survey 27,73649
    assert seed004.total == pytest.approx(84.68919)
    assert seed004.implementation.achieved == 56.9527
    assert seed004.survey.achieved == 27.73649


def test_rows_without_explanation_or_evidence_are_listed() -> None:
    doc = copy.deepcopy(load_seed("seed004_par_tinh_2020"))
    rows = doc["units"][0]["data"]["rows"]
    del rows["1.5"]["explanation"]  # self 2, now with neither explanation nor evidence
    rows["5.6"]["explanation"] = "   "  # blank text counts as none
    rows["5.6"]["evidence"] = "QĐ số 12/QĐ-UBND"  # … but evidence is enough
    fw, units = parse_input(doc)
    a = analyse(fw, score_unit(fw, units[0]))
    assert a is not None
    assert [(u.code, u.self_score, u.appraised) for u in a.unsupported] == [("1.5", 2, 1.5)]


def test_not_scored_and_other_kinds_give_nothing() -> None:
    fw = get("par-dienbien-huyen-2019")
    empty = score_unit(fw, UnitInput(name="UBND huyện X", data={"rows": {}}))
    assert empty.status == "not_scored"
    assert analyse(fw, empty) is None
    sv = get("sv459-dienbien-2023")
    r = score_unit(sv, UnitInput(name="Phòng Y", data={"indicators": {"1.1": "5"}}))
    assert analyse(sv, r) is None


def test_to_dict_is_plain_json(seed003: ParAnalysis) -> None:
    import json

    d = seed003.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["implementation"]["percent"] == 75.94
    assert d["lost_by_field"][0] == {
        "code": "7",
        "title": "Hiện đại hóa hành chính",
        "max": 21,
        "achieved": 11.61,
        "lost": 9.39,
    }
