#!/usr/bin/env bash
# nDCG@10, recall@100 and p50 latency on each labeled dataset in ../shared/data: sparse, dense,
# hybrid, and hybrid with pseudo-relevance feedback interpolated before, after, both or neither
# (`fathom bench --qrels`; release build, one thread; exact sparse, HNSW dense, convex fusion).
#
#   tools/bench-feedback.sh                 # reuters21578, swift-docs, reuters21578-smoke
#   PRF='--prf-docs 5 --prf-terms 10' tools/bench-feedback.sh reuters21578
set -euo pipefail
cd "$(dirname "$0")/.."
DATASETS=${*:-reuters21578 swift-docs reuters21578-smoke}
PRF=${PRF:-}
WORK=${WORK:-/tmp/fathom-feedback}
mkdir -p "$WORK"
make -s build >/dev/null
FATHOM=.build/release/fathom
printf '| dataset | run | nDCG@10 | recall@100 | p50 µs |\n|---|---|---|---|---|\n'
for name in $DATASETS; do
  data=../shared/data/$name
  corpus=$data/corpus.jsonl
  if [ ! -f "$corpus" ]; then corpus=$WORK/$name.jsonl; zstd -d -q -f -o "$corpus" "$data/corpus.jsonl.zst"; fi
  db=$WORK/$name.fathom
  if [ ! -f "$db" ]; then
    $FATHOM create "$db" --dense-dim 384 --metric cosine --sparse >/dev/null
    $FATHOM ingest "$db" "$corpus" >/dev/null 2>&1
  fi
  bench() {
    $FATHOM bench "$db" --queries "$data/queries.jsonl" --qrels "$data/qrels.tsv" --warmup 200 --json "$@" |
      python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.4f | %.4f | %.0f" % (d["ndcg_at_10"], d["recall_at_100"], d["latency_ms_p50"]*1000))'
  }
  echo "| $name | sparse | $(bench --mode sparse) |"
  echo "| $name | dense | $(bench --mode dense) |"
  echo "| $name | hybrid | $(bench --mode hybrid) |"
  for interpolation in none before after both; do
    # shellcheck disable=SC2086
    echo "| $name | hybrid + PRF, interpolation $interpolation | $(bench --mode hybrid --prf-interpolation $interpolation $PRF) |"
  done
done
