#!/usr/bin/env bash
# stsdane lint: offline checks with the same findings and exit statuses as
# check (0 fine, 1 warnings, 2 errors, 3 usage). Independent expectations:
# TLSA digests are computed with the openssl command line, not by stsdane.
# Usage: tests/lint/test_lint.sh path/to/stsdane
set -u
stsdane="${1:?usage: $0 path/to/stsdane}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# expect STATUS CODE-OR-EMPTY DESCRIPTION -- ARGS...: runs lint, checks the
# exit status and that the finding code (if any) is printed.
expect() {
  local want="$1" code="$2" what="$3"; shift 4
  local out rc
  out="$("$stsdane" lint "$@" 2>&1)"; rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $what: exit $rc, expected $want"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1)); return
  fi
  if [ -n "$code" ] && ! grep -q -- "$code" <<<"$out"; then
    echo "FAIL $what: no $code in output"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1)); return
  fi
  echo "ok $what"; passed=$((passed + 1))
}

# --- MTA-STS record
expect 0 "" "valid record" -- record 'v=STSv1; id=20240101T000000'
expect 2 sts-record-bad-id "id with a hyphen" -- record 'v=STSv1; id=2024-01-01'
expect 2 sts-record-no-id "record without id" -- record 'v=STSv1;'
expect 2 sts-record-bad-version "wrong version" -- record 'v=STSv2; id=1'
expect 3 "" "record: missing argument" -- record

# --- policy
printf 'version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmx: *.mail.example.org\r\nmax_age: 604800\r\n' > "$tmp/good.txt"
expect 0 "" "valid policy" -- policy "$tmp/good.txt"
expect 0 "" "policy covers the MX hosts" -- policy "$tmp/good.txt" --mx mx1.example.org --mx a.mail.example.org
expect 2 sts-mx-mismatch "MX not covered (typo)" -- policy "$tmp/good.txt" --mx mx2.example.org --domain example.org
expect 2 sts-mx-mismatch "wildcard covers one label only" -- policy "$tmp/good.txt" --mx a.b.mail.example.org
printf 'version: STSv1\nmode: enforce\nmx: mx1.example.org\n' > "$tmp/no-max-age.txt"
expect 2 sts-policy-max-age "policy without max_age" -- policy "$tmp/no-max-age.txt"
printf 'version: STSv1\nmode: enforce\nmx: postmaster@mx1.example.org\nmax_age: 86400\n' > "$tmp/email.txt"
expect 2 sts-policy-bad-mx-pattern "email address as mx" -- policy "$tmp/email.txt"
printf 'version: STSv1\nmode: enforce\nnmx: mx1.example.org\nmax_age: 604800\n' > "$tmp/nmx.txt"
expect 2 sts-policy-near-miss-key "nmx: near miss empties the mx list" -- policy "$tmp/nmx.txt"
printf 'version: STSv1\nmode: testing\nmx: mx1.example.org\nmax_age: 3600\n' > "$tmp/short.txt"
expect 1 sts-policy-short-max-age "short max_age is a warning" -- policy "$tmp/short.txt"
head -c 70000 /dev/zero | tr '\0' 'x' > "$tmp/big.txt"
expect 2 sts-policy-too-large "policy over 64 KiB" -- policy "$tmp/big.txt"
expect 0 "" "policy from stdin" -- policy - < "$tmp/good.txt"
expect 3 "" "policy: unreadable file" -- policy "$tmp/missing.txt"

# --- TLSRPT
expect 0 "" "valid TLSRPT" -- tlsrpt 'v=TLSRPTv1; rua=mailto:tlsrpt@example.org,https://reports.example.org/tlsrpt'
expect 2 tlsrpt-bad-rua "rua without scheme" -- tlsrpt 'v=TLSRPTv1; rua=tlsrpt@example.org'
expect 2 tlsrpt-no-rua "no rua" -- tlsrpt 'v=TLSRPTv1;'

# --- TLSA against a certificate made here with openssl
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=mx1.example.org \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 30 2>/dev/null
spki=$(openssl x509 -in "$tmp/cert.pem" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
full=$(openssl x509 -in "$tmp/cert.pem" -outform DER | sha256sum | cut -d' ' -f1)
expect 0 "" "3 1 1 of the served key matches" -- tlsa --cert "$tmp/cert.pem" "3 1 1 $spki"
expect 0 "" "3 0 1 of the certificate matches" -- tlsa --cert "$tmp/cert.pem" "3 0 1 $full"
expect 2 dane-tlsa-mismatch "stale 3 1 1 does not match" -- tlsa --cert "$tmp/cert.pem" "3 1 1 $(printf '%064d' 0)"
out="$("$stsdane" lint tlsa --cert "$tmp/cert.pem" --name mx1.example.org "3 1 1 $(printf '%064d' 0)" 2>&1)"
if grep -q "3 1 1 $spki" <<<"$out"; then echo "ok mismatch remedy names the served key"; passed=$((passed + 1));
else echo "FAIL mismatch remedy does not name 3 1 1 $spki"; failed=$((failed + 1)); fi
expect 1 dane-tlsa-unusable "PKIX-EE (usage 1) is unusable for SMTP" -- tlsa "1 1 1 $spki"
expect 1 dane-tlsa-malformed "digest of the wrong length" -- tlsa "3 1 1 abcd"
expect 3 "" "tlsa: not a record" -- tlsa "hello"
expect 3 "" "lint: unknown kind" -- frobnicate

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
