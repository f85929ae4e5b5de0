"""The Vietnamese text summary the CLI prints after a batch (files, units, errors; band counts per level)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xl_tthc.core.findings import Severity
from xl_tthc.core.numbers import fmt_int_vn, fmt_vn
from xl_tthc.io.paths import display_name, displayable

if TYPE_CHECKING:
    from xl_tthc.batch import BatchReport

MAX_LISTED = 30
MAX_FILES = 40  # above this, only files with errors (or not read) are listed one by one
NAME_WIDTH = 44


def _cut(text: str, width: int) -> str:
    text = display_name(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def summary_table(report: BatchReport, *, title: str = "Kiểm tra", bands: bool = False) -> str:
    lines = [
        f"{title} thư mục «{displayable(report.root)}»: {fmt_int_vn(report.files)} tệp, {fmt_int_vn(report.units)} đơn vị, "
        f"{fmt_int_vn(report.errors)} lỗi, {fmt_int_vn(report.warnings)} cảnh báo "
        f"({fmt_vn(report.elapsed, 1)} giây, {report.jobs} tiến trình)."
    ]
    if report.period:
        lines.append(f"Kỳ đánh giá: {report.period}" + (" (theo đa số tệp)" if report.period_auto else ""))
    lines.append("")
    if not report.outcomes:
        lines.append("Không tìm thấy tệp bảng tính nào (.xlsx, .xlsm, .xls, .ods) trong thư mục này.")
        return "\n".join(lines)
    head = f"{'Tệp':<{NAME_WIDTH}}  {'Tình trạng':<20} {'Đơn vị':>7} {'Lỗi':>5} {'Cảnh báo':>9}"
    lines += [head, "-" * len(head)]
    hidden = 0
    for o in report.outcomes:
        found = o.all_findings()
        err = sum(1 for f in found if f.severity is Severity.ERROR)
        warn = sum(1 for f in found if f.severity is Severity.WARNING)
        if len(report.outcomes) > MAX_FILES and o.status == "ok" and not err:
            hidden += 1
            continue
        lines.append(
            f"{_cut(o.file, NAME_WIDTH):<{NAME_WIDTH}}  {o.status_label:<20} {len(o.results):>7} {err:>5} {warn:>9}"
        )
    if hidden:
        lines.append(f"… và {fmt_int_vn(hidden)} tệp khác đọc tốt, không có lỗi.")
    lines.append("-" * len(head))
    lines.append(
        f"{'Cộng':<{NAME_WIDTH}}  {'':<20} {report.units:>7} {report.errors:>5} {report.warnings:>9}"
    )
    if bands:
        lines.append("")
        from xl_tthc.io.summary import band_rows

        for fs in report.consolidation.frameworks:
            for lv in fs.levels:
                counts = ", ".join(f"{k} {v}" for k, v in band_rows(fs.framework, lv) if v)
                lines.append(f"{fs.framework.short_title or fs.framework.title} – {lv.label}: {counts or 'không có đơn vị'}")
                if lv.missing:
                    lines.append(f"    Chưa nộp tệp ({len(lv.missing)}): " + ", ".join(m.name for m in lv.missing[:10]))
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    if errors:
        lines += ["", "Lỗi cần sửa:"]
        for f in errors[:MAX_LISTED]:
            where = f.location.describe_vi()
            lines.append(displayable(f"  - {where + ': ' if where else ''}{f.message}"))
        if len(errors) > MAX_LISTED:
            lines.append(f"  … và {fmt_int_vn(len(errors) - MAX_LISTED)} lỗi khác (xem --json hoặc trang «Kết quả kiểm tra»).")
    return "\n".join(lines)


__all__ = ["summary_table"]
