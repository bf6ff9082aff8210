#!/usr/bin/env bash
# Integration test of the scan's integrity under faults (issue 13):
#  (a) two scans on one output: the second exits 3 at once, the first's file
#      is complete and valid;
#  (b) --resume with another input list is refused (exit 3);
#  (c) the resolver is down before the scan: exit 4 with a hint to --resume,
#      no row that measured nothing claims protected_by "none"; with the
#      resolver back, --resume completes every line exactly once, and
#      --resume --redo-unknown scans the unknown rows again;
#  (d) the resolver dies during the scan: the same;
#  (e) a domain repeated on 20 lines makes one policy request (nginx's log).
#
# Run inside the testbed, from the repository root:
#   tests/testbed/run tests/scan/test_integrity.sh build/stsdane
# Prints "ok ..." / "FAIL ..." per check and "N passed, M failed" last.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
stsdane="$(realpath "${1:-$repo/build/stsdane}")"
check_py="$here/check_rows.py"
server="$repo/tests/testbed/server"
work="$(mktemp -d /tmp/stsdane-integrity.XXXXXX)"
trap '"$server" start unbound >/dev/null 2>&1; rm -rf "$work"' EXIT
. "$repo/tests/lib/tally.sh"
if [ ! -x "$stsdane" ] || [ -z "${STSDANE_TESTBED_DIR:-}" ]; then
  echo "FAIL needs the stsdane binary and the testbed (tests/testbed/run $0 build/stsdane)"
  echo "0 passed, 1 failed"
  exit 1
fi

# The catalogue twice: enough domains that a dead resolver gives far more
# than K (100) failed lookups in a row.
domains="$("$repo/tests/testbed/run" --list)"
list="$work/list.txt"
for _ in 1 2; do printf '%s\n' $domains; done >"$list"
total="$(python3 "$check_py" expected "$list")"
count_rows() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
wait_rows() { for _ in $(seq 1 600); do [ "$(count_rows "$1")" -ge "$2" ] && return 0; sleep 0.05; done; }
opts=(--dns-timeout 1 --smtp-timeout 3 --https-timeout 3 --no-progress)

# ---- (a) two scans on one output ----
out="$work/a.jsonl"
"$stsdane" scan "${opts[@]}" "$list" -o "$out" --concurrency 4 --rate 10 --flush-lines 1 2>"$work/a1.err" &
pid=$!
wait_rows "$out" 5
start=$(date +%s%N)
"$stsdane" scan "${opts[@]}" "$list" -o "$out" --resume 2>"$work/a2.err"
status=$?
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$status" -eq 3 ] && [ "$ms" -lt 2000 ] && grep -q "another stsdane scan" "$work/a2.err"; then
  ok "a second scan on a locked output exits 3 at once ($ms ms): $(head -c 120 "$work/a2.err")"
else fail "second scan: exit $status after $ms ms: $(cat "$work/a2.err")"; fi
"$stsdane" scan "${opts[@]}" "$list" -o "$out" --force 2>"$work/a3.err"
status=$?
if [ "$status" -eq 3 ]; then ok "--force on a locked output exits 3 too (the first scan's rows are kept)"
else fail "--force on a locked output: exit $status: $(cat "$work/a3.err")"; fi
wait "$pid"
status=$?
if [ "$status" -eq 0 ]; then ok "the first scan completed (exit 0)"; else fail "first scan: exit $status: $(cat "$work/a1.err")"; fi
expect_ok "the first scan's output is valid and holds every line exactly once" python3 "$check_py" exactly-once "$list" "$out"

# ---- (b) --resume with another list ----
other="$work/other.txt"
head -n 5 "$list" >"$other"
"$stsdane" scan "${opts[@]}" "$other" -o "$out" --resume 2>"$work/b.err"
status=$?
if [ "$status" -eq 3 ] && grep -q "belongs to another input" "$work/b.err"; then ok "--resume with another input is refused (exit 3)"
else fail "--resume with another input: exit $status: $(cat "$work/b.err")"; fi
cp "$list" "$work/moved.txt"
"$stsdane" scan "${opts[@]}" "$work/moved.txt" -o "$out" --resume 2>"$work/b2.err"
status=$?
if [ "$status" -eq 0 ]; then ok "--resume with the same list under another path is accepted"
else fail "--resume with a copy of the list: exit $status: $(cat "$work/b2.err")"; fi

# ---- (c) the resolver is down before the scan ----
"$server" stop unbound >/dev/null 2>&1 || fail "cannot stop unbound"
out="$work/c.jsonl"
timeout -s KILL 120 "$stsdane" scan "${opts[@]}" "$list" -o "$out" --concurrency 32 2>"$work/c1.err"
status=$?
if [ "$status" -eq 4 ] && grep -q -- "--resume" "$work/c1.err" && grep -q "resolver stopped answering" "$work/c1.err"; then
  ok "resolver down before the scan: exit 4 with a hint to --resume"
else fail "resolver down before the scan: exit $status: $(cat "$work/c1.err")"; fi
written="$(count_rows "$out")"
if [ "$written" -lt "$total" ]; then ok "the scan stopped taking lines ($written of $total rows written)"
else fail "the scan went on: $written of $total rows"; fi
expect_ok "rows that measured nothing say protected_by unknown (count)" python3 "$check_py" unknown-rows "$out"
timeout -s KILL 60 "$stsdane" check --dns-timeout 1 "$(head -n 1 "$list")" >/dev/null 2>"$work/c-check.err"
status=$?
if [ "$status" -eq 4 ] && grep -q "no DNS lookup got an answer" "$work/c-check.err"; then ok "check exits 4 when the resolver is down"
else fail "check with the resolver down: exit $status: $(cat "$work/c-check.err")"; fi
"$server" start unbound >/dev/null 2>&1 || fail "cannot start unbound"
timeout -s KILL 300 "$stsdane" scan "${opts[@]}" "$list" -o "$out" --resume --concurrency 32 2>"$work/c2.err"
status=$?
if [ "$status" -eq 0 ]; then ok "with the resolver back, --resume completed (exit 0)"; else fail "resume: exit $status: $(cat "$work/c2.err")"; fi
expect_ok "after the resolver outage and --resume every line is there exactly once" python3 "$check_py" exactly-once "$list" "$out"
before="$(python3 "$check_py" unknown-rows "$out")"
timeout -s KILL 300 "$stsdane" scan "${opts[@]}" "$list" -o "$out" --resume --redo-unknown --concurrency 32 2>"$work/c3.err"
status=$?
after="$(python3 "$check_py" unknown-rows "$out")"
if [ "$status" -eq 0 ] && [ "$before" -gt 0 ] && [ "$after" -eq 0 ] && grep -q "removed $before rows" "$work/c3.err"; then
  ok "--resume --redo-unknown scanned the $before unknown rows again: none left"
else fail "--redo-unknown: exit $status, unknown rows $before -> $after: $(cat "$work/c3.err")"; fi
expect_ok "after --redo-unknown every line is there exactly once" python3 "$check_py" exactly-once "$list" "$out"

# ---- (d) the resolver dies during the scan ----
# Distinct names (the catalogue, then names that do not exist), so that
# answers cannot come from the cache: the default K = 100 applies.
dlist="$work/dlist.txt"
{ printf '%s\n' $domains; for i in $(seq 1 150); do echo "nx-$i.$(printf '%s\n' $domains | head -n 1)"; done; } >"$dlist"
dtotal="$(python3 "$check_py" expected "$dlist")"
out="$work/d.jsonl"
timeout -s KILL 300 "$stsdane" scan "${opts[@]}" "$dlist" -o "$out" --concurrency 4 --rate 10 --flush-lines 1 2>"$work/d1.err" &
pid=$!
wait_rows "$out" 10
"$server" stop unbound >/dev/null 2>&1 || fail "cannot stop unbound"
wait "$pid"
status=$?
written="$(count_rows "$out")"
if [ "$status" -eq 4 ] && grep -q -- "--resume" "$work/d1.err"; then ok "resolver died mid-scan: exit 4 after $written of $dtotal rows"
else fail "resolver died mid-scan: exit $status after $written rows: $(tail -c 400 "$work/d1.err")"; fi
expect_ok "rows that measured nothing say protected_by unknown (count)" python3 "$check_py" unknown-rows "$out"
"$server" start unbound >/dev/null 2>&1 || fail "cannot start unbound"
timeout -s KILL 300 "$stsdane" scan "${opts[@]}" "$dlist" -o "$out" --resume --concurrency 32 2>"$work/d2.err"
status=$?
if [ "$status" -eq 0 ]; then ok "--resume after the mid-scan outage completed (exit 0)"; else fail "resume: exit $status: $(cat "$work/d2.err")"; fi
expect_ok "after the mid-scan outage and --resume every line is there exactly once" python3 "$check_py" exactly-once "$dlist" "$out"

# ---- (e) one policy fetch per policy host per scan ----
# 20 lines of one domain with a policy (some in other spellings): nginx must
# see one request for its policy, not one per line.
log="$STSDANE_TESTBED_DIR/logs/nginx-access.log"
policy_requests() { grep -c "GET /.well-known/mta-sts.txt" "$log" 2>/dev/null || true; }
elist="$work/elist.txt"
for i in $(seq 1 10); do echo "sts-enforce-good.test"; echo "STS-Enforce-Good.test."; done >"$elist"
before="$(policy_requests)"
timeout -s KILL 120 "$stsdane" scan "${opts[@]}" "$elist" -o "$work/e.jsonl" --concurrency 8 2>"$work/e.err"
status=$?
made=$(( $(policy_requests) - before ))
valid="$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["mtasts"]["status"] == "valid"))' "$work/e.jsonl")"
if [ "$status" -eq 0 ] && [ "$made" -eq 1 ] && [ "$valid" -eq 20 ]; then
  ok "20 lines of one domain made 1 policy request; all 20 rows have its valid policy"
else fail "repeated domain: exit $status, $made policy requests (want 1), $valid of 20 rows with a valid policy: $(tail -c 300 "$work/e.err")"; fi

summary
