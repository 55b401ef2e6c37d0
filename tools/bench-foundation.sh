#!/usr/bin/env bash
# Foundation benchmark: ingest throughput, size on disk, open time and exact-search speed on a
# dataset in the shared JSONL format (default: ../shared/data/reuters21578). Prints the figures
# recorded in docs/benchmarks.md. Release build; queries single-threaded.
#
#   tools/bench-foundation.sh [DATASET_DIR] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data/reuters21578}
WORK=${2:-/tmp/fathom-bench}
# shellcheck source=tools/dataset.sh
. tools/dataset.sh
DB="$WORK/bench.fathom"
rm -f "$DB" "$DB-wal" "$DB-shm"
$FATHOM create "$DB" --dense-dim "$DENSE_DIM" --sparse >/dev/null

echo "dataset: $DATA ($(wc -l < "$CORPUS") docs, $(du -m "$CORPUS" | cut -f1) MB JSONL)"
start=$(date +%s.%N)
$FATHOM ingest "$DB" "$CORPUS" --batch 1000 > /dev/null 2> "$WORK/ingest.log"
end=$(date +%s.%N)
tail -1 "$WORK/ingest.log"
python3 - "$start" "$end" "$(wc -l < "$CORPUS")" <<'PY'
import sys
start, end, docs = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print(f"ingest wall (process, incl. seal): {end-start:.2f} s = {docs/(end-start):.0f} docs/s")
PY
echo "database: $(du -b "$DB" | cut -f1) bytes ($(du -m "$DB" | cut -f1) MB); JSONL: $(du -b "$CORPUS" | cut -f1) bytes"
$FATHOM stats "$DB" | sed -n '4,5p'

for run in 1 2 3; do
  for mode in sparse dense hybrid; do
    truth=""
    [ "$mode" = sparse ] && truth="--truth $DATA/gt_sparse.jsonl"
    [ "$mode" = dense ] && truth="--truth $DATA/gt_dense.jsonl"
    echo "run $run $mode: $($FATHOM bench "$DB" --queries "$DATA/queries.jsonl" $truth --mode $mode --exact --json)"
  done
  echo "run $run sparse forward-scan: $($FATHOM bench "$DB" --queries "$DATA/queries.jsonl" --truth "$DATA/gt_sparse.jsonl" --mode sparse --exact --_exact-sparse-strategy forward-scan --json)"
done
