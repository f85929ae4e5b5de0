"""Build the sample workbooks in ``workbooks/samples/``: the seeds' inputs typed into the official templates.

    .venv/bin/python scripts/make_samples.py [--out workbooks/samples]

The seeds' inputs (``xl_tthc/sample_data/seed*.json``, see :mod:`xl_tthc.samples`) as a spreadsheet stores them
once typed on a computer set to Vietnamese ("1.033" → 1033, "11,5" → 11,5; "-" and "x" stay text); the output
cells hold the templates' formulas with the core's figures cached. The files are rendered from the layouts like
the templates, so a rebuild is byte-identical.
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
