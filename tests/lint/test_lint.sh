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

# RFC 8461 §3.1: %s"id=" is case-sensitive (RFC 7405), so ID= is no id
expect 2 sts-record-no-id "ID= is not id=" -- record 'v=STSv1; ID=1'
# sts-sep is *WSP ";" *WSP: valid, but a warning (senders look for "v=STSv1;")
expect 1 sts-record-version-blank "blank before the first ';'" -- record 'v=STSv1 ; id=1'
expect 2 sts-record-bad-version "v=STSv1 not first" -- record 'id=1; v=STSv1;'
out="$("$stsdane" lint record '"v=STSv1; id=1"' 2>&1)"
if grep -q "quote" <<<"$out"; then echo "ok quotes inside the TXT value are named"; passed=$((passed + 1));
else echo "FAIL quotes inside the TXT value: no hint"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1)); fi

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

# RFC 8461 §3.2: no blank lines (leading, between fields, trailing), no
# indented keys, extension values of at least one character
printf '\nversion: STSv1\nmode: enforce\nmx: mx1.example.org\nmax_age: 604800\n' > "$tmp/lead-blank.txt"
expect 2 sts-policy-syntax "leading blank line" -- policy "$tmp/lead-blank.txt"
printf 'version: STSv1\nmode: enforce\n\nmx: mx1.example.org\nmax_age: 604800\n' > "$tmp/mid-blank.txt"
expect 2 sts-policy-syntax "blank line between fields" -- policy "$tmp/mid-blank.txt"
printf 'version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n\r\n\r\n' > "$tmp/trail-blank.txt"
expect 2 sts-policy-syntax "trailing blank lines" -- policy "$tmp/trail-blank.txt"
printf 'version: STSv1\nmode: enforce\nmx: mx1.example.org\nmax_age: 604800\next:\n' > "$tmp/empty-ext.txt"
expect 2 sts-policy-syntax "extension with an empty value" -- policy "$tmp/empty-ext.txt"
printf '      version: STSv1\nmode: enforce\nmx: mx1.example.org\nmax_age: 604800\n' > "$tmp/indent.txt"
out="$("$stsdane" lint policy "$tmp/indent.txt" 2>&1)"; rc=$?
if [ "$rc" -eq 2 ] && grep -q "is indented" <<<"$out" && ! grep -q "not a valid field name\|no version line" <<<"$out"; then
  echo "ok indented line: one finding that says so"; passed=$((passed + 1))
else echo "FAIL indented line"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1)); fi
printf 'version: STSv1\nmode: enforce\nmx: mx1.example.org\nmax_age: 604800\nmore: yes\n' > "$tmp/more.txt"
expect 0 "" "'more' (an extension) is not a misspelt 'mode'" -- policy "$tmp/more.txt"
printf 'version: STSv1\nmode: enforce\nmx: mx1.example.org\nmx: mx3.example.org\nmax_age: 604800\n' > "$tmp/two.txt"
out="$("$stsdane" lint policy "$tmp/two.txt" --mx mx1.example.org --mx mx2.example.org 2>&1)"
if grep -q unlisted <<<"$out" && ! grep -q typo <<<"$out"; then echo "ok a second MX left out is not a 'typo'"; passed=$((passed + 1));
else echo "FAIL a second MX left out is called a typo"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1)); fi

# --- TLSRPT
expect 0 "" "valid TLSRPT" -- tlsrpt 'v=TLSRPTv1; rua=mailto:tlsrpt@example.org,https://reports.example.org/tlsrpt'
expect 2 tlsrpt-bad-rua "rua without scheme" -- tlsrpt 'v=TLSRPTv1; rua=tlsrpt@example.org'
expect 2 tlsrpt-no-rua "no rua" -- tlsrpt 'v=TLSRPTv1;'
expect 1 tlsrpt-version-blank "TLSRPT: blank before the first ';'" -- tlsrpt 'v=TLSRPTv1 ; rua=mailto:tlsrpt@example.org'
# RFC 8460 §3: "," and "!" in a URI MUST be encoded (the DMARC !10m suffix)
expect 2 tlsrpt-bad-rua "raw ! in a rua URI" -- tlsrpt 'v=TLSRPTv1; rua=mailto:tls@example.com!10m'
out="$("$stsdane" lint tlsrpt 'v=TLSRPTv1; rua=,, ,' 2>&1)"; rc=$?
if [ "$rc" -eq 2 ] && [ "$(grep -c tlsrpt-bad-rua <<<"$out")" -eq 1 ]; then echo "ok rua=,, , is one error"; passed=$((passed + 1));
else echo "FAIL rua=,, , is not one error"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1)); fi

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
# against a certificate, a record that cannot authenticate it is an error
expect 2 dane-tlsa-mismatch "usage 1 against the certificate is an error" -- tlsa --cert "$tmp/cert.pem" "1 1 1 $spki"
expect 2 dane-tlsa-mismatch "malformed against the certificate is an error" -- tlsa --cert "$tmp/cert.pem" "3 1 1 abcd"
# a whole RRset: digest agility (RFC 7671 §9) and mixed usages
spki512=$(openssl x509 -in "$tmp/cert.pem" -pubkey -noout | openssl pkey -pubin -outform DER | sha512sum | cut -d' ' -f1)
expect 0 "" "RRset: 3 1 1 + 3 1 2 of the served key" -- tlsa --cert "$tmp/cert.pem" "3 1 1 $spki" "3 1 2 $spki512"
out="$("$stsdane" lint tlsa --cert "$tmp/cert.pem" "3 1 1 $spki" "3 1 2 $(printf '%0128d' 0)" 2>&1)"; rc=$?
if [ "$rc" -eq 2 ] && grep -q "RFC 7671 §9" <<<"$out" && grep -q "3 1 2 $spki512" <<<"$out" && ! grep -q "TLSA 3 1 1" <<<"$out"; then
  echo "ok RRset: a wrong 3 1 2 hides the right 3 1 1; the fix is the 3 1 2"; passed=$((passed + 1))
else echo "FAIL RRset digest agility"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1)); fi
expect 1 dane-tlsa-unusable "RRset: 3 1 1 matches beside a 1 1 1 (one record per line)" -- tlsa --cert "$tmp/cert.pem" "3 1 1 $spki
1 1 1 $spki"
expect 3 "" "tlsa: one bad record in the RRset" -- tlsa "3 1 1 $spki" "hello"
# an empty certificate subject is named "(empty)", not printed as "subject ,"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=Lint-CA -days 30 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
  -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj / -keyout "$tmp/es.key" -out "$tmp/es.csr" 2>/dev/null
printf 'subjectAltName=DNS:other.example.org\n' > "$tmp/es.ext"
openssl x509 -req -in "$tmp/es.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -days 30 \
  -extfile "$tmp/es.ext" -out "$tmp/es.pem" 2>/dev/null
cat "$tmp/es.pem" "$tmp/ca.pem" > "$tmp/es-chain.pem"
ca_spki=$(openssl x509 -in "$tmp/ca.pem" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
out="$("$stsdane" lint tlsa --cert "$tmp/es-chain.pem" --name mx1.example.org "2 1 1 $ca_spki" 2>&1)"; rc=$?
if [ "$rc" -eq 2 ] && grep -q "dane-ta-name-mismatch" <<<"$out" && grep -q "subject (empty)" <<<"$out" && ! grep -q "subject ," <<<"$out"; then
  echo "ok empty certificate subject is named (empty)"; passed=$((passed + 1))
else echo "FAIL empty certificate subject"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1)); fi

# --json: one object with the finding shape of check --json
out="$("$stsdane" lint --json tlsa --cert "$tmp/cert.pem" "3 1 1 $(printf '%064d' 0)")"
if python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o["kind"] == "tlsa" and o["exit"] == 2, o
f = o["findings"][0]
assert set(f) == {"code", "severity", "tlsrpt", "where", "detail", "remedy"}, f
assert f["code"] == "dane-tlsa-mismatch" and f["severity"] == "error"
' <<<"$out"; then echo "ok lint --json: one object, findings shaped as in check"; passed=$((passed + 1));
else echo "FAIL lint --json"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1)); fi
out="$("$stsdane" lint record --json 'v=STSv1; id=1')"
if python3 -c 'import json,sys; o=json.loads(sys.stdin.read()); assert o["findings"]==[] and o["exit"]==0' <<<"$out"; then
  echo "ok lint record --json (option after the kind)"; passed=$((passed + 1))
else echo "FAIL lint record --json"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1)); fi

# --- write errors: the output must reach standard output, or exit non-zero
if [ -w /dev/full ]; then
  "$stsdane" lint record 'v=STSv1; id=1' >/dev/full 2>"$tmp/full.err"; rc=$?
  if [ "$rc" -ne 0 ] && grep -q "writing the output failed" "$tmp/full.err"; then echo "ok lint >/dev/full fails"; passed=$((passed + 1));
  else echo "FAIL lint >/dev/full: exit $rc"; failed=$((failed + 1)); fi
fi
expect 3 "" "tlsa: not a record" -- tlsa "hello"
expect 3 "" "lint: unknown kind" -- frobnicate

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
