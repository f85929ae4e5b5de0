"""Realistic TTHC unit workbooks for a commune (cấp xã), for the benchmarks. Stand-in, self-contained.

The layout follows the annex of seed 001 (Báo cáo 205/BC-UBND ngày 22/6/2021 của UBND huyện Điện Biên):
title rows, "Kỳ đánh giá", "Đơn vị", the dossier counts, then the table STT / Tiêu chí/Tiêu chí thành phần /
Điểm tối đa / Số lượng hồ sơ / Điểm tự đánh giá / Ghi chú with the 9 criteria and their level rows ("x" in the
Điểm tự đánh giá column for criteria 6–9). This generator is replaced by the official template later; it
imports nothing from ``xl_tthc`` so that the published scores it writes are an independent computation.

Everything is deterministic: unit ``i`` of seed ``s`` draws from ``random.Random(f"{s}:{i}")``, and the
counts add up (tiếp nhận = trực tuyến + trực tiếp + kỳ trước = đã giải quyết + đang giải quyết; đã giải
quyết = trước hạn + đúng hạn + quá hạn = Σ số hồ sơ theo mức của chỉ số 1–5).

``make_unit_workbooks`` writes the files, ``unit_inputs`` returns the same units as core ``data`` dicts
(same numbers, same marks), and ``read_back`` turns the first sheet's values, as python-calamine returns
them, into that dict again so that a benchmark can check that it scores what is in the files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

FRAMEWORK_ID = "tthc-dienbien-1187-2019-xa"
LEVEL = "xa"
PERIOD = "2021-Q2"
PERIOD_VI = "Quý II, Năm 2021"
SHEET = "Chấm điểm TTHC"
FONT = "Times New Roman"

# (key, label) of the dossier counts block, in the order of the framework's count_fields.
COUNT_ROWS: tuple[tuple[str, str], ...] = (
    ("received_total", "Tổng số hồ sơ đã tiếp nhận trong kỳ:"),
    ("received_online", "- Tiếp nhận trực tuyến"),
    ("received_direct", "- Tiếp nhận trực tiếp và qua dịch vụ bưu chính"),
    ("received_carried", "- Từ kỳ trước chuyển sang"),
    ("resolved_total", "Tổng hồ sơ đã giải quyết trong kỳ:"),
    ("resolved_before", "- Giải quyết trước hạn"),
    ("resolved_on_time", "- Giải quyết đúng hạn"),
    ("resolved_late", "- Giải quyết quá hạn"),
    ("in_progress_on_time", "Tổng số hồ sơ đang giải quyết trong hạn:"),
    ("in_progress_late", "Tổng số hồ sơ đang giải quyết quá hạn:"),
)

_HOP = "Tổ chức, cá nhân"
_DCTT = "dịch vụ công trực tuyến mức độ 3, 4"
_NHUNG = (
    "không có ý kiến phản ánh, kiến nghị về hành vi, thái độ nhũng nhiễu, gây phiền hà, "
    "không thực hiện hoặc thực hiện không đúng quy định pháp luật"
)
_BP = "Bộ phận Tiếp nhận và Trả kết quả"

# (code, title, rule, level labels a/b/c); points are 2/1/0 and every criterion is worth 2.
CRITERIA: tuple[tuple[str, str, str, tuple[str, str, str]], ...] = (
    (
        "1",
        "Tổng thời gian giải quyết hồ sơ thủ tục hành chính",
        "count",
        (
            "Trước hạn so với thời gian quy định",
            "Đúng hạn so với thời gian quy định",
            "Trễ hạn so với thời gian quy định",
        ),
    ),
    (
        "2",
        "Thời gian thực hiện của từng cơ quan, đơn vị tham gia giải quyết thủ tục hành chính",
        "count",
        (
            "Trước hạn so với thời gian quy định",
            "Đúng hạn so với thời gian quy định",
            "Trễ hạn so với thời gian quy định",
        ),
    ),
    (
        "3",
        "Số lần tổ chức, cá nhân phải liên hệ để hoàn thiện hồ sơ thủ tục hành chính (kể cả theo hình thức trực tuyến)",
        "count",
        (
            "Không phải liên hệ lần nào",
            "Chỉ liên hệ một lần",
            "Phải liên hệ hơn một lần (trừ trường hợp nguyên nhân do lỗi của người nộp hồ sơ)",
        ),
    ),
    (
        "4",
        "Số lượng cơ quan, đơn vị, tổ chức phải liên hệ để hoàn thiện hồ sơ thủ tục hành chính "
        "(kể cả theo hình thức trực tuyến)",
        "count",
        (
            f"{_HOP} không phải liên hệ với cơ quan, đơn vị, tổ chức nào để hoàn thiện hồ sơ thủ tục hành chính",
            f"{_HOP} phải liên hệ với một cơ quan, đơn vị, tổ chức là bộ phận một cửa để hoàn thiện hồ sơ TTHC",
            f"{_HOP} phải liên hệ với hơn một cơ quan, đơn vị, tổ chức để hoàn thiện hồ sơ thủ tục hành chính",
        ),
    ),
    (
        "5",
        "Thái độ của cán bộ, công chức, viên chức khi giải quyết thủ tục hành chính",
        "count",
        (
            f"Giải quyết hồ sơ TTHC sớm hơn thời hạn quy định và {_NHUNG}",
            f"Giải quyết hồ sơ TTHC đúng thời hạn quy định và {_NHUNG}",
            "Có ý kiến phản ánh, kiến nghị về hành vi, thái độ nhũng nhiễu, gây phiền hà, không thực hiện hoặc "
            "thực hiện không đúng quy định pháp luật (trừ trường hợp phản ánh, kiến nghị được cơ quan có thẩm "
            "quyền xác minh, kết luận là không đúng hoặc vu cáo)",
        ),
    ),
    (
        "6",
        f"Tổ chức tiếp nhận hồ sơ, giải quyết, trả kết quả tại {_BP}",
        "mark",
        (
            f"100% TTHC thực hiện tiếp nhận, trả kết quả tại {_BP}",
            f"Từ 90% đến dưới 100% TTHC thực hiện tiếp nhận, trả kết quả tại {_BP}",
            f"Dưới 90% TTHC thực hiện tiếp nhận, trả kết quả tại {_BP}",
        ),
    ),
    (
        "7",
        "Công khai các thủ tục hành chính",
        "mark",
        (
            "Công khai chính xác, đầy đủ, kịp thời bằng cả hai hình thức niêm yết và điện tử",
            "Công khai chính xác, đầy đủ, kịp thời bằng một trong hai hình thức niêm yết hoặc điện tử",
            "Không được công khai chính xác, đầy đủ, kịp thời",
        ),
    ),
    (
        "8",
        "Tiếp thu, giải trình đối với các ý kiến phản ánh, kiến nghị của tổ chức, cá nhân",
        "mark",
        (
            "Không có phản ánh, kiến nghị hoặc 100% phản ánh, kiến nghị được xử lý đúng thời hạn theo quy định "
            "và không có phản ánh, kiến nghị kéo dài",
            "Tối thiểu từ 90% phản ánh, kiến nghị trở lên được xử lý đúng thời hạn theo quy định và không có "
            "phản ánh, kiến nghị kéo dài",
            "Dưới 90% phản ánh, kiến nghị được xử lý đúng thời hạn theo quy định hoặc có phản ánh, kiến nghị kéo dài",
        ),
    ),
    (
        "9",
        "Tiến độ và chất lượng cung cấp dịch vụ công trực tuyến của cơ quan có thẩm quyền",
        "mark",
        (
            f"Tối thiểu 20% TTHC đáp ứng yêu cầu được đưa vào triển khai {_DCTT}; tỷ lệ hồ sơ trực tuyến trong "
            "tổng số hồ sơ đạt tối thiểu 30% và không có hồ sơ trực tuyến nào không giải quyết hoặc giải quyết "
            "quá hạn",
            f"Có triển khai {_DCTT} đối với TTHC đáp ứng yêu cầu; tỷ lệ hồ sơ trực tuyến trong tổng số hồ sơ "
            "đạt tối thiểu 15% đến dưới 30% và không có hồ sơ trực tuyến không được giải quyết hoặc giải quyết "
            "quá hạn",
            f"Không triển khai {_DCTT} hoặc tỷ lệ hồ sơ trực tuyến trong tổng số hồ sơ đạt dưới 15% hoặc có "
            "hồ sơ trực tuyến không được giải quyết hoặc giải quyết quá hạn",
        ),
    ),
)
LEVEL_KEYS = ("a", "b", "c")
POINTS = (2, 1, 0)
MAX_POINTS = 2

# Row numbers (0-based, as XlsxWriter and python-calamine's to_python() count them; columns A..F = 0..5).
ROW_PERIOD = 4
ROW_UNIT = 5
ROW_COUNTS = 6  # first of the len(COUNT_ROWS) count rows; the value is in column D
ROW_HEADER = ROW_COUNTS + len(COUNT_ROWS) + 1
ROW_TOTAL = ROW_HEADER + 2
ROW_CRITERIA = ROW_TOTAL + 1  # each criterion takes 4 rows: its own row, then levels a, b, c
COL_MAX, COL_COUNT, COL_SELF, COL_NOTE = 2, 3, 4, 5


@dataclass(frozen=True, slots=True)
class Unit:
    index: int
    name: str  # "UBND xã Số 0001"
    counts: dict[str, int]
    level_counts: dict[str, tuple[int, int, int]]  # criteria 1–5: dossiers at levels a, b, c
    marks: dict[str, int]  # criteria 6–9: index of the level marked "x"
    stated: dict[str, float]  # criterion code -> published score (2 decimals, half-up)
    stated_total: float

    @property
    def file_name(self) -> str:
        return f"{self.name}.xlsx"


def _round2(x: float) -> float:
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _split(rng: random.Random, n: int, shares: tuple[float, float]) -> tuple[int, int, int]:
    """n dossiers over three levels: about shares[0] at a, shares[1] at b, the rest at c."""
    a = round(n * shares[0])
    b = min(n - a, round(n * shares[1]))
    return a, b, n - a - b


def make_unit(index: int, seed: int = 1) -> Unit:
    rng = random.Random(f"{seed}:{index}")
    # A commune resolves some tens to a few thousand dossiers a quarter (seed 001: 15.201 over 19 communes).
    resolved = max(1, min(6000, round(rng.lognormvariate(6.2, 0.9))))
    on_time_share = rng.choice((0.0, 0.02, 0.1, 0.25, 0.5, 0.75))
    late_share = rng.choice((0.0, 0.0, 0.0, 0.005, 0.02))
    late = round(resolved * late_share)
    on_time = min(resolved - late, round(resolved * on_time_share))
    before = resolved - on_time - late
    in_on_time = rng.randint(0, max(1, resolved // 20))
    in_late = rng.choice((0, 0, 0, 0, 1, 2))
    received = resolved + in_on_time + in_late
    online = round(received * rng.choice((0.0, 0.01, 0.05, 0.12, 0.2, 0.35, 0.6)))
    carried = min(received - online, rng.randint(0, 3))
    counts = {
        "received_total": received,
        "received_online": online,
        "received_direct": received - online - carried,
        "received_carried": carried,
        "resolved_total": resolved,
        "resolved_before": before,
        "resolved_on_time": on_time,
        "resolved_late": late,
        "in_progress_on_time": in_on_time,
        "in_progress_late": in_late,
    }
    level_counts = {
        "1": (before, on_time, late),
        "2": _split(rng, resolved, (before / resolved, on_time / resolved)),
        "3": _split(rng, resolved, (rng.choice((1.0, 1.0, 0.98, 0.9)), rng.choice((0.0, 0.02, 0.05)))),
        "4": _split(rng, resolved, (rng.choice((1.0, 1.0, 0.99, 0.95)), rng.choice((0.0, 0.01, 0.05)))),
        "5": (before, on_time, late),
    }
    ratio = online / received * 100
    honest_9 = 0 if ratio >= 30 else 1 if ratio >= 15 else 2
    marks = {
        "6": rng.choices((0, 1, 2), (90, 9, 1))[0],
        "7": rng.choices((0, 1, 2), (85, 14, 1))[0],
        "8": rng.choices((0, 1, 2), (92, 7, 1))[0],
        # Most units mark criterion 9 as their online share allows; some claim more (seed 001 did).
        "9": honest_9 if rng.random() < 0.8 else max(0, honest_9 - 1),
    }
    scores: dict[str, float] = {}
    for code, (a, b, c) in level_counts.items():
        scores[code] = (POINTS[0] * a + POINTS[1] * b + POINTS[2] * c) / (a + b + c)
    for code, k in marks.items():
        scores[code] = float(POINTS[k])
    total = sum(scores[c[0]] for c in CRITERIA)  # unrounded criterion scores, as the framework adds them
    return Unit(
        index=index,
        name=f"UBND xã Số {index:04d}",
        counts=counts,
        level_counts=level_counts,
        marks=marks,
        stated={code: _round2(s) for code, s in scores.items()},
        stated_total=_round2(total),
    )


def make_units(n: int, seed: int = 1) -> list[Unit]:
    return [make_unit(i, seed) for i in range(1, n + 1)]


def core_data(unit: Unit) -> dict[str, Any]:
    """The unit as a core ``data`` dict (the xl-tthc/input shape of xl_tthc/sample_data/seed001_tthc_huyen.json)."""
    criteria: dict[str, Any] = {}
    for code, _title, rule, _labels in CRITERIA:
        if rule == "count":
            node: dict[str, Any] = {"counts": dict(zip(LEVEL_KEYS, unit.level_counts[code], strict=True))}
        else:
            node = {"marks": {LEVEL_KEYS[unit.marks[code]]: "x"}}
        node["stated_score"] = unit.stated[code]
        criteria[code] = node
    return {"counts": dict(unit.counts), "criteria": criteria, "stated_total": unit.stated_total}


def unit_inputs(n: int, seed: int = 1) -> list[tuple[str, dict[str, Any]]]:
    """(unit name, core data) of the units ``make_unit_workbooks(out_dir, n, seed)`` writes, in order."""
    return [(u.name, core_data(u)) for u in make_units(n, seed)]


# ---------------------------------------------------------------------------- writing


def _vn_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": FONT, "font_size": 12, "valign": "vcenter"}
        cell = {**base, "border": 1, "text_wrap": True}

        def f(**kw: Any) -> Any:
            return wb.add_format({**base, **kw})

        def c(**kw: Any) -> Any:
            return wb.add_format({**cell, **kw})

        self.title = f(bold=True, font_size=13, align="center")
        self.italic = f(italic=True, align="center")
        self.text = f()
        self.bold = f(bold=True)
        self.count = f(num_format="#,##0", align="right")
        self.head = c(bold=True, align="center")
        self.head_no = c(italic=True, align="center")
        self.stt = c(bold=True, align="center")
        self.crit = c(bold=True)
        self.level = c()
        self.max_total = c(bold=True, align="center", num_format="0.0")
        self.max = c(bold=True, align="center", num_format="0")
        self.max_level = c(align="center", num_format="0")
        self.n = c(bold=True, align="right", num_format="#,##0")
        self.n_level = c(align="right", num_format="#,##0")
        self.score = c(bold=True, align="center", num_format="0.00")
        self.score_int = c(bold=True, align="center", num_format="0")
        self.mark = c(bold=True, align="center")
        self.note = c(italic=True)
        self.sign = f(bold=True, align="center", text_wrap=True)


def write_unit_workbook(path: Path, unit: Unit) -> None:
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": f"Đánh giá việc giải quyết TTHC – {unit.name}", "author": unit.name})
    fm = _Formats(wb)
    ws = wb.add_worksheet(SHEET)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    for col, width in enumerate((6, 62, 10, 12, 12, 22)):
        ws.set_column(col, col, width)
    upper = unit.name.upper()
    ws.merge_range(0, 0, 0, 5, "ĐÁNH GIÁ VIỆC GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", fm.title)
    ws.merge_range(1, 0, 1, 5, f"CỦA {upper}", fm.title)
    report = f"Báo cáo số {unit.index % 300 + 1}/BC-UBND ngày 22/6/2021 của {unit.name}"
    ws.merge_range(2, 0, 2, 5, f"(Kèm theo {report})", fm.italic)
    ws.write(ROW_PERIOD, 0, f"Kỳ đánh giá: {PERIOD_VI}", fm.text)
    ws.write_rich_string(ROW_UNIT, 0, fm.text, "Đơn vị: ", fm.bold, upper)
    for i, (key, label) in enumerate(COUNT_ROWS):
        ws.write(ROW_COUNTS + i, 1, label, fm.bold if not label.startswith("-") else fm.text)
        ws.write_number(ROW_COUNTS + i, COL_COUNT, unit.counts[key], fm.count)

    heads = ("STT", "Tiêu chí/Tiêu chí thành phần", "Điểm tối đa", "Số lượng hồ sơ", "Điểm tự đánh giá", "Ghi chú")
    ws.set_row(ROW_HEADER, 33)
    ws.write_row(ROW_HEADER, 0, heads, fm.head)
    ws.write_row(ROW_HEADER + 1, 0, [f"({i})" for i in range(1, 7)], fm.head_no)
    ws.write_row(ROW_TOTAL, 0, ["", "TỔNG ĐIỂM"], fm.crit)
    ws.write_number(ROW_TOTAL, COL_MAX, MAX_POINTS * len(CRITERIA), fm.max_total)
    ws.write_blank(ROW_TOTAL, COL_COUNT, None, fm.level)
    ws.write_number(ROW_TOTAL, COL_SELF, unit.stated_total, fm.score)
    ws.write_blank(ROW_TOTAL, COL_NOTE, None, fm.level)

    resolved = unit.counts["resolved_total"]
    for k, (code, title, rule, labels) in enumerate(CRITERIA):
        r = ROW_CRITERIA + 4 * k
        ws.write_number(r, 0, int(code), fm.stt)
        ws.write(r, 1, title, fm.crit)
        ws.write_number(r, COL_MAX, MAX_POINTS, fm.max)
        if rule == "count":
            ws.write_number(r, COL_COUNT, resolved, fm.n)
            ws.write_number(r, COL_SELF, unit.stated[code], fm.score)
        else:
            ws.write_blank(r, COL_COUNT, None, fm.level)
            ws.write_number(r, COL_SELF, unit.stated[code], fm.score_int)
        note = ""
        if code == "1" and unit.counts["in_progress_on_time"]:
            note = f"Đang giải quyết trong hạn {_vn_int(unit.counts['in_progress_on_time'])} hồ sơ"
        if note:
            ws.write(r, COL_NOTE, note, fm.note)
        else:
            ws.write_blank(r, COL_NOTE, None, fm.note)
        for j, label in enumerate(labels):
            rr = r + 1 + j
            ws.write_blank(rr, 0, None, fm.level)
            ws.write(rr, 1, label, fm.level)
            ws.write_number(rr, COL_MAX, POINTS[j], fm.max_level)
            if rule == "count":
                ws.write_number(rr, COL_COUNT, unit.level_counts[code][j], fm.n_level)
                ws.write_blank(rr, COL_SELF, None, fm.level)
            else:
                ws.write_blank(rr, COL_COUNT, None, fm.level)
                if unit.marks[code] == j:
                    ws.write(rr, COL_SELF, "x", fm.mark)
                else:
                    ws.write_blank(rr, COL_SELF, None, fm.mark)
            ws.write_blank(rr, COL_NOTE, None, fm.level)

    r = ROW_CRITERIA + 4 * len(CRITERIA) + 1
    ws.write(r, 1, "NGƯỜI LẬP BIỂU", fm.sign)
    ws.merge_range(r, 3, r, 5, "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH", fm.sign)
    ws.set_row(r, 33)
    ws.repeat_rows(ROW_HEADER, ROW_HEADER + 1)
    wb.close()


def make_unit_workbooks(out_dir: str | Path, n: int, seed: int = 1) -> list[Path]:
    """Write ``n`` commune workbooks ("UBND xã Số 0001.xlsx", …) into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for unit in make_units(n, seed):
        path = out / unit.file_name
        write_unit_workbook(path, unit)
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------- reading back (checks only)


def read_back(rows: list[list[Any]]) -> dict[str, Any]:
    """The core ``data`` of a sheet ``write_unit_workbook`` wrote, from python-calamine's ``to_python()``.

    Fixed positions, no searching: this only checks that the benchmark scores what is in the files.
    Numbers come back as floats (1147.0 == 1147, so the dict compares equal to ``core_data``).
    """

    def cell(r: int, c: int) -> Any:
        v = rows[r][c] if r < len(rows) and c < len(rows[r]) else ""
        return None if v == "" else v

    counts = {key: cell(ROW_COUNTS + i, COL_COUNT) for i, (key, _label) in enumerate(COUNT_ROWS)}
    criteria: dict[str, Any] = {}
    for k, (code, _title, rule, _labels) in enumerate(CRITERIA):
        r = ROW_CRITERIA + 4 * k
        if rule == "count":
            node: dict[str, Any] = {"counts": {lk: cell(r + 1 + j, COL_COUNT) for j, lk in enumerate(LEVEL_KEYS)}}
        else:
            node = {"marks": {lk: v for j, lk in enumerate(LEVEL_KEYS) if (v := cell(r + 1 + j, COL_SELF))}}
        node["stated_score"] = cell(r, COL_SELF)
        criteria[code] = node
    return {"counts": counts, "criteria": criteria, "stated_total": cell(ROW_TOTAL, COL_SELF)}


__all__ = [
    "FRAMEWORK_ID",
    "LEVEL",
    "PERIOD",
    "SHEET",
    "Unit",
    "core_data",
    "make_unit",
    "make_unit_workbooks",
    "make_units",
    "read_back",
    "unit_inputs",
    "write_unit_workbook",
]
