"""The seeds' real inputs as package data, and the sample workbooks made from them.

``xl_tthc/sample_data/seed*.json`` are the inputs printed in the seed reports (Báo cáo 205/BC-UBND, 405/BC-UBND,
the PAR 2020 table) in the machine format ``xl-tthc/input``. :func:`build_samples` types them into the official
templates the way officers type them ("1.033", "8.32", "11,5", "-" stay text), so the demo and ``workbooks/samples``
come from the installed package alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xl_tthc.core.framework import Registry, default_registry

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


def build_samples(out_dir: Path, registry: Registry | None = None) -> list[Path]:
    """Write the sample workbooks into ``out_dir`` (byte-identical from one build to the next)."""
    from xl_tthc.io.layouts import build_layout
    from xl_tthc.io.templates import appendix_values, render, single_unit_values

    reg = registry or default_registry()
    written = []
    for file_name, seed, template_id, period in SAMPLES:
        doc = seed_document(seed)
        layout = build_layout(template_id, reg.get(doc["framework"]))
        if layout.table is not None:
            values = appendix_values(layout, doc["units"], period)
        else:
            values = single_unit_values(layout, doc["units"][0], period)
        written.append(render(layout, out_dir / file_name, values))
    return written


__all__ = ["DATA_DIR", "SAMPLES", "build_samples", "seed_document"]
