#!/usr/bin/env bash
# The demo on embedded sample data (the seeds' real figures): score every framework's example,
# build the official templates and fill the sample workbooks. Outputs go to ./demo-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
out=demo-output
mkdir -p "$out"
echo "== Khung chấm điểm"
xl-tthc frameworks
for ex in docs/examples/*-input.json; do
  name=$(basename "$ex" -input.json)
  echo; echo "== Chấm điểm: $name"
  xl-tthc score "$ex" --format table || true
  xl-tthc score "$ex" -o "$out/$name-result.json" || true
done
if [ -d workbooks/samples ] && python -c 'import xl_tthc.io.fill' 2>/dev/null; then
  echo; echo "== Biểu mẫu và tính điểm trên tệp Excel"
  xl-tthc templates -o "$out/bieu-mau"
  for wb in workbooks/samples/*.xlsx; do
    xl-tthc fill "$wb" -o "$out/$(basename "${wb%.xlsx}") - đã tính điểm.xlsx" || true
  done
fi
echo; echo "Kết quả nằm trong thư mục $out/"
