#!/usr/bin/env bash
# Side by side, in one run on one machine: the dense peers (hnswlib, faiss HNSW, usearch,
# sqlite-vec, numpy brute force through ../shared/tools/peers; faiss flat through
# tools/faiss-flat.py) and `fathom bench`
# (exact flat scan, the HNSW graph over an ef_search sweep walking int8 codes and float32
# vectors, and the compact codes), on the same
# dataset, printing recall@10 against p50 latency and QPS. Single-threaded.
#
#   tools/compare-dense.sh [DATASET_DIR] [WORK_DIR]
#   FATHOM_CREATE_FLAGS="--m 24 --ef-construction 400" tools/compare-dense.sh
#
# The Python peers live in a virtual environment outside git (VENV, default .venv-peers).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data/reuters21578}
WORK=${2:-/tmp/fathom-compare-dense}
VENV=${VENV:-.venv-peers}
FATHOM_CREATE_FLAGS=${FATHOM_CREATE_FLAGS:-}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q numpy scipy psutil threadpoolctl orjson hnswlib faiss-cpu usearch sqlite-vec pysqlite3-binary
fi
# shellcheck source=tools/dataset.sh
. tools/dataset.sh
if [ "$DENSE_DIM" -eq 0 ]; then echo "$CORPUS has no dense vectors" >&2; exit 1; fi
DB="$WORK/dense.fathom"
rm -f "$DB" "$DB-wal" "$DB-shm"
DOCS=$(wc -l < "$CORPUS")
# One segment holding every document (dense part only), with the default graph.
python3 -c 'import json,sys
for line in open(sys.argv[1]):
    d = json.loads(line); d.pop("sparse", None); print(json.dumps(d))' "$CORPUS" > "$WORK/dense.jsonl"
# shellcheck disable=SC2086
$FATHOM create "$DB" --dense-dim "$DENSE_DIM" --seal-threshold "$DOCS" $FATHOM_CREATE_FLAGS >/dev/null
start=$(date +%s.%N)
$FATHOM ingest "$DB" "$WORK/dense.jsonl" --batch 5000 >/dev/null 2>"$WORK/ingest.log"
end=$(date +%s.%N)
echo "== fathom: ingest + graph build $(python3 -c "print(round($end-$start,2))") s; database $(du -m "$DB" | cut -f1) MB"
$FATHOM stats "$DB" | grep -E 'stored|dense bytes'

echo "== peers"
"$VENV/bin/python" ../shared/tools/peers/run_peers.py --data "$DATA" --work "$WORK/peers" \
  --peers dense_exact,hnswlib,faiss_hnsw,usearch,sqlite_vec --quick | grep -E '^\| (peer|exact|hnsw|faiss|usearch|sqlite)'
# faiss flat (IndexFlatIP), which the shared runner lacks: | name | exact | recall@10 | mean | p50 | p99 | QPS | build s |
"$VENV/bin/python" tools/faiss-flat.py "$DATA" "$CORPUS"

echo "== fathom (release, --warmup 1000)"
printf '| path | parameter | recall@10 | p50 us | p99 us | QPS |\n|---|---|---|---|---|---|\n'
bench() {
  $FATHOM bench "$DB" --queries "$DATA/queries.jsonl" --truth "$DATA/gt_dense.jsonl" --mode dense --warmup 1000 --json "$@" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.4f | %.1f | %.1f | %.0f |" % (d["recall_at_k"], d["latency_ms_p50"]*1000, d["latency_ms_p99"]*1000, d["qps"]))'
}
echo "| exact flat | | $(bench --exact)"
for ef in 16 32 48 56 64 80 100 150 200 300; do
  echo "| hnsw, int8 walk (default) | ef_search $ef | $(bench --ef-search "$ef")"
done
for ef in 48 64 100 200; do
  echo "| hnsw, float32 walk | ef_search $ef | $(bench --ef-search "$ef" --graph-precision float32)"
done
for codes in "float16 10" "float16 20" "int8 20" "int8 50" "binary 100" "binary 300" "binary 1000"; do
  set -- $codes
  echo "| $1 scan | rescore $2 | $(bench --dense-codes "$1" --rescore "$2")"
done
