"""TTHC scoring (NĐ 61/2018, TT 01/2018/TT-VPCP, provincial decisions): 9 criteria × 2 points.

Criteria with rule ``weighted_count`` score Σ(points × dossiers at the level) / Σ dossiers; criteria with
rule ``level_choice`` score the one level marked "x". The total is the sum of unrounded criterion
scores (seed 001: 3 × 1,9125… + 11 = 16,7376 → 16,74).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from xl_tthc.core.engine._values import NA, Reader, is_mark, matches_stated, new_result, stated_number, whole_count
from xl_tthc.core.findings import Code, Findings, Severity
from xl_tthc.core.framework import Criterion, Framework, Level
from xl_tthc.core.memo import per_object
from xl_tthc.core.model import ItemResult, UnitInput, UnitResult
from xl_tthc.core.numbers import ROUNDERS, fmt_int_vn, fmt_vn, parse_number


def score(fw: Framework, unit: UnitInput) -> UnitResult:
    findings = Findings(unit.name)
    rd = Reader(unit, findings)
    rnd = ROUNDERS[fw.rounding.method]
    dec = fw.rounding.decimals
    labels = _labels(fw)

    counts: dict[str, float] = {}
    raw_counts = unit.data.get("counts") or {}
    for f in fw.count_fields:
        key = f.key
        raw = raw_counts.get(key)
        if type(raw) is int and raw >= 0:  # fast path: a plain whole number
            counts[key] = float(raw)
            continue
        v = rd.value(raw, "counts/" + key, f.label, integer=True)
        if isinstance(v, float):
            counts[key] = v

    result = new_result(fw, unit)

    if not counts and _nothing_entered(rd):
        result.status = "not_scored"
        findings.add(
            Code.NOT_SCORED,
            Severity.INFO,
            f"Đơn vị «{unit.name}» chưa thực hiện việc chấm điểm (chưa nhập số liệu).",
            unit.where("counts"),
        )
        result.findings = findings.as_list()
        return result

    _check_counts(fw, unit, counts, labels, findings)
    no_dossiers = counts.get("resolved_total") == 0 and counts.get("received_total", 0) == 0

    raw_criteria = unit.data.get("criteria") or {}
    items = result.items
    sum_shown = fw.rounding.sum_rounded_items
    total = 0.0
    complete = True
    for crit in fw.criteria:
        cdata = raw_criteria.get(crit.code) or {}
        if crit.rule == "weighted_count":
            item = _weighted(crit, cdata, rd, counts, labels, no_dossiers)
        else:
            item = _choice(crit, cdata, rd)
        score_ = item.score
        if score_ is not None:
            shown = item.shown = rnd(score_, dec)
            total += shown if sum_shown else score_
            stated = cdata.get("stated_score")
            if stated is not None and not (type(stated) is float and abs(score_ - stated) <= 5e-7):
                _compare_stated_item(crit, stated, item, rd)
        else:
            complete = False
        items.append(item)

    if no_dossiers:
        result.status = "no_dossiers"
        findings.add(
            Code.NO_DOSSIERS,
            Severity.INFO,
            "Trong kỳ đơn vị chưa phát sinh hồ sơ: không xếp loại.",
            unit.where("counts/resolved_total"),
        )
    elif not complete:
        result.status = "invalid"
    else:
        result.total = total
        result.total_shown = rnd(result.total, dec)
        result.quy_doi = result.total_shown
        if fw.bands:
            band = fw.bands.classify(result.total)
            result.band_code, result.band_label = band.code, band.label
        _compare_stated_total(result, rd, unit, findings, fw)
    _check_level_data(fw, result, counts, rd, findings, rnd)
    result.extra["counts"] = counts
    result.findings = findings.as_list()
    return result


@per_object
def _labels(fw: Framework) -> dict[str, str]:
    """Count-field labels of a framework, built once per framework object."""
    return {f.key: f.label for f in fw.count_fields}


@per_object
def _checked(fw: Framework) -> tuple[int, ...]:
    """Indexes of the criteria that carry a data check (a level choice bounded by a ratio of counts)."""
    return tuple(i for i, c in enumerate(fw.criteria) if c.data_check is not None)


def _nothing_entered(rd: Reader) -> bool:
    data = rd.unit.data
    if data.get("status") in {"not_scored", "chưa chấm điểm"}:
        return True
    counts = data.get("counts") or {}
    crits = data.get("criteria") or {}
    has_count = any(parse_number(v).kind.value != "empty" for v in counts.values())
    has_crit = any(_has_any(c) for c in crits.values())
    return not has_count and not has_crit


def _has_any(node: object) -> bool:
    if isinstance(node, dict):
        return any(_has_any(v) for v in node.values())
    return parse_number(node).kind.value != "empty" if not isinstance(node, str) else node.strip() != ""


def _check_counts(
    fw: Framework, unit: UnitInput, counts: dict[str, float], labels: dict[str, str], findings: Findings
) -> None:
    for chk in fw.count_checks:
        try:
            total = counts[chk.total]
            parts = [counts[p] for p in chk.parts]
        except KeyError:
            continue  # a missing count was reported where it was read
        if sum(parts) == total:
            continue
        sev = Severity.ERROR if chk.severity == "error" else Severity.WARNING
        expr = " + ".join(fmt_int_vn(v) for v in parts)
        msg = (
            f"Số hồ sơ không khớp: {labels[chk.total]} là {fmt_int_vn(counts[chk.total])} nhưng "
            f"{' + '.join(labels[p] for p in chk.parts)} = {expr} = {fmt_int_vn(sum(parts))} ({chk.label})."
        )
        hint = _typo_hint(counts[chk.total], chk.parts, counts, labels)
        if hint:
            msg += " " + hint
        findings.add(
            Code.COUNTS_DO_NOT_ADD_UP,
            sev,
            msg,
            unit.where(f"counts/{chk.total}"),
            value=sum(parts),
            expected=counts[chk.total],
        )


def _typo_hint(total: float, parts: tuple[str, ...], counts: dict[str, float], labels: dict[str, str]) -> str:
    """If one part looks like a typing slip ("115.213" for "15.213"), say which value would fit."""
    for p in parts:
        needed = total - sum(counts[q] for q in parts if q != p)
        if needed < 0:
            continue
        a, b = str(int(needed)), str(int(counts[p]))
        if a != b and (a in b or b in a) and abs(len(a) - len(b)) == 1:
            return f"Có thể «{labels[p]}» gõ nhầm {fmt_int_vn(counts[p])}, đúng ra là {fmt_int_vn(needed)}."
    return ""


def _weighted(
    crit: Criterion,
    cdata: dict[str, Any],
    rd: Reader,
    counts: dict[str, float],
    labels: dict[str, str],
    no_dossiers: bool,
) -> ItemResult:
    base = "criteria/" + crit.code
    raw_levels = cdata.get("counts") or {}
    level_counts: dict[str, float] = {}
    missing = unreadable = False
    n = weighted = 0.0
    for lv in crit.levels:
        raw = raw_levels.get(lv.key)
        v = float(raw) if type(raw) is int and raw >= 0 else whole_count(raw)
        if v is None:
            if raw is None and lv.count_from and lv.count_from in counts:
                v = counts[lv.count_from]  # the annex repeats the count block: take it from there
                level_counts[lv.key] = v
                n += v
                weighted += lv.points * v
                continue
            before = len(rd.findings)
            read = rd.value(
                raw, f"{base}/counts/{lv.key}", partial(_level_label, crit, lv), integer=True, item=crit.code
            )
            if not isinstance(read, float):
                if len(rd.findings) == before:
                    missing = True  # empty cell
                else:
                    unreadable = True  # a finding was added; a partial count cannot score the criterion
                continue
            v = read
        level_counts[lv.key] = v
        n += v
        weighted += lv.points * v
        if lv.count_from:
            expected = counts.get(lv.count_from)
            if expected is not None and v != expected:
                rd.findings.add(
                    Code.CRITERION_COUNTS_MISMATCH,
                    Severity.WARNING,
                    f"Tiêu chí {crit.code}: số hồ sơ «{lv.label}» là {fmt_int_vn(v)}, khác "
                    f"«{labels[lv.count_from]}» ({fmt_int_vn(expected)}).",
                    rd.unit.where(f"{base}/counts/{lv.key}"),
                    item=crit.code,
                    value=v,
                    expected=expected,
                )
    detail: dict[str, object] = {"counts": level_counts}
    item = ItemResult(crit.code, crit.title, crit.max, None, None, detail=detail)
    if no_dossiers:
        item.applicable = False
        return item
    if unreadable:
        return item
    if missing and not level_counts:
        rd.findings.add(
            Code.MISSING_VALUE,
            Severity.ERROR,
            f"Tiêu chí {crit.code}: chưa nhập số lượng hồ sơ theo từng mức.",
            rd.unit.where(base + "/counts"),
            item=crit.code,
        )
        return item
    den_key = crit.denominator
    expected_n = counts.get(den_key) if den_key else None
    if expected_n is not None and n != expected_n:
        rd.findings.add(
            Code.CRITERION_COUNTS_MISMATCH,
            Severity.ERROR,
            f"Tiêu chí {crit.code}: tổng số hồ sơ theo các mức là {fmt_int_vn(n)}, khác "
            f"«{labels[den_key]}» ({fmt_int_vn(expected_n)}).",  # type: ignore[index]
            rd.unit.where(f"{base}/counts/{crit.levels[0].key}"),
            item=crit.code,
            value=n,
            expected=expected_n,
        )
    if n == 0:
        item.applicable = False
        return item
    item.score = weighted / n
    detail["dossiers"] = n
    return item


def _level_label(crit: Criterion, lv: Level) -> str:
    return f"Tiêu chí {crit.code} – {lv.label}"


def _choice(crit: Criterion, cdata: dict[str, Any], rd: Reader) -> ItemResult:
    base = "criteria/" + crit.code
    marks = cdata.get("marks") or {}
    chosen = []
    for lv in crit.levels:
        m = marks.get(lv.key)
        if m is not None and (m == "x" or m == "X" or is_mark(m)):
            chosen.append(lv)
    direct = cdata.get("choice")
    if direct is not None and not chosen:
        p = parse_number(direct)
        for lv in crit.levels:
            if str(direct).strip() == lv.key or (p.ok and p.value == lv.points):
                chosen = [lv]
    if not chosen:
        rd.findings.add(
            Code.LEVEL_NOT_CHOSEN,
            Severity.ERROR,
            f"Tiêu chí {crit.code}: chưa đánh dấu «x» vào mức nào.",
            rd.unit.where(f"{base}/marks/{crit.levels[0].key}"),
            item=crit.code,
        )
        return ItemResult(crit.code, crit.title, crit.max, None, None)
    if len(chosen) > 1:
        rd.findings.add(
            Code.LEVEL_CHOSEN_TWICE,
            Severity.ERROR,
            f"Tiêu chí {crit.code}: đánh dấu «x» ở {len(chosen)} mức "
            f"({', '.join(fmt_vn(lv.points, 0) + ' điểm' for lv in chosen)}); chỉ được chọn một mức.",
            rd.unit.where(f"{base}/marks/{chosen[0].key}"),
            item=crit.code,
        )
        return ItemResult(crit.code, crit.title, crit.max, None, None)
    lv = chosen[0]
    return ItemResult(
        crit.code, crit.title, crit.max, lv.points, None, detail={"level": lv.key, "level_label": lv.label}
    )


def _compare_stated_item(crit: Criterion, raw: Any, item: ItemResult, rd: Reader) -> None:
    """Compare the score the form states for a criterion with the recomputed one."""
    assert item.score is not None
    stated = stated_number(raw, rd, f"criteria/{crit.code}/stated_score")
    if stated is None:
        return
    if not matches_stated(item.score, stated, raw):
        rd.findings.add(
            Code.STATED_SCORE_MISMATCH,
            Severity.ERROR,
            f"Tiêu chí {crit.code}: điểm ghi {fmt_vn(stated, None)} nhưng tính lại từ số liệu được "
            f"{fmt_vn(item.score, 2)}.",
            rd.unit.where(f"criteria/{crit.code}/stated_score"),
            item=crit.code,
            value=stated,
            expected=item.score,
        )


def _compare_stated_total(result: UnitResult, rd: Reader, unit: UnitInput, findings: Findings, fw: Framework) -> None:
    raw = unit.data.get("stated_total")
    if raw is None or result.total is None:
        return
    stated = stated_number(raw, rd, "stated_total")
    if stated is None:
        return
    if not matches_stated(result.total, stated, raw):
        findings.add(
            Code.STATED_TOTAL_MISMATCH,
            Severity.ERROR,
            f"Tổng điểm ghi {fmt_vn(stated, None)} nhưng cộng lại từ các tiêu chí được "
            f"{fmt_vn(result.total, fw.rounding.decimals)}/{fmt_vn(fw.max_total, 0)}.",
            unit.where("stated_total"),
            value=stated,
            expected=result.total_shown,
        )


def _check_level_data(
    fw: Framework, result: UnitResult, counts: dict[str, float], rd: Reader, findings: Findings, rnd: object
) -> None:
    items = result.items
    for i in _checked(fw):
        crit, item = fw.criteria[i], items[i]
        chk = crit.data_check
        if chk is None or item.score is None:
            continue
        num, den = counts.get(chk.numerator), counts.get(chk.denominator)
        if num is None or not den:
            continue
        pct = num / den * 100
        allowed = chk.max_points(pct)
        item.detail["data_ratio_percent"] = pct
        if item.score <= allowed:
            continue
        msg = (
            f"Tiêu chí {crit.code}: chọn mức {fmt_vn(item.score, 0)} điểm nhưng {chk.label.lower()} là "
            f"{fmt_int_vn(num)}/{fmt_int_vn(den)} = {fmt_vn(pct, 2)} %, theo quy định chỉ được tối đa "
            f"{fmt_vn(allowed, 0)} điểm."
        )
        if result.total is not None:
            msg += f" Nếu sửa, tổng điểm là {fmt_vn(result.total - item.score + allowed, fw.rounding.decimals)}."
        findings.add(
            Code.LEVEL_CONTRADICTS_DATA,
            Severity.WARNING,
            msg,
            rd.unit.where(f"criteria/{crit.code}/marks/{item.detail.get('level', crit.levels[0].key)}"),
            item=crit.code,
            value=item.score,
            expected=allowed,
        )


__all__ = ["NA", "score"]
