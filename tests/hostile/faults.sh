#!/usr/bin/env bash
# Faults during a scan: Postfix and nginx are killed in the middle of a scan
# of the catalogue domains (repeated, ~300 rows) and restarted a few seconds
# later.  The scan must complete with every row exactly once, and every row
# whose verdict the faults changed must say why.
#
#   tests/hostile/faults.sh [build/stsdane]     (enters the testbed itself)
#
# "Affected rows are unknown with the reason", precisely: a row is affected
# when its verdict (the four profile outcomes, mtasts.status, dane.status)
# differs from the same row of a baseline scan without faults.  Every
# affected row must either have a profile `unknown` with a non-empty
# verdict.unknown_reason (a step that timed out), or carry a measurement-error
# finding the baseline row does not have, naming the failed step: a refused
# connection is what a stopped server looks like from outside, and the
# verdict model records it as such (docs/verdicts.md §3: smtp-connect-failed
# and mx-unreachable, sts-policy-tcp), never silently.  At least one row must
# be affected, or the faults missed the scan and the test proves nothing.
#
# Prints ok/FAIL per check and "N passed, M failed" last.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
in_testbed "$here/faults.sh" "$stsdane"
need_binary
make_work

# A slow, polite scan so that the faults land in the middle of the probes:
# at most 4 new SMTP connections per second, 4 domains in flight.
opts=(--smtp-timeout 3 --https-timeout 4 --dns-timeout 3 --rate 4 --concurrency 4 --no-progress)
server="$repo/tests/testbed/server"

catalogue="$(python3 "$repo/tests/lib/shared_contract.py" hostile-faults | head -n 1)"
[ -n "$catalogue" ] || exit 1 # the one line saying where the catalogue should be is printed
python3 - "$catalogue" >"$work/list.txt" <<'PY'
import json, sys
domains = [s["domain"] for s in json.load(open(sys.argv[1]))["scenarios"]]
for _ in range(6):
    print("\n".join(domains))
PY
rows=$(wc -l <"$work/list.txt")
if [ "$rows" -lt 250 ]; then
  fail "catalogue list has only $rows rows"
  summary
fi

scan() {   # scan OUT: exit status of the scan
  timeout -s KILL 120 "$stsdane" scan "${opts[@]}" "$work/list.txt" -o "$1" 2>"$1.err"
}

# 1. Baseline without faults.
start=$(date +%s)
scan "$work/base.jsonl"
rc=$?
if [ "$rc" -eq 0 ]; then ok "baseline scan of $rows rows in $(($(date +%s) - start)) s"; else fail "baseline scan: exit $rc: $(tail -c 300 "$work/base.jsonl.err")"; fi

# 2. The same scan with Postfix and nginx killed mid-scan and restarted.
start=$(date +%s)
scan "$work/fault.jsonl" &
scan_pid=$!
sleep 1.5
"$server" stop postfix && "$server" stop nginx && ok "postfix and nginx stopped mid-scan" || fail "cannot stop the servers"
sleep 3
"$server" start postfix && "$server" start nginx && ok "postfix and nginx restarted" || fail "cannot restart the servers"
wait "$scan_pid"
rc=$?
if [ "$rc" -eq 0 ]; then ok "scan with faults completed in $(($(date +%s) - start)) s"; else fail "scan with faults: exit $rc: $(tail -c 300 "$work/fault.jsonl.err")"; fi

# 3. Rows: every line once; affected rows explained.
if why="$(python3 - "$work/list.txt" "$work/base.jsonl" "$work/fault.jsonl" <<'PY' 2>&1
import json, sys
want = open(sys.argv[1]).read().split("\n")[:-1]
MEASUREMENT_ERRORS = {"smtp-connect-failed", "smtp-timeout", "smtp-protocol-error", "smtp-tls-handshake-failed",
                      "smtp-banner-reject", "mx-unreachable", "sts-policy-tcp", "sts-policy-timeout",
                      "sts-policy-fetch-failed", "sts-policy-tls-handshake"}

def load(path):
    rows = {}
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        r = json.loads(line)
        if r["line"] in rows:
            sys.exit("%s: line %d twice" % (path, r["line"]))
        rows[r["line"]] = r
    missing = sorted(set(range(1, len(want) + 1)) - set(rows))
    if missing or len(rows) != len(want):
        sys.exit("%s: %d rows for %d lines, missing %s" % (path, len(rows), len(want), missing[:10]))
    for ln, r in rows.items():
        if r["domain"] != want[ln - 1]:
            sys.exit("%s: line %d is %s, want %s" % (path, ln, r["domain"], want[ln - 1]))
    return rows

def verdict(r):
    v = r.get("verdict") or {}
    return (json.dumps(v.get("profiles"), sort_keys=True), (r.get("mtasts") or {}).get("status"),
            (r.get("dane") or {}).get("status"))

base, fault = load(sys.argv[2]), load(sys.argv[3])
affected, unexplained = 0, []
for ln, r in fault.items():
    if verdict(r) == verdict(base[ln]):
        continue
    affected += 1
    profiles = (r.get("verdict") or {}).get("profiles") or {}
    unknown = "unknown" in profiles.values() and (r.get("verdict") or {}).get("unknown_reason")
    new = {f["code"] for f in r["findings"]} - {f["code"] for f in base[ln]["findings"]}
    if not unknown and not (new & MEASUREMENT_ERRORS):
        unexplained.append("%s (line %d): %s -> %s, new findings %s" % (
            r["domain"], ln, verdict(base[ln]), verdict(r), sorted(new)))
if unexplained:
    sys.exit("%d affected rows do not say why: %s" % (len(unexplained), "; ".join(unexplained[:5])))
if affected == 0:
    sys.exit("no row was affected: the faults missed the scan")
print("%d rows once each, %d affected, all unknown with a reason or with the failed step named" % (
    len(fault), affected))
PY
)"; then ok "$why"; else fail "$why"; fi

# 4. The servers really work again: a fresh check of an MTA-STS + DANE domain.
if "$stsdane" check --json --smtp-timeout 3 --https-timeout 4 both-good.test >"$work/after.json" 2>&1 &&
   python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["verdict"]["protected_by"] != "both")' "$work/after.json"; then
  ok "after the restart both-good.test is protected by both again"
else
  fail "after the restart: $(head -c 300 "$work/after.json")"
fi

summary
