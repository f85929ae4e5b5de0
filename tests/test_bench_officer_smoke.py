"""Smoke test of bench/bench_officer.py: it runs, reports every line of the closing table, and judges each target.

The figures themselves come from a full run in plain installs (``python bench/bench_officer.py --before REF``);
here the dev environment is measured (``--python``) on a few files, which only shows that the benchmark works.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PY if VENV_PY.exists() else Path(sys.executable))

pytest.importorskip("pandas")  # the naive pipeline the benchmark compares against


def test_bench_officer_quick_run_reports_every_measure(tmp_path: Path) -> None:
    out = tmp_path / "officer.json"
    proc = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "bench_officer.py"), "--quick", "--python", PYTHON, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # exit 1 only reports a missed target: a few files cannot amortise a start-up
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    text = proc.stdout
    for needle in (
        "click path (add-in + xlwings + frameworks + «Tính điểm» on 459, 26 units) ÷ import xlwings",
        "xl-tthc fill (TTHC sample) ÷ import openpyxl",
        "xl-tthc score (459 seed, 26 units) ÷ python -c pass",
        "consolidate template: 8 files, 8 units",
        "consolidate multi-unit: 4 files, 104 units",
        "consolidate par: 4 files, 4 units",
        "consolidate hand-made: 4 files, 104 units",
        "target click path ≤ 1.5× import xlwings (CPU):",
        "target fill ≤ 2× import openpyxl (CPU):",
        "target consolidate par ≥ 20× faster than naive (CPU):",
        "note: given has dev packages installed",
    ):
        assert needle in text, needle + "\n" + text
    fig = json.loads(out.read_text(encoding="utf-8"))
    env = fig["environments"]["given"]
    for key in ("import_xlwings", "click", "import_openpyxl", "fill", "python", "score"):
        assert env["starts"][key]["cpu"] > 0, key
    for kind in ("template", "multi-unit", "par", "hand-made"):
        c = env["consolidation"][kind]
        assert c["cpu"] > 0 and c["bare"]["cpu"] > 0 and fig["naive"][kind]["cpu"] > 0, kind
        # every copy names its units apart, so the consolidation sees distinct units
        assert fig["folders"][kind]["names_renamed_per_file"] == fig["folders"][kind]["units_per_file"], kind
