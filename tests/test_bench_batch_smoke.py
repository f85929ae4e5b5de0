"""Smoke test of the batch benchmark: it runs on 40 files and reports every figure and target.

The real figures come from running ``bench/bench_batch.py`` in full (3.321 files), not from a timed unit test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PY if VENV_PY.exists() else Path(sys.executable))


def test_bench_batch_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "bench_batch.py"), "--files", "40", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # exit 1 only reports a missed target; the figures are judged from the full run
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    for text in (
        "consolidation (consolidate_dir + summary workbook",
        "naive openpyxl + pandas",
        "unzip floor",
        "lower bound here",
        "with the probe before parsing",
        "peak RSS",
    ):
        assert text in proc.stdout, proc.stdout
    targets = [line for line in proc.stdout.splitlines() if line.startswith("target ")]
    assert len(targets) == 3 and all(line.endswith((": PASS", ": FAIL")) for line in targets)
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["files"] == 40 and figures["units"] == 40
    assert figures["consolidation_s"] > 0 and figures["naive_s"] > 0 and figures["floor_s"] > 0
    assert abs(figures["speedup_vs_naive"] - figures["naive_s"] / figures["consolidation_s"]) < 1e-9
    assert figures["rss_mb"] > 0 and len(figures["checks"]) == 3
    assert figures["passed"] == all(figures["checks"].values())
    # the bound is made of measured parts, and the consolidation cannot beat it
    parts = figures["calamine_parallel_s"] + figures["write_s"] + figures["import_s"]
    assert abs(figures["lower_bound_s"] - parts) < 1e-9
    assert figures["lower_bound_with_probe_s"] >= figures["write_s"] + figures["import_s"]
