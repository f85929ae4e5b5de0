"""The seeds' real inputs as package data, and the sample workbooks made from them.

``xl_tthc/sample_data/seed*.json`` are the inputs printed in the seed reports (Báo cáo 205/BC-UBND, 405/BC-UBND,
the PAR 2020 table) in the machine format ``xl-tthc/input``. :func:`build_samples` types them into the official
templates as a spreadsheet stores them once typed on a computer set to Vietnamese ("1.033" and "11,5" become the
numbers 1033 and 11,5, "8.32" the number 8,32; "-" and "x" stay text), so that the templates' formulas compute
them. Output cells hold the formulas, with the core's figures for these inputs as cached values (a reader that does
not recalculate sees the right figures; Excel and LibreOffice recompute on opening). The demo and
``workbooks/samples`` come from the installed package alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xl_tthc.core.framework import Registry, default_registry

if TYPE_CHECKING:
    from xl_tthc.io.layouts import Layout

DATA_DIR = Path(__file__).resolve().parent / "sample_data"

# (sample file, seed input, template id, how the period is written on the form)
SAMPLES = (
    ("Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx", "seed001_tthc_huyen.json", "tthc-unit", "Quý II, năm 2021"),
    ("Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023.xlsx", "seed002_sv459.json", "si-appendix", "Tháng 7 năm 2023"),
    ("Vi_du_Chi_so_CCHC_tinh_Dien_Bien_2020.xlsx", "seed004_par_tinh_2020.json", "par-self", "2020"),
)


def seed_document(name: str) -> dict[str, Any]:
    """A seed's input document, e.g. ``seed_document("seed002_sv459.json")``."""
    doc: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return doc


def typed(value: Any) -> Any:
    """What a cell holds after an officer types ``value`` (a Vietnamese number becomes a number)."""
    from xl_tthc.core.numbers import parse_number

    if not isinstance(value, str):
        return value
    p = parse_number(value)
    if not p.ok or p.value is None or p.over is not None or p.percent:
        return value
    return int(p.value) if p.value.is_integer() else p.value


def sample_values(layout: Layout, units: list[dict[str, Any]], period: str) -> dict[tuple[int, int], Any]:
    """Typed inputs, and the core's figures as the cached values of the output formulas."""
    from xl_tthc.core.engine import assign_ranks, score_unit
    from xl_tthc.core.model import UnitInput
    from xl_tthc.io.layouts import output_values
    from xl_tthc.io.templates import appendix_values, single_unit_values

    fw = layout.framework
    results = [score_unit(fw, UnitInput(u["unit"]["name"], u["data"], level=u["unit"].get("level"))) for u in units]
    assign_ranks(results)
    inputs = {(s.row, s.col) for s in layout.inputs()}
    if layout.table is not None:
        raw = appendix_values(layout, units, period)
        values = {rc: typed(v) for rc, v in raw.items() if rc in inputs}
        by_name = {r.unit: output_values(fw, r) for r in results}
        for row, _level in layout.table.unit_rows:
            name = values.get((row, layout.table.name_col))
            if name in by_name:
                for key, col, _kind, _stated in layout.table.outputs:
                    values[(row, col)] = by_name[name].get(key)
    else:
        raw = single_unit_values(layout, units[0], period)
        values = {rc: typed(v) for rc, v in raw.items() if rc in inputs}
        out = output_values(fw, results[0])
        for slot in layout.outputs():
            values[(slot.row, slot.col)] = out.get(slot.key)
    return {rc: v for rc, v in values.items() if v is not None}


def build_samples(out_dir: Path, registry: Registry | None = None) -> list[Path]:
    """Write the sample workbooks into ``out_dir`` (byte-identical from one build to the next)."""
    from xl_tthc.io.layouts import build_layout
    from xl_tthc.io.templates import render

    reg = registry or default_registry()
    written = []
    for file_name, seed, template_id, period in SAMPLES:
        doc = seed_document(seed)
        layout = build_layout(template_id, reg.get(doc["framework"]))
        written.append(render(layout, out_dir / file_name, sample_values(layout, doc["units"], period)))
    return written


__all__ = ["DATA_DIR", "SAMPLES", "build_samples", "sample_values", "seed_document", "typed"]
