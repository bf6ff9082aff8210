"""Derive the self-test's checks for one scenario from its definition data.

The builder knows what it put into the zones, which certificate every server
presents and how each vhost behaves; from that this module predicts what
independent standard tools (dig, openssl s_client, curl) must observe.  The
self-test (tests/testbed/selftest) only executes these checks, so a new
scenario is checked without new code.

Expected DNS answers are lists of [owner, TYPE, normalised rdata]:
A/AAAA canonical address, MX 'pref target.', CNAME 'target.', TXT the joined
string, TLSA 'u s m hex' (lower case).
"""

import ipaddress
import re

import model
from model import fqdn, bare

VERIFY = {"valid": [0], "expired": [10], "other-name": [62], "self-signed": [18],
          "self-signed-expired": [18, 10]}


def txt_join(rdata):
    """'"a" "b"' -> 'ab' (zone-file TXT syntax with \\ escapes)."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', rdata)
    return "".join(re.sub(r"\\(.)", r"\1", p) for p in parts)


def norm(rtype, rdata):
    if rtype in ("A", "AAAA"):
        return str(ipaddress.ip_address(rdata.strip()))
    if rtype == "TXT":
        return txt_join(rdata)
    if rtype in ("CNAME", "NS"):
        return fqdn(rdata)
    if rtype == "MX":
        pref, target = rdata.split()
        return "%d %s" % (int(pref), fqdn(target))
    if rtype == "TLSA":
        f = rdata.split()
        return "%d %d %d %s" % (int(f[0]), int(f[1]), int(f[2]), "".join(f[3:]).lower())
    return " ".join(rdata.split())


class Resolver:
    """Predicts a validating resolver's answer from the builder's data."""

    def __init__(self, b):
        self.b, self.w = b, b.w
        self.zone_status = {}
        owners = {o for (o, _t) in b.rrs}
        self.names = set()
        for o in owners | set(self.w.zones):
            labels = o.rstrip(".").split(".")
            for i in range(len(labels)):   # a name exists if it or a descendant owns data
                self.names.add(".".join(labels[i:]) + ".")

    def zone_chain(self, zone):
        chain = [zone]
        while chain[-1] != ".":
            chain.append(self.b.parent_zone(chain[-1]))
        return list(reversed(chain))

    def status(self, zone, owner=None, rtype=None):
        """secure / insecure / bogus for data of zone (owner, rtype: for corrupt RRSIGs)."""
        if zone not in self.zone_status:
            self.zone_status[zone] = self._chain_status(zone)
        if self.zone_status[zone] != "secure":
            return self.zone_status[zone]
        corrupt = {(fqdn(t.split()[0]), t.split()[1].upper())
                   for t in self.w.zones[zone].get("corrupt_rrsig", [])}
        return "bogus" if (owner, rtype) in corrupt else "secure"

    def _chain_status(self, zone):
        for z in self.zone_chain(zone):
            o = self.w.zones[z]
            if not o["signed"] or (z != "." and not o["ds"]):
                return "insecure"
            inc, exp = o.get("validity", ["-1d", "+30d"])
            if model.reldays(exp, self.b.now) < self.b.now or model.reldays(inc, self.b.now) > self.b.now:
                return "bogus"
        return "secure"

    @staticmethod
    def servfail(qname, qtype):
        return {"qname": qname, "qtype": qtype, "rcode": "SERVFAIL", "ad": False,
                "answers": None, "cd_answers": None}

    def lookup(self, qname, qtype):
        """Expected {rcode, ad, answers, cd_answers} for qname/qtype."""
        name, answers, statuses = fqdn(qname), [], []
        rcode = "NOERROR"
        seen = set()
        for _ in range(10):
            if name in seen:   # CNAME loop: the resolver gives up
                return self.servfail(qname, qtype)
            seen.add(name)
            zone = self.w.zone_of(name)
            if self.w.zones[zone].get("unreachable"):
                return {"qname": qname, "qtype": qtype, "rcode": "SERVFAIL", "ad": False,
                        "answers": None, "cd_answers": None}
            if (name, qtype) in self.b.rrs:
                statuses.append(self.status(zone, name, qtype))
                answers += [[name, qtype, norm(qtype, r)] for r in self.b.rrs[(name, qtype)]]
                break
            if (name, "CNAME") in self.b.rrs and qtype != "CNAME":
                statuses.append(self.status(zone, name, "CNAME"))
                target = self.b.rrs[(name, "CNAME")][0]
                answers.append([name, "CNAME", norm("CNAME", target)])
                name = fqdn(target)
                continue
            statuses.append(self.status(zone))
            rcode = "NOERROR" if name in self.names else "NXDOMAIN"
            break
        else:   # a CNAME chain longer than 10 (hostile scenarios): Unbound gives up too
            return self.servfail(qname, qtype)
        exp = {"qname": qname, "qtype": qtype, "rcode": rcode,
               "ad": all(s == "secure" for s in statuses),
               "answers": sorted(answers), "cd_answers": None}
        if "bogus" in statuses:
            exp.update(rcode="SERVFAIL", ad=False, answers=None, cd_answers=sorted(answers))
        return exp


def follow_cname(b, name):
    for _ in range(10):
        if (name, "CNAME") not in b.rrs:
            return name
        name = fqdn(b.rrs[(name, "CNAME")][0])
    return name


def tlsa_expectations(b, host):
    """[{'rdata', 'match'}] for the TLSA RRset of host against its served chain."""
    ep = b.endpoints.get(host)
    out = []
    for rd in b.rrs.get(("_25._tcp." + host, "TLSA"), []):
        u, s, m, data = rd.split(None, 3)
        u, s, m = int(u), int(s), int(m)
        match = False
        if ep:
            chain = ep["chain"]
            cands = chain[:1] if u in (1, 3) else chain[1:]
            match = any(b.pki.tlsa_data(u, s, m, c) == data.lower() for c in cands)
        out.append({"rdata": norm("TLSA", rd), "match": match})
    return out


def derive_all(b):
    """{domain: {"checks": [...]}} for every scenario of the builder's world."""
    r = Resolver(b)
    web = {w["name"]: w for w in b.web_manifest}
    return {d: {"checks": derive(b, r, web, d, sc)} for d, sc in b.w.scenarios.items()}


def derive(b, r, webs, domain, sc):
    d = fqdn(domain)
    checks = [dict(r.lookup(d, "MX"), type="dns")]
    for mx in sc.get("mx", []):
        host = fqdn(mx["host"])
        if host == ".":
            continue
        final = follow_cname(b, host)
        attrs = b.w.hosts.get(final)
        fam = attrs["family"] if attrs else "ipv4"
        for qtype in ("A", "AAAA"):
            if qtype == "A" and fam == "ipv6" or qtype == "AAAA" and fam == "ipv4":
                continue
            checks.append(dict(r.lookup(host, qtype), type="dns"))
        checks.append(dict(r.lookup("_25._tcp." + final, "TLSA"), type="dns"))
        if not attrs:
            continue
        tlsa = tlsa_expectations(b, final)
        kind = attrs["cert"]
        chain_len = 1 if kind.startswith("self-signed") else (3 if attrs["chain"] == "full" else 2)
        for fam_t in ("A", "AAAA"):
            for ip in b.host_addr[final][fam_t]:
                checks.append({"type": "smtp", "host": bare(final), "ip": ip, "mode": attrs["smtp"],
                               "behaviour": attrs.get("behaviour"),
                               "verify": VERIFY[kind], "chain_len": chain_len,
                               "leaf_spki_sha256": b.pki.tlsa_data(3, 1, 1, b.endpoints[final]["chain"][0]),
                               "tlsa": tlsa})
    for name in ("_mta-sts." + d, "_smtp._tls." + d):
        if len(bare(name)) <= 253:   # longer names cannot exist (hostile-name253-*)
            checks.append(dict(r.lookup(name, "TXT"), type="dns"))
    vhosts = []
    if (sc.get("sts") or {}).get("policy_host") is not None:
        vhosts.append("mta-sts." + d)
    vhosts += [fqdn(n) for n in sc.get("web", {})]
    for name in vhosts:
        checks.append(dict(r.lookup(name, "A"), type="dns"))
        web = webs[bare(name)]
        checks.append({"type": "https", "url": "https://%s%s" % (bare(name), web["path"]),
                       "verify": web["cert"], "status": web["status"], "redirect": web["redirect"],
                       "content_type": web["content_type"], "body_sha256": web["body_sha256"],
                       "body_len": web["body_len"], "script": web.get("script"),
                       "behaviour": web.get("behaviour")})
    return checks
