#!/usr/bin/env python3
"""Compares bench/peers' results with stsdane's rows on the points both see.

    peers_agree.py PEERS_WORKDIR SCAN.jsonl [--require DOMAIN:POINT ...] [--quiet]

PEERS_WORKDIR is what `bench/peers` wrote (domains.tsv, finger.tsv); SCAN.jsonl
is `stsdane scan` (or `check --json`, one object per line) over the same
domains. Points, per domain (docs/bench.md, "Peer pipeline"):

  mx    dig's status and MX set against mx_lookup / mx_dnssec / mx[].host
        (dig SERVFAIL <=> stsdane bogus or a failed lookup; "." <=> null MX)
  ad    dig's AD flag <=> mx_dnssec == secure (when dig got NOERROR)
  tls   per MX host without DANE: posttls-finger "verified" (CA + name)
        <=> every address pkix.valid; "no-starttls" <=> no STARTTLS offered;
        "failed" (no session) <=> no SMTP session on any address
  dane  per MX host: posttls-finger matched / failed / lookup-error / unusable
        / none <=> mx[].dane authenticated / failed / dns-failed / tls-only /
        not-applicable
  sts   mta-sts-query VALID with mode M <=> a fetched policy with mode M;
        NONE <=> no usable _mta-sts record; FETCH_ERROR <=> no valid policy
        (fetch failed, policy invalid, or the lookup failed)

Some differences are the tools' documented behaviour or default timeouts,
not a disagreement about the domain; they are matched by condition (never
by domain name) and reported as "differs-known":
  * mta-sts-query checks less than RFC 8461 asks: it accepts an id with other
    characters than [A-Za-z0-9] and MX patterns that are not host names, so
    it reports VALID where stsdane has fetched the same policy (same mode)
    and found it invalid;
  * mta-sts-query refuses a policy served with another Content-Type than
    text/plain (FETCH_ERROR) where stsdane accepts it with a warning
    (finding sts-policy-content-type);
  * mta-sts-query gives up after 4 s (its default timeout) on a policy host
    that answers later, which stsdane (60 s) fetches;
  * posttls-finger "[host]" makes no MX lookup and applies the host's
    secure TLSA records even when the domain's MX RRset is insecure (Postfix
    does too, with smtp_tls_dane_insecure_mx_policy = dane); stsdane judges
    DANE not applicable there (docs/verdicts.md, section 2).

Output: one line per domain and point (agree / DISAGREE / differs-known /
n/a), then `N agree, M disagree, K differs-known`. Exit status 1 on any
disagreement or on a --require'd point that did not agree, 2 on bad input.
"""

import argparse
import json
import os
import sys


def load_tsv(path, width):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) != width:
                raise ValueError("%s: expected %d columns, got %d: %r" % (path, width, len(cols), line))
            rows[cols[0]] = cols
    return rows


def load_rows(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as e:
                raise ValueError("%s line %d: not JSON (%s)" % (path, n, e))
            rows[row.get("domain")] = row
    return rows


def addresses(mx):
    return mx.get("addresses") or []


# ---- the points ---------------------------------------------------------------


def point_mx(dig, row):
    status, hosts = dig[1], dig[3]
    lookup, dnssec = row.get("mx_lookup"), row.get("mx_dnssec")
    st_hosts = [m["host"] for m in row.get("mx") or []]
    if status == "SERVFAIL":
        ok = dnssec == "bogus" or lookup not in ("ok", "nodata", "nxdomain")
        return ("agree" if ok else "DISAGREE",
                "dig SERVFAIL, stsdane mx_lookup=%s mx_dnssec=%s" % (lookup, dnssec))
    if status == "NXDOMAIN":
        return ("agree" if lookup == "nxdomain" else "DISAGREE", "dig NXDOMAIN, stsdane mx_lookup=%s" % lookup)
    if status != "NOERROR":
        return ("n/a", "dig %s" % status)
    if hosts == ".":
        return ("agree" if row.get("null_mx") else "DISAGREE", "dig null MX, stsdane null_mx=%s" % row.get("null_mx"))
    if hosts == "-":
        ok = lookup == "nodata" and dnssec != "bogus"
        return ("agree" if ok else "DISAGREE", "dig no MX, stsdane mx_lookup=%s" % lookup)
    peer_hosts = hosts.split(",")
    ok = lookup == "ok" and dnssec != "bogus" and sorted(peer_hosts) == sorted(st_hosts)
    return ("agree" if ok else "DISAGREE", "dig %s, stsdane %s (%s)" % (hosts, ",".join(st_hosts), lookup))


def point_ad(dig, row):
    if dig[1] != "NOERROR":
        return ("n/a", "dig %s" % dig[1])
    peer_secure = dig[2] == "1"
    st_secure = row.get("mx_dnssec") == "secure"
    return ("agree" if peer_secure == st_secure else "DISAGREE",
            "ad=%s, stsdane mx_dnssec=%s" % (dig[2], row.get("mx_dnssec")))


def point_tls(host, finger, mx):
    outcome, dane = finger[1], finger[2]
    addrs = addresses(mx)
    if not addrs:
        return ("n/a", "%s: stsdane has no address" % host)
    statuses = [(a.get("smtp") or {}).get("status") for a in addrs]
    if outcome == "failed" and dane != "lookup-error":
        ok = all(s != "ok" and s != "no-starttls" for s in statuses)
        return ("agree" if ok else "DISAGREE", "%s: no session, stsdane smtp %s" % (host, ",".join(map(str, statuses))))
    if outcome == "no-starttls":
        ok = all(a.get("starttls") is False for a in addrs)
        return ("agree" if ok else "DISAGREE", "%s: no STARTTLS, stsdane starttls %s" % (host, [a.get("starttls") for a in addrs]))
    if outcome in ("verified", "untrusted") and dane in ("-", "unusable"):
        pkix = [(a.get("pkix") or {}).get("valid") for a in addrs]
        ok = all(p is True for p in pkix) if outcome == "verified" else all(p is False for p in pkix)
        return ("agree" if ok else "DISAGREE", "%s: %s, stsdane pkix.valid %s" % (host, outcome, pkix))
    return ("n/a", "%s: %s/%s" % (host, outcome, dane))


DANE_MAP = {"matched": "authenticated", "failed": "failed", "lookup-error": "dns-failed",
            "unusable": "tls-only", "-": "not-applicable"}


def point_dane(host, finger, mx, row):
    outcome, dane = finger[1], finger[2]
    if outcome == "failed" and dane != "lookup-error":
        return ("n/a", "%s: no session" % host)
    want = DANE_MAP.get(dane)
    got = mx.get("dane")
    text = "%s: posttls-finger %s, stsdane %s" % (host, dane, got)
    if want == got:
        return ("agree", text)
    if got == "not-applicable" and row.get("mx_dnssec") == "insecure" and dane != "-":
        # "[host]" makes no MX lookup, so posttls-finger applies the host's
        # TLSA records whatever the domain's MX RRset (so does Postfix with
        # smtp_tls_dane_insecure_mx_policy = dane); stsdane: not applicable
        # under an insecure MX RRset (docs/verdicts.md section 2).
        return ("differs-known", text + " (MX RRset insecure)")
    return ("DISAGREE", text)


def point_sts(sts, row):
    sts_result, sts_mode, why = sts[1], sts[2], sts[4]
    m = row.get("mtasts") or {}
    status, policy, record = m.get("status"), m.get("policy") or {}, m.get("record") or {}
    fetched = policy.get("fetch") == "ok"
    desc = "mta-sts-query %s %s, stsdane %s (fetch %s, mode %s)" % (
        sts_result, sts_mode, status, policy.get("fetch"), policy.get("mode"))
    if sts_result == "VALID":
        if status == "valid" and policy.get("mode") == sts_mode:
            return ("agree", desc)
        if status == "invalid" and fetched and policy.get("mode") == sts_mode:
            return ("differs-known", desc + ": mta-sts-query checks less than RFC 8461")
        return ("DISAGREE", desc)
    if sts_result == "NONE":
        ok = status == "absent" or (status == "invalid" and (not record or not record.get("valid")))
        return ("agree" if ok else "DISAGREE", desc)
    if sts_result == "FETCH_ERROR":
        plain = (policy.get("content_type") or "").split(";")[0].strip() == "text/plain"
        if status == "valid" and fetched and not plain:
            return ("differs-known", desc + ": mta-sts-query refuses Content-Type %s" % policy.get("content_type"))
        if status == "valid" and fetched and plain and why == "(empty)":
            # mta-sts-query's messageless failures are its timeout or an
            # answer that is not 200 / text/plain / small; stsdane got 200,
            # text/plain, a valid (small) policy, so it was the timeout.
            return ("differs-known", desc + ": mta-sts-query gave up after its 4 s timeout")
        ok = status in ("invalid",) or m.get("dnssec") == "bogus" or m.get("lookup") not in ("ok", "nxdomain", "nodata")
        return ("agree" if ok else "DISAGREE", desc)
    return ("n/a", desc)


def compare(workdir, rows):
    domains = load_tsv(os.path.join(workdir, "domains.tsv"), 7)
    dig = load_tsv(os.path.join(workdir, "dig.tsv"), 4)
    finger = load_tsv(os.path.join(workdir, "finger.tsv"), 4)
    sts = load_tsv(os.path.join(workdir, "sts.tsv"), 5)
    results = []  # (domain, point, verdict, text)
    for domain in domains:
        row = rows.get(domain)
        if row is None:
            results.append((domain, "row", "DISAGREE", "no stsdane row"))
            continue
        results.append((domain, "mx") + point_mx(dig[domain], row))
        results.append((domain, "ad") + point_ad(dig[domain], row))
        by_host = {m["host"]: m for m in row.get("mx") or []}
        if dig[domain][3] not in ("-", "."):
            for host in dig[domain][3].split(","):
                if host not in finger or host not in by_host:
                    continue
                results.append((domain, "tls") + point_tls(host, finger[host], by_host[host]))
                results.append((domain, "dane") + point_dane(host, finger[host], by_host[host], row))
        results.append((domain, "sts") + point_sts(sts[domain], row))
    return results


def main():
    ap = argparse.ArgumentParser(description="bench/peers vs stsdane, on the points both see")
    ap.add_argument("workdir")
    ap.add_argument("scan")
    ap.add_argument("--require", action="append", default=[], metavar="DOMAIN:POINT",
                    help="this point must have been compared and agree (repeatable)")
    ap.add_argument("--quiet", action="store_true", help="print only disagreements and the summary")
    args = ap.parse_args()
    try:
        results = compare(args.workdir, load_rows(args.scan))
    except (OSError, ValueError, KeyError) as e:
        print("peers_agree: %s" % e, file=sys.stderr)
        return 2
    counts = {"agree": 0, "DISAGREE": 0, "differs-known": 0, "n/a": 0}
    seen = {}
    for domain, point, verdict, text in results:
        counts[verdict] += 1
        key = "%s:%s" % (domain, point)
        # a point with several hosts agrees only if every host agrees
        if verdict != "n/a":
            seen[key] = verdict if seen.get(key, "agree") == "agree" else seen[key]
        if not args.quiet or verdict == "DISAGREE":
            print("%-13s %-32s %-4s %s" % (verdict, domain, point, text))
    failed = counts["DISAGREE"] > 0
    for req in args.require:
        if seen.get(req) != "agree":
            print("REQUIRED %s: %s" % (req, seen.get(req, "not compared")))
            failed = True
    print("%d agree, %d disagree, %d differs-known, %d not comparable"
          % (counts["agree"], counts["DISAGREE"], counts["differs-known"], counts["n/a"]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
