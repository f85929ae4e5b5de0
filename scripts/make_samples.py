"""Build the sample workbooks in ``workbooks/samples/``: the seeds' inputs typed into the official templates.

    .venv/bin/python scripts/make_samples.py [--out workbooks/samples]

Values are written exactly as the seed documents print them (``xl_tthc/sample_data/seed*.json``, see :mod:`xl_tthc.samples`): text such as "1.033",
"8.32", "11,5" or "-" stays text, numbers stay numbers, so that «Tính điểm» meets what officers really type.
Figures the seeds print in result columns (criterion scores, totals, quy đổi, xếp loại, parent rows) go into
the output cells, where a first fill checks them against the recomputed figures. The files are rendered from
the layouts like the templates, so a rebuild is byte-identical.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xl_tthc.samples import build_samples  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "workbooks" / "samples")
    args = ap.parse_args()
    for path in build_samples(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
