#!/usr/bin/env bash
# Integration test: throughput holds while MX addresses never answer (issue 14).
#
# A population (tests/scan/wait_population.py) where 10% of the domains
# have their own MX address that drops every packet (the testbed's
# "fault": "drop"), so each of their probes waits for the whole connect timeout.
# With a fixed window of --concurrency domains in flight, N_drop domains
# that each hold a place for T seconds take at least N_drop * T /
# concurrency seconds; the scan must finish well under that, because
# domains that have waited stop counting against --concurrency. Checks:
#  (a) every line gets exactly one row; each dropped domain's probe timed
#      out while connecting, no other domain's probe did;
#  (b) the scan's wall time is under half of the fixed-window bound;
#  (c) with a descriptor limit that leaves few connection slots, every row
#      is still there and no probe failed for want of a descriptor;
#  (d) rows record per_address=2 in scan_options at default.
#
# From the repository root, as root:
#   tests/scan/test_waiting.sh build/stsdane
# (it builds the population and runs itself inside the testbed).
# Prints "ok ..." / "FAIL ..." per check and "N passed, M failed" last.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
N=2000
DROP=0.1
CONCURRENCY=16
TIMEOUT_S=8

if [ "${1:-}" != "--inside" ]; then
  stsdane="$(realpath "${1:-$repo/build/stsdane}")"
  work="$(mktemp -d /tmp/stsdane-waiting.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  python3 "$here/wait_population.py" "$N" "$work" --drop "$DROP" --own 0.2 --shared 10 || exit 1
  STSDANE_TESTBED_EXTRA="$work/population.json" "$repo/tests/testbed/run" "$0" --inside "$stsdane" "$work"
  exit
fi

stsdane="$2"
work="$3"
. "$repo/tests/lib/tally.sh"

# (setup) the dropped hosts' addresses ("fault": "drop") really hang.
first_ip="$(python3 - "$work/meta.json" "$STSDANE_TESTBED_MANIFEST" <<'PY'
import json, sys
meta, man = (json.load(open(p)) for p in sys.argv[1:3])
drop = {h.rstrip(".") for h in meta["drop_hosts"]}
print(min(s["ip"] for s in man["smtp"] if s["name"].rstrip(".") in drop))
PY
)"
if timeout 2 bash -c "exec 3<>/dev/tcp/$first_ip/25" 2>/dev/null; then
  fail "a connection to the dropped address $first_ip was answered"
elif [ $? -eq 124 ]; then
  ok "a connection to a dropped address ($first_ip) hangs"
else
  fail "a connection to the dropped address $first_ip failed at once instead of hanging"
fi

check_rows() { # OUT: rows once per line; timeouts exactly at the dropped hosts
  python3 - "$1" "$work/meta.json" "$work/domains.txt" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
meta = json.load(open(sys.argv[2]))
lines = open(sys.argv[3]).read().split()
drop = {"d" + h[1:7] for h in meta["drop_hosts"]}
seen = sorted(r["line"] for r in rows)
if seen != list(range(1, len(lines) + 1)):
    sys.exit("rows for %d lines, %d distinct, want each of %d once" % (len(rows), len(set(seen)), len(lines)))
bad = []
for r in rows:
    probes = [a.get("smtp") or {} for m in r.get("mx", []) for a in m.get("addresses", [])]
    text = json.dumps(probes)
    if "too many open files" in text:
        bad.append("%s: out of descriptors" % r["domain"])
    timed_out = any(p.get("status") == "timeout" and p.get("failed_step") == "connect" for p in probes)
    if timed_out != (r["domain"].split(".")[0] in drop):
        bad.append("%s: connect timeout %s" % (r["domain"], timed_out))
if bad:
    sys.exit("; ".join(bad[:5]) + (" (%d in all)" % len(bad)))
opts = {r.get("scan_options", "") for r in rows}
if not all("per_address=2 " in o for o in opts):
    sys.exit("scan_options without per_address=2: %s" % sorted(opts)[:2])
print("%d rows, %d dropped domains timed out connecting, per_address=2 recorded" % (len(rows), len(drop)))
PY
}

n_drop="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counts"]["drop"])' "$work/meta.json")"
bound=$((n_drop * TIMEOUT_S / CONCURRENCY))

# (a), (b), (d)
start=$(date +%s.%N)
"$stsdane" scan "$work/domains.txt" -o "$work/out.jsonl" --no-progress --concurrency "$CONCURRENCY" \
  --smtp-timeout "$TIMEOUT_S" 2>"$work/err.txt"
status=$?
took="$(echo "$(date +%s.%N) - $start" | bc)"
summary_line="$(tail -1 "$work/err.txt")"
if [ "$status" -eq 0 ]; then ok "scan exits 0: $summary_line"; else fail "scan exits $status: $(tail -3 "$work/err.txt")"; fi
if out="$(check_rows "$work/out.jsonl" 2>&1)"; then ok "$out"; else fail "rows: $out"; fi
if [ "$(echo "$took < $bound / 2" | bc)" = 1 ]; then
  ok "$N domains, $n_drop on dropped addresses, in ${took%???????} s (a fixed window of $CONCURRENCY needs at least $bound s)"
else
  fail "$N domains, $n_drop on dropped addresses, took ${took%???????} s: not under half the fixed-window bound ($bound s)"
fi

# (c) few descriptors: 2,400 leave 80 connection slots after libunbound's share.
(ulimit -n 2400 && exec "$stsdane" scan "$work/domains.txt" -o "$work/few.jsonl" --no-progress \
  --concurrency "$CONCURRENCY" --smtp-timeout "$TIMEOUT_S" 2>"$work/few-err.txt")
status=$?
if [ "$status" -eq 0 ] && out="$(check_rows "$work/few.jsonl" 2>&1)"; then
  ok "with 2,400 descriptors: $out"
else
  fail "with 2,400 descriptors: exit $status, $(tail -2 "$work/few-err.txt") ${out:-}"
fi
summary
