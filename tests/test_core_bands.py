"""Band edges 90 / 80 / 70 / 50 are inclusive (QĐ 766: Xuất sắc từ 90; Tốt từ 80 đến dưới 90; …)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import score_data
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_tthc.core.framework import get

FRAMEWORKS = ["sv766-national-2026", "sv459-dienbien-2023"]

EDGES = [
    (100, "xuat_sac"),
    (90, "xuat_sac"),
    (89.99, "tot"),
    (80, "tot"),
    (79.99, "kha"),
    (70, "kha"),
    (69.99, "trung_binh"),
    (50, "trung_binh"),
    (49.99, "yeu"),
    (0, "yeu"),
]


def expected_band(value: Decimal) -> str:
    if value >= 90:
        return "xuat_sac"
    if value >= 80:
        return "tot"
    if value >= 70:
        return "kha"
    if value >= 50:
        return "trung_binh"
    return "yeu"


@pytest.mark.parametrize("fid", FRAMEWORKS)
@pytest.mark.parametrize(("value", "code"), EDGES)
def test_band_edges_are_inclusive(fid: str, value: float, code: str) -> None:
    bands = get(fid).bands
    assert bands is not None
    assert bands.classify(value).code == code


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_band_labels_and_aliases(fid: str) -> None:
    bands = get(fid).bands
    assert bands is not None
    assert [b.label for b in bands.items] == ["Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu"]
    assert bands.find("XS").code == "xuat_sac"
    assert bands.find("TB").code == "trung_binh"
    assert bands.find("Kém").code == "yeu"
    assert bands.find(" tốt ").code == "tot"
    assert bands.find("Giỏi") is None


def test_band_scales() -> None:
    assert get("sv766-national-2026").bands.scale == "total"
    assert get("sv459-dienbien-2023").bands.scale == "quy_doi"


@settings(max_examples=200, deadline=None)
@given(cents=st.integers(min_value=0, max_value=10000), fid=st.sampled_from(FRAMEWORKS))
def test_band_of_any_two_decimal_figure(cents: int, fid: str) -> None:
    value = Decimal(cents) / 100
    assert get(fid).bands.classify(float(value)).code == expected_band(value)


# ---------------------------------------------------------------------------- through the engine

SV766_SCORED = [[i.code for i in g.indicators if not i.monitoring_only] for g in get("sv766-national-2026").groups]
SV766_MAX = {i.code: i.max for i in get("sv766-national-2026").indicators()}


def _sv766_scores(scores: dict[str, str]) -> dict[str, Any]:
    return {"indicators": {c: {"score": v} for c, v in scores.items()}}


def test_766_total_of_exactly_50_is_trung_binh() -> None:
    # Published metric scores (2 decimals) that add up to exactly 50,00:
    #   CKMB 4,03 + 1,61 + 0,44 + 1,28 = 7,36; TDGQ 18,63; DVCTT 1,75; TTTT 2,70 + 1,00 + 1,14 = 4,84;
    #   SHHS 3,84 + 1,68 + 0,31 + 1,71 + 1,27 + 0,90 + 1,81 = 11,52; MDHL 2,11 + 0,46 + 3,33 = 5,90
    #   total = 7,36 + 18,63 + 1,75 + 4,84 + 11,52 + 5,90 = 50,00 → Trung bình (50 is inclusive)
    # Added up as doubles the total is 49,99999999999999, which must not fall to Yếu.
    values = [
        ["4.03", "1.61", "0.44", "1.28"], ["18.63"], ["1.75"], ["2.70", "1.00", "1.14"],
        ["3.84", "1.68", "0.31", "1.71", "1.27", "0.90", "1.81"], ["2.11", "0.46", "3.33"],
    ]
    assert sum(Decimal(v) for g in values for v in g) == Decimal("50.00")
    scores = {c: float(v) for cs, vs in zip(SV766_SCORED, values, strict=True) for c, v in zip(cs, vs, strict=True)}
    r = score_data("sv766-national-2026", _sv766_scores(scores))
    assert r.total_shown == 50.0
    assert r.total == 50.0
    assert r.band_code == "trung_binh"


@st.composite
def _sv766_two_decimal_scores(draw: st.DrawFn) -> tuple[dict[str, float], Decimal]:
    scores: dict[str, float] = {}
    exact = Decimal(0)
    for code, mx in SV766_MAX.items():
        if mx == 0:
            continue
        cents = draw(st.integers(0, int(mx * 100)))
        scores[code] = cents / 100
        exact += Decimal(cents) / 100
    return scores, exact


@settings(max_examples=200, deadline=None)
@given(_sv766_two_decimal_scores())
def test_766_band_of_the_exact_total(unit: tuple[dict[str, float], Decimal]) -> None:
    scores, exact = unit
    r = score_data("sv766-national-2026", _sv766_scores(scores))
    assert Decimal(repr(r.total_shown)) == exact
    assert r.band_code == expected_band(exact)


@pytest.mark.parametrize(
    ("s21", "band"),
    [
        # 2.1 decides the edge; the other metrics give 1.2 4,81 + 5.1 5 + 5.2 5 + 5.3 5 + 3.1 10 + 3.2 10 + 4.1 5
        # + 4.2 10 = 54,81 of 85 applicable (1.1, 1.3 "-").
        ("21,69", "xuat_sac"),  # 54,81 + 21,69 = 76,50; 76,5/85 × 100 = 90,00 exactly
        ("21,68", "tot"),  # 76,49/85 × 100 = 89,9882… → 89,99
        ("13,19", "tot"),  # 68,00/85 × 100 = 80,00 exactly
        ("13,18", "kha"),  # 67,99/85 × 100 = 79,9882… → 79,99
        ("4,69", "kha"),  # 59,50/85 × 100 = 70,00 exactly
        ("4,68", "trung_binh"),  # 59,49/85 × 100 = 69,9882… → 69,99
    ],
)
def test_459_band_edges_on_quy_doi(s21: str, band: str) -> None:
    data = {"indicators": {"1.1": "-", "1.2": "4,81", "1.3": "-", "2.1": s21, "3.1": "10", "3.2": "10",
                           "4.1": "5", "4.2": "10", "5.1": "5", "5.2": "5", "5.3": "5"}}
    r = score_data("sv459-dienbien-2023", data)
    assert r.applicable_max == 85
    assert r.band_code == band


def test_459_band_edge_50_on_quy_doi() -> None:
    # 42,50/85 × 100 = 50,00 exactly → Trung bình; 42,49/85 × 100 = 49,9882… → 49,99 → Yếu
    base = {"1.1": "-", "1.2": "0", "1.3": "-", "3.1": "10", "3.2": "10", "4.1": "0", "4.2": "0",
            "5.1": "0", "5.2": "0", "5.3": "0"}
    r = score_data("sv459-dienbien-2023", {"indicators": {**base, "2.1": "22,50"}})
    assert r.quy_doi == 50.0
    assert r.band_code == "trung_binh"
    r = score_data("sv459-dienbien-2023", {"indicators": {**base, "2.1": "22,49"}})
    assert r.quy_doi == 49.99
    assert r.band_code == "yeu"
