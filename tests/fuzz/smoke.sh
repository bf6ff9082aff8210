#!/bin/sh
# tests/fuzz/smoke.sh TARGET SEED_DIR RUNS WORK_DIR
#
# The 'fuzz' test suite: runs one libFuzzer target over its seed corpus and
# then RUNS random inputs derived from it. New inputs go to WORK_DIR/corpus,
# never into the seed corpus in the source tree; a crash, leak, timeout or
# sanitizer report is saved under WORK_DIR/artifacts and fails the test.
set -eu
if [ $# -ne 4 ]; then
  echo "usage: smoke.sh TARGET SEED_DIR RUNS WORK_DIR" >&2
  exit 2
fi
target=$1 seeds=$2 runs=$3 work=$4
if [ ! -d "$seeds" ]; then
  echo "smoke.sh: seed corpus $seeds is missing" >&2
  exit 2
fi
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:print_stacktrace=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export LSAN_OPTIONS="suppressions=${LSAN_SUPPRESSIONS:-/dev/null}:print_suppressions=0"
dict="$seeds/../../$(basename "$seeds").dict"
set --
[ -f "$dict" ] && set -- -dict="$dict"
# -seed fixes the random inputs so a failure in CI reproduces locally.
exec "$target" -runs="$runs" -seed=1 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$@" -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds"
