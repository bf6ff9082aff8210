#!/bin/sh
# tests/unit/data/make_fastpath_fixture.sh
#
# Makes the DNSSEC fixture of tests/unit/test_dns_zonekeys.c: the tiny zone
# "fix.test" signed with a fresh ECDSA P-256 key (NSEC, no NSEC3), and that
# key's DNSKEY record. Run once; its outputs are committed next to it, so the
# unit tests check real signatures without signing anything themselves. The
# private key is thrown away: the fixture cannot be re-signed, only remade.
#
# The validity window, 2020-01-01 to 2087-12-31, is as long as RRSIG times
# allow: they are compared in serial number arithmetic (RFC 4034 §3.1.5,
# RFC 1982), so an expiry more than 2^31 seconds (68 years) after the
# inception reads as lying before it (an expiry of 2099 prints as 1963 here
# until the end of 2031, and getdns cannot read that text back). The tests
# pass their own "now", inside the window or past it on purpose.
# ldns-verify-zone cannot check the result: it rejects every expiry after
# 2038-01-19 as "earlier than inception" (a signed 32-bit comparison).
#
# Canonical order of the names, with the gaps the tests rely on:
#   fix.test < *.fix.test (absent) < _mta-sts < d1 < mx1 < mx2 < ns < nx (absent)
#   < sub (a delegation, with DS) < txt < *.w (a wildcard) < z
# so "nx.fix.test" is covered by the NSEC of ns, the wildcard "*.fix.test"
# by the NSEC of the apex, "txt.fix.test" has TXT but no MX (NODATA), and
# "x.w.fix.test TXT" is answered by the wildcard.
set -eu
out="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

cat >fix.test.zone <<'ZONE'
$ORIGIN fix.test.
$TTL 3600
@         SOA   ns.fix.test. hostmaster.fix.test. 1 7200 3600 1209600 300
@         NS    ns
@         MX    10 mx1
@         MX    20 mx2
@         TXT   "v=spf1 -all"
_mta-sts  TXT   "v=STSv1; id=20200101"
d1        MX    10 mx1
mx1       A     192.0.2.1
mx2       A     192.0.2.2
ns        A     192.0.2.53
sub       NS    ns.sub
sub       DS    12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.sub    A     192.0.2.54
txt       TXT   "a name with only a TXT record"
*.w       TXT   "from the wildcard"
z         A     192.0.2.26
ZONE

key="$(ldns-keygen -a ECDSAP256SHA256 fix.test)"
ldns-signzone -i 20200101000000 -e 20871231000000 -o fix.test -f fix.test.signed fix.test.zone "$key"
cp fix.test.signed "$out/fastpath-fix.test.signed"
cp "$key.key" "$out/fastpath-fix.test.dnskey"
echo "made $out/fastpath-fix.test.signed and $out/fastpath-fix.test.dnskey ($key)"
