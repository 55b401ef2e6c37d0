#!/usr/bin/env bash
# Filtered search at several selectivities: for each filter, the exact filtered top-10 (the
# reference, `--exact`), then `fathom bench` of the default (approximate) plans against it —
# recall@10 vs exact filtered search, QPS, and the plan the planner chose (`--explain`).
#
#   tools/bench-filters.sh DATABASE QUERIES [MODE...]      (modes default: dense sparse hybrid)
#   FILTERS='words >= 88|words >= 289' tools/bench-filters.sh db.fathom queries.jsonl dense
#
# The default filters select ~50%, 10%, 1% and 0.1% of reuters21578 (`words` thresholds).
set -euo pipefail
cd "$(dirname "$0")/.."
DB=$1
QUERIES=$2
shift 2
MODES=${*:-dense sparse hybrid}
FILTERS=${FILTERS:-words >= 88|words >= 289|words >= 694|words >= 872}
WORK=${WORK:-/tmp/fathom-filters}
mkdir -p "$WORK"
make -s build >/dev/null
FATHOM=.build/release/fathom
printf '| filter | mode | admitted | plan | recall@10 vs exact filtered | p50 us | QPS |\n|---|---|---|---|---|---|---|\n'
IFS='|' read -r -a filters <<< "$FILTERS"
for filter in "${filters[@]}"; do
  for mode in $MODES; do
    # The reference: exact filtered search, as a ground-truth file.
    $FATHOM search "$DB" --query-file "$QUERIES" --mode "$mode" --exact --filter "$filter" --k 10 --json |
      python3 -c 'import json,sys
for line in sys.stdin:
    d = json.loads(line)
    print(json.dumps({"query": d["query"], "ids": [h["id"] for h in d["hits"]], "scores": [h["score"] for h in d["hits"]]}))' \
      > "$WORK/truth.jsonl"
    plan=$($FATHOM search "$DB" --query-file "$QUERIES" --limit 1 --mode "$mode" --filter "$filter" --explain --json |
      python3 -c 'import json,sys; p=json.loads(sys.stdin.readline())["plan"]; print("%d | %s" % (p["filterMatches"], "; ".join(p["paths"])))')
    result=$($FATHOM bench "$DB" --queries "$QUERIES" --truth "$WORK/truth.jsonl" --mode "$mode" --filter "$filter" \
      --warmup 1000 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.4f | %.1f | %.0f" % (d["recall_at_k"], d["latency_ms_p50"]*1000, d["qps"]))')
    echo "| \`$filter\` | $mode | $plan | $result |"
  done
done
