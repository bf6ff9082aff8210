# The checks of a shell test: `ok TEXT` and `fail TEXT` print one line each
# and count; `expect_ok NAME CMD...` runs CMD and counts ok (with CMD's
# output) when it exits 0, fail otherwise; `summary` prints the closing "N passed, M failed" line that
# scripts/test-summary adds up, and exits 1 when a check failed. Source it.
passed=0
failed=0

ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

expect_ok() {
  local name="$1"
  shift
  local out
  if out="$("$@" 2>&1)"; then ok "$name${out:+: $out}"; else fail "$name: $out"; fi
}

summary() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}
