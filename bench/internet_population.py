#!/usr/bin/env python3
"""A mail-domain population shaped like the internet, for bench/internet (issue 14).

    bench/internet_population.py N OUTDIR [--seed S] [--no-vhosts] [--without FEATURES]
                                 [--dns-delay MIN,MAX]

Writes OUTDIR/population.json (testbed extras, STSDANE_TESTBED_EXTRA),
OUTDIR/domains.txt (the scan list), OUTDIR/meta.json (the counts, the
testbed features used, and `unreachable_domains`: the domains whose zone or
every MX host was made unreachable, the bound for a scan's unknown rows) and
OUTDIR/slow-domains.txt (the domains whose measurement must wait on a
timeout or a deliberate delay of seconds, in list order: their scan alone
is the floor of any scan's wall time, see bench/internet).
Deterministic: the same N, seed, options and testbed features give the same
bytes. Every proportion, and where it comes from, is in docs/bench.md
("The internet-like population").

Shape:
  * every domain dNNNNNN.<tld> is its own zone, delegated from one of five
    signed TLD-like parents (com/net/org/de/nl.test, signed as the real ones
    are: RSA KSK/ZSK with NSEC3, opt-out for com/net/org);
  * about 10% of the domain zones are signed with a DS (mostly algorithm 8
    KSK/ZSK with NSEC3, some 13 and 15), 0.5% signed without DS;
  * MX: half the domains at 5 large providers (several hosts and addresses
    each; one gives every customer its own MX name on shared addresses),
    a fifth at 100 mid-size providers (Zipf-like sizes), the rest on their
    own MX host(s) in their own zone; IPv4, some dual-stack;
  * MTA-STS 10% (60% of policy hosts through 3 hosting providers by CNAME),
    DANE 5%, both 2%, with the failure tail of bench/population.py;
  * faults on the MX hosts of mid-size providers and of the domains
    themselves: 3% drop packets, 1% refuse, 1% greet slowly; 1% of policy
    hosts are slow; 0.5% of domain zones have name servers that never answer;
  * latency: every zone's name servers answer after 5-50 ms, half of the
    long-tail MX hosts after 10-100 ms, a fifth of the self-hosted policy
    hosts after 10-100 ms.

The testbed features this needs (long-tail SMTP hosts, faults, name-server
providers with delays, slow vhosts, key pools:
docs/testbed.md) are detected in tests/testbed/lib; a feature the checkout's
testbed lacks is left out (meta.json "features_missing"), and so is any
named with --without (comma-separated: tail, faults, nameservers,
vhost_delay, key_pool).

--no-vhosts leaves out the HTTPS policy hosts (the _mta-sts records stay):
no per-domain web certificates, for the 100,000-domain memory run.
"""

import argparse
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from population import sts, write_outputs  # noqa: E402

REPO = os.path.dirname(HERE)
TESTBED_LIB = os.path.join(REPO, "tests", "testbed", "lib")

RSA_KSK_ZSK = [{"alg": 8, "role": "ksk"}, {"alg": 8, "role": "zsk"}]
# TLD-like parents: (zone, share of the domains, zone options).
TLDS = [
    ("com.test", 0.46, {"signed": True, "nsec3": {"optout": True}, "keys": RSA_KSK_ZSK}),
    ("net.test", 0.08, {"signed": True, "nsec3": {"optout": True}, "keys": RSA_KSK_ZSK}),
    ("org.test", 0.08, {"signed": True, "nsec3": {"optout": True}, "keys": RSA_KSK_ZSK}),
    ("de.test", 0.18, {"signed": True, "nsec3": True, "keys": RSA_KSK_ZSK}),
    ("nl.test", 0.20, {"signed": True, "nsec3": True,
                       "keys": [{"alg": 13, "role": "ksk"}, {"alg": 13, "role": "zsk"}]}),
]
# How signed domain zones are signed: (weight, zone options).
DOMAIN_SIGNING = [
    (55, {"nsec3": True, "keys": RSA_KSK_ZSK}),
    (10, {"keys": RSA_KSK_ZSK}),
    (15, {"keys": [{"alg": 13}]}),
    (10, {"nsec3": True, "keys": [{"alg": 13, "role": "ksk"}, {"alg": 13, "role": "zsk"}]}),
    (10, {"keys": [{"alg": 15}]}),
]
KEY_POOL = 50   # key sets per (algorithm, role) shared by the domain zones (testbed key_pool)

# Large providers: id, zone, share of all domains, hosts, family, signed (with
# DANE-EE TLSA on every host), tenant (every customer its own MX name, on
# TENANT_ADDRESSES shared addresses with a wildcard certificate).
LARGE = [
    {"id": "l1", "zone": "l1mail.com.test", "share": 0.22, "hosts": 5, "family": "dual", "dane": False},
    {"id": "l2", "zone": "l2mail.com.test", "share": 0.14, "hosts": 0, "family": "ipv4", "dane": False,
     "tenant": True},
    {"id": "l3", "zone": "l3mail.de.test", "share": 0.06, "hosts": 4, "family": "ipv4", "dane": True},
    {"id": "l4", "zone": "l4mail.com.test", "share": 0.05, "hosts": 3, "family": "ipv4", "dane": False},
    {"id": "l5", "zone": "l5mail.nl.test", "share": 0.03, "hosts": 2, "family": "dual", "dane": True},
]
TENANT_ADDRESSES = ["203.0.113.%d" % i for i in range(20, 24)]   # outside every testbed pool
TENANT_SUFFIX = "mail.protection.l2mail.com.test"
MID_PROVIDERS, MID_SHARE, MID_DANE_SHARE = 100, 0.20, 0.25
OWN_SHARE = 1.0 - sum(p["share"] for p in LARGE) - MID_SHARE   # 0.30
# MTA-STS policy-hosting providers (policy host is a CNAME to them): weights.
STS_HOSTERS = [("sts1.net.test", 3), ("sts2.com.test", 2), ("sts3.de.test", 1)]
STS_HOSTED_SHARE, STS_TXT_CNAME_SHARE = 0.6, 1.0 / 3

# Domain categories per 1000 (see docs/bench.md for the sources).
CATEGORIES = [
    ("unreachable-ns", 5), ("nxdomain", 30), ("no-mx", 20), ("null-mx", 10),
    ("sts", 64), ("sts-mismatch", 5), ("sts-404", 3), ("sts-expired-web", 3),
    ("sts-no-policy-host", 3), ("sts-testing", 2),
    ("dane", 25), ("dane-stale", 3), ("dane-ta", 2),
    ("both", 18), ("both-stale", 2),
    ("signed-none", 50), ("signed-no-ds", 5),
    ("none", 752),
]
DANE_CATS = {"dane", "dane-stale", "dane-ta", "both", "both-stale"}
SIGNED_CATS = DANE_CATS | {"signed-none"}
# Certificates of long-tail MX hosts of domains without MTA-STS or DANE.
OWN_CERTS = [("valid", 80), ("self-signed", 8), ("expired", 4), ("other-name", 4), ("plain", 4)]
# Faults per long-tail MX host (own and mid-size; large providers are healthy).
FAULTS = [("drop", 0.03), ("refuse", 0.01), ("slow-greet", 0.01)]
SLOW_GREET_MS = (5000, 20000)
SLOW_POLICY_SHARE, SLOW_POLICY_MS = 0.01, (3000, 8000)
NS_PROVIDERS, NS_DELAY_MS = 30, (5, 50)
SMTP_DELAY_SHARE, VHOST_DELAY_SHARE, LINK_DELAY_MS = 0.5, 0.2, (10, 100)
OWN_DUAL_SHARE, MID_DUAL_SHARE = 0.15, 0.3
STS_ID = "v=STSv1; id=20250101T000000;"

FEATURES = ("tail", "faults", "nameservers", "vhost_delay", "key_pool")


def testbed_features():
    """What the checkout's testbed accepts (tests/testbed/lib/model.py)."""
    sys.path.insert(0, TESTBED_LIB)
    import model
    src = "".join(open(os.path.join(TESTBED_LIB, f)).read() for f in os.listdir(TESTBED_LIB) if f.endswith(".py"))
    have = set()
    if "tail" in model.SMTP_MODES:
        have.add("tail")
    if "fault" in model.HOST_KEYS:
        have.add("faults")
    if "ns" in model.ZONE_KEYS:
        have.add("nameservers")
    if "key_pool" in model.ZONE_KEYS:
        have.add("key_pool")
    if "nameservers" in have and "delay_ms" in src and "10.44." in src:
        have.add("vhost_delay")
    return have


class Population:
    def __init__(self, n, seed, vhosts, features, dns_delay=NS_DELAY_MS):
        self.n, self.seed, self.vhosts, self.f = n, seed, vhosts, features
        self.dns_delay = tuple(dns_delay)
        self.rng = random.Random(seed)
        self.extras = {"zones": {}, "hosts": {}, "records": [], "scenarios": {}}
        self.host_addrs = {}      # MX host name -> number of addresses (IPv4 + IPv6)
        self.host_fault = {}      # MX host name -> drop / refuse / slow-greet
        self.counts = {"categories": {}, "mx_class": {}, "faults": {}, "signing": {}}
        self.used_hosts = set()   # MX host names some resolvable domain uses
        self.used_addrs = set()   # (host or shared address) keys of the addresses a scan probes
        self.unreachable_domains = 0
        self.slow_domains = set()   # must wait seconds: dead zone, dropping or slow MX, slow policy host
        self.some_mx_faulty = 0
        self.policy_hosts = self.hosted_policies = self.slow_policies = self.delayed_vhosts = 0
        self.domain_zones = self.signed_domain_zones = 0

    def count(self, kind, key):
        self.counts[kind][key] = self.counts[kind].get(key, 0) + 1

    # -- infrastructure -------------------------------------------------------------
    def zone(self, opts, ns=None, pool=False):
        opts = dict(opts)
        if ns and "nameservers" in self.f:
            opts["ns"] = ns
        if pool and opts.get("signed") and "key_pool" in self.f:
            opts["key_pool"] = KEY_POOL
        return opts

    def nameservers(self):
        rng = random.Random(self.seed * 7919 + 1)
        self.ns_ids = ["nsp%02d" % i for i in range(NS_PROVIDERS)]
        # a few big DNS operators carry most zones
        self.ns_weights = [1.0 / (i + 1) for i in range(NS_PROVIDERS)]
        if "nameservers" in self.f:
            self.extras["nameservers"] = {i: {"delay_ms": rng.randint(*self.dns_delay)} for i in self.ns_ids}
            self.extras["nameservers"]["nsdead"] = {"fault": "drop"}

    def pick_ns(self):
        return self.rng.choices(self.ns_ids, self.ns_weights)[0]

    def tail_host(self, attrs, delay=True):
        """A long-tail MX host: the one tail server when the testbed has it."""
        a = dict(attrs)
        if "tail" not in self.f:
            return a
        if a.pop("smtp", None) == "plain":
            a["starttls"] = False
        a["smtp"] = "tail"
        if delay and self.rng.random() < SMTP_DELAY_SHARE:
            a["delay_ms"] = self.rng.randint(*LINK_DELAY_MS)
        return a

    def with_fault(self, name, attrs):
        """Draws a fault for a long-tail host (FAULTS) and applies what the testbed can do."""
        r, acc = self.rng.random(), 0.0
        for fault, share in FAULTS:
            acc += share
            if r < acc:
                break
        else:
            return attrs
        self.host_fault[name] = fault
        a = dict(attrs)
        if fault == "slow-greet":
            if "tail" in self.f:
                a["greet_delay_ms"] = self.rng.randint(*SLOW_GREET_MS)
            else:
                self.host_fault[name] = "slow-greet-left-out"
        elif "faults" in self.f:
            for k in ("delay_ms", "greet_delay_ms", "starttls", "tlsa"):
                a.pop(k, None)
            a.pop("smtp", None)
            a["fault"] = fault
        elif fault == "refuse":
            a = {k: v for k, v in a.items() if k not in ("delay_ms", "greet_delay_ms", "starttls")}
            a["smtp"] = "refused"
        else:
            self.host_fault[name] = "drop-left-out"
        return a

    def define_host(self, name, attrs, family):
        a = dict(attrs, family=family)
        self.extras["hosts"][name] = a
        self.host_addrs[name] = 2 if family == "dual" else 1

    def tlds(self):
        # The parents stay on the testbed's main NSD (no added delay): zones of
        # different name-server providers cannot nest (docs/testbed.md).
        for zone, _, opts in TLDS:
            self.extras["zones"][zone] = self.zone(opts)
        for zone, _ in STS_HOSTERS:
            self.extras["zones"][zone] = self.zone({"signed": False}, "nsp00")
            self.extras["records"].append("mta-sts.%s A {web_ip}" % zone)

    def large_providers(self):
        for p in LARGE:
            opts = {"signed": True, "keys": [{"alg": 13}]} if p["dane"] else {"signed": False}
            self.extras["zones"][p["zone"]] = self.zone(opts, "nsp00")
            p["mx"] = []
            if p.get("tenant"):
                for i, ip in enumerate(TENANT_ADDRESSES):
                    name = "pool%d.%s" % (i + 1, TENANT_SUFFIX)
                    self.define_host(name, {"address": ip, "cert_names": ["*." + TENANT_SUFFIX, name]}, "ipv4")
                p["pattern"] = "*." + TENANT_SUFFIX
                continue
            for i in range(p["hosts"]):
                name = "mx%d.%s" % (i + 1, p["zone"])
                attrs = {"tlsa": ["3 1 1 {cert}"]} if p["dane"] else {}
                self.define_host(name, attrs, p["family"])
                p["mx"].append(name)
            p["pattern"] = "*." + p["zone"]

    def mid_providers(self):
        rng = random.Random(self.seed * 7919 + 2)
        self.mid = []
        tld_names, tld_weights = zip(*[(z, w) for z, w, _ in TLDS])
        for i in range(MID_PROVIDERS):
            zone = "host%03d.%s" % (i, rng.choices(tld_names, tld_weights)[0])
            dane = rng.random() < MID_DANE_SHARE
            opts = {"signed": True, "keys": [{"alg": 13}]} if dane else {"signed": False}
            self.extras["zones"][zone] = self.zone(opts, rng.choice(self.ns_ids), pool=True)
            family = "dual" if rng.random() < MID_DUAL_SHARE else "ipv4"
            hosts = []
            for k in range(rng.choice((1, 2, 2, 3))):
                name = "mx%d.%s" % (k + 1, zone)
                attrs = self.tail_host({"tlsa": ["3 1 1 {cert}"]} if dane else {})
                self.define_host(name, self.with_fault(name, attrs), family)
                hosts.append(name)
            self.mid.append({"zone": zone, "dane": dane, "mx": hosts, "pattern": "*." + zone,
                             "weight": 1.0 / (i + 1) ** 0.9})

    # -- one domain ------------------------------------------------------------------
    def mx_entries(self, hosts):
        return [{"pref": 10 * (k + 1), "host": h} for k, h in enumerate(hosts)]

    def provider_mx(self, domain, cat):
        """(MX host names, policy patterns, class) for a domain at a provider, or None: own hosts."""
        dane = cat in DANE_CATS
        if cat in ("dane-stale", "dane-ta", "both-stale"):
            return None   # the providers' TLSA are right: these failures are the domains' own
        r = self.rng.random()
        if dane:   # DANE needs TLSA on signed MX hosts: the providers that have them, or own hosts
            if r < 0.3:
                p = self.rng.choices([p for p in LARGE if p["dane"]], [p["share"] for p in LARGE if p["dane"]])[0]
                return p["mx"], [p["pattern"]], "large"
            if r < 0.5:
                m = self.rng.choices([m for m in self.mid if m["dane"]], [m["weight"] for m in self.mid if m["dane"]])[0]
                return m["mx"], [m["pattern"]], "mid"
            return None
        signed = cat in SIGNED_CATS
        if r < sum(p["share"] for p in LARGE):
            large = [p for p in LARGE if not (signed and p["dane"])]
            p = self.rng.choices(large, [p["share"] for p in large])[0]
            if p.get("tenant"):
                label = domain.replace(".test", "").replace(".", "-")
                name = "%s.%s" % (label, TENANT_SUFFIX)
                k = self.rng.randrange(len(TENANT_ADDRESSES))
                for ip in (TENANT_ADDRESSES[k], TENANT_ADDRESSES[(k + 1) % len(TENANT_ADDRESSES)]):
                    self.extras["records"].append("%s A %s" % (name, ip))
                return [name], [p["pattern"]], "large"
            return p["mx"], [p["pattern"]], "large"
        if r < 1.0 - OWN_SHARE:
            mids = [m for m in self.mid if not (signed and m["dane"])]
            m = self.rng.choices(mids, [m["weight"] for m in mids])[0]
            return m["mx"], [m["pattern"]], "mid"
        return None

    def own_mx(self, domain, cat):
        """Own MX host(s) in the domain's zone, with the certificate and TLSA the category needs."""
        names = ["mail.%s" % domain] if self.rng.random() < 0.75 else ["mx1.%s" % domain, "mx2.%s" % domain]
        family = "dual" if self.rng.random() < OWN_DUAL_SHARE else "ipv4"
        mx = []
        for name in names:
            if cat in DANE_CATS:
                attrs = {"cert": "valid" if self.rng.random() < 0.7 else "self-signed"}
                attrs["tlsa"] = {"dane-stale": ["3 1 1 {key:stale-%s}" % name],
                                 "both-stale": ["3 1 1 {key:stale-%s}" % name],
                                 "dane-ta": ["2 0 1 {ca:intermediate}"]}.get(cat, ["3 1 1 {cert}"])
                if cat in ("dane-ta", "both", "both-stale"):
                    attrs["cert"] = "valid"
            elif cat.startswith("sts"):
                attrs = {}
            else:
                kind = self.rng.choices(*zip(*OWN_CERTS))[0]
                attrs = {"smtp": "plain"} if kind == "plain" else {"cert": kind}
            attrs = self.with_fault(name, self.tail_host(attrs))
            mx.append(dict(attrs, pref=10 * (len(mx) + 1), host=name, family=family))
            self.host_addrs[name] = 2 if family == "dual" else 1
        return mx, list(names)

    def policy(self, domain, cat, patterns):
        """The sts definition of an MTA-STS domain (policy host self-hosted or at a hoster)."""
        if cat == "sts-no-policy-host":
            return {"txt": [STS_ID]}
        web = {}
        if cat == "sts-404":
            web["status"] = 404
        if cat == "sts-expired-web":
            web["cert"] = "expired"
        mx = ["mail.elsewhere.test"] if cat == "sts-mismatch" else patterns
        d = sts(mx, "testing" if cat == "sts-testing" else "enforce", **web)
        self.policy_hosts += 1
        r = self.rng.random()
        hoster = None
        if r < SLOW_POLICY_SHARE and "vhost_delay" in self.f:
            d["policy_host"]["delay_ms"] = self.rng.randint(*SLOW_POLICY_MS)
            self.slow_policies += 1
        elif r < SLOW_POLICY_SHARE + STS_HOSTED_SHARE:
            hoster = self.rng.choices(*zip(*STS_HOSTERS))[0]
            d["policy_host"]["cname"] = "mta-sts." + hoster
            self.hosted_policies += 1
        elif self.rng.random() < VHOST_DELAY_SHARE and "vhost_delay" in self.f:
            d["policy_host"]["delay_ms"] = self.rng.randint(*LINK_DELAY_MS)
            self.delayed_vhosts += 1
        if hoster and self.rng.random() < STS_TXT_CNAME_SHARE:
            target = "_mta-sts.%s.%s" % (domain.replace(".test", "").replace(".", "-"), hoster)
            d.pop("txt")
            d["cname"] = target
            self.extras["records"].append('%s TXT "%s"' % (target, STS_ID))
        if not self.vhosts:   # the counts above are of vhosts that exist
            host = d.pop("policy_host")
            self.policy_hosts -= 1
            self.hosted_policies -= 1 if "cname" in host else 0
            self.slow_policies -= 1 if host.get("delay_ms", 0) >= SLOW_POLICY_MS[0] else 0
            self.delayed_vhosts -= 1 if 0 < host.get("delay_ms", 0) < SLOW_POLICY_MS[0] else 0
        return d

    def domain(self, i):
        rng = self.rng
        tld = rng.choices([t[0] for t in TLDS], [t[1] for t in TLDS])[0]
        domain = "d%06d.%s" % (i, tld)
        cat = rng.choices(*zip(*CATEGORIES))[0]
        self.count("categories", cat)
        if cat == "nxdomain":
            return domain
        self.domain_zones += 1
        zone = {"signed": False}
        if cat in SIGNED_CATS or cat == "signed-no-ds":
            w, opts = zip(*DOMAIN_SIGNING)
            k = rng.choices(range(len(DOMAIN_SIGNING)), w)[0]
            zone = dict(opts[k], signed=True, ds=cat != "signed-no-ds")
            self.count("signing", "%s%s" % ("+".join(sorted({str(x["alg"]) for x in zone["keys"]})),
                                             "/nsec3" if zone.get("nsec3") else "/nsec"))
            self.signed_domain_zones += 1
        unreachable = cat == "unreachable-ns"
        if unreachable:
            zone = {"ns": "nsdead"} if "nameservers" in self.f else {"unreachable": True}
        sc = {"zone": self.zone(zone, None if unreachable else self.pick_ns(), pool=True)}
        hosts = []
        if cat == "no-mx":
            sc["records"] = ['<d> TXT "v=spf1 -all"']
        elif cat == "null-mx":
            sc["mx"] = [{"pref": 0, "host": "."}]
        else:
            prov = self.provider_mx(domain, cat)
            if prov:
                hosts, patterns, cls = prov
                sc["mx"] = self.mx_entries(hosts)
            else:
                sc["mx"], hosts = self.own_mx(domain, cat)
                patterns, cls = hosts, "own"
            self.count("mx_class", cls)
            if cat.startswith("sts") or cat.startswith("both"):
                sc["sts"] = self.policy(domain, cat, patterns)
            if (cat.startswith("sts") and rng.random() < 0.5) or (cat in DANE_CATS and rng.random() < 0.4):
                sc["tlsrpt"] = ["v=TLSRPTv1; rua=mailto:tlsrpt@<d>"]
            self.tally_mx(hosts, unreachable, cls)
        if unreachable:
            self.unreachable_domains += 1
        if unreachable or self.must_wait(sc, hosts):
            self.slow_domains.add(domain)
        self.extras["scenarios"][domain] = sc
        return domain

    def must_wait(self, sc, hosts):
        """Whether measuring the domain waits seconds by design: an MX host that
        drops (a connect timeout) or greets slowly, or a slow policy host."""
        if any(self.host_fault.get(h) in ("drop", "slow-greet") for h in hosts):
            return True
        host = (sc.get("sts") or {}).get("policy_host") or {}
        return host.get("delay_ms", 0) >= SLOW_POLICY_MS[0]

    def tally_mx(self, hosts, unreachable, cls):
        if unreachable:
            return
        faults = [self.host_fault.get(h) for h in hosts]
        if all(f in ("drop", "refuse") for f in faults):
            self.unreachable_domains += 1
        elif any(f in ("drop", "refuse") for f in faults):
            self.some_mx_faulty += 1
        for h in hosts:
            self.used_hosts.add(h)
            if h.endswith("." + TENANT_SUFFIX):
                continue
            for k in range(self.host_addrs[h]):
                self.used_addrs.add((h, k))
        if any(h.endswith("." + TENANT_SUFFIX) for h in hosts):
            self.used_addrs.update(TENANT_ADDRESSES)

    def build(self):
        self.nameservers()
        self.tlds()
        self.large_providers()
        self.mid_providers()
        domains = [self.domain(i) for i in range(self.n)]
        return domains

    def meta(self, features_missing):
        faults = {}
        for h in self.used_hosts:
            f = self.host_fault.get(h)
            if f:
                for k in range(self.host_addrs.get(h, 1)):
                    faults[f] = faults.get(f, 0) + 1
        zones = len(self.extras["zones"]) + self.domain_zones
        return {
            "domains": self.n, "seed": self.seed, "vhosts": self.vhosts,
            "features": sorted(self.f), "features_missing": sorted(features_missing),
            "dns_delay_ms": list(self.dns_delay) if "nameservers" in self.f else None,
            "zones": zones, "domain_zones": self.domain_zones, "signed_domain_zones": self.signed_domain_zones,
            "categories": self.counts["categories"], "mx_class": self.counts["mx_class"],
            "signing": self.counts["signing"],
            "distinct_mx_hosts": len(self.used_hosts), "mx_addresses": len(self.used_addrs),
            "mx_address_faults": faults,
            "policy_hosts": self.policy_hosts, "hosted_policy_hosts": self.hosted_policies,
            "slow_policy_hosts": self.slow_policies, "delayed_policy_hosts": self.delayed_vhosts,
            "unreachable_zones": self.counts["categories"].get("unreachable-ns", 0),
            # The bound for unknown rows: zone unreachable, or every MX host drops or refuses.
            "unreachable_domains": self.unreachable_domains,
            "unreachable_pct": round(100.0 * self.unreachable_domains / self.n, 3) if self.n else 0.0,
            "domains_with_some_mx_unreachable": self.some_mx_faulty,
            "slow_domains": len(self.slow_domains),
        }


def generate(n, seed, vhosts=True, without=(), dns_delay=NS_DELAY_MS):
    have = testbed_features()
    features = have - set(without)
    pop = Population(n, seed, vhosts, features, dns_delay)
    domains = pop.build()
    pop.extras["about"] = "bench/internet_population.py %d --seed %d%s --dns-delay %d,%d (features: %s)" % (
        n, seed, "" if vhosts else " --no-vhosts", dns_delay[0], dns_delay[1], ", ".join(sorted(features)) or "none")
    if not pop.extras["records"]:
        del pop.extras["records"]
    slow = [d for d in domains if d in pop.slow_domains]
    return pop.extras, domains, pop.meta(set(FEATURES) - features), slow


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-vhosts", action="store_true", help="leave out the HTTPS policy hosts")
    ap.add_argument("--without", default="", help="testbed features to leave out: " + ", ".join(FEATURES))
    ap.add_argument("--dns-delay", default="%d,%d" % NS_DELAY_MS,
                    help="MIN,MAX ms of the name-server providers' delays (%d,%d)" % NS_DELAY_MS)
    args = ap.parse_args()
    try:
        dns_delay = tuple(int(x) for x in args.dns_delay.split(","))
        if len(dns_delay) != 2 or not 0 <= dns_delay[0] <= dns_delay[1] <= 10000:
            raise ValueError
    except ValueError:
        sys.exit("internet_population: --dns-delay %r: want MIN,MAX in ms (0..10000)" % args.dns_delay)
    without = [w for w in args.without.split(",") if w]
    bad = set(without) - set(FEATURES)
    if bad or args.n < 1:
        sys.exit("internet_population: unknown feature(s) %s (known: %s), or N < 1" % (
            ", ".join(sorted(bad)), ", ".join(FEATURES)))
    extras, domains, meta, slow = generate(args.n, args.seed, not args.no_vhosts, without, dns_delay)
    write_outputs(args.outdir, extras, domains, meta)
    with open(os.path.join(args.outdir, "slow-domains.txt"), "w") as f:
        f.write("".join(d + "\n" for d in slow))


if __name__ == "__main__":
    main()
