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


def canonical_key(name):
    """Sort key of RFC 4034 section 6.1 canonical name order."""
    return [label.encode() for label in reversed(fqdn(name).rstrip(".").split("."))] if name != "." else []


class Resolver:
    """Predicts a validating resolver's answer from the builder's data."""

    def __init__(self, b):
        self.b, self.w = b, b.w
        self.zone_status = {}
        self.nsec_names = {}   # zone -> names owning an NSEC, canonical order
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

    def broken(self, zone):
        """(owner, TYPE) of the zone's RRsets whose signatures are corrupt or expired."""
        o = self.w.zones[zone]
        return {(fqdn(t.split()[0]), t.split()[1].upper())
                for t in o.get("corrupt_rrsig", []) + o.get("expired_rrsig", [])}

    def status(self, zone, owner=None, rtype=None, proof=()):
        """secure / insecure / bogus for data of zone: the RRset owner/rtype
        (None: a denial) and the denial records proof (owner, TYPE) it needs."""
        if zone not in self.zone_status:
            self.zone_status[zone] = self._chain_status(zone)
        if self.zone_status[zone] != "secure":
            return self.zone_status[zone]
        broken = self.broken(zone)
        if (owner, rtype) in broken or broken & set(proof):
            return "bogus"
        return "secure"

    def _chain_status(self, zone):
        for z in self.zone_chain(zone):
            own = self.key_status(z)
            if own != "secure":
                return own
        return "secure"

    def key_status(self, z):
        """Status of zone z given a secure parent: its DS (or the root's trust
        anchor), keys and signature dates."""
        o = self.w.zones[z]
        if not o["signed"] or (z != "." and not o["ds"]):
            return "insecure"
        keys = self.b.keys[z]
        if z == ".":   # the trust anchor is the root's published KSKs
            named = [k for k in keys if k.flags == 257 and k.spec["publish"]]
        else:
            named = [k for k in keys if k.spec["ds"]]
        usable = [k for k in named if k.alg in model.ALGORITHMS]
        if not usable:   # no DS (or only private algorithms): the zone is insecure
            return "insecure"
        inc, exp = o.get("validity", ["-1d", "+30d"])
        if model.reldays(exp, self.b.now) < self.b.now or model.reldays(inc, self.b.now) > self.b.now:
            return "bogus"
        if not any(k.spec["sign"] and k.flags == 257 for k in usable):   # stale DS
            return "bogus"
        if (z, "DNSKEY") in self.broken(z):
            return "bogus"
        return "secure"

    # -- denial proofs -------------------------------------------------------------
    def nsec_owners(self, zone):
        if zone not in self.nsec_names:
            names = {zone} | {o for (o, _t) in self.b.rrs if self.w.zone_of(o) == zone}
            names |= set(self.b.children.get(zone, []))   # delegation points
            self.nsec_names[zone] = sorted(names, key=canonical_key)
        return self.nsec_names[zone]

    def covering(self, zone, name):
        """Owner of the NSEC that covers (or matches) name."""
        owners = self.nsec_owners(zone)
        key = canonical_key(name)
        best = owners[-1]   # the last NSEC wraps around to the apex
        for o in owners:
            if canonical_key(o) <= key:
                best = o
        return best

    def closest_encloser(self, name):
        while name not in self.names and name != ".":
            name = name.split(".", 1)[1] or "."
        return name

    def denial_proof(self, zone, name, nxdomain):
        """The NSEC records (owner, 'NSEC') a denial for name relies on.  Only
        NSEC zones whose NSEC signatures are broken need it (NSEC3 denial
        records cannot be named as broken, see model.zone_options)."""
        if not any(t == "NSEC" for (_o, t) in self.broken(zone)):
            return ()
        if not nxdomain:
            return ((name, "NSEC"),)
        ce = self.closest_encloser(name)
        return ((self.covering(zone, name), "NSEC"), (self.covering(zone, "*." + ce), "NSEC"))

    def wildcard(self, name):
        """The wildcard owner that synthesises name, or None."""
        if name in self.names:
            return None
        wc = "*." + self.closest_encloser(name)
        return wc if wc in self.names else None

    def rrset(self, name, rtype):
        """The records a lookup of name/rtype returns (wildcards expanded)."""
        if (name, rtype) in self.b.rrs:
            return self.b.rrs[(name, rtype)]
        wc = self.wildcard(name)
        return self.b.rrs.get((wc, rtype), []) if wc else []

    @staticmethod
    def servfail(qname, qtype):
        return {"qname": qname, "qtype": qtype, "rcode": "SERVFAIL", "ad": False,
                "answers": None, "cd_answers": None}

    def lookup(self, qname, qtype):
        """Expected {rcode, ad, answers, cd_answers, wildcard} for qname/qtype."""
        name, answers, statuses = fqdn(qname), [], []
        rcode = "NOERROR"
        seen = set()
        synthesised = False
        for _ in range(10):
            if name in seen:   # CNAME loop: the resolver gives up
                return self.servfail(qname, qtype)
            seen.add(name)
            zone = self.w.zone_of(name)
            if self.w.zone_dead(zone):   # nothing answers for it: the resolver gives up
                return self.servfail(qname, qtype)
            wc = self.wildcard(name)
            owner = wc or name
            proof = self.denial_proof(zone, name, True)[:1] if wc else ()
            if (owner, qtype) in self.b.rrs:
                statuses.append(self.status(zone, owner, qtype, proof))
                answers += [[name, qtype, norm(qtype, r)] for r in self.b.rrs[(owner, qtype)]]
                synthesised = synthesised or bool(wc)
                break
            if (owner, "CNAME") in self.b.rrs and qtype != "CNAME":
                statuses.append(self.status(zone, owner, "CNAME", proof))
                target = self.b.rrs[(owner, "CNAME")][0]
                answers.append([name, "CNAME", norm("CNAME", target)])
                name = fqdn(target)
                continue
            exists = name in self.names or bool(wc)
            rcode = "NOERROR" if exists else "NXDOMAIN"
            n3 = self.w.zones[zone].get("nsec3") or {}
            if not exists and n3.get("optout"):
                # the NSEC3 covering the next closer name has the opt-out
                # flag: the resolver cannot prove there is no unsigned
                # delegation there, so the denial is not secure
                statuses.append(min(self.status(zone), "insecure", key=STATUS_ORDER.index))
            else:
                statuses.append(self.status(zone, proof=self.denial_proof(zone, owner, not exists)))
            break
        else:   # a CNAME chain longer than 10 (hostile scenarios): Unbound gives up too
            return self.servfail(qname, qtype)
        exp = {"qname": qname, "qtype": qtype, "rcode": rcode,
               "ad": all(s == "secure" for s in statuses),
               "answers": sorted(answers), "cd_answers": None}
        if synthesised:
            exp["wildcard"] = True
        if "bogus" in statuses:
            exp.update(rcode="SERVFAIL", ad=False, answers=None, cd_answers=sorted(answers))
        return exp


STATUS_ORDER = ["bogus", "insecure", "secure"]


def follow_cname(b, name):
    for _ in range(10):
        if (name, "CNAME") not in b.rrs:
            return name
        name = fqdn(b.rrs[(name, "CNAME")][0])
    return name


def tlsa_expectations(b, r, host):
    """[{'rdata', 'match'}] for the TLSA RRset of host against its served chain."""
    ep = b.endpoints.get(host)
    out = []
    for rd in r.rrset("_25._tcp." + host, "TLSA"):
        u, s, m, data = rd.split(None, 3)
        u, s, m = int(u), int(s), int(m)
        match = False
        if ep:
            chain = ep["chain"]
            cands = chain[:1] if u in (1, 3) else chain[1:]
            match = any(b.pki.tlsa_data(u, s, m, c) == data.lower() for c in cands)
        out.append({"rdata": norm("TLSA", rd), "match": match})
    return out


def smtp_mode(attrs):
    """What a client sees at an SMTP host: drop (connect times out), refused,
    plain (no STARTTLS), starttls, or script (hostile peers)."""
    if attrs.get("fault"):
        return "drop" if attrs["fault"] == "drop" else "refused"
    if attrs["smtp"] == "tail":
        return "starttls" if attrs["starttls"] else "plain"
    return attrs["smtp"]


def derive_all(b):
    """{domain: {"checks": [...]}} for every scenario of the builder's world."""
    r = Resolver(b)
    web = {w["name"]: w for w in b.web_manifest}
    return {d: {"checks": derive(b, r, web, d, sc)} for d, sc in b.w.scenarios.items()}


def zone_check(b, r, zone):
    """What the authoritative server and an independent validator (delv)
    must show for a zone: its keys, who signs what, the parent's DS, the
    denial method, the validation status, the RRsets with broken signatures."""
    o = b.w.zones[zone]
    keys = b.keys.get(zone, [])
    signing = [k for k in keys if k.spec["sign"]]

    def signers(flags):
        """ldns-signzone's minimal signing: per algorithm, the keys with
        these flags, or every key of that algorithm when it has none."""
        out = []
        for alg in sorted({k.alg for k in signing}):
            same = [k for k in signing if k.alg == alg]
            out += [[k.alg, k.tag] for k in ([k for k in same if k.flags == flags] or same)]
        return sorted(out)

    parent_signed = b.w.zones[b.parent_zone(zone)]["signed"]
    ds_keys = [k for k in keys if k.spec["ds"]] if o["signed"] and o["ds"] else []
    n3 = o.get("nsec3")
    expired = {(fqdn(x.split()[0]), x.split()[1].upper()) for x in o.get("expired_rrsig", [])}
    validity = o.get("validity", ["-1d", "+30d"])
    return {
        "type": "zone", "zone": zone, "signed": o["signed"], "ns": b.w.zone_ns(zone),
        # the NSD holding the zone, and the one holding its parent (the DS)
        "server": nsd_address(b, zone), "parent_server": nsd_address(b, b.parent_zone(zone)),
        "expired": model.reldays(validity[1], b.now) < b.now,   # every signature
        "dnskeys": sorted([k.flags, k.alg, k.tag] for k in keys if k.spec["publish"]),
        "rsa_bits": sorted([k.tag, k.spec["bits"]] for k in keys if k.spec["publish"] and "bits" in k.spec),
        "dnskey_signers": signers(257), "data_signers": signers(256),
        "ds": sorted([k.tag, k.alg] for k in ds_keys),
        "ds_matching": sorted(k.tag for k in ds_keys if k.spec["publish"]),
        "denial": None if not o["signed"] else ({"nsec3": n3} if n3 else "nsec"),
        "validation": r.status(zone) if parent_signed else "insecure",
        "broken": [{"owner": ow, "type": t, "expired": (ow, t) in expired}
                   for ow, t in sorted(r.broken(zone))],
    }


def nsd_address(b, zone):
    return model.PROVIDER_NSD_V4 if b.w.zones[zone].get("ns") else model.NS_V4


def scenario_zones(b, d, sc):
    """The served zones a scenario defines itself (its own and 'zones')."""
    names = ([d] if sc.get("zone", {}) is not False else []) + [fqdn(z) for z in sc.get("zones", {})]
    return [z for z in names if not b.w.zone_dead(z)]


def nameserver_checks(b, d, sc):
    """Per zone of the scenario served by a name-server provider: its
    addresses answer for the zone after delay_ms, or (fault drop) never."""
    names = ([d] if sc.get("zone", {}) is not False else []) + [fqdn(z) for z in sc.get("zones", {})]
    out = []
    for z in names:
        ident = b.w.zones[z].get("ns")
        if ident:
            ns = b.w.nameservers[ident]
            for ip in b.ns_addr[ident]["A"] + b.ns_addr[ident]["AAAA"]:
                out.append({"type": "nameserver", "zone": z, "provider": ident, "ip": ip,
                            "delay_ms": ns["delay_ms"], "fault": ns["fault"]})
    return out


def derive(b, r, webs, domain, sc):
    d = fqdn(domain)
    checks = [dict(r.lookup(d, "MX"), type="dns")]
    checks += [zone_check(b, r, z) for z in scenario_zones(b, d, sc)]
    checks += nameserver_checks(b, d, sc)
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
        tlsa = tlsa_expectations(b, r, final)
        kind = attrs["cert"]
        chain_len = 1 if kind.startswith("self-signed") else (3 if attrs["chain"] == "full" else 2)
        for fam_t in ("A", "AAAA"):
            for ip in b.host_addr[final][fam_t]:
                checks.append({"type": "smtp", "host": bare(final), "ip": ip, "mode": smtp_mode(attrs),
                               "behaviour": attrs.get("behaviour"),
                               "delay_ms": attrs.get("delay_ms", 0), "greet_delay_ms": attrs.get("greet_delay_ms", 0),
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
                       "behaviour": web.get("behaviour"),
                       "ip": b.vhost_addr.get(name), "delay_ms": b.w.web[name].get("delay_ms") or 0,
                       "fault": b.w.web[name].get("fault")})
    return checks
