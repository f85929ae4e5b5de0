#!/usr/bin/env bash
# The demo on embedded sample data: build the templates, generate the unit workbooks of a district for two
# quarters, «Tính điểm» on each, validate, consolidate against the roster, record the history and write the
# summary workbooks and draft reports; then the seeds' real workbooks. Everything goes to ./demo-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/xl-tthc demo -o demo-output
