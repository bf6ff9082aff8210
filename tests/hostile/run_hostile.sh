#!/usr/bin/env bash
# Hostile peers: every hostile-*.test scenario of tests/testbed/hostile.json
# (docs/testbed.md, "Hostile scenarios") gives its clear finding within its
# time bound, never a crash or a hang; then one scan over all of them
# completes with exactly one row per domain.
#
#   tests/hostile/run_hostile.sh [build/stsdane]     (enters the testbed itself)
#
# Prints ok/FAIL per check and "N passed, M failed" last; exit status 1 on a
# failure.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
in_testbed "$here/run_hostile.sh" "$stsdane"
need_binary
make_work

# Short measurement timeouts: the bounds below follow from them.
opts=(--smtp-timeout 3 --https-timeout 5 --dns-timeout 4)
bound=30   # seconds per check (the slowest hostile case needs ~5 s)

# domain (or its prefix up to the first dot) -> finding codes that must all
# appear; "-" = no finding required (the domain must simply work).
expected() {
  case "$1" in
    hostile-smtp-endless-banner.test) echo smtp-protocol-error ;;
    hostile-smtp-endless-multiline.test) echo smtp-protocol-error ;;
    hostile-smtp-long-line.test) echo smtp-protocol-error ;;
    hostile-smtp-drip.test) echo smtp-timeout ;;
    hostile-smtp-tls-close.test) echo smtp-tls-handshake-failed ;;
    hostile-smtp-tls-garbage.test) echo smtp-tls-handshake-failed ;;
    hostile-smtp-421.test) echo smtp-banner-reject ;;
    hostile-smtp-554.test) echo smtp-banner-reject ;;
    hostile-https-drip.test) echo sts-policy-timeout ;;
    hostile-https-chunked.test) echo sts-policy-too-large ;;
    hostile-https-gzip.test) echo sts-policy-encoding ;;
    hostile-https-binary.test) echo sts-policy-not-text ;;
    hostile-inject.test) echo smtp-banner-reject sts-policy-not-text ;;
    hostile-cname-loop.test) echo mx-address-lookup-failed sts-record-lookup-failed ;;
    hostile-cname-chain.test) echo mx-address-lookup-failed ;;
    hostile-txt-huge.test) echo sts-record-multiple ;;
    hostile-tlsa-huge.test) echo dane-tlsa-mismatch ;;
    hostile-label63-*) echo - ;;
    hostile-name253-*) echo - ;;
    *) echo "?" ;;
  esac
}

# verify FILE DOMAIN CODES...: one JSON object for DOMAIN holding every code;
# with "-": no error finding about a failed lookup, MTA-STS cleanly absent.
verify() {
  python3 - "$@" <<'PY'
import json, sys
path, domain, codes = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    lines = [l for l in open(path, encoding="utf-8").read().splitlines() if l.strip()]
    objs = [json.loads(l) for l in lines]
except (OSError, ValueError) as e:
    sys.exit("output is not JSON lines: %s" % e)
if len(objs) != 1 or objs[0].get("domain") != domain:
    sys.exit("want one object for %s, got %d: %s" % (domain, len(objs), [o.get("domain") for o in objs]))
o = objs[0]
got = sorted({f["code"] for f in o.get("findings", [])})
if codes == ["-"]:
    bad = [c for c in got if c.endswith("-lookup-failed")]
    if bad or (o.get("mtasts") or {}).get("status") != "absent":
        sys.exit("want a clean result, got findings %s, mtasts %s" % (got, (o.get("mtasts") or {}).get("status")))
    print("no lookup failure, MTA-STS absent")
else:
    missing = [c for c in codes if c not in got]
    if missing:
        sys.exit("missing %s; findings: %s" % (missing, got))
    print(", ".join(codes))
PY
}

mapfile -t domains < <(hostile_domains)
if [ "${#domains[@]}" -lt 19 ]; then
  fail "only ${#domains[@]} hostile scenarios in the testbed (is tests/testbed/hostile.json loaded?)"
fi

for d in "${domains[@]}"; do
  short="${d:0:48}"
  codes="$(expected "$d")"
  if [ "$codes" = "?" ]; then
    fail "$short: no expectation in run_hostile.sh for this scenario"
    continue
  fi
  out="$work/check.json"
  start=$(date +%s%N)
  timeout -s KILL $((bound + 10)) "$stsdane" check --json "${opts[@]}" "$d" >"$out" 2>"$work/err"
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  if [ "$rc" -gt 4 ]; then
    fail "$short: exit status $rc (crash, signal or hang): $(head -c 300 "$work/err")"
    continue
  fi
  if [ "$ms" -gt $((bound * 1000)) ]; then
    fail "$short: took $ms ms, bound ${bound} s"
    continue
  fi
  # shellcheck disable=SC2086
  if why="$(verify "$out" "$d" $codes 2>&1)"; then
    ok "$short: exit $rc in $ms ms: $why"
  else
    fail "$short: exit $rc in $ms ms: $why"
  fi
done

# The DNS cases again through libunbound's own recursion (another code path).
for d in hostile-cname-loop.test hostile-cname-chain.test hostile-txt-huge.test hostile-tlsa-huge.test; do
  out="$work/rec.json"
  start=$(date +%s%N)
  timeout -s KILL $((bound + 10)) "$stsdane" check --json --recursive "${opts[@]}" "$d" >"$out" 2>"$work/err"
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  # shellcheck disable=SC2046
  if [ "$rc" -le 4 ] && [ "$ms" -le $((bound * 1000)) ] && why="$(verify "$out" "$d" $(expected "$d") 2>&1)"; then
    ok "--recursive $d: exit $rc in $ms ms: $why"
  else
    fail "--recursive $d: exit $rc in $ms ms: ${why:-$(head -c 300 "$work/err")}"
  fi
done

# One scan over all hostile domains: completes, one row per domain.
printf '%s\n' "${domains[@]}" >"$work/list.txt"
start=$(date +%s%N)
timeout -s KILL 90 "$stsdane" scan "${opts[@]}" --no-progress "$work/list.txt" -o "$work/scan.jsonl" 2>"$work/scan.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" -ne 0 ]; then
  fail "scan over ${#domains[@]} hostile domains: exit status $rc: $(tail -c 300 "$work/scan.err")"
elif why="$(python3 - "$work/list.txt" "$work/scan.jsonl" <<'PY' 2>&1
import json, sys
want = open(sys.argv[1]).read().split()
rows = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
lines = sorted(r["line"] for r in rows)
if lines != list(range(1, len(want) + 1)):
    sys.exit("rows for lines %s, want 1..%d once each" % (lines, len(want)))
bad = [r["line"] for r in rows if r["domain"] != want[r["line"] - 1]]
if bad:
    sys.exit("rows with the wrong domain at lines %s" % bad)
print("%d rows" % len(rows))
PY
)"; then
  ok "scan over ${#domains[@]} hostile domains in $ms ms: $why"
else
  fail "scan over hostile domains: $why"
fi

summary
