"""Plain-text Vietnamese tables of a result document (``xl-tthc score --format table``)."""

from __future__ import annotations

import unicodedata
from typing import Any

from xl_tthc.core.findings import SEVERITY_LABEL_VI, Severity
from xl_tthc.core.numbers import fmt_vn, round_half_up_decimal


def _w(text: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 1 for ch in unicodedata.normalize("NFC", text))


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _w(text))
    return gap + text if right else text + gap


def render(headers: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    right = right or set()
    widths = [max(_w(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    line = "+".join("-" * (w + 2) for w in widths)
    out = [
        "+" + line + "+",
        "| " + " | ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)) + " |",
        "+" + line + "+",
    ]
    for r in rows:
        out.append(
            "| "
            + " | ".join(_pad(str(c), w, i in right) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
            + " |"
        )
    out.append("+" + line + "+")
    return "\n".join(out)


def _num(x: Any, dec: int | None = 2) -> str:
    return "" if x is None else fmt_vn(x, dec)


def result_table(result: dict[str, Any]) -> str:
    fw = result["framework"]
    parts = [f"Khung chấm điểm: {fw['title']} (phiên bản {fw['version']})"]
    if fw["kind"] == "par" or len(result["units"]) == 1:
        for u in result["units"]:
            parts.append(_unit_detail(u, fw))
    if len(result["units"]) > 1:
        parts.append(_summary(result))
    findings = [(u["unit"]["name"], f) for u in result["units"] for f in u["findings"]]
    if findings:
        rows = [[SEVERITY_LABEL_VI[Severity(f["severity"])], name, f["message"]] for name, f in findings]
        parts.append("Kết quả kiểm tra:\n" + render(["Mức độ", "Đơn vị", "Nội dung"], rows))
    else:
        parts.append("Kết quả kiểm tra: không phát hiện lỗi.")
    return "\n\n".join(parts)


def _unit_detail(u: dict[str, Any], fw: dict[str, Any]) -> str:
    head = f"Đơn vị: {u['unit']['name']}" + (f" – kỳ {u['period']}" if u.get("period") else "")
    rows = []
    for it in u["items"]:
        if fw["kind"] == "par" and it["code"].count(".") > 1:
            continue
        rows.append(
            [it["code"], it["title"][:70], _num(it["max"], None), _num(it["shown"], None) if it["applicable"] else "-"]
        )
    table = render(["Mã", "Tiêu chí / chỉ số", "Tối đa", "Điểm"], rows, right={2, 3})
    lines = [head, table, f"Trạng thái: {u['status_label']}"]
    if u["total"] is not None:
        lines.append(f"Tổng điểm: {_num(u['total_shown'], None)}/{_num(u['applicable_max'], None)}")
    if fw["kind"] == "service_index" and u["quy_doi"] is not None and u["applicable_max"] != fw["max_total"]:
        lines.append(f"Tổng điểm quy đổi: {_num(u['quy_doi'])}")
    if u.get("band"):
        lines.append(f"Xếp loại: {u['band']['label']}")
    ex = u.get("extra") or {}
    if fw["kind"] == "par" and ex.get("appraised_total") is not None:
        lines.append(
            f"Điểm tự đánh giá: {_num(ex['self_total'], None) if ex['self_total'] is not None else '-'}; "
            f"điểm thẩm định: {_num(round(ex['appraised_total'], 5), None)} "
            f"(không tính điều tra xã hội học: {_num(round(ex['appraised_without_survey'], 5), None)}; "
            f"điều tra xã hội học: {_num(round(ex['survey_total'], 5), None)})"
        )
        if ex.get("deductions"):
            lines.append(
                f"Điểm bị trừ: {_num(sum(d['amount'] for d in ex['deductions']))}; "
                f"điểm cuối cùng: {_num(round(ex['final'], 5), None)}"
            )
        lost = fw["max_total"] - round_half_up_decimal(u["total"], 2)  # as published: 100 − 79,42 = 20,58
        lines.append(f"Điểm chưa đạt: {_num(lost)}/{_num(fw['max_total'], None)}")
    return "\n".join(lines)


def _summary(result: dict[str, Any]) -> str:
    rows = []
    for i, u in enumerate(result["units"], 1):
        rows.append(
            [
                str(i),
                u["unit"]["name"],
                _num(u["total_shown"]),
                _num(u["applicable_max"], None),
                _num(u["quy_doi"]),
                (u.get("band") or {}).get("label") or u["status_label"],
                "" if u["rank"] is None else str(u["rank"]),
            ]
        )
    return render(["STT", "Đơn vị", "Tổng điểm", "Tối đa", "Quy đổi", "Xếp loại", "Hạng"], rows, right={0, 2, 3, 4, 6})
