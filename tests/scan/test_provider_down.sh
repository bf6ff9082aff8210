#!/usr/bin/env bash
# A DNS provider down while the resolver is fine (issue 14: the real
# internet has name-server providers that host thousands of zones, and a
# list or a scan window full of one provider's domains). Every lookup of
# the domains on the dead provider fails, so K failures in a row happen
# many times over; each time the scan must check the resolver with fresh
# names under names that answered, find it answering, and go on. The scan
# completes (exit 0) with those rows unknown, not stopped as if the
# resolver had died (exit 4), which is what a resolver that really dies
# still gives (tests/scan/test_integrity.sh (c), (d)).
#
# Run inside the testbed with the internet sample (zones on the provider
# inet-nsdead, whose packets are dropped), from the repository root:
#   STSDANE_TESTBED_EXTRA=tests/testbed/internet-sample.json \
#     tests/testbed/run tests/scan/test_provider_down.sh build/stsdane
# Prints "ok ..." / "FAIL ..." per check and "N passed, M failed" last.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
stsdane="$(realpath "${1:-$repo/build/stsdane}")"
check_py="$here/check_rows.py"
work="$(mktemp -d /tmp/stsdane-provider-down.XXXXXX)"
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT
. "$repo/tests/lib/tally.sh"
if [ ! -x "$stsdane" ] || [ -z "${STSDANE_TESTBED_DIR:-}" ] || ! grep -q "inet-nsdead" "${STSDANE_TESTBED_MANIFEST:-/dev/null}"; then
  echo "FAIL needs the stsdane binary and the testbed with tests/testbed/internet-sample.json (see the header)"
  echo "0 passed, 1 failed"
  exit 1
fi

# "dead unknown others_failed": rows of the dead provider's domains that say
# unknown, and rows of the other domains whose MX lookup failed (none may).
tally_rows() {
  python3 - "$1" <<'PY'
import json, sys
dead = others = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    v = r["verdict"]
    if "ns-dead" in r["domain"]:
        dead += v["protected_by"] == "unknown"
    elif "MX lookup failed" in (v.get("unknown_reason") or ""):
        others += 1
print(dead, others)
PY
}
opts=(--dns-timeout 1 --smtp-timeout 3 --https-timeout 3 --no-progress --no-smtp --no-https)

# Five domains that answer, then 40 distinct names in the two zones of the
# dead provider (nothing cached can answer them), then five that answer.
list="$work/list.txt"
{ for d in both-good.test sts-enforce-good.test dane-only-good.test none-plain.test dane-ecdsa.net.test; do echo "$d"; done
  for i in $(seq 1 20); do echo "d$i.ns-dead.com.test"; echo "d$i.ns-dead-signed.net.test"; done
  for d in dane-stale.net.test bigmail-user1.org.test ns-slow.org.test postfix-beside.org.test fault-drop.com.test; do echo "$d"; done
} >"$list"

STSDANE_RESOLVER_ERRORS=5 timeout -s KILL 180 "$stsdane" scan "${opts[@]}" "$list" -o "$work/out.jsonl" --concurrency 4 \
  2>"$work/err"
status=$?
read -r dead others < <(tally_rows "$work/out.jsonl" 2>/dev/null || echo "? ?")
if [ "$status" -eq 0 ] && grep -q "still resolved fresh names" "$work/err"; then
  ok "K=5 failures in a row, many times: the resolver was checked, answered, the scan completed (exit 0)"
else fail "DNS provider down: exit $status (want 0): $(tail -c 500 "$work/err")"; fi
if [ "$dead" = 40 ] && [ "$others" = 0 ]; then ok "the 40 domains of the dead provider are unknown rows; no other row lost its MX lookup"
else fail "unknown rows of the dead provider: $dead (want 40); other rows whose MX lookup failed: $others (want 0)"; fi
expect_ok "every line is there exactly once" python3 "$check_py" exactly-once "$list" "$work/out.jsonl"

summary
