"""Real-time service index (QĐ 766/QĐ-TTg and provincial variants such as Điện Biên QĐ 459/2023).

Each indicator is scored from a numerator and denominator, a stated ratio or a stated score:
linear ``P × R / 100`` or target ``min(P, P × R / T)``. Frameworks say whether metric scores are rounded
before the groups are summed (the national portal does), how a 0/0 indicator scores, and whether "-"
(not applicable) indicators are dropped and the total converted to /100 (quy đổi).
"""

from __future__ import annotations

import math
from typing import Any

from xl_tthc.core.engine._values import (
    NA,
    Reader,
    matches_stated,
    new_result,
    note_foreign_digits,
    parsed,
    read_cleanly,
)
from xl_tthc.core.findings import Code, Findings, Severity
from xl_tthc.core.framework import Framework, Group, Indicator
from xl_tthc.core.memo import per_object
from xl_tthc.core.model import ItemResult, UnitInput, UnitResult
from xl_tthc.core.numbers import ROUNDERS, add_up, fmt_vn, truncate
from xl_tthc.core.records import record


def indicator_score(ind: Indicator, ratio: float) -> float:
    """Score of one indicator from its ratio in percent (multiplication before division, capped at P)."""
    if ind.rule == "target" and ind.target:
        return min(ind.max, ind.max * ratio / ind.target)
    return min(ind.max, ind.max * ratio / 100)


@record(frozen=True)
class _Ind:
    """One indicator with the keys and label its findings use, worked out once per framework."""

    ind: Indicator
    base: str  # indicators/<code>
    label: str

    @property
    def code(self) -> str:
        return self.ind.code


@per_object
def _plan(fw: Framework) -> tuple[tuple[Group, tuple[_Ind, ...]], ...]:
    return tuple(
        (
            grp,
            tuple(
                _Ind(ind, f"indicators/{ind.code}", f"Chỉ số {ind.code} – {ind.short or ind.title}")
                for ind in grp.indicators
            ),
        )
        for grp in fw.groups
    )


def _lookup(container: Any, part: str) -> Any:
    """``container[part]`` as the reader walks a key path (a dict key, or a list index written in digits)."""
    if isinstance(container, dict):
        return container.get(part)
    if isinstance(container, list) and part.isdigit() and int(part) < len(container):
        return container[int(part)]
    return None


def score(fw: Framework, unit: UnitInput) -> UnitResult:
    findings = Findings(unit.name)
    rd = Reader(unit, findings)
    rounding = fw.rounding
    rnd = ROUNDERS[rounding.method]
    dec = rounding.decimals
    sum_rounded = rounding.sum_rounded_items
    result = new_result(fw, unit, applicable_max=0.0)
    items, groups = result.items, result.groups
    broken = False
    entered = False
    missing: list[tuple[ItemResult, str]] = []
    indicators = unit.data.get("indicators") if isinstance(unit.data, dict) else None
    look = indicators.get if type(indicators) is dict else None
    for grp, plan in _plan(fw):
        group_scores: list[float] = []
        group_max = 0.0
        for pi in plan:
            ind = pi.ind
            raw = look(ind.code) if look is not None else _lookup(indicators, ind.code)
            item = _plain_item(fw, ind, raw) if not ind.monitoring_only else None
            if item is not None:  # the common case: a value with nothing to report
                entered = True
            else:
                item, typed, label = _indicator(fw, pi, raw, rd)
                entered = entered or typed
                if label:
                    missing.append((item, label))
            items.append(item)
            if ind.monitoring_only:
                continue
            if item.applicable:
                group_max += ind.max
                if item.score is None:
                    broken = True
                    continue
                item.shown = rnd(item.score, dec)
                group_scores.append(item.shown if sum_rounded else item.score)
        g_score = add_up(group_scores) if group_max else None
        if g_score is not None and sum_rounded:
            g_score = rnd(g_score, dec)  # a sum of rounded scores is itself exact at `dec` decimals: drop float noise
        groups.append(
            ItemResult(
                grp.code,
                grp.title,
                grp.max,
                g_score,
                None if g_score is None else rnd(g_score, dec),
                group_max > 0,
                None,
                {"applicable_max": group_max},
            )
        )
    result.applicable_max = add_up(g.detail["applicable_max"] for g in result.groups)
    if entered:
        for it, label in missing:
            findings.add(
                Code.MISSING_VALUE,
                Severity.ERROR,
                f"Chưa nhập «{label}».",
                unit.where(f"indicators/{it.code}"),
                item=it.code,
            )
    if not entered:
        result.status = "not_scored"
        findings.add(
            Code.NOT_SCORED, Severity.INFO, f"Đơn vị «{unit.name}» chưa có số liệu chấm điểm.", unit.where("indicators")
        )
    elif broken or result.applicable_max == 0:
        result.status = "invalid"
        if not broken:
            first = next((i.code for i in fw.indicators() if not i.monitoring_only), "")
            findings.add(
                Code.INVALID_INPUT,
                Severity.ERROR,
                f"Mọi chỉ số của «{unit.name}» đều ghi «-» (không phải thực hiện) nên không có chỉ số nào để chấm "
                "điểm. Nhập số liệu các chỉ số đơn vị phải thực hiện, hoặc bỏ đơn vị này nếu không thuộc diện đánh giá.",
                unit.where(f"indicators/{first}"),
            )
    else:
        total = add_up(g.score for g in result.groups if g.score is not None)
        if fw.rounding.sum_rounded_items:
            total = rnd(total, dec)  # 7,36 + 18,63 + … = 49,99999999999999 as doubles is the 50,00 that is banded
        result.total = total
        result.total_shown = rnd(total, dec)
        if fw.na_mode == "rescale":
            result.quy_doi = rnd(total / result.applicable_max * fw.na_scale, fw.rounding.quy_doi_decimals)
        else:
            result.quy_doi = result.total_shown
        if fw.bands:
            basis = result.quy_doi if fw.bands.scale == "quy_doi" else result.total
            band = fw.bands.classify(basis)
            result.band_code, result.band_label = band.code, band.label
        _compare_stated(fw, result, rd)
    result.findings = findings.as_list()
    return result


def _plain_item(fw: Framework, ind: Indicator, raw: Any) -> ItemResult | None:
    """The item of a value that needs no finding, as :func:`_indicator` scores it, by a short path: a score from 0 to
    the maximum (a number, or text read cleanly such as "4,81"), «-» where the framework drops what does not apply,
    counts with the numerator within a positive denominator. None for anything else (blank, a ratio, NaN, a bool, a
    negative, a score above the maximum, text with a finding to give, a zero denominator, …): the long way."""
    t = type(raw)
    if t is float or t is int:
        v: float | None = float(raw) if 0 <= raw <= ind.max else None
    elif t is str:
        if raw in _NA_TEXTS:
            na = fw.na_mode == "rescale"
            return ItemResult(ind.code, ind.title, ind.max, None, None, False, ind.group, {}) if na else None
        v = _clean_text(raw)
        v = v if v is not None and v <= ind.max else None
    elif t is dict:
        return _plain_counts(fw, ind, raw)
    else:
        return None
    return None if v is None else ItemResult(ind.code, ind.title, ind.max, v, None, True, ind.group, {"stated": v})


def _plain_counts(fw: Framework, ind: Indicator, raw: dict[str, Any]) -> ItemResult | None:
    """Counts that need no finding (see :func:`_plain_item`)."""
    if "score" in raw or "ratio" in raw:
        return None
    n: Any = raw.get("numerator")
    d: Any = raw.get("denominator")
    tn, td = type(n), type(d)
    if not ((tn is int or tn is float) and (td is int or td is float) and 0 <= n <= d < math.inf and d > 0):
        return None
    n, d = float(n), float(d)
    item = ItemResult(ind.code, ind.title, ind.max, None, None, True, ind.group, {"numerator": n, "denominator": d})
    return _from_ratio(fw, ind, 100 * n / d, item)


_CLEAN: dict[str, float | None] = {}
_NA_TEXTS = frozenset({"-", " - ", "–", "—"})  # the usual spellings of «không áp dụng» (parse_number reads more)


def _clean_text(raw: str) -> float | None:
    """The non-negative number a text states when :meth:`Reader.value` reads it with no finding; else None."""
    try:
        return _CLEAN[raw]
    except KeyError:
        pass
    p = parsed(raw)
    if len(_CLEAN) >= 65536:
        _CLEAN.clear()
    v = _CLEAN[raw] = p.value if read_cleanly(p) else None
    return v


def _indicator(fw: Framework, pi: _Ind, raw: Any, rd: Reader) -> tuple[ItemResult, bool, str | None]:
    """One indicator's item; whether the unit typed anything for it; the label of a missing value (reported only
    when the unit has entered something at all)."""
    ind, base, label = pi.ind, pi.base, pi.label
    item = ItemResult(ind.code, ind.title, ind.max, None, None, group=ind.group, detail={})
    if ind.monitoring_only:
        item.applicable = False
        return item, False, None
    if _blank(raw):
        return item, False, label
    if not isinstance(raw, dict):
        return _stated_score(fw, ind, rd, base, raw, label, item), True, None
    if "score" in raw:
        return _stated_score(fw, ind, rd, f"{base}/score", raw["score"], label, item), True, None
    if "ratio" in raw:
        r = rd.value(raw["ratio"], f"{base}/ratio", lambda: f"{label} (tỷ lệ %)", allow_na=True, item=ind.code)
        if r == NA:
            return _not_applicable(fw, ind, rd, f"{base}/ratio", item), True, None
        if not isinstance(r, float):
            return item, True, None
        if r > 100:
            rd.findings.add(
                Code.RATIO_OUT_OF_RANGE,
                Severity.WARNING,
                f"«{label}»: tỷ lệ {fmt_vn(r, None)} % vượt 100 %.",
                rd.unit.where(f"{base}/ratio"),
                item=ind.code,
                value=r,
            )
        return _from_ratio(fw, ind, r, item), True, None
    n = rd.value(
        raw.get("numerator"),
        f"{base}/numerator",
        lambda: f"{label} (tử số)",
        allow_na=True,
        item=ind.code,
        required=True,
    )
    d = rd.value(
        raw.get("denominator"),
        f"{base}/denominator",
        lambda: f"{label} (mẫu số)",
        allow_na=True,
        item=ind.code,
        required=True,
    )
    if NA in (n, d):
        return _not_applicable(fw, ind, rd, f"{base}/numerator", item), True, None
    if not isinstance(n, float) or not isinstance(d, float):
        return item, True, None
    item.detail.update(numerator=n, denominator=d)
    if d == 0:
        item.detail["zero_denominator"] = ind.zero_denominator
        if ind.zero_denominator == "full":
            item.score = ind.max
        elif ind.zero_denominator == "not_applicable":
            item.applicable = False
        else:
            item.score = 0.0
        return item, True, None
    if n > d:
        rd.findings.add(
            Code.NUMERATOR_ABOVE_DENOMINATOR,
            Severity.ERROR,
            f"«{label}»: tử số {fmt_vn(n, None)} lớn hơn mẫu số {fmt_vn(d, None)}.",
            rd.unit.where(f"{base}/numerator"),
            item=ind.code,
            value=n,
            expected=d,
        )
    return _from_ratio(fw, ind, 100 * n / d, item), True, None


def _blank(raw: Any) -> bool:
    """Nothing typed: no value, blank text, or a dict of blanks ({"numerator": None, "denominator": ""})."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, dict):
        return all(_blank(v) for v in raw.values())
    return False


def _from_ratio(fw: Framework, ind: Indicator, ratio: float, item: ItemResult) -> ItemResult:
    if ind.use_stated_ratio:
        ratio = ROUNDERS[fw.rounding.method](ratio, 2)
    item.detail["ratio"] = ratio
    item.score = indicator_score(ind, ratio)
    return item


def _not_applicable(fw: Framework, ind: Indicator, rd: Reader, key: str, item: ItemResult) -> ItemResult:
    if fw.na_mode == "rescale":
        item.applicable = False
        return item
    rd.findings.add(
        Code.NOT_A_NUMBER,
        Severity.ERROR,
        f"Chỉ số {ind.code}: khung chấm điểm {fw.short_title or fw.id} không cho phép «-» (không áp dụng).",
        rd.unit.where(key),
        item=ind.code,
    )
    return item


def _stated_score(
    fw: Framework, ind: Indicator, rd: Reader, key: str, raw: Any, label: str, item: ItemResult
) -> ItemResult:
    v = rd.value(raw, key, label, allow_na=True, item=ind.code)
    if v == NA:
        return _not_applicable(fw, ind, rd, key, item)
    if not isinstance(v, float):
        return item
    item.detail["stated"] = v
    if v > ind.max + 1e-9:
        rd.findings.add(
            Code.SCORE_ABOVE_MAX,
            Severity.ERROR,
            f"«{label}»: điểm {fmt_vn(v, None)} vượt điểm tối đa {fmt_vn(ind.max, None)}; "
            f"đã tính theo điểm tối đa {fmt_vn(ind.max, None)}.",
            rd.unit.where(key),
            item=ind.code,
            value=v,
            expected=ind.max,
        )
        v = ind.max
    item.score = v
    return item


def _compare_stated(fw: Framework, result: UnitResult, rd: Reader) -> None:
    unit = rd.unit
    dec = fw.rounding.decimals
    assert result.total is not None and result.quy_doi is not None
    stated = unit.data.get("stated") if isinstance(unit.data, dict) else None
    if not isinstance(stated, dict):
        stated = {}  # what Reader.raw gives for a missing or malformed "stated": nothing to compare
    raw_total = stated.get("total")
    pt = parsed(raw_total)
    note_foreign_digits(rd, raw_total, pt, "stated/total")
    if pt.ok and pt.value is not None:
        if not matches_stated(result.total, pt.value, raw_total):
            capped = [i for i in result.items if "stated" in i.detail and i.detail["stated"] > i.max]
            why = ""
            if capped:
                why = " (điểm ghi đã cộng cả phần vượt tối đa của chỉ số " + ", ".join(i.code for i in capped) + ")"
            rd.findings.add(
                Code.STATED_TOTAL_MISMATCH,
                Severity.ERROR,
                f"Tổng điểm đạt được ghi {fmt_vn(pt.value, None)} nhưng tính lại từ các chỉ số là "
                f"{fmt_vn(result.total, dec)}{why}.",
                unit.where("stated/total"),
                value=pt.value,
                expected=result.total_shown,
            )
        if pt.over is not None and abs(pt.over - result.applicable_max) > 1e-9:
            rd.findings.add(
                Code.STATED_MAX_MISMATCH,
                Severity.ERROR,
                f"Tổng điểm tối đa ghi {fmt_vn(pt.over, None)} nhưng tổng điểm tối đa các chỉ số áp dụng là "
                f"{fmt_vn(result.applicable_max, None)}.",
                unit.where("stated/total"),
                value=pt.over,
                expected=result.applicable_max,
            )
    raw_q = stated.get("quy_doi")
    pq = parsed(raw_q)
    note_foreign_digits(rd, raw_q, pq, "stated/quy_doi")
    if pq.ok and pq.value is not None and fw.na_mode == "rescale":
        exact = result.total / result.applicable_max * fw.na_scale
        qd = fw.rounding.quy_doi_decimals
        if not matches_stated(result.quy_doi, pq.value, raw_q):
            if abs(truncate(exact, qd) - pq.value) < 1e-9:
                rd.findings.add(
                    Code.STATED_QUY_DOI_TRUNCATED,
                    Severity.INFO,
                    f"Điểm quy đổi ghi {fmt_vn(pq.value, qd)} là số bị cắt bớt; làm tròn đúng là "
                    f"{fmt_vn(result.quy_doi, qd)} ({fmt_vn(result.total, dec)}/{fmt_vn(result.applicable_max, None)} × 100 = "
                    f"{fmt_vn(exact, 4)}).",
                    unit.where("stated/quy_doi"),
                    value=pq.value,
                    expected=result.quy_doi,
                )
            else:
                rd.findings.add(
                    Code.STATED_QUY_DOI_MISMATCH,
                    Severity.ERROR,
                    f"Điểm quy đổi ghi {fmt_vn(pq.value, None)} nhưng tính lại là {fmt_vn(result.quy_doi, qd)} "
                    f"({fmt_vn(result.total, dec)}/{fmt_vn(result.applicable_max, None)} × 100).",
                    unit.where("stated/quy_doi"),
                    value=pq.value,
                    expected=result.quy_doi,
                )
    raw_b = stated.get("band")
    if isinstance(raw_b, str) and raw_b.strip() and fw.bands:
        band = fw.bands.find(raw_b)
        if band is None or band.code != result.band_code:
            rd.findings.add(
                Code.STATED_BAND_MISMATCH,
                Severity.ERROR,
                f"Xếp loại ghi «{raw_b.strip()}» nhưng theo điểm {fmt_vn(result.quy_doi, 2)} là «{result.band_label}».",
                unit.where("stated/band"),
                value=raw_b,
                expected=result.band_label,
            )


__all__ = ["indicator_score", "score"]
