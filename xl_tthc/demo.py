"""The demo on embedded sample data: the whole quarter-end job of a district office, end to end.

1. build the official templates;
2. generate the unit workbooks a district receives: the TTHC forms of its communes and specialised offices for
   two quarters (deterministic made-up counts, with the slips officers really make: a mistyped count, two "x",
   an empty form), plus the seeds' real workbooks (seed 001 district form, seed 002 appendix, seed 004 PAR);
3. «Tính điểm» on every unit workbook (``fill``), into a separate folder – the originals stay untouched;
4. validate and consolidate each quarter against the roster, into a summary workbook;
5. record both quarters in the history database and write the draft report, compared with the previous quarter.

``xl-tthc demo -o DIR`` (or ``bash scripts/demo.sh``) runs it; everything is written under DIR. It is a short
wrapper over the library API (:mod:`xl_tthc.api`), and needs nothing but the installed package: the seeds' data
are package data (:mod:`xl_tthc.samples`).
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from xl_tthc.core.findings import Severity
from xl_tthc.core.framework import default_registry
from xl_tthc.core.numbers import fmt_vn
from xl_tthc.core.records import record

COMMUNES = (
    "Hua Thanh",
    "Hẹ Muông",
    "Mường Lói",
    "Mường Nhà",
    "Mường Pồn",
    "Na Tông",
    "Na Ư",
    "Noong Hẹt",
    "Noong Luống",
    "Núa Ngam",
    "Pa Thơm",
    "Phu Luông",
    "Pom Lót",
    "Sam Mứn",
    "Thanh An",
    "Thanh Chăn",
    "Thanh Hưng",
    "Thanh Luông",
    "Thanh Nưa",
    "Thanh Xương",
    "Thanh Yên",
)  # the communes of huyện Điện Biên (seed 002)
OFFICES = (
    "Phòng Tư pháp",
    "Phòng Nội vụ",
    "Phòng Lao động - Thương binh và Xã hội",
    "Phòng Kinh tế và Hạ tầng",
    "Trung tâm Quản lý đất đai",
)
QUARTERS = (("2021-Q1", "Quý I, năm 2021"), ("2021-Q2", "Quý II, năm 2021"))


@record(frozen=True)
class Step:
    title: str
    lines: list[str]


def _unit_data(rng: random.Random, *, mistakes: str = "") -> dict[str, Any]:
    """Counts for one unit and quarter that add up, as an officer types them (criteria 6–9 marked "x")."""
    received_online = rng.randint(0, 60)
    received_direct = rng.randint(20, 400)
    carried = rng.randint(0, 5)
    received = received_online + received_direct + carried
    in_progress = rng.randint(0, min(15, received))
    resolved = received - in_progress
    late = rng.choice((0, 0, 0, rng.randint(0, max(0, resolved // 40))))
    before = rng.randint(resolved // 2, resolved - late) if resolved - late > 0 else 0
    on_time = resolved - before - late
    counts = {
        "received_total": received,
        "received_online": received_online,
        "received_direct": received_direct,
        "received_carried": carried,
        "resolved_total": resolved,
        "resolved_before": before,
        "resolved_on_time": on_time,
        "resolved_late": late,
        "in_progress_on_time": in_progress,
        "in_progress_late": 0,
    }
    criteria: dict[str, Any] = {"1": {"counts": {"a": before, "b": on_time, "c": late}}}
    for code in ("2", "5"):
        criteria[code] = {"counts": {"a": before, "b": on_time, "c": late}}
    for code in ("3", "4"):
        once = rng.randint(0, resolved // 20)
        criteria[code] = {"counts": {"a": resolved - once, "b": once, "c": 0}}
    online_pct = 100 * received_online / received if received else 0
    criteria["9"] = {"marks": {"a" if online_pct >= 30 else "b" if online_pct >= 15 else "c": "x"}}
    for code in ("6", "7", "8"):
        criteria[code] = {"marks": {rng.choice("aab"): "x"}}
    if mistakes == "typo":  # "115.213"-style slip: an extra digit in the direct count
        counts["received_direct"] = int("1" + str(received_direct))
    if mistakes == "two_x":
        criteria["7"] = {"marks": {"a": "x", "b": "x"}}
    if mistakes == "no_dossiers":
        counts = dict.fromkeys(counts, 0)
        criteria = {k: v for k, v in criteria.items() if k in {"6", "7", "8", "9"}}
    return {"counts": counts, "criteria": criteria}


def _unit_workbooks(out: Path, period: str, period_text: str, quarter_index: int) -> list[Path]:
    from xl_tthc.io.layouts import build_layout
    from xl_tthc.io.templates import render, single_unit_values

    reg = default_registry()
    files = []
    plans: list[tuple[str, str, str]] = [(f"UBND xã {c}", "xa", "tthc-dienbien-1187-2019-xa") for c in COMMUNES]
    plans += [(o, "phong", "tthc-dienbien-1187-2019-huyen") for o in OFFICES]
    for i, (name, level, fid) in enumerate(plans):
        if quarter_index == 1 and name == "UBND xã Thanh Nưa":
            continue  # this commune did not send its Q2 file: the roster shows it missing
        rng = random.Random(f"{name}/{period}")  # noqa: S311 - deterministic sample data, not security
        mistakes = {
            ("UBND xã Pa Thơm", 1): "typo",
            ("Phòng Nội vụ", 1): "two_x",
            ("UBND xã Na Tông", 0): "no_dossiers",
            ("UBND xã Na Tông", 1): "no_dossiers",
        }.get((name, quarter_index), "")
        layout = build_layout("tthc-unit", reg.get(fid))
        unit = {"unit": {"name": name, "level": level}, "data": _unit_data(rng, mistakes=mistakes)}
        files.append(render(layout, out / f"{i + 1:02d} - {name}.xlsx", single_unit_values(layout, unit, period_text)))
    return files


def _roster(path: Path) -> Path:
    lines = ["Tên đơn vị,Cấp"] + [f"UBND xã {c},xa" for c in COMMUNES] + [f"{o},phong" for o in OFFICES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(out_dir: Path, echo: Callable[[str], None] = print) -> list[Step]:
    """Run the whole demo into ``out_dir``; returns what was done, step by step (Vietnamese)."""
    from xl_tthc import api
    from xl_tthc.samples import build_samples, seed_document

    out_dir.mkdir(parents=True, exist_ok=True)
    steps: list[Step] = []

    def step(title: str, lines: list[str]) -> None:
        steps.append(Step(title, lines))
        echo(f"== {title}")
        for line in lines:
            echo(f"   {line}")

    templates = api.templates(out_dir / "bieu-mau")
    step("Biểu mẫu chính thức", [p.name for p in templates])

    roster = _roster(out_dir / "danh-sach-don-vi.csv")
    db = out_dir / "lich-su.sqlite"
    if db.exists():
        db.unlink()
    for qi, (period, period_text) in enumerate(QUARTERS):
        folder = out_dir / f"don-vi-{period}"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        made = _unit_workbooks(folder, period, period_text, qi)
        step(f"{period_text}: tạo {len(made)} tệp chấm điểm của các đơn vị", [f"thư mục {folder.name}/"])

        filled_dir = out_dir / f"da-tinh-diem-{period}"
        filled_dir.mkdir(exist_ok=True)
        lines = []
        for wb in made:
            outcome = api.fill_workbook(wb, filled_dir / wb.name)
            errors = outcome.count(Severity.ERROR)
            for r in outcome.results:
                figure = f"{fmt_vn(r.total_shown, 2)}/18 – {r.band_label}" if r.total is not None else r.status_label
                lines.append(
                    f"{r.unit}: {figure}" + (f" ({errors} lỗi, xem trang «Kết quả kiểm tra»)" if errors else "")
                )
        step(f"{period_text}: «Tính điểm» từng tệp, ghi vào {filled_dir.name}/ (bản gốc giữ nguyên)", lines)

        checked = api.validate(folder, period=period)
        step(
            f"{period_text}: kiểm tra thư mục",
            [f"{checked.files} tệp, {checked.units} đơn vị, {checked.errors} lỗi, {checked.warnings} cảnh báo"],
        )

        done = api.consolidate(
            folder,
            out_dir / f"TONG_HOP_{period}.xlsx",
            roster=roster,
            period=period,
            history=db,
            report=out_dir / f"BAO_CAO_{period}.docx",
            report_meta=api.report_meta(
                issuer="UBND HUYỆN ĐIỆN BIÊN",
                issuer_parent="UBND TỈNH ĐIỆN BIÊN",
                place="Điện Biên",
                date=date(2021, 4 + 3 * qi, 5),
                signer="Bùi Hải Bình",
                roster_known=True,
            ),
        )
        assert done.summary is not None and done.report_docx is not None
        step(
            f"{period_text}: tổng hợp, lưu lịch sử và dự thảo báo cáo",
            [
                f"{done.summary.name} ({done.report.units} đơn vị)",
                f"{done.report_docx.name}" + (" (so sánh với kỳ trước)" if done.comparisons else ""),
            ],
        )

    seeds = out_dir / "vi-du-that"
    seeds.mkdir(exist_ok=True)
    lines = []
    samples = seeds / "mau"
    samples.mkdir(exist_ok=True)
    for sample in build_samples(samples):
        outcome = api.fill_workbook(sample, seeds / sample.name.replace(".xlsx", " - đã tính điểm.xlsx"))
        lines.append(outcome.summary_vi().splitlines()[0])
    done_report = api.report(
        seed_document("seed002_sv459.json"),
        seeds / "BAO_CAO_thang_7_2023.docx",
        api.report_meta(
            issuer="UBND HUYỆN ĐIỆN BIÊN",
            place="Điện Biên",
            date=date(2023, 8, 17),
            number="405/BC-UBND",
            signer="Bùi Hải Bình",
        ),
    )
    lines.append(f"{done_report.path.name}: báo cáo tháng 7/2023 dựng lại từ phụ lục của Báo cáo 405/BC-UBND")
    step("Các ví dụ thật (báo cáo của tỉnh Điện Biên)", lines)
    return steps
