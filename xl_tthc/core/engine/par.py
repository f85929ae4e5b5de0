"""PAR Index / Chỉ số CCHC: a field → criterion → sub-criterion tree with standard points.

Leaves carry the self-assessed score, the appraised (thẩm định) score, the explanation and evidence.
Survey rows (điều tra xã hội học, SIPAS) carry only the appraised score. Parent = Σ children, capped at
the parent's standard points. Totals are given with and without survey points, deductions are
subtracted at the end, and lost points are reported per field and criterion.
"""

from __future__ import annotations

from typing import Any, cast

from xl_tthc.core.engine._values import Reader, matches_stated, new_result, plain_number, stated_number
from xl_tthc.core.findings import Code, Findings, Severity
from xl_tthc.core.framework import Framework, Node
from xl_tthc.core.memo import per_object
from xl_tthc.core.model import ItemResult, UnitInput, UnitResult
from xl_tthc.core.numbers import ROUNDERS, add_up, fmt_vn, parse_number
from xl_tthc.core.records import record

COLUMNS = {"self": "Điểm tự đánh giá", "appraised": "Điểm thẩm định"}
_UNREADABLE = frozenset({Code.NOT_A_NUMBER, Code.ERROR_VALUE, Code.NEGATIVE_VALUE})
_TEXTS = ("explanation", "evidence", "council_opinion")


@record(frozen=True)
class _Plan:
    """What scoring a unit under one PAR framework needs, worked out once per framework.

    The tree is flattened in pre-order (the order of ``fw.nodes()``, of the result's items and of the findings):
    every child comes after its parent, so walking the flat list backwards sums children before their parent,
    without recursion.
    """

    nodes: tuple[Node, ...]
    known: frozenset[str]
    leaves: tuple[int, ...]  # indices of leaves, in pre-order
    leaf_rows: tuple[tuple[int, Node, bool], ...]  # per leaf: index, node, survey row?
    parents: tuple[tuple[int, tuple[int, ...]], ...]  # (index, child indices), children before parents
    roots: tuple[int, ...]
    criteria: tuple[int, ...]  # the roots' children, in order
    keys: tuple[tuple[str, str, str], ...]  # per node: rows/<code>/self, rows/<code>/appraised, rows/<code>/explanation
    labels: tuple[tuple[str, str], ...]  # per node: the two columns' labels as findings name them
    survey_max: float


@per_object
def _plan(fw: Framework) -> _Plan:
    nodes = tuple(fw.nodes())
    index = {id(n): i for i, n in enumerate(nodes)}
    roots = tuple(index[id(n)] for n in fw.tree)
    return _Plan(
        nodes=nodes,
        known=frozenset(n.code for n in nodes),
        leaves=tuple(i for i, n in enumerate(nodes) if n.is_leaf),
        leaf_rows=tuple((i, n, n.source == "survey") for i, n in enumerate(nodes) if n.is_leaf),
        parents=tuple(
            (i, tuple(index[id(c)] for c in n.children)) for i, n in reversed(list(enumerate(nodes))) if not n.is_leaf
        ),
        roots=roots,
        criteria=tuple(index[id(c)] for r in fw.tree for c in r.children),
        keys=tuple((f"rows/{n.code}/self", f"rows/{n.code}/appraised", f"rows/{n.code}/explanation") for n in nodes),
        labels=tuple((f"{COLUMNS['self']} mục {n.code}", f"{COLUMNS['appraised']} mục {n.code}") for n in nodes),
        survey_max=add_up(n.max for n in nodes if n.is_leaf and n.source == "survey"),
    )


def score(fw: Framework, unit: UnitInput) -> UnitResult:
    findings = Findings(unit.name)
    rd = Reader(unit, findings)
    rnd = ROUNDERS[fw.rounding.method]
    dec = fw.rounding.decimals
    result = new_result(fw, unit)
    plan = _plan(fw)
    rows = unit.data.get("rows") or {}
    for code in rows:
        if code not in plan.known:
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

    n = len(plan.nodes)
    items: list[ItemResult | None] = [None] * n
    selfs: list[float | None] = [None] * n
    appraiseds: list[float | None] = [None] * n
    surveys: list[float] = [0.0] * n
    has_self, has_appraised = has["self"], has["appraised"]
    for i, node, survey in plan.leaf_rows:
        raw_row = rows.get(node.code)
        row = raw_row if isinstance(raw_row, dict) else None
        # the common case: each entered column empty or a plain number within 0..max, no self score on a survey
        # row; anything else goes through _leaf, which words the findings
        sv = av = None
        if has_self:
            raw = row.get("self") if row else None
            sv = 0.0 if raw is None else plain_number(raw)
            if sv is None or sv < 0 or sv > node.max + 1e-9 or (survey and sv):
                _leaf(i, plan, rows, rd, has, items, selfs, appraiseds, surveys, rnd, dec)
                continue
        if has_appraised:
            raw = row.get("appraised") if row else None
            av = 0.0 if raw is None else plain_number(raw)
            if av is None or av < 0 or av > node.max + 1e-9:
                _leaf(i, plan, rows, rd, has, items, selfs, appraiseds, surveys, rnd, dec)
                continue
        detail: dict[str, Any] = {"leaf": True, "source": node.source, "self": sv, "appraised": av}
        if row:
            for text in _TEXTS:
                value = row.get(text)
                if isinstance(value, str) and value.strip():
                    detail[text] = value.strip()
        if not survey and sv and sv > 0 and not detail.get("explanation") and not detail.get("evidence"):
            _missing_evidence(rd, node, sv, plan.keys[i][2])
        score = av if av is not None else sv
        items[i] = ItemResult(
            node.code, node.title, node.max, score, None if score is None else rnd(score, dec), detail=detail
        )
        selfs[i], appraiseds[i] = sv, av
        surveys[i] = (av or 0.0) if survey else 0.0
    for i, children in plan.parents:
        node = plan.nodes[i]
        detail = {"leaf": False, "source": node.source}
        for col, values in (("self", selfs), ("appraised", appraiseds)):
            total = _total([values[c] for c in children])
            if total is not None and total > node.max + 1e-9:
                total = node.max
                detail[f"{col}_capped"] = True
            detail[col] = total
        selfs[i], appraiseds[i] = detail["self"], detail["appraised"]
        surveys[i] = add_up(surveys[c] for c in children)
        score = detail["appraised"] if detail["appraised"] is not None else detail["self"]
        items[i] = ItemResult(
            node.code, node.title, node.max, score, None if score is None else rnd(score, dec), detail=detail
        )
    result.items = cast(list[ItemResult], items)  # every slot is filled: each node is a leaf or a parent
    by_code = {it.code: it for it in result.items}

    self_total = _total([selfs[r] for r in plan.roots])
    appraised_total = _total([appraiseds[r] for r in plan.roots])
    survey_total = add_up(surveys[r] for r in plan.roots)
    survey_max = plan.survey_max
    deductions = _deductions(rd)
    final = None if appraised_total is None else appraised_total - add_up(d["amount"] for d in deductions)
    basis = appraised_total if appraised_total is not None else self_total
    if any(f.code in _UNREADABLE for f in findings):
        result.status = "invalid"  # a score cell could not be read: partial sums stay in the rows, no total
        basis = None
    result.total = basis
    result.total_shown = None if basis is None else rnd(basis, dec)
    result.quy_doi = None if basis is None else rnd(basis / fw.max_total * 100, dec)
    impl = None if appraised_total is None else appraised_total - survey_total
    lost_fields = [_lost(result.items[r]) for r in plan.roots]
    lost_criteria = [
        lost for c in plan.criteria if (lost := _lost(result.items[c]))["lost"] is not None and lost["lost"] > 1e-9
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
    _compare_stated(result, rd, by_code)
    result.findings = findings.as_list()
    return result


def _filled(row: dict[str, Any], col: str) -> bool:
    value = row.get(col)
    if plain_number(value) is not None:
        return True
    return parse_number(value).kind.value not in {"empty"}


def _total(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return add_up(present) if present else None


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


def _leaf(
    i: int,
    plan: _Plan,
    rows: dict[str, Any],
    rd: Reader,
    has: dict[str, bool],
    items: list[ItemResult | None],
    selfs: list[float | None],
    appraiseds: list[float | None],
    surveys: list[float],
    rnd: Any,
    dec: int,
) -> None:
    node = plan.nodes[i]
    self_key, appraised_key, explanation_key = plan.keys[i]
    raw_row = rows.get(node.code)
    row: dict[str, Any] = raw_row if isinstance(raw_row, dict) else {}
    detail: dict[str, Any] = {"leaf": True, "source": node.source}
    for col, key, label in (("self", self_key, plan.labels[i][0]), ("appraised", appraised_key, plan.labels[i][1])):
        if not has[col]:
            detail[col] = None
            continue
        v = rd.value(row.get(col), key, label, item=node.code)
        if v is None:
            v = 0.0
        assert isinstance(v, float)
        if v > node.max + 1e-9:
            rd.findings.add(
                Code.SCORE_ABOVE_MAX,
                Severity.ERROR,
                f"Mục {node.code}: {COLUMNS[col].lower()} {fmt_vn(v, None)} vượt điểm chuẩn {fmt_vn(node.max, None)}; "
                f"đã tính bằng {fmt_vn(node.max, None)}.",
                rd.unit.where(key),
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
            rd.unit.where(self_key),
            item=node.code,
            value=detail["self"],
        )
        detail["self"] = 0.0
    if row:
        for text in _TEXTS:
            value = row.get(text)
            if isinstance(value, str) and value.strip():
                detail[text] = value.strip()
    if (
        node.source != "survey"
        and (detail.get("self") or 0) > 0
        and not detail.get("explanation")
        and not detail.get("evidence")
    ):
        _missing_evidence(rd, node, detail["self"], explanation_key)
    score = detail["appraised"] if detail["appraised"] is not None else detail["self"]
    items[i] = ItemResult(
        node.code, node.title, node.max, score, None if score is None else rnd(score, dec), detail=detail
    )
    selfs[i], appraiseds[i] = detail["self"], detail["appraised"]
    surveys[i] = (detail["appraised"] or 0.0) if node.source == "survey" else 0.0


def _missing_evidence(rd: Reader, node: Node, self_score: float, explanation_key: str) -> None:
    rd.findings.add(
        Code.MISSING_EVIDENCE,
        Severity.WARNING,
        f"Mục {node.code} tự chấm {fmt_vn(self_score, None)} điểm nhưng không có giải trình hay tài liệu "
        "kiểm chứng; hội đồng thẩm định có thể không công nhận.",
        rd.unit.where(explanation_key),
        item=node.code,
    )


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
            value = stated_number(raw, rd, f"stated/{code}/{col}")
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
        value = stated_number(raw, rd, f"stated/total/{col}")
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
        value = stated_number(raw, rd, f"stated/{key}")
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
