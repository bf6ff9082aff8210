#!/usr/bin/env bash
# bench/peers on 10 catalogue domains, inside the testbed (meson suite
# bench-peers): the summary line must count every domain and every distinct
# MX host stsdane saw, and on the points both can see (MX set, AD flag,
# STARTTLS / certificate verification, DANE, MTA-STS policy mode) the peer
# tools must tell the same story as stsdane's rows (tests/peers/peers_agree.py).
#
#   tests/peers/run_peers.sh build/stsdane      (enters the testbed itself)
# No "set -e": a failed check is counted and reported, not an early exit.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 STSDANE" >&2; exit 2; }
stsdane=$(readlink -f "$1")
[ -x "$stsdane" ] || { echo "run_peers: $1 is not an executable stsdane" >&2; exit 2; }
if [ -z "${STSDANE_TESTBED_DIR:-}" ]; then
  exec "$repo/tests/testbed/run" "$0" "$stsdane"
fi

work=$(mktemp -d /tmp/stsdane-peers-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

# One domain per kind of point: MTA-STS enforce, a certificate that does not
# verify (MTA-STS testing), no STARTTLS, DANE-EE, a stale TLSA, a bogus TLSA,
# both, a null MX, a refused MX, a bogus MX zone (dig SERVFAIL).
cat >"$work/domains.txt" <<'EOF'
sts-enforce-good.test
sts-testing-bad-mx.test
sts-mx-no-starttls.test
dane-ee-good.test
dane-mismatch.test
dane-bogus-tlsa.test
both-good.test
null-mx.test
mx-refused.test
dnssec-ds-mismatch.test
EOF
n=$(wc -l <"$work/domains.txt")

"$stsdane" scan --no-progress "$work/domains.txt" -o "$work/scan.jsonl" 2>"$work/scan.err" || {
  echo "FAIL: stsdane scan failed:"; cat "$work/scan.err"; exit 1; }

"$repo/bench/peers" "$work/domains.txt" "$work/peers" >"$work/peers.out" 2>&1 || {
  echo "FAIL: bench/peers failed:"; cat "$work/peers.out"; exit 1; }
summary=$(tail -n 1 "$work/peers.out")
echo "$summary"

failures=0
check() { # description, condition status
  if [ "$2" -eq 0 ]; then echo "ok $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi
}

[[ $summary =~ ^peers:\ domains=([0-9]+)\ mx_hosts=([0-9]+)\ seconds=[0-9.]+\ dig_ok=([0-9]+)\ finger_ok=([0-9]+)\ sts_ok=([0-9]+)$ ]]
check "summary line has the documented form" $?
got_domains=${BASH_REMATCH[1]:-}
got_hosts=${BASH_REMATCH[2]:-}

[ "$got_domains" = "$n" ]
check "summary counts every domain ($got_domains of $n)" $?

# The distinct MX hosts stsdane saw where dig can see them too (not through a
# bogus MX RRset, which the resolver answers with SERVFAIL; no null MX).
want_hosts=$(python3 -c '
import json, sys
hosts = set()
for line in open(sys.argv[1]):
    row = json.loads(line)
    if row.get("mx_lookup") == "ok" and row.get("mx_dnssec") != "bogus" and not row.get("null_mx"):
        hosts.update(m["host"] for m in row.get("mx") or [])
print(len(hosts))' "$work/scan.jsonl")
[ "$got_hosts" = "$want_hosts" ]
check "summary counts every distinct MX host ($got_hosts, stsdane $want_hosts)" $?

for d in $(cat "$work/domains.txt"); do
  [ -s "$work/peers/dig/$d.txt" ] && [ -s "$work/peers/sts/$d.txt" ]
  check "raw dig and mta-sts-query output kept for $d" $?
done

python3 "$here/peers_agree.py" "$work/peers" "$work/scan.jsonl" \
  --require sts-enforce-good.test:mx --require sts-enforce-good.test:tls \
  --require sts-enforce-good.test:sts --require sts-testing-bad-mx.test:sts \
  --require sts-testing-bad-mx.test:tls --require sts-mx-no-starttls.test:tls \
  --require dane-ee-good.test:ad --require dane-ee-good.test:dane \
  --require dane-mismatch.test:dane \
  --require dane-bogus-tlsa.test:dane --require both-good.test:dane \
  --require both-good.test:sts --require null-mx.test:mx \
  --require mx-refused.test:tls --require dnssec-ds-mismatch.test:mx
check "bench/peers and stsdane agree on the points both see" $?

passed=$(( n + 4 - failures ))
echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
