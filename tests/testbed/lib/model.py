"""Scenario data model of the testbed.

Loads the scenario definition files (tests/testbed/scenarios.json plus the
files named in STSDANE_TESTBED_EXTRA), resolves 'like' inheritance and '<d>'
substitution, and flattens everything into one World: zones, SMTP hosts, web
virtual hosts and DNS records.  No I/O besides reading the JSON files; the
builder (build.py) turns a World into keys, certificates and signed zones.
"""

import copy
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
TESTBED = os.path.dirname(HERE)
DEFAULT_DEFS = os.path.join(TESTBED, "scenarios.json")
SHARED_SCENARIOS = os.path.normpath(os.path.join(TESTBED, "..", "..", "..", "shared", "scenarios"))
# Every domain of these public catalogues must have a definition (STSDANE_CATALOGUE:
# another list of files, separated by ':').
CATALOGUES = [os.path.join(SHARED_SCENARIOS, n) for n in ("catalogue.json", "dnssec-variety.json")]

# Fixed infrastructure addresses (inside the private namespace only).
NS_V4, NS_V6 = "192.0.2.53", "2001:db8::53"          # NSD: root, test., all zones
RESOLVER_V4, RESOLVER_V6 = "192.0.2.1", "2001:db8::1"  # Unbound (validating)
WEB_V4 = "203.0.113.10"                              # nginx: every HTTPS vhost (SNI)
SCRIPT_WEB_V4 = "203.0.113.11"                       # scripted HTTPS vhosts ("script": hostile peers)
UNREACHABLE_V4 = "192.0.2.254"                       # never configured: nothing answers
NS_NAME = "ns.test."

HOST_KEYS = {"family", "cert", "cert_names", "chain", "smtp", "tlsa", "address", "script"}
HOST_KEYS |= {"key"}   # named key the host serves (same key as {key:LABEL})
HOST_KEYS |= {"behaviour"}   # what a scripted server ("smtp": "script") does there
CERT_KINDS = {"valid", "other-name", "expired", "self-signed", "self-signed-expired"}
SMTP_MODES = {"starttls", "plain", "refused", "script"}


class DefinitionError(Exception):
    pass


def fqdn(name):
    """Lower-case absolute name with trailing dot ('.' stays '.')."""
    name = name.strip().lower()
    return name if name.endswith(".") else name + "."


def bare(name):
    return name.rstrip(".") if name != "." else "."


def merge(base, over):
    """Deep merge: dicts merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base.get(k), v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


def subst(obj, domain):
    """Replace '<d>' by the scenario domain in every string of obj."""
    if isinstance(obj, str):
        return obj.replace("<d>", domain)
    if isinstance(obj, list):
        return [subst(x, domain) for x in obj]
    if isinstance(obj, dict):
        return {subst(k, domain): subst(v, domain) for k, v in obj.items()}
    return obj


def definition_files():
    files = [DEFAULT_DEFS]
    extra = os.environ.get("STSDANE_TESTBED_EXTRA", "")
    files += [os.path.abspath(p) for p in extra.split(":") if p]
    return files


def catalogue_files():
    env = os.environ.get("STSDANE_CATALOGUE", "")
    return [p for p in env.split(":") if p] if env else list(CATALOGUES)


def catalogue_domains(paths=None):
    domains = []
    for path in paths or catalogue_files():
        if not os.path.isfile(path):
            raise DefinitionError("catalogue %s not found: the public catalogues live in "
                                  "../shared/scenarios next to the checkout (or set STSDANE_CATALOGUE)" % path)
        with open(path) as f:
            domains += [s["domain"] for s in json.load(f)["scenarios"]]
    return domains


def load_definitions(files):
    """Merge all definition files; later files win (same domain = replaced)."""
    defs = {"zones": {}, "hosts": {}, "web": {}, "records": [],
            "templates": {}, "scenarios": {}, "pki": {}}
    for path in files:
        with open(path) as f:
            data = json.load(f)
        for key in ("zones", "hosts", "web", "templates", "scenarios"):
            defs[key].update(data.get(key, {}))
        defs["records"] += data.get("records", [])
        defs["pki"].update(data.get("pki", {}))   # {"seed": S}: deterministic PKI
    return defs


def resolve_scenario(defs, domain):
    """Apply 'like' inheritance (recursively), then substitute <d>."""
    seen = []

    def raw(name):
        if name in seen:
            raise DefinitionError("'like' loop: %s" % " -> ".join(seen + [name]))
        seen.append(name)
        src = defs["scenarios"].get(name, defs["templates"].get(name))
        if src is None:
            raise DefinitionError("%s: 'like' refers to unknown %r" % (domain, name))
        if "like" in src:
            return merge(raw(src["like"]), {k: v for k, v in src.items() if k != "like"})
        return copy.deepcopy(src)

    return subst(raw(domain), domain)


class World:
    """Everything the testbed serves, flattened from the scenario data."""

    def __init__(self):
        self.zones = {}       # fqdn -> options (see zone_options)
        self.hosts = {}       # fqdn -> SMTP host attributes
        self.web = {}         # fqdn -> HTTPS vhost attributes
        self.records = []     # (owner fqdn, type, rdata template, scenario or None)
        self.scenarios = {}   # domain -> resolved definition
        self.keys = set()     # labels of spare keys ({key:LABEL})
        self.pki = {}         # PKI options ("seed": deterministic keys and certificates)

    # -- collection helpers -------------------------------------------------
    def add_zone(self, name, opts, who):
        name = fqdn(name)
        opts = zone_options(opts, "%s: zone %s" % (who, name))
        if name in self.zones and self.zones[name] != opts:
            raise DefinitionError("%s: zone %s defined twice differently" % (who, name))
        self.zones[name] = opts

    def add_host(self, name, attrs, who):
        name = fqdn(name)
        attrs = {k: v for k, v in attrs.items() if k in HOST_KEYS}
        attrs.setdefault("family", "ipv4")
        attrs.setdefault("cert", "valid")
        attrs.setdefault("chain", "default")
        attrs.setdefault("smtp", "starttls")
        attrs.setdefault("tlsa", [])
        if attrs["cert"] not in CERT_KINDS:
            raise DefinitionError("%s: host %s: unknown cert kind %r" % (who, name, attrs["cert"]))
        if attrs["smtp"] not in SMTP_MODES:
            raise DefinitionError("%s: host %s: unknown smtp mode %r" % (who, name, attrs["smtp"]))
        if name in self.hosts and self.hosts[name] != attrs:
            raise DefinitionError("%s: host %s defined twice differently" % (who, name))
        self.hosts[name] = attrs
        for rd in attrs["tlsa"]:
            self.records.append(("_25._tcp." + name, "TLSA", rd.replace("{cert}", "{cert:%s}" % name), who))

    def add_web(self, name, attrs, who):
        name = fqdn(name)
        attrs = dict(attrs)
        attrs.setdefault("cert", "valid")
        attrs.setdefault("status", 200)
        attrs.setdefault("content_type", "text/plain")
        attrs.setdefault("eol", "crlf")
        attrs.setdefault("path", "/.well-known/mta-sts.txt")
        if attrs["cert"] not in CERT_KINDS:
            raise DefinitionError("%s: web %s: unknown cert kind %r" % (who, name, attrs["cert"]))
        if name in self.web and self.web[name] != attrs:
            raise DefinitionError("%s: web host %s defined twice differently" % (who, name))
        self.web[name] = attrs
        if attrs.get("cname"):
            self.records.append((name, "CNAME", fqdn(attrs["cname"]), who))
        elif attrs.get("script"):   # served by a scripted server, not nginx
            self.records.append((name, "A", SCRIPT_WEB_V4, who))
        else:
            self.records.append((name, "A", "{web_ip}", who))

    def add_record(self, line, who):
        parts = line.split(None, 2)
        if len(parts) != 3:
            raise DefinitionError("%s: bad record %r (want 'owner TYPE rdata')" % (who, line))
        self.records.append((fqdn(parts[0]), parts[1].upper(), parts[2], who))

    # -- one scenario ---------------------------------------------------------
    def add_scenario(self, domain, sc):
        d = fqdn(domain)
        self.scenarios[domain] = sc
        if sc.get("zone", {}) is not False:
            self.add_zone(d, sc.get("zone", {}), domain)
        for name, opts in sc.get("zones", {}).items():
            self.add_zone(name, opts, domain)
        for mx in sc.get("mx", []):
            host = fqdn(mx["host"])
            self.records.append((d, "MX", "%d %s" % (mx["pref"], host), domain))
            if host == ".":
                continue
            if mx.get("cname"):
                self.records.append((host, "CNAME", fqdn(mx["cname"]), domain))
            elif HOST_KEYS & set(mx):
                self.add_host(host, mx, domain)
        for name, attrs in sc.get("hosts", {}).items():
            self.add_host(name, attrs, domain)
        sts = sc.get("sts") or {}
        for txt in sts.get("txt") or []:
            self.records.append(("_mta-sts." + d, "TXT", txt_rdata(txt), domain))
        if sts.get("cname"):
            self.records.append(("_mta-sts." + d, "CNAME", fqdn(sts["cname"]), domain))
        if sts.get("policy_host") is not None:
            self.add_web("mta-sts." + d, sts["policy_host"], domain)
        for txt in sc.get("tlsrpt") or []:
            self.records.append(("_smtp._tls." + d, "TXT", txt_rdata(txt), domain))
        for name, attrs in sc.get("web", {}).items():
            self.add_web(name, attrs, domain)
        for line in sc.get("records", []):
            self.add_record(line, domain)

    def zone_of(self, owner):
        """The most specific zone containing owner (every name is under '.')."""
        labels = owner.rstrip(".").split(".")
        for i in range(len(labels)):
            cand = ".".join(labels[i:]) + "."
            if cand in self.zones:
                return cand
        return "."


# -- zone signing options ---------------------------------------------------------
# DNSSEC algorithms the testbed signs with (ldns-keygen names) and the private
# ones (RFC 4034 appendix A.1.1) whose keys and signatures are arbitrary bytes:
# no validator implements them, so a DS naming only them makes a zone insecure.
ALGORITHMS = {8: "RSASHA256", 10: "RSASHA512", 13: "ECDSAP256SHA256",
              14: "ECDSAP384SHA384", 15: "ED25519", 16: "ED448"}
PRIVATE_ALGORITHMS = {253, 254}
KEY_ROLES = {"csk": 257, "ksk": 257, "zsk": 256}   # role -> DNSKEY flags
ZONE_KEYS = {"signed", "ds", "validity", "corrupt_rrsig", "expired_rrsig", "unreachable",
             "keys", "nsec3"}
KEY_KEYS = {"alg", "role", "bits", "sign", "publish", "ds"}


def zone_options(opts, who):
    """Check a zone's options and fill in the defaults: one combined key of
    algorithm 13, NSEC, signatures valid from -1 day to +30 days."""
    opts = dict(opts or {})
    unknown = set(opts) - ZONE_KEYS
    if unknown:
        raise DefinitionError("%s: unknown zone option(s) %s" % (who, ", ".join(sorted(unknown))))
    opts.setdefault("signed", False)
    opts.setdefault("ds", opts["signed"])
    if not opts["signed"]:
        return opts
    opts["keys"] = [key_spec(k, "%s key %d" % (who, i)) for i, k in enumerate(opts.get("keys") or [{}])]
    if not any(k["sign"] for k in opts["keys"]):
        raise DefinitionError("%s: no key signs the zone" % who)
    n3 = opts.get("nsec3")
    if n3:
        n3 = {} if n3 is True else dict(n3)
        if set(n3) - {"iterations", "salt", "optout"}:
            raise DefinitionError("%s: nsec3 takes iterations, salt, optout" % who)
        n3.setdefault("iterations", 0)
        n3.setdefault("salt", "")
        n3.setdefault("optout", False)
        if not re.fullmatch(r"(?:[0-9a-f]{2}){0,255}", n3["salt"].lower()):
            raise DefinitionError("%s: nsec3 salt %r: want hex (\"\" = none)" % (who, n3["salt"]))
        n3["salt"] = n3["salt"].lower()
        opts["nsec3"] = n3
    else:
        opts.pop("nsec3", None)
    for key in ("corrupt_rrsig", "expired_rrsig"):
        for target in opts.get(key, []):
            f = target.split()
            if len(f) != 2:
                raise DefinitionError("%s: %s: want 'owner TYPE', got %r" % (who, key, target))
            if opts.get("nsec3") and f[1].upper() in ("NSEC", "NSEC3"):
                raise DefinitionError("%s: %s: denial records of NSEC3 zones cannot be named" % (who, key))
    return opts


def key_spec(spec, who):
    """One zone key: alg (13), role (csk / ksk / zsk), bits (RSA: 2048),
    sign (true: signs what its role says), publish (true: in the DNSKEY
    RRset), ds (true for csk/ksk: its DS is in the parent)."""
    spec = dict(spec)
    if set(spec) - KEY_KEYS:
        raise DefinitionError("%s: unknown key option(s) %s" % (who, ", ".join(sorted(set(spec) - KEY_KEYS))))
    spec.setdefault("alg", 13)
    spec.setdefault("role", "csk")
    spec.setdefault("sign", True)
    spec.setdefault("publish", True)
    spec.setdefault("ds", spec["role"] != "zsk")
    if spec["alg"] not in ALGORITHMS and spec["alg"] not in PRIVATE_ALGORITHMS:
        raise DefinitionError("%s: algorithm %r (want one of %s)" % (
            who, spec["alg"], sorted(ALGORITHMS) + sorted(PRIVATE_ALGORITHMS)))
    if spec["role"] not in KEY_ROLES:
        raise DefinitionError("%s: role %r (want csk, ksk or zsk)" % (who, spec["role"]))
    if spec["sign"] and not spec["publish"]:
        raise DefinitionError("%s: a key that signs must be published" % who)
    if spec["alg"] in (8, 10):
        spec.setdefault("bits", 2048)
    return spec


def txt_rdata(text):
    """TXT rdata in zone-file syntax, split in 255-byte strings."""
    data = text.encode()
    chunks = [data[i:i + 255] for i in range(0, len(data), 255)] or [b""]
    return " ".join('"%s"' % c.decode().replace("\\", "\\\\").replace('"', '\\"') for c in chunks)


def load_world(files=None, catalogue=None):
    files = files or definition_files()
    defs = load_definitions(files)
    world = World()
    world.add_zone(".", {"signed": True}, "builtin")
    world.add_zone("test.", {"signed": True}, "builtin")
    world.pki = defs["pki"]
    for name, opts in defs["zones"].items():
        world.add_zone(name, opts, "global")
    for name, attrs in defs["hosts"].items():
        world.add_host(name, attrs, "global")
    for name, attrs in defs["web"].items():
        world.add_web(name, attrs, "global")
    for line in defs["records"]:
        world.add_record(line, "global")
    wanted = catalogue_domains(catalogue)
    missing = [d for d in wanted if d not in defs["scenarios"]]
    if missing:
        raise DefinitionError("catalogue domains without a testbed definition: " + ", ".join(missing))
    for domain in defs["scenarios"]:
        world.add_scenario(domain, resolve_scenario(defs, domain))
    return world


def reldays(spec, now):
    """'-1d' / '+30d' / '+12h' -> epoch seconds relative to now."""
    m = re.fullmatch(r"([+-]\d+)([dh])", spec)
    if not m:
        raise DefinitionError("bad validity %r (want e.g. -1d, +30d)" % spec)
    return int(now + int(m.group(1)) * (86400 if m.group(2) == "d" else 3600))
