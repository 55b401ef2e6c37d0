#!/usr/bin/env bash
# Side by side, in one run on one machine: pyseismic-lsr (through ../shared/tools/peers) and
# `fathom bench` (exact path, then the Seismic index over a query_cut × heap_factor sweep) on the
# same dataset, printing recall@10 against p50 latency and QPS for both. Single-threaded.
#
#   tools/compare-seismic.sh [DATASET_DIR] [WORK_DIR]
#   SEISMIC_FLAGS="--postings-per-term 160 --centroid-fraction 0.2 --summary-energy 0.5" tools/compare-seismic.sh
#
# The Python peers live in a virtual environment outside git (VENV, default .venv-peers).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data/reuters21578}
WORK=${2:-/tmp/fathom-compare}
VENV=${VENV:-.venv-peers}
SEISMIC_FLAGS=${SEISMIC_FLAGS:---postings-per-term 160 --centroid-fraction 0.2 --summary-energy 0.5}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q numpy scipy psutil threadpoolctl orjson pyseismic-lsr
fi
# shellcheck source=tools/dataset.sh
. tools/dataset.sh
DB="$WORK/seismic.fathom"
rm -f "$DB" "$DB-wal" "$DB-shm"
DOCS=$(wc -l < "$CORPUS")
# One segment holding every document, with a Seismic index.
# shellcheck disable=SC2086
# No dense graph: the timed build is the sparse index's, as Seismic's is.
$FATHOM create "$DB" --sparse --seismic --no-dense-graph --seal-threshold "$DOCS" $SEISMIC_FLAGS \
  $( [ "$DENSE_DIM" -gt 0 ] && echo "--dense-dim $DENSE_DIM" ) >/dev/null
start=$(date +%s.%N)
$FATHOM ingest "$DB" "$CORPUS" --batch 2000 >/dev/null 2>"$WORK/ingest.log"
end=$(date +%s.%N)
echo "== fathom: ingest + index build $(python3 -c "print(round($end-$start,2))") s; database $(du -m "$DB" | cut -f1) MB"

echo "== pyseismic-lsr"
"$VENV/bin/python" ../shared/tools/peers/run_peers.py --data "$DATA" --work "$WORK/peers" --peers seismic --quick \
  | grep -E '^\| (peer|seismic)'

echo "== fathom (release, --warmup 1000)"
printf '| path | query_cut | heap_factor | recall@10 | p50 us | QPS |\n|---|---|---|---|---|---|\n'
bench() {
  $FATHOM bench "$DB" --queries "$DATA/queries.jsonl" --truth "$DATA/gt_sparse.jsonl" --mode sparse --warmup 1000 --json "$@" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.4f | %.1f | %.0f |" % (d["recall_at_k"], d["latency_ms_p50"]*1000, d["qps"]))'
}
echo "| exact | | | $(bench --exact)"
for qc in 3 5 8 12; do
  for hf in 1.0 1.25 1.5; do
    echo "| seismic | $qc | $hf | $(bench --query-cut "$qc" --heap-factor "$hf")"
  done
done
