"""Service index, Điện Biên QĐ 459/2023 variant: the 26 units of seed 002 (Báo cáo 405/BC-UBND, tháng 7/2023).

Every unit has 1.1 (5 đ) and 1.3 (10 đ) marked "-", so its applicable maximum is 100 − 15 = 85, except
Phòng Nội vụ (3.1 and 3.2 "-" as well: 85 − 20 = 65) and Phòng LĐTBXH (3.2 "-": 85 − 10 = 75).
Quy đổi = total / applicable maximum × 100, rounded half-up to 2 decimals; bands 90/80/70/50 on quy đổi.

Each total below is the hand sum of the unit's row in the appendix, in the order 1.2, 2.1, 3.1, 3.2, 4.1,
4.2, 5.1, 5.2, 5.3 ("-" left out). Where the seed's printed total is wrong, the comment says so.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import codes, d2, load_seed, only, score_data
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_tthc.core.document import parse_input
from xl_tthc.core.engine import assign_ranks, score_unit
from xl_tthc.core.findings import Code, Severity
from xl_tthc.core.framework import get

SV459 = "sv459-dienbien-2023"

XS, TOT, KHA, TB, YEU = "Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu"

# (name, level, hand total, applicable max, quy đổi, band, rank within level)
SEED002 = [
    # I. Các cơ quan chuyên môn (level "phong")
    # 4,81 + 23,45 + 5,16 + 5,60 + 1,26 + 5,33 + 5 + 5 + 3,33 = 58,94 (the seed prints 58,69);
    # 58,94/85 × 100 = 69,3411… → 69,34 (the seed's 69,34 is the quy đổi of 58,94, not of 58,69)
    ("Trung tâm QLĐĐ", "phong", "58.94", 85, "69.34", TB, 4),
    # 4,81 + 28,24 + 8,32 + 7,18 + 0,25 + 8,32 + 5 + 5 + 3,33 = 70,45; 70,45/85 × 100 = 82,8823… → 82,88
    ("Phòng Tư pháp", "phong", "70.45", 85, "82.88", TOT, 3),
    # 4,81 + 13,96 + 0 + 4,05 + 5 + 5 + 3,33 = 36,15; 36,15/65 × 100 = 55,6153… → 55,62 (seed: 55,61, truncated)
    ("Phòng Nội vụ", "phong", "36.15", 65, "55.62", TB, 5),
    # 4,81 + 30 + 10 + 1,66 + 10 + 5 + 5 + 3,33 = 69,80; 69,8/75 × 100 = 93,0666… → 93,07 (seed: 93,06, truncated)
    ("Phòng Lao động - Thương binh và Xã hội", "phong", "69.80", 75, "93.07", XS, 2),
    # 4,81 + 30 + 10 + 10 + 5 + 10 + 5 + 5 + 3,33 = 83,14; 83,14/85 × 100 = 97,8117… → 97,81
    ("Phòng Kinh tế và Hạ tầng", "phong", "83.14", 85, "97.81", XS, 1),
    # II. UBND các xã (level "xa")
    # 4,81 + 30 + 10 + 0 + 0 + 0,7 + 5 + 5 + 5 = 60,51; 60,51/85 × 100 = 71,1882… → 71,19
    ("UBND xã Hua Thanh", "xa", "60.51", 85, "71.19", KHA, 17),
    # 4,81 + 30 + 10 + 0 + 0 + 0,4 + 15 = 60,21; 60,21/85 × 100 = 70,8352… → 70,84 (correctly rounded in the seed)
    ("UBND xã Hẹ Muông", "xa", "60.21", 85, "70.84", KHA, 18),
    # 4,81 + 0 × 5 + 15 = 19,81; 19,81/85 × 100 = 23,3058… → 23,31
    ("UBND xã Mường Lói", "xa", "19.81", 85, "23.31", YEU, 19),
    # 4,81 + 30 + 10 + 3,48 + 5 + 2,6 + 15 = 70,89; 70,89/85 × 100 = 83,40 exactly
    ("UBND xã Mường Nhà", "xa", "70.89", 85, "83.40", TOT, 4),
    # 4,81 + 30 + 10 + 0 + 4,93 + 8 + 15 = 72,74; 72,74/85 × 100 = 85,5764… → 85,58
    ("UBND xã Mường Pồn", "xa", "72.74", 85, "85.58", TOT, 2),
    # as Mường Lói: 19,81 → 23,31
    ("UBND xã Na Tông", "xa", "19.81", 85, "23.31", YEU, 19),
    # 4,81 + 30 + 10 + 0 + 1 + 1,7 + 15 = 62,51; 62,51/85 × 100 = 73,5411… → 73,54
    ("UBND xã Na Ư", "xa", "62.51", 85, "73.54", KHA, 16),
    # 4,81 + 26,67 + 10 + 5,39 + 3,5 + 1 + 15 = 66,37; 66,37/85 × 100 = 78,0823… → 78,08
    ("UBND xã Noong Hẹt", "xa", "66.37", 85, "78.08", KHA, 11),
    # 4,81 + 30 + 10 + 0 + 5 + 1 + 15 = 65,81; 65,81/85 × 100 = 77,4235… → 77,42
    ("UBND xã Noong Luống", "xa", "65.81", 85, "77.42", KHA, 13),
    # 4,81 + 29,71 + 10 + 4,81 + 4,79 + 11,5 + 15 = 80,62 as printed, but 4.2 is at most 10:
    # 4,81 + 29,71 + 10 + 4,81 + 4,79 + 10 + 15 = 79,12; 79,12/85 × 100 = 93,0823… → 93,08, still Xuất sắc
    ("UBND xã Núa Ngam", "xa", "79.12", 85, "93.08", XS, 1),
    # 4,81 + 30 + 10 + 1,5 + 4,76 + 2,1 + 15 = 68,17; 68,17/85 × 100 = 80,20 exactly
    ("UBND xã Pa Thơm", "xa", "68.17", 85, "80.20", TOT, 8),
    # 4,81 + 30 + 10 + 0 + 5 + 0,4 + 15 = 65,21; 65,21/85 × 100 = 76,7176… → 76,72
    ("UBND xã Phu Luông", "xa", "65.21", 85, "76.72", KHA, 14),
    # 4,81 + 30 + 9,41 + 2,12 + 4,33 + 3,6 + 15 = 69,27; 69,27/85 × 100 = 81,4941… → 81,49
    ("UBND xã Pom Lót", "xa", "69.27", 85, "81.49", TOT, 6),
    # 4,81 + 30 + 10 + 6,67 + 4,17 + 1,2 + 15 = 71,85; 71,85/85 × 100 = 84,5294… → 84,53
    ("UBND xã Sam Mứn", "xa", "71.85", 85, "84.53", TOT, 3),
    # 4,81 + 30 + 9,72 + 0,31 + 4,76 + 4,2 + 15 = 68,80 (printed 68,8); 68,8/85 × 100 = 80,9411… → 80,94
    ("UBND xã Thanh An", "xa", "68.80", 85, "80.94", TOT, 7),
    # 4,81 + 30 + 10 + 0 + 4,84 + 3,1 + 15 = 67,75; 67,75/85 × 100 = 79,7058… → 79,71
    ("UBND xã Thanh Chăn", "xa", "67.75", 85, "79.71", KHA, 9),
    # 4,81 + 29,06 + 10 + 0,61 + 4,12 + 3,4 + 15 = 67,00 (printed 67); 67/85 × 100 = 78,8235… → 78,82
    ("UBND xã Thanh Hưng", "xa", "67.00", 85, "78.82", KHA, 10),
    # 4,81 + 30 + 10 + 1,25 + 4,87 + 3,8 + 3 × 3,33 = 64,72; 64,72/85 × 100 = 76,1411… → 76,14
    ("UBND xã Thanh Luông", "xa", "64.72", 85, "76.14", KHA, 15),
    # as Mường Lói: 19,81 → 23,31
    ("UBND xã Thanh Nưa", "xa", "19.81", 85, "23.31", YEU, 19),
    # 4,81 + 27,86 + 10 + 3,33 + 3,75 + 1,6 + 15 = 66,35; 66,35/85 × 100 = 78,0588… → 78,06
    ("UBND xã Thanh Xương", "xa", "66.35", 85, "78.06", KHA, 12),
    # 4,81 + 29,66 + 10 + 0,12 + 1,73 + 8,8 + 15 = 70,12; 70,12/85 × 100 = 82,4941… → 82,49
    ("UBND xã Thanh Yên", "xa", "70.12", 85, "82.49", TOT, 5),
]

# The seed's report text (section 1), names per band exactly as it lists them.
REPORT_BANDS = {
    "phong": {
        XS: ["Phòng Lao động - Thương binh và Xã hội", "Phòng Kinh tế và Hạ tầng"],  # "Lao động - Thương binh và Xã hội, Kinh tế và Hạ tầng"
        TOT: ["Phòng Tư pháp"],
        TB: ["Phòng Nội vụ", "Trung tâm QLĐĐ"],  # "Phòng Nội vụ, Trung tâm Quản lý Đất đai huyện"
    },
    "xa": {
        XS: ["Núa Ngam"],
        TOT: ["Mường Nhà", "Mường Pồn", "Pa Thơm", "Pom Lót", "Sam Mứn", "Thanh An", "Thanh Yên"],
        KHA: ["Hua Thanh", "Hẹ Muông", "Na Ư", "Noong Hẹt", "Noong Luống", "Phu Luông", "Thanh Hưng",
              "Thanh Chăn", "Thanh Luông", "Thanh Xương"],
        YEU: ["Mường Lói", "Na Tông", "Thanh Nưa"],
    },
}


def _units(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["unit"]["name"]: u for u in result["units"]}


def test_seed002_table_covers_all_26_units(seed002: dict[str, Any]) -> None:
    assert len(SEED002) == 26
    assert [u["unit"]["name"] for u in seed002["units"]] == [row[0] for row in SEED002]
    assert sum(1 for r in SEED002 if r[1] == "phong") == 5
    assert sum(1 for r in SEED002 if r[1] == "xa") == 21


@pytest.mark.parametrize(("name", "level", "total", "applicable_max", "quy_doi", "band", "rank"), SEED002)
def test_seed002_unit(
    seed002: dict[str, Any], name: str, level: str, total: str, applicable_max: int, quy_doi: str, band: str, rank: int
) -> None:
    u = _units(seed002)[name]
    assert u["unit"]["level"] == level
    assert u["status"] == "scored"
    assert u["total"] == pytest.approx(float(total))
    assert u["total_shown"] == pytest.approx(float(total))
    assert u["max_total"] == 100
    assert u["applicable_max"] == applicable_max
    # the hand quy đổi above is half-up of the exact decimal quotient
    assert d2(Decimal(total) / applicable_max * 100) == Decimal(quy_doi)
    assert u["quy_doi"] == pytest.approx(float(quy_doi))
    assert u["band"]["label"] == band
    assert u["rank"] == rank


def test_seed002_band_counts_and_names_match_the_report(seed002: dict[str, Any]) -> None:
    got: dict[str, dict[str, list[str]]] = {}
    for u in seed002["units"]:
        name = u["unit"]["name"].removeprefix("UBND xã ")
        got.setdefault(u["unit"]["level"], {}).setdefault(u["band"]["label"], []).append(name)
    for level, bands in REPORT_BANDS.items():
        assert {b: sorted(n) for b, n in got[level].items()} == {b: sorted(n) for b, n in bands.items()}
    # "02 đơn vị xếp loại Xuất sắc … 01 … Tốt … 02 … Trung bình"; "01 Xuất sắc, 07 Tốt, 10 Khá, 03 Yếu"
    assert {b: len(n) for b, n in got["phong"].items()} == {XS: 2, TOT: 1, TB: 2}
    assert {b: len(n) for b, n in got["xa"].items()} == {XS: 1, TOT: 7, KHA: 10, YEU: 3}


def test_seed002_ranks_are_competition_ranks_within_each_level(seed002: dict[str, Any]) -> None:
    units = _units(seed002)
    # the three communes at 23,31 share rank 19 of 21 (19, 19, 19; no 20 or 21)
    tied = [units[f"UBND xã {n}"]["rank"] for n in ("Mường Lói", "Na Tông", "Thanh Nưa")]
    assert tied == [19, 19, 19]
    xa_ranks = sorted(u["rank"] for u in seed002["units"] if u["unit"]["level"] == "xa")
    assert xa_ranks == [*range(1, 19), 19, 19, 19]
    phong_ranks = sorted(u["rank"] for u in seed002["units"] if u["unit"]["level"] == "phong")
    assert phong_ranks == [1, 2, 3, 4, 5]


def test_seed002_ranks_across_levels_when_asked() -> None:
    fw = get(SV459)
    _, units = parse_input(load_seed("seed002_sv459"))
    results = [score_unit(fw, u) for u in units]
    assign_ranks(results, by_level=False)
    by = {r.unit: r.rank for r in results}
    # one list of 26: 97,81 > 93,08 (Núa Ngam) > 93,07 (LĐTBXH) > …; the three 23,31 share rank 24
    assert by["Phòng Kinh tế và Hạ tầng"] == 1
    assert by["UBND xã Núa Ngam"] == 2
    assert by["Phòng Lao động - Thương binh và Xã hội"] == 3
    assert by["UBND xã Mường Lói"] == by["UBND xã Na Tông"] == by["UBND xã Thanh Nưa"] == 24
    assert by["Phòng Nội vụ"] == 23  # 55,62 is above only the three 23,31


# ---------------------------------------------------------------------------- findings


def test_seed002_stated_total_mismatch_trung_tam_qldd(seed002: dict[str, Any]) -> None:
    u = _units(seed002)["Trung tâm QLĐĐ"]
    found = only(u["findings"], Code.STATED_TOTAL_MISMATCH)
    assert len(found) == 1
    f = found[0]
    assert f["severity"] == Severity.ERROR.value
    assert f["value"] == pytest.approx(58.69)
    assert f["expected"] == pytest.approx(58.94)
    assert "58,69" in f["message"]
    assert "58,94" in f["message"]
    assert f["location"]["path"] == "units[0].data/stated/total"
    # "/85" is right: no maximum finding; 69,34 is the correctly rounded quy đổi of 58,94: no quy đổi finding
    assert Code.STATED_MAX_MISMATCH.value not in codes(u["findings"])
    assert Code.STATED_QUY_DOI_MISMATCH.value not in codes(u["findings"])
    assert Code.STATED_QUY_DOI_TRUNCATED.value not in codes(u["findings"])


def test_seed002_nua_ngam_score_above_max_is_capped(seed002: dict[str, Any]) -> None:
    u = _units(seed002)["UBND xã Núa Ngam"]
    above = only(u["findings"], Code.SCORE_ABOVE_MAX)
    assert len(above) == 1
    f = above[0]
    assert f["item"] == "4.2"
    assert f["severity"] == Severity.ERROR.value
    assert f["value"] == pytest.approx(11.5)
    assert f["expected"] == 10
    assert "11,5" in f["message"]
    item = next(i for i in u["items"] if i["code"] == "4.2")
    assert item["score"] == 10
    assert item["max"] == 10
    # the printed 80,62 includes the 1,5 points above the maximum: 80,62 − 1,5 = 79,12
    total = only(u["findings"], Code.STATED_TOTAL_MISMATCH)
    assert len(total) == 1
    assert total[0]["value"] == pytest.approx(80.62)
    assert total[0]["expected"] == pytest.approx(80.62 - 1.5)
    assert "4.2" in total[0]["message"]
    # the printed quy đổi 94,85 = 80,62/85 × 100; recomputed 79,12/85 × 100 = 93,08
    qd = only(u["findings"], Code.STATED_QUY_DOI_MISMATCH)
    assert len(qd) == 1
    assert qd[0]["value"] == pytest.approx(94.85)
    assert qd[0]["expected"] == pytest.approx(93.08)
    # "XS" is the short form of Xuất sắc, and the band did not change
    assert Code.STATED_BAND_MISMATCH.value not in codes(u["findings"])


def test_seed002_tu_phap_decimal_dot(seed002: dict[str, Any]) -> None:
    u = _units(seed002)["Phòng Tư pháp"]
    found = only(u["findings"], Code.AMBIGUOUS_DECIMAL)
    assert len(found) == 1
    f = found[0]
    assert f["item"] == "3.1"
    assert f["severity"] == Severity.WARNING.value
    assert f["value"] == "8.32"
    assert f["expected"] == pytest.approx(8.32)
    assert "8.32" in f["message"]
    assert "8,32" in f["message"]
    assert next(i for i in u["items"] if i["code"] == "3.1")["score"] == pytest.approx(8.32)
    # read as 8,32 the row adds up to the printed 70,45: no total finding
    assert codes(u["findings"]) == [Code.AMBIGUOUS_DECIMAL.value]
    # no other unit typed a decimal dot
    others = [x for x in seed002["units"] if x["unit"]["name"] != "Phòng Tư pháp"]
    assert all(Code.AMBIGUOUS_DECIMAL.value not in codes(x["findings"]) for x in others)


@pytest.mark.parametrize(
    ("name", "stated", "exact", "rounded"),
    [
        ("Phòng Nội vụ", 55.61, 36.15 / 65 * 100, 55.62),  # 55,6153…
        ("Phòng Lao động - Thương binh và Xã hội", 93.06, 69.8 / 75 * 100, 93.07),  # 93,0666…
    ],
)
def test_seed002_truncated_quy_doi(seed002: dict[str, Any], name: str, stated: float, exact: float, rounded: float) -> None:
    u = _units(seed002)[name]
    found = only(u["findings"], Code.STATED_QUY_DOI_TRUNCATED)
    assert len(found) == 1
    f = found[0]
    assert f["severity"] == Severity.INFO.value
    assert f["value"] == pytest.approx(stated)
    assert f["expected"] == pytest.approx(rounded)
    assert int(exact * 100) / 100 == pytest.approx(stated)  # the printed figure is the truncation
    assert fmt_comma(stated) in f["message"]
    assert fmt_comma(rounded) in f["message"]
    assert codes(u["findings"]) == [Code.STATED_QUY_DOI_TRUNCATED.value]


def fmt_comma(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def test_seed002_only_two_units_have_truncated_quy_doi(seed002: dict[str, Any]) -> None:
    # e.g. Hẹ Muông 70,8352… printed 70,84 and Mường Lói 23,3058… printed 23,31 are correctly rounded
    truncated = sorted(
        u["unit"]["name"] for u in seed002["units"] if Code.STATED_QUY_DOI_TRUNCATED.value in codes(u["findings"])
    )
    assert truncated == ["Phòng Lao động - Thương binh và Xã hội", "Phòng Nội vụ"]


def test_seed002_units_without_findings(seed002: dict[str, Any]) -> None:
    with_findings = {u["unit"]["name"] for u in seed002["units"] if u["findings"]}
    assert with_findings == {
        "Trung tâm QLĐĐ", "Phòng Tư pháp", "Phòng Nội vụ", "Phòng Lao động - Thương binh và Xã hội", "UBND xã Núa Ngam",
    }


# ---------------------------------------------------------------------------- properties

INDICATORS = [(i.code, i.max) for i in get(SV459).indicators()]


@st.composite
def _sv459_unit(draw: st.DrawFn) -> tuple[dict[str, Any], Decimal, Decimal]:
    """Random 2-decimal scores typed the Vietnamese way, some "-"; also the exact total and maximum."""
    data: dict[str, str] = {}
    total = Decimal(0)
    maximum = Decimal(0)
    for code, mx in INDICATORS:
        if draw(st.integers(0, 3)) == 0:
            data[code] = "-"
            continue
        cents = draw(st.integers(0, int(mx * 100)))
        data[code] = f"{cents // 100},{cents % 100:02d}"
        total += Decimal(cents) / 100
        maximum += Decimal(int(mx))
    return {"indicators": data}, total, maximum


@settings(max_examples=200, deadline=None)
@given(_sv459_unit())
def test_sv459_quy_doi_is_the_hand_rounded_quotient(unit: tuple[dict[str, Any], Decimal, Decimal]) -> None:
    data, total, maximum = unit
    r = score_data(SV459, data)
    if maximum == 0:
        assert r.status == "invalid"
        return
    assert r.total == pytest.approx(float(total))
    assert r.applicable_max == float(maximum)
    # half-up on the exact quotient, as a person writes it: 45,86/80 × 100 = 57,325 → 57,33
    assert Decimal(repr(r.quy_doi)) == d2(total / maximum * 100)
    assert 0 <= r.quy_doi <= 100


def test_sv459_quy_doi_exact_half() -> None:
    # With 85 or 65 applicable points a 2-decimal total never gives a quy đổi ending in exactly 5 at the
    # third decimal; with 80 it can. 1.1 (5), 1.3 (10) and 5.3 (5) "-": applicable 100 − 20 = 80.
    data = {"indicators": {"1.1": "-", "1.2": "2,02", "1.3": "-", "2.1": "20,06", "3.1": "3,24", "3.2": "6,36",
                           "4.1": "3,01", "4.2": "6,80", "5.1": "2,05", "5.2": "2,32", "5.3": "-"}}
    # 2,02 + 20,06 + 3,24 + 6,36 + 3,01 + 6,80 + 2,05 + 2,32 = 45,86; 45,86/80 × 100 = 57,325 → 57,33
    r = score_data(SV459, data)
    assert r.applicable_max == 80
    assert r.total == pytest.approx(45.86)
    assert r.quy_doi == 57.33


SCORE_TEXT = st.one_of(
    st.just("-"),
    st.decimals(min_value=0, max_value=50, places=2).map(lambda d: str(d).replace(".", ",")),
    st.floats(min_value=0, max_value=50, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({code: SCORE_TEXT for code, _ in INDICATORS}))
def test_sv459_no_score_above_max_and_quy_doi_in_0_100(scores: dict[str, Any]) -> None:
    r = score_data(SV459, {"indicators": scores})
    for item in r.items:
        if item.score is not None:
            assert 0 <= item.score <= item.max
            assert item.shown <= item.max
    for g in r.groups:
        if g.score is not None:
            assert g.score <= g.max + 1e-9
    if r.status == "scored":
        assert r.total <= r.applicable_max + 1e-9
        assert 0 <= r.quy_doi <= 100
    # every value above its maximum is reported
    above = {f.item for f in r.findings if f.code is Code.SCORE_ABOVE_MAX}
    for code, mx in INDICATORS:
        raw = scores[code]
        value = raw if isinstance(raw, float) else (None if raw == "-" else float(raw.replace(",", ".")))
        assert (value is not None and value > mx + 1e-9) == (code in above)


def test_sv459_every_indicator_not_applicable_is_an_error_not_a_score() -> None:
    # 11 indicators all "-": the applicable maximum is 0, so there is no total and no quy đổi (x/0)
    r = score_data(SV459, {"indicators": {code: "-" for code, _ in INDICATORS}}, name="Phòng Văn hóa")
    assert r.status == "invalid" and r.total is None and r.quy_doi is None and r.applicable_max == 0
    [f] = [f for f in r.findings if f.severity is Severity.ERROR]
    assert f.code is Code.INVALID_INPUT and f.location.path == "data/indicators/1.1"
    assert "«Phòng Văn hóa» đều ghi «-»" in f.message
