#!/usr/bin/env bash
# tests/dns/why_bogus.sh STSDANE
# A bogus answer carries the validator's reason into the JSON (mx_why_bogus,
# mx[].address_why_bogus, mx[].tlsa.why_bogus, mtasts.why_bogus) and into
# the dnssec-bogus finding; a secure one carries none. Catalogue domains
# broken on purpose: one expired RRSIG over a TLSA RRset, a DS that matches
# no key. Runs the testbed itself (root).
set -euo pipefail
stsdane="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../lib/tally.sh
. "$repo/tests/lib/tally.sh"
out="$(mktemp -d /tmp/stsdane-why-bogus.XXXXXX)"
trap 'rm -rf "$out"' EXIT
"$repo/tests/testbed/run" bash -c '
  for d in dnssec-tlsa-sig-expired.test dnssec-ds-mismatch.test both-good.test; do
    "$1" check --json --no-smtp --no-https "$d" > "$2/$d.json" || true
  done' _ "$stsdane" "$out"

field() { # FILE PYTHON-EXPRESSION-ON-r
  /usr/bin/python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
f="$out/dnssec-tlsa-sig-expired.test.json"
why="$(field "$f" 'r["mx"][0]["tlsa"]["why_bogus"]')"
case "$why" in *"signature expired"*) ok "expired TLSA RRSIG: tlsa.why_bogus says so ($why)" ;;
  *) fail "expired TLSA RRSIG: tlsa.why_bogus is '$why'" ;; esac
detail="$(field "$f" '[x["detail"] for x in r["findings"] if x["code"] == "dnssec-bogus"]')"
case "$detail" in *"signature expired"*) ok "expired TLSA RRSIG: the dnssec-bogus finding names the reason" ;;
  *) fail "expired TLSA RRSIG: finding detail $detail" ;; esac
f="$out/dnssec-ds-mismatch.test.json"
why="$(field "$f" 'r["mx_why_bogus"]')"
case "$why" in *DS*) ok "DS matching no key: mx_why_bogus names the DS ($why)" ;;
  *) fail "DS matching no key: mx_why_bogus is '$why'" ;; esac
f="$out/both-good.test.json"
none="$(field "$f" '(r["mx_why_bogus"], r["mx"][0]["tlsa"]["why_bogus"], r["mx"][0]["address_why_bogus"], r["mtasts"]["why_bogus"])')"
[ "$none" = "(None, None, None, None)" ] && ok "secure answers carry no reason" || fail "secure answers carry $none"
summary
