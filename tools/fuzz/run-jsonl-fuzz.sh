#!/usr/bin/env bash
# libFuzzer + AddressSanitizer run of the JSONL ingest path: every input goes through what
# `fathom ingest` does with a line (decode, validate) and an oracle (Sources/FuzzJSONL).
#
#   tools/fuzz/run-jsonl-fuzz.sh [SECONDS] [LIBFUZZER_OPTION...]     (default 60 s; CI runs the default)
#   tools/fuzz/run-jsonl-fuzz.sh 1800                                 (on demand: longer)
#
# The target is a nested package, so `make test` never builds it. The run starts from the
# committed seeds (tools/fuzz/corpus) and a dictionary of JSON tokens (jsonl.dict); inputs it
# finds are kept in .build/fuzz-work/corpus for the next run, crashes go to
# .build/fuzz-work/artifacts/. Exits non-zero on a crash, a sanitizer report, a timeout, or a
# binary without coverage instrumentation. Replay a crash (no sanitizer needed to read it):
#
#   SWIFT_BACKTRACE=enable=no tools/fuzz/.build/debug/FuzzJSONL tools/fuzz/.build/fuzz-work/artifacts/crash-…
#
# and add the line to the regression cases in Tests/FathomTests/JSONL/JSONLFuzzTests.swift.
set -euo pipefail
duration=${1:-60}
shift || true
cd "$(dirname "$0")"

# Both flag forms: with --sanitize alone SwiftPM passes the two sanitizers in random order and
# the compiler keeps only the last, so about half the builds had no coverage at all
# (reliability research, trap 2); -Xswiftc -sanitize=fuzzer,address always gives both.
swift build -c debug --product FuzzJSONL --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address

work=.build/fuzz-work
mkdir -p "$work/corpus" "$work/artifacts"
log=$work/fuzz.log
touch "$work/started"
# SWIFT_BACKTRACE=enable=no: otherwise Swift's backtracer handles the trap and libFuzzer writes
# no reproducer (trap 1). -timeout bounds one input; the slowest legitimate lines (512 levels
# of nesting) take about a second under ASan.
set +e
SWIFT_BACKTRACE=enable=no .build/debug/FuzzJSONL -max_total_time="$duration" -max_len=65536 -timeout=30 \
  -dict=jsonl.dict -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" "$work/corpus" corpus \
  >"$log" 2>&1
status=$?
set -e
grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED)' "$log" | tail -n 40

if ! grep -q 'INFO: Loaded 1 modules' "$log" || grep -q 'no interesting inputs were found' "$log"; then
  echo "error: the fuzz target has no coverage instrumentation; see the sanitizer flags in $0" >&2
  exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log")
found=$(find "$work/artifacts" -type f -newer "$work/started" | wc -l | tr -d ' ')
echo "jsonl fuzz: ${runs:-0} executions in ${duration} s (${rate:-0} exec/s); new artifacts (crashes, timeouts): $found; exit $status"
exit "$status"
