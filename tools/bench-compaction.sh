#!/usr/bin/env bash
# Deletes 30% of a dataset, compacts, and compares with a database freshly built from the
# remaining documents: recall@10 of the approximate paths (Seismic for sparse, the HNSW graph
# for dense) against exact search, QPS (median of RUNS interleaved bench runs), and file size.
# Also measures the approximate paths right after the deletes, before compacting.
#
#   tools/bench-compaction.sh [CORPUS.jsonl [QUERIES.jsonl]]     (default: reuters21578)
#   RUNS=5 DELETE_PERCENT=30 tools/bench-compaction.sh
#
# Release build, one thread. Needs python3. Work files go to $WORK (default /tmp/fathom-compaction).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=../shared/data/reuters21578
WORK=${WORK:-/tmp/fathom-compaction}
RUNS=${RUNS:-3}
DELETE_PERCENT=${DELETE_PERCENT:-30}
mkdir -p "$WORK"
CORPUS=${1:-}
QUERIES=${2:-$DATA/queries.jsonl}
if [ -z "$CORPUS" ]; then
  CORPUS=$WORK/corpus.jsonl
  [ -s "$CORPUS" ] || zstd -d -q -f -o "$CORPUS" "$DATA/corpus.jsonl.zst"
fi
make -s build >/dev/null
FATHOM=.build/release/fathom
DIM=$(head -1 "$CORPUS" | python3 -c 'import json,sys; print(len(json.loads(sys.stdin.readline()).get("dense") or []))')
CREATE=(--sparse --seismic)
[ "$DIM" -gt 0 ] && CREATE+=(--dense-dim "$DIM" --metric cosine)

# The deleted ids: a hash of the id picks DELETE_PERCENT% of them, the same in every run.
python3 - "$CORPUS" "$DELETE_PERCENT" "$WORK/deleted.txt" "$WORK/remaining.jsonl" <<'PY'
import hashlib, json, sys
corpus, percent, deleted_path, remaining_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(corpus) as src, open(deleted_path, "w") as deleted, open(remaining_path, "w") as remaining:
    for line in src:
        doc_id = json.loads(line)["id"]
        if int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % 100 < percent:
            deleted.write(doc_id + "\n")
        else:
            remaining.write(line)
PY
echo "deleting $(wc -l < "$WORK/deleted.txt") of $(wc -l < "$CORPUS") documents"

rm -f "$WORK"/compacted.fathom* "$WORK"/fresh.fathom*
$FATHOM create "$WORK/compacted.fathom" "${CREATE[@]}" >/dev/null
$FATHOM ingest "$WORK/compacted.fathom" "$CORPUS" > /dev/null 2>&1
$FATHOM create "$WORK/fresh.fathom" "${CREATE[@]}" >/dev/null
$FATHOM ingest "$WORK/fresh.fathom" "$WORK/remaining.jsonl" > /dev/null 2>&1
xargs -a "$WORK/deleted.txt" -n 2000 $FATHOM delete "$WORK/compacted.fathom" > /dev/null

size() { python3 -c 'import os,sys; print(sum(os.path.getsize(p) for p in sys.argv[1:] if os.path.exists(p)))' "$1" "$1-wal"; }
# Exact results over the remaining documents (the fresh database), per mode: the reference.
truth() {
  $FATHOM search "$WORK/fresh.fathom" --query-file "$QUERIES" --mode "$1" --exact --k 10 --json |
    python3 -c 'import json,sys
for line in sys.stdin:
    d = json.loads(line)
    print(json.dumps({"query": d["query"], "ids": [h["id"] for h in d["hits"]], "scores": [h["score"] for h in d["hits"]]}))' \
    > "$WORK/truth-$1.jsonl"
}
truth sparse
truth dense
bench() {   # database mode -> "recall qps p50_us"
  $FATHOM bench "$1" --queries "$QUERIES" --truth "$WORK/truth-$2.jsonl" --mode "$2" --warmup 1000 --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.4f %.0f %.1f" % (d["recall_at_k"], d["qps"], d["latency_ms_p50"]*1000))'
}
median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

echo
echo "after deleting, before compacting: size $(size "$WORK/compacted.fathom") bytes"
for mode in sparse dense; do echo "  $mode: recall/QPS/p50us $(bench "$WORK/compacted.fathom" $mode)"; done
started=$(date +%s.%N)
$FATHOM compact "$WORK/compacted.fathom"
echo "compaction wall time: $(python3 -c "import time; print('%.1f s' % (time.time() - $started))")"
$FATHOM verify "$WORK/compacted.fathom"

printf '\n| | compacted | fresh | compacted / fresh |\n|---|---|---|---|\n'
a=$(size "$WORK/compacted.fathom"); b=$(size "$WORK/fresh.fathom")
echo "| file bytes (+ wal) | $a | $b | $(python3 -c "print('%.3f' % ($a / $b))") |"
for mode in sparse dense; do
  rc=(); rf=(); qc=(); qf=(); pc=(); pf=()
  for _ in $(seq "$RUNS"); do
    read -r r q p <<< "$(bench "$WORK/compacted.fathom" $mode)"; rc+=("$r"); qc+=("$q"); pc+=("$p")
    read -r r q p <<< "$(bench "$WORK/fresh.fathom" $mode)"; rf+=("$r"); qf+=("$q"); pf+=("$p")
  done
  mrc=$(median "${rc[@]}"); mrf=$(median "${rf[@]}"); mqc=$(median "${qc[@]}"); mqf=$(median "${qf[@]}")
  echo "| $mode recall@10 vs exact | $mrc | $mrf | |"
  echo "| $mode QPS (median of $RUNS; p50 µs $(median "${pc[@]}") vs $(median "${pf[@]}")) | $mqc | $mqf | $(python3 -c "print('%.3f' % ($mqc / $mqf))") |"
done
