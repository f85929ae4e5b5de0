"""Build the sample workbooks in ``workbooks/samples/``: the seeds' inputs typed into the official templates.

    .venv/bin/python scripts/make_samples.py [--out workbooks/samples]

Values are written exactly as the seed documents print them (``tests/data/seed*.json``): text such as "1.033",
"8.32", "11,5" or "-" stays text, numbers stay numbers, so that «Tính điểm» meets what officers really type.
Figures the seeds print in result columns (criterion scores, totals, quy đổi, xếp loại, parent rows) go into
the output cells, where a first fill checks them against the recomputed figures. The files are rendered from
the layouts like the templates, so a rebuild is byte-identical.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xl_tthc.core.framework import default_registry  # noqa: E402
from xl_tthc.io.layouts import Layout, build_layout  # noqa: E402
from xl_tthc.io.templates import render  # noqa: E402

DATA = ROOT / "tests" / "data"

# (sample file, seed input, template id, how the period is written on the form)
SAMPLES = (
    ("Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx", "seed001_tthc_huyen.json", "tthc-unit", "Quý II, năm 2021"),
    ("Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023.xlsx", "seed002_sv459.json", "si-appendix", "Tháng 7 năm 2023"),
    ("Vi_du_Chi_so_CCHC_tinh_Dien_Bien_2020.xlsx", "seed004_par_tinh_2020.json", "par-self", "2020"),
)


def lookup(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def single_unit_values(layout: Layout, unit: dict[str, Any], period: str) -> dict[tuple[int, int], Any]:
    data = unit["data"]
    values: dict[tuple[int, int], Any] = {}
    for slot in layout.slots:
        if slot.io == "input":
            if slot.key == "unit/name":
                value = unit["unit"]["name"]
            elif slot.key == "period":
                value = period
            else:
                value = lookup(data, slot.key)
        else:
            value = lookup(data, slot.stated) if slot.stated else None
        if value is not None:
            values[(slot.row, slot.col)] = value
    return values


def appendix_values(layout: Layout, units: list[dict[str, Any]], period: str) -> dict[tuple[int, int], Any]:
    table = layout.table
    assert table is not None
    values: dict[tuple[int, int], Any] = {}
    period_slot = next(s for s in layout.slots if s.key == "period")
    values[(period_slot.row, period_slot.col)] = period
    free = {level: [row for row, lv in table.unit_rows if lv == level] for level in {lv for _, lv in table.unit_rows}}
    for unit in units:
        row = free[unit["unit"]["level"]].pop(0)
        values[(row, table.name_col)] = unit["unit"]["name"]
        for key, col, _kind, _mx in table.inputs:
            v = lookup(unit["data"], key)
            if v is not None:
                values[(row, col)] = v
        for _key, col, _kind, stated in table.outputs:
            v = lookup(unit["data"], stated) if stated else None
            if v is not None:
                values[(row, col)] = v
    return values


def build(out_dir: Path) -> list[Path]:
    reg = default_registry()
    written = []
    for file_name, seed, template_id, period in SAMPLES:
        doc = json.loads((DATA / seed).read_text(encoding="utf-8"))
        layout = build_layout(template_id, reg.get(doc["framework"]))
        if layout.table is not None:
            values = appendix_values(layout, doc["units"], period)
        else:
            values = single_unit_values(layout, doc["units"][0], period)
        written.append(render(layout, out_dir / file_name, values))
    return written


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "workbooks" / "samples")
    args = ap.parse_args()
    for path in build(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
