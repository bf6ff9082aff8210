#!/usr/bin/env python3
"""Synthetic mail-domain population for bench/scan (see docs/bench.md).

    bench/population.py N OUTDIR [--seed S] [--dns-only] [--signing JSON]

Writes OUTDIR/population.json (a testbed extras file, STSDANE_TESTBED_EXTRA),
OUTDIR/domains.txt (the scan list, one domain per line) and OUTDIR/meta.json
(the counts per category and the MX addresses the scan should probe).
Deterministic: the same N, seed and mode give the same bytes.

Shape (the proportions come from the measurement studies: a tenth of domains
with MTA-STS, a tenth with DANE, a few percent with both, and a tail of broken
deployments):

  * 200 MX hosts shared by every domain, one IPv4 address each, in two
    zones: pop-mx.test (signed) and pop-mxu.test (unsigned). Most serve a
    valid certificate; some carry TLSA (DANE-EE or DANE-TA), some a stale
    TLSA record, an expired or self-signed certificate, no STARTTLS, or
    refuse connections.
  * Domains live under two shared zones, pop-s.test (signed: DANE-capable)
    and pop-u.test (unsigned), so 100,000 domains are two zone files, not
    100,000 zones.
  * Categories: none (no MTA-STS, no DANE), mta-sts, dane, both, and
    failures: NXDOMAIN domains (listed but absent from DNS), domains with
    no MX, null MX, MTA-STS with a policy that does not list the MX, a 404
    policy, an expired policy-host certificate, a TXT record without any
    policy host, testing mode; DANE with a stale TLSA, with an MX that has
    a self-signed (DANE-EE is fine) or expired certificate.

--signing '{"nsec3": true, "keys": [{"alg": 8, "role": "ksk"}, {"alg": 8, "role": "zsk"}]}'
signs the two signed zones (pop-s.test, pop-mx.test) with these testbed zone
options (docs/testbed.md, "Signing options") instead of the default (one
algorithm 13 key, NSEC).

--dns-only leaves out the HTTPS policy hosts (the _mta-sts TXT records stay):
no per-domain certificates or nginx vhosts, which is what lets 100,000
domains build in seconds. Such a population is only meaningful for
`scan --no-https` (policy fetches would fail with NXDOMAIN).
"""

import argparse
import json
import os
import random

HOSTS = 200
SIGNED_HOSTS = 150          # mx000..mx149 in pop-mx.test, the rest in pop-mxu.test
SIGNED_ZONE, UNSIGNED_ZONE = "pop-s.test", "pop-u.test"
MX_SIGNED, MX_UNSIGNED = "pop-mx.test", "pop-mxu.test"

# Host classes by index (see host_attrs): which hosts a category may use.
DANE_GOOD = list(range(0, 100)) + list(range(100, 110))   # DANE-EE, then DANE-TA
DANE_STALE = list(range(110, 120))                       # TLSA matches nothing served
PKIX_SIGNED = list(range(120, 140))                      # valid cert, no TLSA, signed zone
PKIX_BAD = list(range(140, 147))                         # expired / self-signed
NO_TLS = [147, 148, 149]                                 # plain, refused, refused
PKIX_UNSIGNED = list(range(150, 190)) + [195, 196, 197]  # valid cert, unsigned zone
TLSA_INSECURE = list(range(190, 195))                    # TLSA in an unsigned zone
OTHER_UNSIGNED = [198, 199]                              # plain, refused

# category -> weight (per 1000 domains)
CATEGORIES = [
    ("none-unsigned", 590), ("none-signed", 70), ("none-badtls", 20),
    ("nxdomain", 30), ("no-mx", 20), ("null-mx", 10),
    ("sts", 80), ("sts-mismatch", 6), ("sts-404", 4), ("sts-expired-web", 3),
    ("sts-no-policy-host", 4), ("sts-testing", 3),
    ("dane", 85), ("dane-stale", 8), ("dane-ta", 7),
    ("both", 45), ("both-stale", 5),
]


def host_name(i):
    return "mx%03d.%s" % (i, MX_SIGNED if i < SIGNED_HOSTS else MX_UNSIGNED)


def host_attrs(i):
    """The shared MX host i: certificate, SMTP behaviour, TLSA."""
    a = {"cert": "valid"}
    if i < 100 or i in TLSA_INSECURE:
        a["tlsa"] = ["3 1 1 {cert}"]
    elif i < 110:
        a["tlsa"] = ["2 0 1 {ca:intermediate}"]
    elif i < 120:
        a["tlsa"] = ["3 1 1 {key:stale-%d}" % i]
    elif i in (140, 141, 142, 143):
        a["cert"] = "expired"
    elif i in (144, 145, 146):
        a["cert"] = "self-signed"
    elif i in (147, 198):
        a["smtp"] = "plain"
    elif i in (148, 149, 199):
        a["smtp"] = "refused"
    elif i in (195, 196, 197):
        a["cert"] = "other-name"
    return a


def mx_list(rng, pool, count=None):
    count = count or rng.choice((1, 1, 2))
    hosts = rng.sample(pool, count) if count <= len(pool) else pool[:count]
    return [{"pref": 10 * (k + 1), "host": host_name(h)} for k, h in enumerate(hosts)]


def sts(policy_mx, mode="enforce", **web):
    host = {"policy": {"mode": mode, "mx": policy_mx, "max_age": 86400}}
    host.update(web)
    return {"txt": ["v=STSv1; id=20250101T000000;"], "policy_host": host}


def definition(cat, rng):
    """(zone, scenario definition or None for a name absent from DNS)."""
    all_pat = ["*." + MX_SIGNED, "*." + MX_UNSIGNED]
    if cat == "nxdomain":
        return rng.choice((SIGNED_ZONE, UNSIGNED_ZONE)), None
    if cat == "none-unsigned":
        return UNSIGNED_ZONE, {"mx": mx_list(rng, PKIX_UNSIGNED + PKIX_SIGNED + DANE_GOOD)}
    if cat == "none-signed":
        return SIGNED_ZONE, {"mx": mx_list(rng, PKIX_SIGNED + PKIX_UNSIGNED + TLSA_INSECURE)}
    if cat == "none-badtls":
        return UNSIGNED_ZONE, {"mx": mx_list(rng, PKIX_BAD + NO_TLS + OTHER_UNSIGNED)}
    if cat == "no-mx":
        return rng.choice((SIGNED_ZONE, UNSIGNED_ZONE)), {"records": ['<d> TXT "v=spf1 -all"']}
    if cat == "null-mx":
        return rng.choice((SIGNED_ZONE, UNSIGNED_ZONE)), {"mx": [{"pref": 0, "host": "."}]}
    if cat.startswith("sts"):
        sc = {"mx": mx_list(rng, PKIX_UNSIGNED + PKIX_SIGNED)}
        sc["sts"] = {
            "sts": sts(all_pat),
            "sts-mismatch": sts(["mail.elsewhere.test"]),
            "sts-404": sts(all_pat, status=404),
            "sts-expired-web": sts(all_pat, cert="expired"),
            "sts-no-policy-host": {"txt": ["v=STSv1; id=20250101T000000;"]},
            "sts-testing": sts(all_pat, mode="testing"),
        }[cat]
        if rng.random() < 0.5:
            sc["tlsrpt"] = ["v=TLSRPTv1; rua=mailto:tlsrpt@<d>"]
        return UNSIGNED_ZONE, sc
    pool = {"dane": DANE_GOOD[:100], "dane-stale": DANE_STALE, "dane-ta": DANE_GOOD[100:],
            "both": DANE_GOOD[:100], "both-stale": DANE_STALE}[cat]
    sc = {"mx": mx_list(rng, pool)}
    if cat.startswith("both"):
        sc["sts"] = sts(all_pat)
    if rng.random() < 0.4:
        sc["tlsrpt"] = ["v=TLSRPTv1; rua=mailto:tlsrpt@<d>"]
    return SIGNED_ZONE, sc


def strip_policy_host(sc):
    if sc and "sts" in sc:
        sc["sts"] = {k: v for k, v in sc["sts"].items() if k != "policy_host"}


def build(n, seed, dns_only, signing=None):
    rng = random.Random(seed)
    names, weights = zip(*CATEGORIES)
    signed = dict(signing or {}, signed=True)
    extras = {
        "about": "bench/population.py %d --seed %d%s%s" % (
            n, seed, " --dns-only" if dns_only else "",
            " --signing '%s'" % json.dumps(signing, sort_keys=True) if signing else ""),
        "zones": {SIGNED_ZONE: signed, UNSIGNED_ZONE: {"signed": False},
                  MX_SIGNED: signed, MX_UNSIGNED: {"signed": False}},
        "hosts": {host_name(i): host_attrs(i) for i in range(HOSTS)},
        "scenarios": {},
    }
    domains, counts, used_hosts = [], {}, set()
    for i in range(n):
        cat = rng.choices(names, weights)[0]
        zone, sc = definition(cat, rng)
        domain = "d%06d.%s" % (i, zone)
        domains.append(domain)
        counts[cat] = counts.get(cat, 0) + 1
        if sc is None:
            continue
        if dns_only:
            strip_policy_host(sc)
        sc["zone"] = False   # names go into the shared zone
        extras["scenarios"][domain] = sc
        used_hosts.update(m["host"] for m in sc.get("mx", []) if m["host"] != ".")
    meta = {"domains": n, "seed": seed, "dns_only": dns_only, "categories": counts,
            "mx_hosts": len(used_hosts),
            # one IPv4 address per host: the addresses a full scan must probe once each
            "mx_addresses": len(used_hosts)}
    return extras, domains, meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dns-only", action="store_true")
    ap.add_argument("--signing", type=json.loads, default=None,
                    help="testbed zone options (JSON) for the signed zones")
    args = ap.parse_args()
    write_outputs(args.outdir, *build(args.n, args.seed, args.dns_only, args.signing))


def write_outputs(outdir, extras, domains, meta):
    """population.json (testbed extras), domains.txt (scan list), meta.json
    (counts); sorted keys, so the same population gives the same bytes."""
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "population.json"), "w") as f:
        json.dump(extras, f, separators=(",", ":"), sort_keys=True)
    with open(os.path.join(outdir, "domains.txt"), "w") as f:
        f.write("\n".join(domains) + "\n")
    with open(os.path.join(outdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
