"""Build xl_tthc.xlam into a folder: ``python macros/build_addin.py -o DIR`` (see xl_tthc/addin_build.py)."""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from xl_tthc.addin_build import build_addin

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Tạo add-in xl_tthc.xlam (tái lập được, không cần Excel).")
    ap.add_argument("-o", "--output", type=Path, required=True, help="thư mục ghi xl_tthc.xlam")
    print(build_addin(ap.parse_args().output))  # noqa: T201
