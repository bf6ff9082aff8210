#!/usr/bin/env bash
# Equivalence of the stub fast path (src/dns/fastpath.c, docs/dns.md) with
# getdns's full validation: the same scan, run once normally and once with
# STSDANE_DNS_NO_FAST_PATH=1 (every query validated by getdns through the
# whole chain: the reference), must give the same row for every domain.
#
#   tests/dns/fastpath_equiv.sh [build/stsdane]    (as root; starts the testbed itself)
#
# The list: every catalogue domain (../shared/scenarios/catalogue.json, or
# STSDANE_CATALOGUE) and a bench population of POP_SIZE domains
# (bench/population.py, DNS-only: signed and unsigned zones, DANE, MTA-STS
# records, NXDOMAIN, no MX, null MX), loaded with STSDANE_TESTBED_EXTRA.
#   1. `scan --no-smtp --no-https` of the whole list, both ways;
#   2. the full scan (SMTP probes, policy fetches) of the catalogue, both ways.
# Both scans of a pair run in the same testbed, one after the other.
#
# Only time-like values are left out of the comparison: scanned_at, the SMTP
# probe's elapsed_ms, the Date: line of the policy's HTTP headers, and the
# timestamp id that a remedy suggests publishing (made from the scan time).
# Every DNS and DNSSEC result stays in. (Rows list the records of an RRset
# in the order received; the testbed's Unbound does not rotate them,
# rrset-roundrobin: no.) A row that differs fails with the domain and the
# diff of the two rows (the first 20 shown). Also checked: the fast path
# was really on in the first run and off in the second (its zone-key
# lookups in the query log), or the two runs compared nothing.
#
# To see it fail, give it a binary that answers differently, e.g. a wrapper
# that passes a wrong --trust-anchor when STSDANE_DNS_NO_FAST_PATH is set.
#
# Prints "ok ..." / "FAIL ..." per check and "N passed, M failed" last; exit
# status 1 on a failure, 77 (skipped) when not root.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
stsdane="$(realpath "${1:-$repo/build/stsdane}" 2>/dev/null || echo "${1:-$repo/build/stsdane}")"
# 1500 domains keep the reference scan (getdns validating every query) near 10 s.
POP_SIZE=1500
POP_SEED=1

if [ ! -x "$stsdane" ]; then
  echo "FAIL no stsdane binary at $stsdane"
  echo "0 passed, 1 failed"
  exit 1
fi

# ---- outside the testbed: make the population, then run this script inside ----
if [ -z "${STSDANE_TESTBED_DIR-}" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP fastpath_equiv: the testbed needs root (network namespaces)"
    exit 77
  fi
  outer="$(mktemp -d /tmp/stsdane-fastpath-equiv.XXXXXX)"
  trap 'rm -rf "$outer"' EXIT
  if ! python3 "$repo/bench/population.py" "$POP_SIZE" "$outer/pop" --seed "$POP_SEED" --dns-only; then
    echo "FAIL bench/population.py $POP_SIZE --seed $POP_SEED --dns-only"
    echo "0 passed, 1 failed"
    exit 1
  fi
  STSDANE_TESTBED_EXTRA="${STSDANE_TESTBED_EXTRA:+$STSDANE_TESTBED_EXTRA:}$outer/pop/population.json" \
    timeout 600 "$repo/tests/testbed/run" "${BASH_SOURCE[0]}" "$stsdane" "$outer/pop"
  exit
fi

# ---- inside the testbed ----
pop="${2-}"
work="$(mktemp -d /tmp/stsdane-fastpath-equiv-in.XXXXXX)"
trap 'rm -rf "$work"' EXIT
. "$repo/tests/lib/tally.sh"

catalogue="${STSDANE_CATALOGUE:-$repo/../shared/scenarios/catalogue.json}"
if ! python3 -c 'import json, sys; print("\n".join(s["domain"] for s in json.load(open(sys.argv[1]))["scenarios"]))' \
    "$catalogue" >"$work/catalogue.txt" 2>"$work/catalogue.err" || [ ! -s "$work/catalogue.txt" ]; then
  fail "no domains read from $catalogue: $(cat "$work/catalogue.err")"
  summary
fi
cp "$work/catalogue.txt" "$work/list.txt"
if [ -n "$pop" ] && [ -s "$pop/domains.txt" ]; then
  cat "$pop/domains.txt" >>"$work/list.txt"
else
  echo "note: no population given (run this script outside the testbed to get one): the catalogue only"
fi
echo "list: $(wc -l <"$work/catalogue.txt") catalogue domains, $(wc -l <"$work/list.txt") in all"

# scan NAME MODE LIST OPTIONS...: one scan, fast path on (MODE fast) or off
# (MODE ref), rows in $work/NAME-MODE.jsonl, queries in $work/NAME-MODE.queries.
scan() {
  local name="$1" mode="$2" list="$3"
  shift 3
  local env=() label="fast path on"
  [ "$mode" = ref ] && env=(STSDANE_DNS_NO_FAST_PATH=1) label="fast path off (the reference)"
  local start=$SECONDS rc=0
  env "${env[@]}" timeout -s KILL 300 "$stsdane" scan "$@" --no-progress --force -o "$work/$name-$mode.jsonl" \
    --query-log "$work/$name-$mode.queries" "$list" 2>"$work/$name-$mode.err" || rc=$?
  local rows=0
  [ -f "$work/$name-$mode.jsonl" ] && rows=$(wc -l <"$work/$name-$mode.jsonl")
  if [ "$rc" -eq 0 ] && [ "$rows" -eq "$(wc -l <"$list")" ]; then
    ok "$name scan, $label: $rows rows in $((SECONDS - start)) s"
  else
    fail "$name scan, $label: exit $rc, $rows rows: $(tail -c 400 "$work/$name-$mode.err")"
  fi
}

# The fast path learns each zone with a "ZONE DNSKEY" lookup of its own
# (src/dns/dns.c start_zone_lookup, logged with the queries; zones such as
# "test" are never scanned); stsdane asks DNSKEY otherwise only for the
# scanned domains themselves. Such a lookup in the reference run means the fast path
# was not off; none in the fast run, that it was never on: then the two
# runs compared nothing.
check_paths() {
  local name="$1" list="$2" fast ref
  fast=$(awk 'NR == FNR { scanned[$1 "."] = 1; scanned[$1] = 1; next }
              $2 == "DNSKEY" && !($1 in scanned) { n++ } END { print n + 0 }' "$list" "$work/$name-fast.queries")
  ref=$(awk 'NR == FNR { scanned[$1 "."] = 1; scanned[$1] = 1; next }
             $2 == "DNSKEY" && !($1 in scanned) { n++ } END { print n + 0 }' "$list" "$work/$name-ref.queries")
  if [ "$fast" -gt 0 ] && [ "$ref" -eq 0 ]; then
    ok "$name: the fast path was on in the first run ($fast zone-key lookups) and off in the reference"
  else
    fail "$name: fast path not as intended: $fast zone-key lookups with it, $ref without (want >0 and 0)"
  fi
}

# compare NAME: rows of both runs, equal after dropping the time-like values.
compare() {
  local name="$1"
  local out rc=0
  out="$(python3 - "$work" "$name" <<'PY' 2>&1
import copy, difflib, json, os, re, sys

work, name = sys.argv[1:3]
MAX_DIFFS = 20    # failures shown with their diff
NEW_ID = re.compile(r"(publish a new id in the _mta-sts TXT record: v=STSv1; id=)[0-9]{14}")


def comparable(row):
    """The row without its time-like values (see the header of fastpath_equiv.sh)."""
    r = copy.deepcopy(row)
    r.pop("scanned_at", None)
    for mx in r.get("mx") or []:
        for a in mx.get("addresses") or []:
            if isinstance(a.get("smtp"), dict):
                a["smtp"].pop("elapsed_ms", None)
    policy = (r.get("mtasts") or {}).get("policy")
    if isinstance(policy, dict) and isinstance(policy.get("headers"), str):
        policy["headers"] = "\n".join(l for l in policy["headers"].split("\n") if not l.lower().startswith("date:"))
    for f in r.get("findings") or []:
        if isinstance(f.get("remedy"), str):
            f["remedy"] = NEW_ID.sub(r"\1<scan time>", f["remedy"])
    return r


def text(row):
    return json.dumps(row, indent=1, sort_keys=True, ensure_ascii=False)


def load(path):
    rows = {}
    for l in open(path, encoding="utf-8"):
        r = json.loads(l)
        rows[r["line"]] = r
    return rows


def diff(a, b):
    return "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), "fast path", "reference (getdns)", n=2))


fast, ref = load(os.path.join(work, name + "-fast.jsonl")), load(os.path.join(work, name + "-ref.jsonl"))
if set(fast) != set(ref):
    print("FAIL %s: the two runs have rows for different lines: %s" % (name, sorted(set(fast) ^ set(ref))[:10]))
    sys.exit(1)
bad = 0
for line in sorted(fast):
    a, b = text(comparable(fast[line])), text(comparable(ref[line]))
    if a == b:
        continue
    bad += 1
    print("FAIL %s: the fast path's row differs from getdns's%s"
          % (fast[line]["domain"], ":\n" + diff(a, b) if bad <= MAX_DIFFS else ""))
print("%s: %d rows compared, %d differ" % (name, len(fast), bad))
sys.exit(1 if bad else 0)
PY
)" || rc=$?
  echo "$out" | sed '$d' # the failures, with their diffs
  local tally
  tally="$(echo "$out" | tail -n 1)"
  if [ "$rc" -eq 0 ]; then ok "$tally"; else fail "${tally:-$name: the comparison failed}"; fi
}

# 1. DNS only, the whole list.
dns_opts=(--no-smtp --no-https)
scan dns fast "$work/list.txt" "${dns_opts[@]}"
scan dns ref "$work/list.txt" "${dns_opts[@]}"
check_paths dns "$work/list.txt"
compare dns

# 2. Full scan of the catalogue: SMTP probes and policy fetches as well.
scan full fast "$work/catalogue.txt"
scan full ref "$work/catalogue.txt"
check_paths full "$work/catalogue.txt"
compare full

summary
