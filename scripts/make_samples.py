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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xl_tthc.core.framework import default_registry  # noqa: E402
from xl_tthc.io.layouts import build_layout  # noqa: E402
from xl_tthc.io.templates import appendix_values, render, single_unit_values  # noqa: E402

DATA = ROOT / "tests" / "data"

# (sample file, seed input, template id, how the period is written on the form)
SAMPLES = (
    ("Vi_du_TTHC_huyen_Dien_Bien_quy_II_2021.xlsx", "seed001_tthc_huyen.json", "tthc-unit", "Quý II, năm 2021"),
    ("Vi_du_Bo_chi_so_459_huyen_Dien_Bien_thang_7_2023.xlsx", "seed002_sv459.json", "si-appendix", "Tháng 7 năm 2023"),
    ("Vi_du_Chi_so_CCHC_tinh_Dien_Bien_2020.xlsx", "seed004_par_tinh_2020.json", "par-self", "2020"),
)


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
