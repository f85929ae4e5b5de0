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
    for text in ("consolidation (consolidate_dir + summary workbook", "naive openpyxl + pandas", "unzip floor", "peak RSS"):
        assert text in proc.stdout, proc.stdout
    assert proc.stdout.count("target ") == 3 and ("PASS" in proc.stdout or "FAIL" in proc.stdout)
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["files"] == 40 and figures["units"] == 40
    assert figures["consolidation_s"] > 0 and figures["naive_s"] > 0 and figures["floor_s"] > 0
    assert abs(figures["speedup_vs_naive"] - figures["naive_s"] / figures["consolidation_s"]) < 1e-9
    assert figures["rss_mb"] > 0 and len(figures["checks"]) == 3
    assert figures["passed"] == all(figures["checks"].values())
