"""PAR Index / Chỉ số CCHC: a field → criterion → sub-criterion tree with standard points.

Leaves carry the self-assessed score, the appraised (thẩm định) score, the explanation and evidence.
Survey rows (điều tra xã hội học, SIPAS) carry only the appraised score. Parent = Σ children, capped at
the parent's standard points. Totals are given with and without survey points, deductions are
subtracted at the end, and lost points are reported per field and criterion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xl_tthc.core.engine._values import Reader, matches_stated, new_result, stated_number
from xl_tthc.core.findings import Code, Findings, Severity
from xl_tthc.core.framework import Framework, Node
from xl_tthc.core.model import ItemResult, UnitInput, UnitResult
from xl_tthc.core.numbers import ROUNDERS, fmt_vn, parse_number

COLUMNS = {"self": "Điểm tự đánh giá", "appraised": "Điểm thẩm định"}
_UNREADABLE = frozenset({Code.NOT_A_NUMBER, Code.ERROR_VALUE, Code.NEGATIVE_VALUE})


@dataclass(slots=True)
class _Sums:
    self: float | None
    appraised: float | None
    survey: float


def score(fw: Framework, unit: UnitInput) -> UnitResult:
    findings = Findings(unit.name)
    rd = Reader(unit, findings)
    rnd = ROUNDERS[fw.rounding.method]
    dec = fw.rounding.decimals
    result = new_result(fw, unit)
    rows = unit.data.get("rows") or {}
    known = {n.code for n in fw.nodes()}
    for code in rows:
        if code not in known:
            findings.add(
                Code.UNKNOWN_ITEM,
                Severity.WARNING,
                f"Mục «{code}» không có trong khung chấm điểm {fw.short_title or fw.id}; bỏ qua.",
                unit.where(f"rows/{code}"),
                item=code,
            )
    has = {col: any(_filled(r, col) for r in rows.values() if isinstance(r, dict)) for col in COLUMNS}
    if not has["self"] and not has["appraised"]:
        result.status = "not_scored"
        findings.add(Code.NOT_SCORED, Severity.INFO, f"Đơn vị «{unit.name}» chưa nhập điểm.", unit.where("rows"))
        result.findings = findings.as_list()
        return result

    items: dict[str, ItemResult] = {}
    sums = [_walk(node, rd, has, items, rnd, dec) for node in fw.tree]
    result.items = [items[n.code] for n in fw.nodes()]

    self_total = _total([s.self for s in sums])
    appraised_total = _total([s.appraised for s in sums])
    survey_total = sum(s.survey for s in sums)
    survey_max = sum(n.max for n in fw.nodes() if n.is_leaf and n.source == "survey")
    deductions = _deductions(rd)
    final = None if appraised_total is None else appraised_total - sum(d["amount"] for d in deductions)
    basis = appraised_total if appraised_total is not None else self_total
    if any(f.code in _UNREADABLE for f in findings):
        result.status = "invalid"  # a score cell could not be read: partial sums stay in the rows, no total
        basis = None
    result.total = basis
    result.total_shown = None if basis is None else rnd(basis, dec)
    result.quy_doi = None if basis is None else rnd(basis / fw.max_total * 100, dec)
    impl = None if appraised_total is None else appraised_total - survey_total
    lost_fields = [_lost(items[n.code]) for n in fw.tree]
    lost_criteria = [
        lost
        for n in fw.tree
        for c in n.children
        if (lost := _lost(items[c.code]))["lost"] is not None and lost["lost"] > 1e-9
    ]
    diffs = [
        {
            "code": it.code,
            "title": it.title,
            "self": it.detail["self"],
            "appraised": it.detail["appraised"],
            "difference": it.detail["appraised"] - it.detail["self"],
        }
        for it in result.items
        if it.detail.get("leaf")
        and it.detail.get("source") != "survey"
        and it.detail.get("self") is not None
        and it.detail.get("appraised") is not None
        and abs(it.detail["appraised"] - it.detail["self"]) > 1e-9
    ]
    result.extra = {
        "self_total": self_total,
        "appraised_total": appraised_total,
        "appraised_without_survey": impl,
        "survey_total": survey_total if appraised_total is not None else None,
        "survey_max": survey_max,
        "implementation_max": fw.max_total - survey_max,
        "deductions": deductions,
        "final": final,
        "index_percent": None if basis is None else basis / fw.max_total * 100,
        "lost_total": None if basis is None else fw.max_total - basis,
        "lost_by_field": lost_fields,
        "lost_by_criterion": lost_criteria,
        "self_vs_appraised": diffs,
    }
    if fw.bands and basis is not None:
        band = fw.bands.classify(result.quy_doi if fw.bands.scale == "quy_doi" else basis)  # type: ignore[arg-type]
        result.band_code, result.band_label = band.code, band.label
    _compare_stated(result, rd, items)
    result.findings = findings.as_list()
    return result


def _filled(row: dict[str, Any], col: str) -> bool:
    return parse_number(row.get(col)).kind.value not in {"empty"}


def _total(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _lost(it: ItemResult) -> dict[str, Any]:
    achieved = _achieved(it)
    return {
        "code": it.code,
        "title": it.title,
        "max": it.max,
        "achieved": achieved,
        "lost": None if achieved is None else it.max - achieved,
    }


def _achieved(it: ItemResult) -> float | None:
    a = it.detail.get("appraised")
    return a if a is not None else it.detail.get("self")


def _walk(node: Node, rd: Reader, has: dict[str, bool], items: dict[str, ItemResult], rnd: Any, dec: int) -> _Sums:
    if node.is_leaf:
        return _leaf(node, rd, has, items, rnd, dec)
    child = [_walk(c, rd, has, items, rnd, dec) for c in node.children]
    detail: dict[str, Any] = {"leaf": False, "source": node.source}
    for col, attr in (("self", "self"), ("appraised", "appraised")):
        vals = [getattr(s, attr) for s in child]
        total = _total(vals)
        if total is not None and total > node.max + 1e-9:
            total = node.max
            detail[f"{col}_capped"] = True
        detail[col] = total
    survey = sum(s.survey for s in child)
    score = detail["appraised"] if detail["appraised"] is not None else detail["self"]
    items[node.code] = ItemResult(
        node.code, node.title, node.max, score, None if score is None else rnd(score, dec), detail=detail
    )
    return _Sums(detail["self"], detail["appraised"], survey)


def _leaf(node: Node, rd: Reader, has: dict[str, bool], items: dict[str, ItemResult], rnd: Any, dec: int) -> _Sums:
    base = f"rows/{node.code}"
    detail: dict[str, Any] = {"leaf": True, "source": node.source}
    for col, label in COLUMNS.items():
        if not has[col]:
            detail[col] = None
            continue
        v = rd.number(f"{base}/{col}", f"{label} mục {node.code}", item=node.code)
        if v is None:
            v = 0.0
        assert isinstance(v, float)
        if v > node.max + 1e-9:
            rd.findings.add(
                Code.SCORE_ABOVE_MAX,
                Severity.ERROR,
                f"Mục {node.code}: {label.lower()} {fmt_vn(v, None)} vượt điểm chuẩn {fmt_vn(node.max, None)}; "
                f"đã tính bằng {fmt_vn(node.max, None)}.",
                rd.unit.where(f"{base}/{col}"),
                item=node.code,
                value=v,
                expected=node.max,
            )
            v = node.max
        detail[col] = v
    if node.source == "survey" and detail["self"]:
        rd.findings.add(
            Code.SURVEY_ROW_SELF_SCORED,
            Severity.WARNING,
            f"Mục {node.code} là điểm điều tra xã hội học, đơn vị không tự chấm; điểm tự đánh giá "
            f"{fmt_vn(detail['self'], None)} không được tính.",
            rd.unit.where(f"{base}/self"),
            item=node.code,
            value=detail["self"],
        )
        detail["self"] = 0.0
    raw_row = rd.raw(base)
    row: dict[str, Any] = raw_row if isinstance(raw_row, dict) else {}
    for text in ("explanation", "evidence", "council_opinion"):
        if isinstance(row.get(text), str) and row[text].strip():
            detail[text] = row[text].strip()
    if (
        node.source != "survey"
        and (detail.get("self") or 0) > 0
        and not detail.get("explanation")
        and not detail.get("evidence")
    ):
        rd.findings.add(
            Code.MISSING_EVIDENCE,
            Severity.WARNING,
            f"Mục {node.code} tự chấm {fmt_vn(detail['self'], None)} điểm nhưng không có giải trình hay tài liệu "
            "kiểm chứng; hội đồng thẩm định có thể không công nhận.",
            rd.unit.where(f"{base}/explanation"),
            item=node.code,
        )
    score = detail["appraised"] if detail["appraised"] is not None else detail["self"]
    items[node.code] = ItemResult(
        node.code, node.title, node.max, score, None if score is None else rnd(score, dec), detail=detail
    )
    survey = (detail["appraised"] or 0.0) if node.source == "survey" else 0.0
    return _Sums(detail["self"], detail["appraised"], survey)


def _deductions(rd: Reader) -> list[dict[str, Any]]:
    out = []
    for i, d in enumerate(rd.unit.data.get("deductions") or []):
        if not isinstance(d, dict):
            continue
        v = rd.number(f"deductions/{i}/amount", "Điểm bị trừ")
        if isinstance(v, float):
            out.append({"amount": v, "reason": str(d.get("reason") or "")})
    return out


def _compare_stated(result: UnitResult, rd: Reader, items: dict[str, ItemResult]) -> None:
    stated = rd.unit.data.get("stated") or {}
    for code, cols in stated.items():
        if code not in items or not isinstance(cols, dict):
            continue
        for col, label in COLUMNS.items():
            raw = cols.get(col)
            value = stated_number(raw)
            computed = items[code].detail.get(col)
            if value is None or computed is None:
                continue
            if not matches_stated(computed, value, raw):
                rd.findings.add(
                    Code.PARENT_SUM_MISMATCH,
                    Severity.WARNING,
                    f"Mục {code}: {label.lower()} ghi {fmt_vn(value, None)} nhưng cộng các mục con được "
                    f"{fmt_vn(round(computed, 6), None)}.",
                    rd.unit.where(f"stated/{code}/{col}"),
                    item=code,
                    value=value,
                    expected=computed,
                )
    ex = result.extra
    raw_tot = stated.get("total")
    tot: dict[str, Any] = raw_tot if isinstance(raw_tot, dict) else {}
    for col, key in (("self", "self_total"), ("appraised", "appraised_total")):
        raw = tot.get(col)
        value = stated_number(raw)
        computed = ex.get(key)
        if value is None or computed is None or matches_stated(computed, value, raw):
            continue
        impl = ex.get("appraised_without_survey")
        if col == "appraised" and impl is not None and matches_stated(impl, value, raw):
            msg = (
                f"Tổng điểm thẩm định ghi {fmt_vn(value, None)} chỉ là phần không tính điểm điều tra xã hội học; "
                f"tổng đầy đủ (kể cả {fmt_vn(round(ex['survey_total'], 6), None)} điểm điều tra xã hội học) là "
                f"{fmt_vn(round(computed, 6), None)}."
            )
        else:
            msg = (
                f"Tổng {COLUMNS[col].lower()} ghi {fmt_vn(value, None)} nhưng cộng các lĩnh vực được "
                f"{fmt_vn(round(computed, 6), None)}."
            )
        rd.findings.add(
            Code.STATED_TOTAL_MISMATCH,
            Severity.WARNING,
            msg,
            rd.unit.where(f"stated/total/{col}"),
            value=value,
            expected=computed,
        )
    for key, ex_key, label in (
        ("implementation", "appraised_without_survey", "Điểm đánh giá kết quả triển khai"),
        ("survey", "survey_total", "Điểm điều tra xã hội học"),
    ):
        raw = stated.get(key)
        value = stated_number(raw)
        computed = ex.get(ex_key)
        if value is not None and computed is not None and not matches_stated(computed, value, raw):
            rd.findings.add(
                Code.STATED_TOTAL_MISMATCH,
                Severity.WARNING,
                f"{label} ghi {fmt_vn(value, None)} nhưng tính từ các lĩnh vực được {fmt_vn(round(computed, 6), None)}.",
                rd.unit.where(f"stated/{key}"),
                value=value,
                expected=computed,
            )


__all__ = ["score"]
