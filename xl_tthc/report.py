"""The draft report (báo cáo) as a Word document, Nghị định 30/2020/NĐ-CP layout.

:func:`build_context` turns a :class:`~xl_tthc.core.consolidate.Consolidation` into Vietnamese text (pure
Python, no Word library): units per band and level with their names, as district reports word them
("- 07 đơn vị xếp loại Tốt: UBND các xã: Mường Nhà, …"), weaknesses derived from indicator scores (rules in
``report_templates/weaknesses.json``), the comparison with the previous period, the PAR analysis, figures
the units stated wrongly, and the appendix table. :func:`write_report` renders that context into the
docxtpl template ``report_templates/bao_cao.docx`` (built by ``scripts/make_report_template.py``; officers
may edit it in Word) and writes the file atomically.
"""

from __future__ import annotations

import io
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from xl_tthc.core.compare import Comparison, UnitChange
from xl_tthc.core.consolidate import Consolidation, FrameworkSummary, LevelSummary, consolidate
from xl_tthc.core.findings import Code, Finding, Location, Severity
from xl_tthc.core.framework import Framework, Registry, default_registry, unit_levels
from xl_tthc.core.model import STATUS_LABEL_VI, ItemResult, UnitResult
from xl_tthc.core.numbers import fmt_int_vn, fmt_percent_vn, fmt_vn
from xl_tthc.core.par_analysis import ParAnalysis, analyse_many
from xl_tthc.core.records import record

TEMPLATES_DIR = Path(__file__).resolve().parent / "report_templates"
TEMPLATE = TEMPLATES_DIR / "bao_cao.docx"
APPENDIX_TABLE = "xl_tthc:phu_luc"  # w:tblCaption of the appendix table in the template

_STATUS_PHRASE = {
    "not_scored": "chưa chấm điểm",
    "no_dossiers": "chưa phát sinh hồ sơ",
    "invalid": "chưa tính được điểm do số liệu có lỗi",
    "scored": "đã có kết quả chấm điểm",
}
_STATUS_BY_LABEL = {v: k for k, v in STATUS_LABEL_VI.items()}

# Findings worth a line in the report: figures the units stated that the recomputation contradicts.
_FINDINGS_THAT_MATTER = frozenset(
    {
        Code.STATED_SCORE_MISMATCH,
        Code.STATED_TOTAL_MISMATCH,
        Code.STATED_MAX_MISMATCH,
        Code.STATED_QUY_DOI_MISMATCH,
        Code.STATED_QUY_DOI_TRUNCATED,
        Code.STATED_BAND_MISMATCH,
        Code.PARENT_SUM_MISMATCH,
        Code.SCORE_ABOVE_MAX,
        Code.COUNTS_DO_NOT_ADD_UP,
        Code.LEVEL_CONTRADICTS_DATA,
        Code.DUPLICATE_UNIT,
        Code.PERIOD_MISMATCH,
    }
)


class ReportError(Exception):
    """The report cannot be made from this input (message in Vietnamese, shown as is)."""


@record
class ReportMeta:
    """What the officer fills in on a report besides the data (header, signature, addressees)."""

    issuer: str = "ỦY BAN NHÂN DÂN"  # e.g. "UBND HUYỆN ĐIỆN BIÊN"
    issuer_parent: str | None = None  # cơ quan chủ quản, e.g. "UBND TỈNH ĐIỆN BIÊN"
    place: str | None = None  # "Điện Biên"
    date: date | None = None
    number: str | None = None  # "405/BC-UBND"
    signer: str | None = None
    signer_authority: str = "TM. ỦY BAN NHÂN DÂN"
    signer_title: str = "CHỦ TỊCH"
    subject: str | None = None  # default: from the framework kind, area and period
    area: str | None = None  # "huyện Điện Biên"; default: from the issuer
    issuer_short: str | None = None  # "UBND huyện Điện Biên"; default: from the issuer
    recipients: list[str] | None = None
    roster_known: bool | None = None  # None: known when some roster unit is missing
    stated: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # unit name -> data.stated (PAR)


# ---------------------------------------------------------------------------- wording data


@cache
def _json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TEMPLATES_DIR / name).read_text(encoding="utf-8"))
    return data


def wording() -> dict[str, Any]:
    return _json("wording.json")


def weakness_rules() -> dict[str, Any]:
    return _json("weaknesses.json")


# ---------------------------------------------------------------------------- Vietnamese text helpers

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
_COMPOSE = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}


def vn_sort_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """Vietnamese alphabetical order: a ă â b c d đ e ê …, letters first and tones second.

    >>> sorted(["Hua Thanh", "Hẹ Muông", "Đông", "Dương"], key=vn_sort_key)
    ['Dương', 'Đông', 'Hẹ Muông', 'Hua Thanh']
    """
    primary: list[int] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFC", text).lower():
        decomposed = unicodedata.normalize("NFD", ch)
        base, tone = decomposed[0], 0
        for mark in decomposed[1:]:
            if mark in _TONE_RANK:
                tone = _TONE_RANK[mark]
            else:
                base = _COMPOSE.get((base, mark), base)
        if base in _LETTER_RANK:
            primary.append(100 + _LETTER_RANK[base])
        elif base.isspace():
            primary.append(0)
        elif base.isdigit():
            primary.append(10 + int(base))
        else:
            primary.append(1)
        tones.append(tone)
    return (tuple(primary), tuple(tones), text)


def count_vi(n: int) -> str:
    """Counts as reports write them: 02, 07, 21, 1.132."""
    return f"{n:02d}" if n < 1000 else fmt_int_vn(n)


def _name_group(name: str) -> tuple[str, str] | None:
    """("UBND các xã", "Mường Nhà") for "UBND xã Mường Nhà"; None when the name has no group prefix."""
    text = unicodedata.normalize("NFC", " ".join(name.split()))
    text = re.sub(r"^(Ủy|Uỷ) ban nhân dân ", "UBND ", text, flags=re.IGNORECASE)
    for g in wording()["name_groups"]:
        prefix = g["prefix"]
        if text.lower().startswith(prefix.lower()) and len(text) > len(prefix):
            return str(g["group"]), text[len(prefix) :]
    return None


def group_names(names: Sequence[str], suffixes: Mapping[str, str] | None = None, *, sort: bool = True) -> str:
    """Names as a report lists them, grouped by their common prefix.

    >>> group_names(["UBND xã Pa Thơm", "UBND xã Mường Nhà"])
    'UBND các xã: Mường Nhà, Pa Thơm'
    >>> group_names(["Trung tâm QLĐĐ", "Phòng Nội vụ"])
    'Phòng Nội vụ, Trung tâm QLĐĐ'

    Two or more names with the same prefix form a group ("Các phòng: Tư pháp, Nội vụ"); a name alone keeps
    its full form. Groups are separated by semicolons. ``suffixes`` adds text after a name ("(+2,10)").
    """
    ordered = sorted(names, key=vn_sort_key) if sort else list(names)
    sfx = suffixes or {}
    split = {n: _name_group(n) for n in ordered}
    counts: dict[str, int] = {}
    for g in split.values():
        if g:
            counts[g[0]] = counts.get(g[0], 0) + 1
    segments: list[tuple[str | None, list[str]]] = []
    index: dict[str, int] = {}
    for n in ordered:
        g = split[n]
        shown = (g[1] if g and counts[g[0]] > 1 else n) + (f" {sfx[n]}" if sfx.get(n) else "")
        if g and counts[g[0]] > 1:
            if g[0] not in index:
                index[g[0]] = len(segments)
                segments.append((g[0], []))
            segments[index[g[0]]][1].append(shown)
        elif segments and segments[-1][0] is None:
            segments[-1][1].append(shown)
        else:
            segments.append((None, [shown]))
    parts = [f"{label}: {', '.join(items)}" if label else ", ".join(items) for label, items in segments]
    return "; ".join(parts)


def period_text(period: str | None, *, short: bool = False) -> str:
    """``2023-07`` -> "tháng 7 năm 2023" (short: "tháng 7/2023"); ``2021-Q1`` -> "quý I năm 2021"; ``2019`` -> "năm 2019"."""
    if not period:
        return ""
    p = period.strip().upper()
    if re.fullmatch(r"\d{4}", p):
        return f"năm {p}"
    m = re.fullmatch(r"(\d{4})-Q([1-4])", p)
    if m:
        roman = ("I", "II", "III", "IV")[int(m.group(2)) - 1]
        return f"quý {roman}/{m.group(1)}" if short else f"quý {roman} năm {m.group(1)}"
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", p)
    if m and 1 <= int(m.group(2)) <= 12:
        month = int(m.group(2))
        return f"tháng {month}/{m.group(1)}" if short else f"tháng {month} năm {m.group(1)}"
    try:
        d = date.fromisoformat(p)
    except ValueError:
        return period
    return f"ngày {d.day}/{d.month}/{d.year}"


def date_vi(d: date | None) -> str:
    """NĐ 30 date text: "ngày 17 tháng 8 năm 2023"; days below 10 and months 1–2 take a leading zero."""
    if d is None:
        return "ngày      tháng      năm       "
    day = f"{d.day:02d}" if d.day < 10 else str(d.day)
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"ngày {day} tháng {month} năm {d.year}"


def _date_short(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{d:02d}/{m:02d}/{y}" if d < 10 or m < 3 else f"{d}/{m}/{y}"


_ADMIN = ("thành phố", "thị trấn", "thị xã", "huyện", "tỉnh", "quận", "phường", "xã")


def issuer_parts(issuer: str) -> tuple[list[str], str, str]:
    """Header lines, short name and area of an issuer ("UBND HUYỆN ĐIỆN BIÊN").

    -> (["ỦY BAN NHÂN DÂN", "HUYỆN ĐIỆN BIÊN"], "UBND huyện Điện Biên", "huyện Điện Biên")
    """
    text = " ".join(issuer.split())
    m = re.match(r"^(UBND|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)\s+(.+)$", text, flags=re.IGNORECASE)
    if not m:
        return [text.upper()], text, ""
    rest = m.group(2)
    low = rest.lower()
    area = rest
    for a in _ADMIN:
        if low.startswith(a + " "):
            area = a + " " + " ".join(w[:1].upper() + w[1:].lower() for w in rest[len(a) + 1 :].split())
            break
    return ["ỦY BAN NHÂN DÂN", rest.upper()], f"UBND {area}", area


def _num(x: float | None) -> str:
    """A score as printed in tables: 4,81 / 30 / 9,41 (two decimals, trailing zeros dropped)."""
    return "" if x is None else fmt_vn(x, 2, trim=True)


def _exact(x: float) -> str:
    """A PAR figure with its own precision: 14,076 / 16,5 / 3."""
    return fmt_vn(round(x, 6), None)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


# ---------------------------------------------------------------------------- narrative pieces


def _level_plural(level: str | None, fallback: str) -> str:
    for lv in unit_levels()["levels"]:
        if lv["code"] == level:
            return str(lv.get("plural") or lv["label"])
    return fallback


def band_lines(ls: LevelSummary) -> list[str]:
    """ "- 02 đơn vị xếp loại Xuất sắc: Các phòng: …" per band (and per status) with at least one unit."""
    lines = []
    for label, n in ls.band_counts.items():
        if not n:
            continue
        status = _STATUS_BY_LABEL.get(label)
        phrase = _STATUS_PHRASE[status] if status else f"xếp loại {label}"
        lines.append(f"- {count_vi(n)} đơn vị {phrase}: {group_names(ls.band_units.get(label, []))}.")
    unbanded = [r.unit for r in ls.results if r.status == "scored" and not r.band_label]
    if unbanded and STATUS_LABEL_VI["scored"] not in ls.band_counts:  # a framework without bands (PAR)
        lines.insert(0, f"- {count_vi(len(unbanded))} đơn vị {_STATUS_PHRASE['scored']}: {group_names(unbanded)}.")
    if ls.missing:
        names = [m.name for m in ls.missing]
        lines.append(f"- {count_vi(len(names))} đơn vị chưa gửi kết quả: {group_names(names)}.")
    return lines


def level_intro(ls: LevelSummary, roster_known: bool) -> str:
    """ "Thực hiện chấm điểm đánh giá 5/10 cơ quan, đơn vị, trong đó:"."""
    noun = wording()["level_nouns"].get(ls.level or "", "đơn vị")
    done = len(ls.results)
    figure = f"{done}/{done + len(ls.missing)}" if roster_known else str(done)
    return f"Thực hiện chấm điểm đánh giá {figure} {noun}, trong đó:"


def _item(r: UnitResult, code: str) -> ItemResult | None:
    try:
        return r.item(code)
    except KeyError:
        return None


def _rule_hits(rule: Mapping[str, Any], r: UnitResult) -> bool:
    if r.status != "scored" or (rule.get("levels") and r.level not in rule["levels"]):
        return False
    hits: list[bool | None] = []
    for code in rule["items"]:
        it = _item(r, code)
        if it is None or not it.applicable or it.score is None:
            hits.append(None)
            continue
        score = it.shown if it.shown is not None else it.score
        if "at_most" in rule:
            hits.append(score <= float(rule["at_most"]) + 1e-9)
        else:
            hits.append(it.max > 0 and score / it.max * 100 < float(rule["below_percent"]) - 1e-9)
    known = [h for h in hits if h is not None]
    if not known:
        return False
    return all(known) if rule.get("match") == "all" else any(known)


@record(frozen=True)
class Weakness:
    rule: str
    text: str
    units: list[str]

    @property
    def sentence(self) -> str:
        return f"{self.text}: {group_names(self.units, sort=False)}."


def weaknesses(fw: Framework, results: Iterable[UnitResult]) -> list[Weakness]:
    """Weaknesses by the rules of ``weaknesses.json`` for this framework, units by level then name."""
    level_order = {lv: i for i, lv in enumerate(fw.levels)}
    ordered = sorted(results, key=lambda r: (level_order.get(r.level or "", 99), vn_sort_key(r.unit)))
    out = []
    for rule in weakness_rules()["rules"].get(fw.kind, []):
        if rule.get("frameworks") and fw.id not in rule["frameworks"]:
            continue
        units = [r.unit for r in ordered if _rule_hits(rule, r)]
        if units:
            out.append(Weakness(str(rule["id"]), str(rule["text"]), units))
    return out


def _signed(x: float) -> str:
    return ("+" if x > 0 else "") + fmt_vn(x, 2)


def comparison_lines(cmp: Comparison) -> list[str]:
    """Units up and down, band changes, new and missing units, worded for the report."""
    prev = period_text(cmp.previous_period, short=True) or cmp.previous_period
    up, down, same = cmp.up, cmp.down, cmp.unchanged
    lines = [
        f"So với {prev}: {count_vi(len(up))} đơn vị tăng điểm, {count_vi(len(down))} đơn vị giảm điểm, "
        f"{count_vi(len(same))} đơn vị giữ nguyên điểm."
    ]

    def listing(changes: list[UnitChange], what: str) -> str:
        sfx = {c.unit: f"({_signed(c.change)})" for c in changes if c.change is not None}
        return f"- {what}: {group_names([c.unit for c in changes], sfx)}."

    if up:
        lines.append(listing(up, "Tăng điểm"))
    if down:
        lines.append(listing(down, "Giảm điểm"))
    if cmp.fell_band:
        sfx = {c.unit: f"(từ {c.previous.band_label} xuống {c.current.band_label})" for c in cmp.fell_band}
        lines.append(f"- Hạ xếp loại: {group_names([c.unit for c in cmp.fell_band], sfx)}.")
    if cmp.rose_band:
        sfx = {c.unit: f"(từ {c.previous.band_label} lên {c.current.band_label})" for c in cmp.rose_band}
        lines.append(f"- Nâng xếp loại: {group_names([c.unit for c in cmp.rose_band], sfx)}.")
    if cmp.new_units:
        lines.append(f"- Đơn vị mới có kết quả kỳ này: {group_names([r.unit for r in cmp.new_units])}.")
    if cmp.missing_units:
        lines.append(
            f"- Đơn vị có kết quả {prev} nhưng chưa có kết quả kỳ này: "
            f"{group_names([r.unit for r in cmp.missing_units])}."
        )
    return lines


def par_lines(a: ParAnalysis) -> dict[str, Any]:
    """The PAR analysis worded like the district letters (seed 003)."""
    mx = _exact(a.max_total)
    head = f"Kết quả {a.unit} đạt {fmt_vn(a.total_shown, 2)}/{mx} điểm"
    if a.rank is not None and a.of:
        head += f"; xếp thứ {a.rank}/{a.of} đơn vị"
    head += ". Trong đó:"
    lines = [head]
    for p, what in (
        (a.implementation, "kết quả triển khai thực hiện CCHC"),
        (a.survey, "thông qua điều tra xã hội học"),
    ):
        if p.max <= 0:
            continue
        line = f"- Điểm đánh giá {what} đạt {_exact(p.shown)}/{_exact(p.max)} điểm"
        if p.percent is not None:
            line += f", tương đương {fmt_percent_vn(p.percent)}"
        if p.stated is not None and not p.stated_matches:
            line += (
                f" (số công bố; cộng điểm các lĩnh vực được {_exact(p.achieved)}/{_exact(p.max)} điểm"
                + (f", tương đương {fmt_percent_vn(p.computed_percent)}" if p.computed_percent is not None else "")
                + ")"
            )
        lines.append(line + ";")
    lines.append(f"- Điểm chưa đạt là {fmt_vn(a.lost, 2)}/{mx} điểm.")
    for d in a.deductions:
        reason = f" ({d.reason})" if d.reason else ""
        lines.append(f"- Bị trừ {_exact(d.amount)} điểm{reason}.")
    if a.deductions:
        final = f"- Kết quả cuối cùng sau khi trừ điểm: {fmt_vn(a.final, 2)}/{mx} điểm"
        if a.final_rank is not None and a.of:
            final += f"; xếp thứ {a.final_rank}/{a.of} đơn vị"
        lines.append(final + ".")
    lines.append(f"Điểm theo {count_vi(len(a.fields))} lĩnh vực:")
    for i, f in enumerate(a.fields, 1):
        line = f"- Lĩnh vực {i}: {f.title}: đạt {_exact(f.achieved)}/{_exact(f.max)} điểm"
        if f.survey_max > 0:
            line += f"; trong đó Điều tra xã hội học đạt {_exact(f.survey_achieved)}/{_exact(f.survey_max)} điểm"
        lines.append(line + ".")
    fields = [
        {
            "stt": str(i),
            "title": f"{f.code}. {f.title}",
            "max": _exact(f.max),
            "achieved": _exact(f.achieved),
            "lost": _exact(f.lost),
        }
        for i, f in enumerate(a.lost_by_field, 1)
    ]
    after: list[str] = []
    top = a.lost_by_criterion[:10]
    if top:
        after.append("Các tiêu chí mất nhiều điểm nhất:")
        field_no = {f.code: i for i, f in enumerate(a.fields, 1)}
        for c in top:
            after.append(
                f"- {c.code} {c.title} (lĩnh vực {field_no.get(c.field_code, c.field_code)}): "
                f"chưa đạt {_exact(c.lost)}/{_exact(c.max)} điểm."
            )
    if a.cuts:
        after.append("Các tiêu chí hội đồng thẩm định chấm thấp hơn điểm tự đánh giá:")
        for cut in a.cuts:
            after.append(
                f"- {cut.code} {cut.title}: tự đánh giá {_exact(cut.self_score)}, thẩm định {_exact(cut.appraised)} "
                f"(giảm {_exact(-cut.difference)} điểm)."
            )
    if a.unsupported:
        after.append(
            "Các tiêu chí tự chấm điểm nhưng không có giải trình, tài liệu kiểm chứng (hội đồng thẩm định không "
            "công nhận điểm tự chấm khi thiếu tài liệu kiểm chứng):"
        )
        for u in a.unsupported:
            after.append(f"- {u.code} {u.title}: tự chấm {_exact(u.self_score)} điểm.")
    return {"heading": a.unit, "lines": lines, "fields": fields, "after": after}


def finding_lines(consolidation: Consolidation) -> list[str]:
    """Stated figures that the recomputation contradicts, and consolidation problems, one line each."""
    out: list[str] = []
    seen: set[str] = set()
    level_rank = {}
    for fs in consolidation.frameworks:
        for i, lv in enumerate(fs.levels):
            for r in lv.results:
                level_rank[r.unit] = i
    results = sorted(consolidation.all_results(), key=lambda r: (level_rank.get(r.unit, 99), vn_sort_key(r.unit)))
    found: list[Finding] = [*consolidation.findings, *(f for r in results for f in r.findings)]
    for f in found:
        if f.code not in _FINDINGS_THAT_MATTER:
            continue
        text = f.message if not f.unit or f.unit in f.message else f"{f.unit}: {f.message}"
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


# ---------------------------------------------------------------------------- appendix


def _appendix_columns(fw: Framework) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Group headers (title, span), column labels and item codes of the appendix table."""
    if fw.kind == "service_index":
        groups, labels, codes = [], [], []
        for g in fw.groups:
            shown = [i for i in g.indicators if not i.monitoring_only]
            if not shown:
                continue
            groups.append({"title": g.short or g.title, "span": len(shown)})
            for k, i in enumerate(shown, 1):
                labels.append(f"Chỉ số {k} ({_exact(i.max)}đ)")
                codes.append(i.code)
        return groups, labels, codes
    if fw.kind == "par":
        codes = [n.code for n in fw.tree]
        return (
            [{"title": "Điểm các lĩnh vực", "span": len(codes)}],
            [f"LV {n.code} ({_exact(n.max)}đ)" for n in fw.tree],
            codes,
        )
    codes = [c.code for c in fw.criteria]
    return (
        [{"title": "Điểm các tiêu chí", "span": len(codes)}],
        [f"TC {c.code} ({_exact(c.max)}đ)" for c in fw.criteria],
        codes,
    )


def _appendix_value(r: UnitResult, code: str) -> str:
    it = _item(r, code)
    if it is None:
        return ""
    if not it.applicable:
        return "-"
    if r.kind == "par":  # PAR figures keep their own precision (14,076)
        return "" if it.score is None else _exact(it.score)
    return _num(it.shown if it.shown is not None else it.score)


_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def appendix(fs: FrameworkSummary) -> dict[str, Any]:
    fw = fs.framework
    groups, labels, codes = _appendix_columns(fw)
    sections = []
    for i, lv in enumerate(fs.levels):
        rows = []
        for k, r in enumerate(sorted(lv.results, key=lambda r: vn_sort_key(r.unit)), 1):
            scored = r.status == "scored"
            total = ""
            if scored and r.total_shown is not None:
                total = _num(r.total_shown)
                if r.applicable_max < r.max_total - 1e-9:
                    total += f"/{_exact(r.applicable_max)}"
            rows.append(
                {
                    "stt": str(k),
                    "name": r.unit,
                    "scores": [_appendix_value(r, c) if scored else "" for c in codes],
                    "total": total,
                    "quy_doi": fmt_vn(r.quy_doi, 2) if scored and r.quy_doi is not None else "",
                    "band": (r.band_label or "") if scored else r.status_label,
                }
            )
        roman = _ROMAN[i] if i < len(_ROMAN) else str(i + 1)
        sections.append({"title": f"{roman}. {_level_plural(lv.level, lv.label).upper()}", "rows": rows})
    note = ""
    if fw.kind == "service_index":
        note = (
            "Ghi chú: dấu (-) là chỉ số đơn vị không phải thực hiện hoặc chưa đến thời điểm đánh giá; tổng điểm "
            "dạng a/b là điểm đạt được trên tổng điểm tối đa của các chỉ số áp dụng."
        )
    elif fw.kind == "par":
        note = "Ghi chú: LV – lĩnh vực; điểm các lĩnh vực là điểm thẩm định (kể cả điểm điều tra xã hội học)."
    return {
        "note": note,
        "groups": groups,
        "columns": labels,
        "ncols": 5 + len(labels),
        "nscores": len(labels),
        "sections": sections,
    }


# ---------------------------------------------------------------------------- context


def _basis(fw: Framework) -> list[str]:
    kinds = {"QĐ": "Quyết định", "NĐ": "Nghị định", "TT": "Thông tư", "KH": "Kế hoạch", "CT": "Chỉ thị"}
    out = []
    for ref in fw.references:
        m = re.search(r"/([A-ZĐ]+)-", ref.number) or re.search(r"/\d{4}/([A-ZĐ]+)-", ref.number)
        kind = kinds.get(m.group(1), "Văn bản") if m else "Văn bản"
        text = f"Căn cứ {kind} số {ref.number}"
        if ref.date:
            text += f" ngày {_date_short(ref.date)}"
        text += f" của {ref.issuer}"
        if ref.title:
            text += f" {_lower_first(ref.title)}"
        out.append(text + ";")
    return out


def _comparisons(comparison: Comparison | Iterable[Comparison] | None) -> dict[str, Comparison]:
    if comparison is None:
        return {}
    if isinstance(comparison, Comparison):
        return {comparison.framework_id: comparison}
    return {c.framework_id: c for c in comparison}


def build_context(
    consolidation: Consolidation,
    meta: ReportMeta | None = None,
    comparison: Comparison | Iterable[Comparison] | None = None,
) -> dict[str, Any]:
    """Everything the template prints, as plain strings and lists (no Word library needed)."""
    meta = meta or ReportMeta()
    words = wording()
    lines, short, area = issuer_parts(meta.issuer)
    area = meta.area if meta.area is not None else area
    issuer_short = meta.issuer_short or short
    frameworks = consolidation.frameworks
    kind = frameworks[0].framework.kind if frameworks else "service_index"
    period = period_text(consolidation.period)
    subject = meta.subject or " ".join(
        words["subjects"].get(kind, "{area} {period}").format(area=area or "", period=period).split()
    )
    roster_known = (
        meta.roster_known if meta.roster_known is not None else any(lv.missing for fs in frameworks for lv in fs.levels)
    )
    cmps = _comparisons(comparison)

    levels: list[dict[str, Any]] = []
    weak: list[str] = []
    par: list[dict[str, Any]] = []
    par_ranking: list[str] = []
    comparison_ctx: dict[str, Any] | None = None
    several = len(frameworks) > 1
    for fs in frameworks:
        fw = fs.framework
        for lv in fs.levels:
            heading = _level_plural(lv.level, lv.label)
            if several:
                heading = f"{heading} ({fw.short_title or fw.id})"
            levels.append(
                {
                    "heading": f"1.{len(levels) + 1}. {heading}",
                    "intro": level_intro(lv, roster_known),
                    "lines": band_lines(lv),
                }
            )
        results = [r for lv in fs.levels for r in lv.results]
        weak += [w.sentence for w in weaknesses(fw, results)]
        if fw.kind == "par":
            stated = {r.unit: meta.stated[r.unit] for r in results if r.unit in meta.stated}
            analyses = analyse_many(fw, results, stated=stated)
            par += [par_lines(a) for a in analyses]
            if len(analyses) > 1:
                par_ranking += [
                    f"{a.rank}. {a.unit}: {fmt_vn(a.total_shown, 2)} điểm"
                    + (f" (sau khi trừ điểm: {fmt_vn(a.final, 2)}, xếp thứ {a.final_rank})" if a.deductions else "")
                    + ";"
                    for a in analyses
                ]
        if fw.id in cmps:
            c = cmps[fw.id]
            lines = comparison_lines(c)
            if len(cmps) > 1:  # several frameworks (e.g. TTHC cấp huyện and cấp xã): say which one each block is
                lines[0] = f"{fw.short_title or fw.title}: {lines[0][0].lower()}{lines[0][1:]}"
            if comparison_ctx is None:
                comparison_ctx = {
                    "previous_text": period_text(c.previous_period, short=True) or c.previous_period,
                    "lines": [],
                }
            comparison_ctx["lines"] += lines
    findings = finding_lines(consolidation)

    sec: dict[str, int] = {}
    for name, present in (
        ("results", True),
        ("comparison", comparison_ctx is not None),
        ("par", bool(par)),
        ("weak", True),
        ("findings", bool(findings)),
        ("proposals", True),
    ):
        if present:
            sec[name] = len(sec) + 1

    number = meta.number or "       /BC-UBND"
    place = meta.place or "……"
    date_text = date_vi(meta.date)
    app = (
        appendix(frameworks[0])
        if frameworks
        else {"note": "", "groups": [], "columns": [], "ncols": 5, "nscores": 0, "sections": []}
    )
    return {
        "issuer_parent": (meta.issuer_parent or "").upper(),
        "issuer_line1": lines[0],
        "issuer_line2": lines[1] if len(lines) > 1 else "",
        "number_text": number,
        "place_date": f"{place}, {date_text}",
        "subject": subject,
        "subject_lower": _lower_first(subject),
        "basis": _basis(frameworks[0].framework) if frameworks else [],
        "opening": words["openings"]
        .get(kind, "{issuer} báo cáo {subject} như sau:")
        .format(issuer=issuer_short, subject=_lower_first(subject)),
        "sec": sec,
        "levels": levels,
        "comparison": comparison_ctx,
        "par": par,
        "par_ranking": par_ranking,
        "weaknesses": weak,
        "findings": findings,
        "proposals": list(words["proposals"].get(kind, [])),
        "recipients": meta.recipients if meta.recipients is not None else list(words["recipients"]),
        "signer_authority": meta.signer_authority,
        "signer_title": meta.signer_title,
        "signer": meta.signer or "",
        "appendix_title": f"BẢNG TỔNG HỢP {subject.upper()}",
        "appendix_reference": f"(Kèm theo Báo cáo số {number} {date_text} của {issuer_short})",
        "appendix": app,
    }


# ---------------------------------------------------------------------------- rendering


def _mm(x: float) -> int:
    """Millimetres to twentieths of a point (twips)."""
    return round(x / 25.4 * 1440)


_TCPR_ORDER = {
    name: i
    for i, name in enumerate(
        ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
         "tcFitText", "vAlign", "hideMark")
    )
}  # fmt: skip


def _set_table_widths(tbl: Any, widths: Sequence[int]) -> None:
    """Fixed layout, grid and every cell width (LibreOffice ignores widths without all three)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = tbl.find(qn("w:tblPr"))
    for tag, attrs in (("w:tblW", {"w:w": str(sum(widths)), "w:type": "dxa"}), ("w:tblLayout", {"w:type": "fixed"})):
        el = tbl_pr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            tbl_pr.append(el)
        for k, v in attrs.items():
            el.set(qn(k), v)
    grid = tbl.find(qn("w:tblGrid"))
    for col in list(grid):
        grid.remove(col)
    for w in widths:
        col = OxmlElement("w:gridCol")
        col.set(qn("w:w"), str(w))
        grid.append(col)
    for tr in tbl.findall(qn("w:tr")):
        pos = 0
        for tc in tr.findall(qn("w:tc")):
            tc_pr = tc.find(qn("w:tcPr"))
            if tc_pr is None:
                tc_pr = OxmlElement("w:tcPr")
                tc.insert(0, tc_pr)
            span_el = tc_pr.find(qn("w:gridSpan"))
            span = int(span_el.get(qn("w:val"))) if span_el is not None else 1
            tc_w = tc_pr.find(qn("w:tcW"))
            if tc_w is None:
                tc_w = OxmlElement("w:tcW")
                tc_pr.insert(0, tc_w)
            tc_w.set(qn("w:w"), str(sum(widths[pos : pos + span])))
            tc_w.set(qn("w:type"), "dxa")
            children = sorted(tc_pr, key=lambda el: _TCPR_ORDER.get(el.tag.rsplit("}", 1)[-1], 99))
            for el in children:  # docxtpl puts w:gridSpan first; Word wants the schema order
                tc_pr.append(el)
            pos += span


def _fix_appendix(body: Any, nscores: int) -> None:
    from docx.oxml.ns import qn

    for tbl in body.iter(qn("w:tbl")):
        cap = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblCaption')}")
        if cap is None or cap.get(qn("w:val")) != APPENDIX_TABLE:
            continue
        fixed = [_mm(11), _mm(47)]
        tail = [_mm(21), _mm(16), _mm(22)]
        usable = _mm(297 - 20 - 15)
        rest = usable - sum(fixed) - sum(tail)
        each = rest // max(nscores, 1)
        _set_table_widths(tbl, [*fixed, *([each] * nscores), *tail])


def render_report(
    consolidation: Consolidation,
    meta: ReportMeta | None = None,
    comparison: Comparison | Iterable[Comparison] | None = None,
    *,
    template: Path | None = None,
) -> bytes:
    """The report as .docx bytes."""
    from docxtpl import DocxTemplate

    context = _displayable_tree(build_context(consolidation, meta, comparison))
    tpl = DocxTemplate(str(template or TEMPLATE))
    tpl.render(context, autoescape=True)
    _fix_appendix(tpl.docx.element.body, int(context["appendix"]["nscores"]))
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def _displayable_tree(node: Any) -> Any:
    """Every text of the context as a .docx can hold it (file names that are not UTF-8, control characters)."""
    from xl_tthc.io.paths import displayable

    if isinstance(node, str):
        return displayable(node)
    if isinstance(node, dict):
        return {k: _displayable_tree(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_displayable_tree(v) for v in node]
    if isinstance(node, tuple):
        return tuple(_displayable_tree(v) for v in node)
    return node


def write_report(
    consolidation: Consolidation,
    out_path: str | os.PathLike[str],
    meta: ReportMeta | None = None,
    comparison: Comparison | Iterable[Comparison] | None = None,
) -> Path:
    """Render the report for ``consolidation`` and write it atomically to ``out_path``."""
    from xl_tthc.io.atomic import atomic_write_bytes

    data = render_report(consolidation, meta, comparison)
    target = Path(out_path)
    atomic_write_bytes(target, data)
    return target


# ---------------------------------------------------------------------------- from the machine interface


def _finding_from_dict(d: Mapping[str, Any]) -> Finding | None:
    try:
        code, severity = Code(d["code"]), Severity(d["severity"])
    except (KeyError, ValueError):
        return None
    loc = d.get("location") or {}
    return Finding(
        code,
        severity,
        str(d.get("message", "")),
        Location(loc.get("file"), loc.get("sheet"), loc.get("cell"), loc.get("path")),
        d.get("unit"),
        d.get("item"),
        d.get("value"),
        d.get("expected"),
    )


def _item_from_dict(d: Mapping[str, Any]) -> ItemResult:
    return ItemResult(
        code=str(d["code"]),
        title=str(d.get("title", "")),
        max=float(d.get("max") or 0.0),
        score=d.get("score"),
        shown=d.get("shown"),
        applicable=bool(d.get("applicable", True)),
        group=d.get("group"),
        detail=dict(d.get("detail") or {}),
    )


def result_from_dict(d: Mapping[str, Any]) -> UnitResult:
    """A unit of an ``xl-tthc/result`` document back as a :class:`UnitResult`."""
    unit, fwd, band = d["unit"], d["framework"], d.get("band") or {}
    findings = [f for f in (_finding_from_dict(x) for x in d.get("findings") or []) if f is not None]
    return UnitResult(
        framework_id=fwd["id"],
        framework_version=str(fwd.get("version", "")),
        kind=str(fwd.get("kind", "")),
        unit=unit["name"],
        level=unit.get("level"),
        period=d.get("period"),
        status=str(d.get("status", "scored")),
        items=[_item_from_dict(i) for i in d.get("items") or []],
        groups=[_item_from_dict(g) for g in d.get("groups") or []],
        total=d.get("total"),
        total_shown=d.get("total_shown"),
        max_total=float(d.get("max_total") or 0.0),
        applicable_max=float(d.get("applicable_max") or 0.0),
        quy_doi=d.get("quy_doi"),
        band_code=band.get("code"),
        band_label=band.get("label"),
        extra=dict(d.get("extra") or {}),
        findings=findings,
        unit_code=unit.get("code"),
        file=unit.get("file"),
        rank=d.get("rank"),
    )


def consolidation_from_document(
    doc: Any,
    *,
    period: str | None = None,
    file: str | None = None,
    registry: Registry | None = None,
) -> tuple[Consolidation, dict[str, Mapping[str, Any]]]:
    """A consolidation from an ``xl-tthc/input`` document (scored here) or an ``xl-tthc/result`` document.

    Also returns the published figures (``data.stated``) per unit name, for the PAR analysis.
    """
    from xl_tthc.core.document import INPUT_FORMAT, RESULT_FORMAT, parse_input
    from xl_tthc.core.engine import score_unit
    from xl_tthc.core.periods import period_start

    reg = registry or default_registry()
    if not isinstance(doc, dict):
        raise ReportError("tệp đầu vào phải là một đối tượng JSON (xl-tthc/input hoặc xl-tthc/result).")
    stated: dict[str, Mapping[str, Any]] = {}
    if doc.get("format") == RESULT_FORMAT:
        fid = (doc.get("framework") or {}).get("id")
        if not fid or not isinstance(doc.get("units"), list):
            raise ReportError("tệp kết quả (xl-tthc/result) thiếu khung chấm điểm hoặc danh sách đơn vị.")
        fw = reg.get(str(fid))
        try:
            results = [result_from_dict(u) for u in doc["units"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ReportError(f"tệp kết quả (xl-tthc/result) không đọc được: {exc.__class__.__name__} {exc}.") from None
    elif doc.get("format") == INPUT_FORMAT:
        fw, units = parse_input(doc, reg, file)
        results = [score_unit(fw, u, on=period_start(u.period)) for u in units]
        for u in units:
            s = u.data.get("stated")
            if isinstance(s, Mapping):
                stated[u.name] = s
    else:
        raise ReportError("tệp đầu vào không phải xl-tthc/input hay xl-tthc/result (thiếu trường «format»).")
    if period is None:
        found = {r.period for r in results if r.period}
        period = doc.get("period") or (found.pop() if len(found) == 1 else None)
    return consolidate([(fw, r) for r in results], period=period, files=1 if file else 0), stated


def report_from_document(
    doc: Any,
    out_path: str | os.PathLike[str],
    meta: ReportMeta | None = None,
    *,
    period: str | None = None,
    history_db: str | os.PathLike[str] | None = None,
    file: str | None = None,
) -> tuple[Path, Consolidation, list[Comparison]]:
    """What ``xl-tthc report`` does: build the consolidation, record it in the history and compare it with
    the previous period (when ``history_db`` is given), then write the report."""
    consolidation, stated = consolidation_from_document(doc, period=period, file=file)
    meta = meta or ReportMeta()
    meta.stated = {**stated, **meta.stated}
    comparisons: list[Comparison] = []
    if history_db is not None:
        from xl_tthc import history

        comparisons = history.record_and_compare(history_db, consolidation)
    path = write_report(consolidation, out_path, meta, comparisons or None)
    return path, consolidation, comparisons


__all__ = [
    "TEMPLATE",
    "ReportError",
    "ReportMeta",
    "band_lines",
    "build_context",
    "comparison_lines",
    "consolidation_from_document",
    "count_vi",
    "date_vi",
    "finding_lines",
    "group_names",
    "issuer_parts",
    "level_intro",
    "par_lines",
    "period_text",
    "render_report",
    "report_from_document",
    "result_from_dict",
    "vn_sort_key",
    "weaknesses",
    "write_report",
]
