#!/usr/bin/env python3
"""Build (or reuse) the testbed's static material in the cache.

Usage: build.py            print the cache directory (build it if needed)
       build.py --list     print the scenario domains

The cache entry is keyed on a hash of every input (definition files, the
catalogue's domain list, this code) and on the week number (so certificates
and RRSIGs never age out of a reused entry).  Entries are built in a private
temporary directory and published with an atomic rename under a lock, so
concurrent runs are safe.  Output (all paths relative to the entry):

  ca.pem, ca/*.pem       test CA (root = STSDANE_CA_FILE)
  root.key, root.hints   trust anchor and root hints
  tls/<name>/...         key and served chain per SMTP host / HTTPS vhost
  zones/<zone>.zone      zone files (signed ones: *.signed, possibly broken)
  www/<vhost>/...        policy bodies
  manifest.json          what runtime (netns.py) starts and what selftest checks
  runtime.json           the manifest without the checks (what netns.py reads)
"""

import concurrent.futures
import fcntl
import hashlib
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnssec  # noqa: E402
import model  # noqa: E402
from model import fqdn, bare  # noqa: E402

CACHE_VERSION = "1"
WEEK = 7 * 86400


def cache_root():
    base = os.environ.get("XDG_CACHE_HOME") or "/var/tmp"
    return os.environ.get("STSDANE_TESTBED_CACHE", os.path.join(base, "stsdane-testbed"))


def input_hash(files, domains):
    h = hashlib.sha256(CACHE_VERSION.encode())
    for path in files:
        h.update(path.encode() + b"\0" + open(path, "rb").read())
    h.update("\n".join(domains).encode())
    for name in sorted(os.listdir(model.HERE)):
        if name.endswith(".py"):
            h.update(open(os.path.join(model.HERE, name), "rb").read())
    h.update(str(int(time.time() // WEEK)).encode())
    return h.hexdigest()[:20]


class Addresses:
    """Allocates listener addresses in definition order (stable when extras are added).

    Pools: Postfix / scripted hosts from 198.51.100.10-254 then 10.25.0.0/16
    (each put on lo); long-tail and faulty hosts from model.TAIL_V4 / TAIL_V6,
    name-server providers from NSP_V4 / NSP_V6, vhosts with their own address
    from VHOST_V4 (those ranges are local routes: nothing per address)."""

    def __init__(self):
        self.pools = {
            ("main", 4): self._pool4(),
            ("main", 6): (ipaddress.IPv6Address("2001:db8:25::") + i for i in range(16, 1 << 20)),
            ("tail", 4): self._range(model.TAIL_V4), ("tail", 6): self._range(model.TAIL_V6),
            ("nsp", 4): self._range(model.NSP_V4), ("nsp", 6): self._range(model.NSP_V6),
            ("vhost", 4): self._range(model.VHOST_V4),
        }
        self.used = set()

    @staticmethod
    def _pool4():
        for i in range(10, 255):
            yield ipaddress.IPv4Address("198.51.100.%d" % i)
        for i in range(1 << 16):  # overflow for big populations: 10.25.0.0/16 ...
            yield ipaddress.IPv4Address("10.25.0.0") + i

    @staticmethod
    def _range(cidr):
        net = ipaddress.ip_network(cidr)
        return (net.network_address + i for i in range(1, net.num_addresses - 1))

    def take(self, family, explicit=None, pool="main"):
        if explicit:
            self.used.add(explicit)
            return explicit
        it = self.pools[(pool, family)]
        while True:
            try:
                a = str(next(it))
            except StopIteration:
                raise model.DefinitionError("address pool %s/IPv%d exhausted" % (pool, family)) from None
            if a not in self.used:
                self.used.add(a)
                return a


def in_local_ranges(ip):
    """True if ip lies in a range that netns.py makes local with one route."""
    a = ipaddress.ip_address(ip)
    return any(a in n for n in LOCAL_NETS)


LOCAL_NETS = [ipaddress.ip_network(r) for r in model.LOCAL_RANGES]


class Builder:
    def __init__(self, world, out):
        self.w = world
        self.out = out
        self.now = time.time()
        self.endpoints = {}   # fqdn -> {"cert": [x509...], "dir": rel}
        self.spares = {}      # label -> cert
        self.named_keys = {}  # label -> private key ("key" of a host, {key:LABEL})
        self.zone_files = {}  # zone -> rel path of the file NSD serves
        self.ds = {}          # zone -> DS lines the parent publishes
        self.keys = {}        # signed zone -> [dnssec.ZoneKey]
        self.host_addr = {}   # host fqdn -> {"A": [...], "AAAA": [...]}
        self.ns_addr = {}     # name-server provider id -> {"A": [...], "AAAA": [...]}
        self.vhost_addr = {}  # vhost fqdn -> its own address (delay_ms / fault)
        self.rrs = {}         # (owner, TYPE) -> [rdata]  (final, refs resolved)

    def p(self, *rel):
        path = os.path.join(self.out, *rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    def write(self, rel, data, mode=0o644):
        path = self.p(rel)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(path, mode)

    # -- PKI ------------------------------------------------------------------
    def build_pki(self):
        import pki
        self.pki = pki
        seed = getattr(self.w, "pki", {}).get("seed")
        self.seed = pki.Seed(seed, self.now) if seed is not None else None
        self.ca = pki.CA(self.seed)
        self.write("ca/root.pem", pki.cert_pem(self.ca.root))
        self.write("ca/intermediate.pem", pki.cert_pem(self.ca.intermediate))
        self.write("ca.pem", pki.cert_pem(self.ca.root))
        todo = [(n, a, "smtp") for n, a in self.w.hosts.items()] + \
               [(n, a, "web") for n, a in self.w.web.items()]
        for name, attrs, role in todo:
            names = attrs.get("cert_names") or (["unrelated.test"] if attrs["cert"] == "other-name"
                                               else [bare(name)])
            kind = "valid" if attrs["cert"] == "other-name" else attrs["cert"]
            key, chain = self.ca.leaf(kind, names, self.endpoint_key(name, attrs, role))
            if attrs.get("chain") == "full" and not kind.startswith("self-signed"):
                chain = chain + [self.ca.root]
            rel = "tls/%s/%s" % (role, bare(name))
            pem_chain = b"".join(pki.cert_pem(c) for c in chain)
            # (tail and faulty hosts: only the combined file the tail server
            # reads; two files fewer per host at 30,000 hosts)
            if role == "web" or attrs["smtp"] != "tail" and not attrs.get("fault"):
                self.write(rel + "/key.pem", pki.key_pem(key), 0o600)
                self.write(rel + "/chain.pem", pem_chain)
            self.write(rel + "/key+chain.pem", pki.key_pem(key) + pem_chain, 0o600)
            self.endpoints[name] = {"chain": chain, "dir": rel}

    def named_key(self, label):
        """The key called label: served by hosts with "key": label and
        referenced by {key:label} (deterministic in a seeded build)."""
        if label not in self.named_keys:
            self.named_keys[label] = (self.seed.key("named:" + label) if self.seed
                                      else self.pki.new_key())
        return self.named_keys[label]

    def endpoint_key(self, name, attrs, role):
        """The key an SMTP host / vhost serves (None: a fresh random one)."""
        if attrs.get("key") is not None:
            return self.named_key(str(attrs["key"]))
        if self.seed:
            return self.seed.key("%s:%s" % (role, name))
        return None

    def ref_cert(self, ref, who):
        """Resolve a certificate reference used in TLSA records."""
        kind, _, arg = ref.partition(":")
        if kind == "cert":
            ep = self.endpoints.get(fqdn(arg))
            if not ep:
                raise model.DefinitionError("%s: {cert:%s}: no such host" % (who, arg))
            return ep["chain"][0]
        if kind == "ca":
            return {"root": self.ca.root, "intermediate": self.ca.intermediate}[arg]
        if kind == "key":
            if arg not in self.spares:
                self.spares[arg] = self.pki.spare(arg, self.named_key(arg), self.seed)[1]
            return self.spares[arg]
        raise model.DefinitionError("%s: unknown reference {%s}" % (who, ref))

    def rdata(self, rtype, text, who):
        text = text.replace("{web_ip}", model.WEB_V4)
        if text.startswith("{vhost_ip:"):
            return self.vhost_addr[text[len("{vhost_ip:"):-1]]
        if rtype == "TLSA":
            m = re.fullmatch(r"\s*(\d+)\s+(\d+)\s+(\d+)\s+\{([^}]+)\}\s*", text)
            if m:
                u, s, t = int(m.group(1)), int(m.group(2)), int(m.group(3))
                cert = self.ref_cert(m.group(4), who)
                return "%d %d %d %s" % (u, s, t, self.pki.tlsa_data(u, s, t, cert))
        if "{" in text and rtype != "TXT":
            raise model.DefinitionError("%s: unresolved reference in %s %r" % (who, rtype, text))
        return text

    # -- addresses and records --------------------------------------------------
    def build_records(self):
        alloc = Addresses()
        for infra in (model.NS_V4, model.NS_V6, model.RESOLVER_V4, model.RESOLVER_V6, model.WEB_V4,
                      model.SCRIPT_WEB_V4, model.PROVIDER_NSD_V4):
            alloc.used.add(infra)
        for name, attrs in self.w.hosts.items():
            fam = attrs["family"]
            # long-tail and faulty hosts need no listener of their own: their
            # addresses come from the local-route ranges
            pool = "tail" if attrs["smtp"] == "tail" or attrs.get("fault") else "main"
            addrs = {"A": [], "AAAA": []}
            explicit = attrs.get("address")
            if explicit and attrs["smtp"] == "tail" and not in_local_ranges(explicit):
                raise model.DefinitionError("host %s: a tail host's address must lie in %s or %s" % (
                    name, model.TAIL_V4, model.TAIL_V6))
            if fam in ("ipv4", "dual"):
                addrs["A"].append(alloc.take(4, explicit if fam == "ipv4" else None, pool))
            if fam in ("ipv6", "dual"):
                addrs["AAAA"].append(alloc.take(6, explicit if fam == "ipv6" else None, pool))
            self.host_addr[name] = addrs
            for t, lst in addrs.items():
                for a in lst:
                    self.w.records.append((name, t, a, "host"))
        for ident, ns in self.w.nameservers.items():
            addrs = {"A": [], "AAAA": []}
            if ns["family"] in ("ipv4", "dual"):
                addrs["A"].append(alloc.take(4, pool="nsp"))
            if ns["family"] in ("ipv6", "dual"):
                addrs["AAAA"].append(alloc.take(6, pool="nsp"))
            self.ns_addr[ident] = addrs
            for t, lst in addrs.items():
                self.w.records += [(ns["name"], t, a, "nameserver") for a in lst]
        for name, attrs in self.w.web.items():
            if attrs.get("delay_ms") or attrs.get("fault"):
                self.vhost_addr[name] = alloc.take(4, pool="vhost")
        for owner, rtype, text, who in self.w.records:
            rd = self.rdata(rtype, text, who)
            lst = self.rrs.setdefault((fqdn(owner), rtype), [])
            if rd not in lst:
                lst.append(rd)

    # -- zones ----------------------------------------------------------------------
    def parent_zone(self, zone):
        """The zone that delegates zone (None for the root)."""
        if zone == ".":
            return None
        return self.w.zone_of(zone.split(".", 1)[1] or ".")

    def zone_keys(self, zone):
        keydir = os.path.dirname(self.p("zones", "keys", "x"))
        # pooled keys get per-zone key files for ldns-signzone in a directory
        # removed after signing (tests/forgery never signs pooled zones)
        keys = dnssec.zone_keys(self.keystore, zone, self.w.zones[zone], self.p("pool-keys", "x").rsplit("/", 1)[0])
        self.keys[zone] = keys
        for k in keys:   # a copy in the entry: tests/forgery signs with a zone's key
            if k.signer and not self.w.zones[zone].get("key_pool"):
                for ext in (".key", ".private"):
                    shutil.copy(k.signer + ext, os.path.join(keydir, os.path.basename(k.signer) + ext))
        self.ds[zone] = dnssec.ds_lines(keys)
        return keys

    def zone_text(self, zone):
        """(zone file text, records to add after signing)."""
        lines = ["$TTL 3600",
                 "%s SOA %s hostmaster.test. %d 3600 600 86400 300" % (zone, self.w.zone_ns(zone),
                                                                       int(self.now)),
                 "%s NS %s" % (zone, self.w.zone_ns(zone))]
        if zone in (".", "test."):  # ns.test.: glue in the root, authoritative in test.
            lines += ["%s A %s" % (model.NS_NAME, model.NS_V4),
                      "%s AAAA %s" % (model.NS_NAME, model.NS_V6)]
        # NSEC3 opt-out: insecure delegations stay out of the NSEC3 chain, so
        # the covering opt-out NSEC3 is what proves they have no DS.
        optout = (self.w.zones[zone].get("nsec3") or {}).get("optout")
        late = []
        for child in self.children.get(zone, []):
            copts = self.w.zones[child]
            secure = copts["signed"] and copts["ds"] and not copts.get("unreachable")
            into = lines if secure or not optout else late
            if copts.get("unreachable"):
                ns = "ns." + child
                into += ["%s NS %s" % (child, ns), "%s A %s" % (ns, model.UNREACHABLE_V4)]
                continue
            into.append("%s NS %s" % (child, self.w.zone_ns(child)))
            if secure:
                lines.extend(self.ds[child])
        for owner, rtype, rd in self.by_zone.get(zone, []):
            lines.append("%s %s %s" % (owner, rtype, rd))
        return "\n".join(lines) + "\n", late

    def build_zones(self):
        self.children = {}   # zone -> delegated child zones
        for z in self.w.zones:
            if z != ".":
                self.children.setdefault(self.parent_zone(z), []).append(z)
        self.by_zone = {}    # zone -> [(owner, TYPE, rdata)]
        for (owner, rtype), rds in self.rrs.items():
            z = self.by_zone.setdefault(self.w.zone_of(owner), [])
            z.extend((owner, rtype, rd) for rd in rds)
        served = [z for z, o in self.w.zones.items() if not o.get("unreachable")]
        signed = [z for z in served if self.w.zones[z]["signed"]]
        self.keystore = dnssec.KeyStore(os.path.join(cache_root(), "keys"))
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            list(ex.map(self.zone_keys, signed))
            list(ex.map(self.write_zone, served))
        shutil.rmtree(os.path.join(self.out, "pool-keys"), ignore_errors=True)
        anchors = [k for k in self.keys["."] if k.flags == 257 and k.spec["publish"]]
        self.write("root.key", "".join(". 3600 IN DNSKEY %s\n" % k.rdata for k in anchors))
        self.write("root.hints", ". 3600000 NS %s\n%s 3600000 A %s\n%s 3600000 AAAA %s\n" % (
            model.NS_NAME, model.NS_NAME, model.NS_V4, model.NS_NAME, model.NS_V6))

    def write_zone(self, zone):
        fname = "root" if zone == "." else bare(zone)
        rel = "zones/%s.zone" % fname
        text, late = self.zone_text(zone)
        self.write(rel, text + "".join(l + "\n" for l in late))
        if not self.w.zones[zone]["signed"]:
            self.zone_files[zone] = rel
            return
        srel = rel + ".signed"
        dnssec.sign(zone, text, late, self.keys[zone], self.w.zones[zone], self.p(srel), self.now)
        self.zone_files[zone] = srel
        if self.w.zones[zone].get("key_pool"):   # (big populations: 10,000 files fewer)
            os.unlink(self.p(rel))

    # -- web content ------------------------------------------------------------------
    def build_web(self):
        self.web_manifest = []
        for name, a in self.w.web.items():
            body = policy_body(a)
            rel = "www/%s/policy" % bare(name)
            if body is not None:
                self.write(rel, body)
            self.web_manifest.append({
                "name": bare(name), "cert": a["cert"], "path": a["path"],
                "status": 301 if a.get("redirect") else a["status"],
                "redirect": a.get("redirect"), "content_type": a["content_type"],
                "file": rel if body is not None else None,
                "body_sha256": hashlib.sha256(body).hexdigest() if body is not None else None,
                "body_len": len(body) if body is not None else None,
                "script": a.get("script"), "behaviour": a.get("behaviour"),
                "tls": self.endpoints[name]["dir"]})

    # -- manifest -------------------------------------------------------------------------
    def build_manifest(self):
        import checks
        smtp = []
        for name, a in self.w.hosts.items():
            for fam in ("A", "AAAA"):
                for ip in self.host_addr[name][fam]:
                    entry = {"name": bare(name), "ip": ip, "mode": a["smtp"],
                             "script": a.get("script"), "behaviour": a.get("behaviour"),
                             "tls": self.endpoints[name]["dir"]}
                    if a.get("fault"):
                        entry["fault"] = a["fault"]
                    if a["smtp"] == "tail":
                        entry.update({k: a[k] for k in model.TAIL_KEYS})
                    smtp.append(entry)
        nameservers = [{"id": ident, "name": ns["name"], "delay_ms": ns["delay_ms"], "fault": ns["fault"],
                        "ips": self.ns_addr[ident]["A"] + self.ns_addr[ident]["AAAA"]}
                       for ident, ns in self.w.nameservers.items()]
        vhosts = [{"name": bare(n), "ip": ip, "delay_ms": self.w.web[n].get("delay_ms") or 0,
                   "fault": self.w.web[n].get("fault")} for n, ip in self.vhost_addr.items()]
        # Addresses put on lo one by one: the infrastructure and every listener
        # outside the local-route ranges (long-tail hosts, providers, vhosts
        # with their own address cost nothing per address).
        v4 = [model.NS_V4, model.RESOLVER_V4, model.WEB_V4] + \
            [s["ip"] for s in smtp if ":" not in s["ip"] and not in_local_ranges(s["ip"])]
        if any(w["script"] for w in self.web_manifest):   # scripted vhosts (hostile peers)
            v4.append(model.SCRIPT_WEB_V4)
        if self.w.nameservers:
            v4.append(model.PROVIDER_NSD_V4)
        v6 = [model.NS_V6, model.RESOLVER_V6] + [s["ip"] for s in smtp if ":" in s["ip"]
                                                 and not in_local_ranges(s["ip"])]
        man = {
            "built_at": int(self.now),
            "resolver": model.RESOLVER_V4, "resolver6": model.RESOLVER_V6,
            "ns": [model.NS_V4, model.NS_V6], "web_ip": model.WEB_V4,
            "script_web_ip": model.SCRIPT_WEB_V4,
            "addresses": {"v4": sorted(set(v4)), "v6": sorted(set(v6))},
            "local_ranges": model.LOCAL_RANGES,
            "files": {"ca": "ca.pem", "trust_anchor": "root.key", "root_hints": "root.hints",
                      "intermediate": "ca/intermediate.pem"},
            # "nsd": which NSD serves the zone: "main" (192.0.2.53), or
            # "providers" (behind the name-server providers' addresses)
            "zones": [{"name": z, "file": f, "nsd": "providers" if self.w.zones[z].get("ns") else "main"}
                      for z, f in self.zone_files.items()],
            "provider_nsd": model.PROVIDER_NSD_V4,
            "smtp": smtp, "web": self.web_manifest,
            "nameservers": nameservers, "vhost_addresses": vhosts,
        }
        # runtime.json: what netns.py needs to start the servers, without the
        # self-test's checks (at 100,000 domains those are most of the bytes)
        self.write("runtime.json", json.dumps(man, separators=(",", ":")))
        man["scenarios"] = checks.derive_all(self)
        self.write("manifest.json", json.dumps(man, separators=(",", ":")))

    def build(self):
        self.build_pki()
        self.build_records()
        self.build_zones()
        self.build_web()
        self.build_manifest()


def policy_body(a):
    """Render the policy (or raw body) of a vhost as bytes; None = no file."""
    if a.get("redirect") or a["status"] != 200 and "body" not in a:
        return None
    if "body" in a:
        text = a["body"]
        lines = text.split("\n")
    else:
        pol = a.get("policy", {})
        lines = ["version: %s" % pol.get("version", "STSv1"), "mode: %s" % pol.get("mode", "enforce")]
        lines += ["mx: %s" % m for m in pol.get("mx", [])]
        if pol.get("max_age") is not None:
            lines.append("max_age: %s" % pol.get("max_age", 604800))
        lines += pol.get("extra", [])
    eol = "\r\n" if a["eol"] == "crlf" else "\n"
    body = "".join(l + eol for l in lines)
    if a.get("pad_to"):
        head = "x-padding: "
        n = a["pad_to"] - len(body) - len(head) - len(eol)
        if n > 0:
            body += head + "a" * n + eol
    return body.encode()


def build_entry(world, key):
    root = cache_root()
    os.makedirs(root, exist_ok=True)
    final = os.path.join(root, key)
    if os.path.exists(os.path.join(final, "manifest.json")):
        return final
    with open(os.path.join(root, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # one builder at a time; others wait, then reuse
        if os.path.exists(os.path.join(final, "manifest.json")):
            return final
        tmp = os.path.join(root, ".tmp-%d" % os.getpid())
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        try:
            Builder(world, tmp).build()
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        prune(root, keep=final)
    return final


def prune(root, keep):
    """Drop cache entries not used for two days (never the one just built)."""
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if path == keep or name.startswith(".") or not os.path.isdir(path):
            continue
        if time.time() - os.path.getmtime(path) > 2 * 86400:
            shutil.rmtree(path, ignore_errors=True)


def main():
    try:
        files = model.definition_files()
        world = model.load_world(files)
    except (model.DefinitionError, OSError, ValueError, KeyError) as e:
        sys.exit("testbed: scenario definitions: %s" % e)
    if sys.argv[1:] == ["--list"]:
        print("\n".join(world.scenarios))
        return
    key = input_hash(files, list(world.scenarios))
    try:
        entry = build_entry(world, key)
    except model.DefinitionError as e:
        sys.exit("testbed: %s" % e)
    os.utime(entry)
    print(entry)


if __name__ == "__main__":
    main()
