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
NS_V4, NS_V6 = "192.0.2.53", "2001:db8::53"          # NSD: root, test., all zones without "ns"
PROVIDER_NSD_V4 = "192.0.2.55"                       # 2nd NSD: the zones of name-server providers
RESOLVER_V4, RESOLVER_V6 = "192.0.2.1", "2001:db8::1"  # Unbound (validating)
WEB_V4 = "203.0.113.10"                              # nginx: every HTTPS vhost (SNI)
SCRIPT_WEB_V4 = "203.0.113.11"                       # scripted HTTPS vhosts ("script": hostile peers)
UNREACHABLE_V4 = "192.0.2.254"                       # never configured: nothing answers
NS_NAME = "ns.test."
# Address ranges made local with one route each (`ip route add local RANGE dev
# lo`), so tens of thousands of addresses cost nothing at start-up:
TAIL_V4, TAIL_V6 = "10.64.0.0/10", "2001:db8:64::/48"      # "smtp": "tail" and faulty hosts
NSP_V4, NSP_V6 = "10.53.0.0/16", "2001:db8:53::/48"        # name-server providers
VHOST_V4 = "10.44.0.0/16"                                  # vhosts with delay_ms or a fault
LOCAL_RANGES = [TAIL_V4, TAIL_V6, NSP_V4, NSP_V6, VHOST_V4]

HOST_KEYS = {"family", "cert", "cert_names", "chain", "smtp", "tlsa", "address", "script"}
HOST_KEYS |= {"key"}   # named key the host serves (same key as {key:LABEL})
HOST_KEYS |= {"behaviour"}   # what a scripted server ("smtp": "script") does there
HOST_KEYS |= {"fault"}       # "drop" / "refuse": nft drops or refuses the host's packets
TAIL_KEYS = {"delay_ms", "greet_delay_ms", "starttls"}   # only with "smtp": "tail"
HOST_KEYS |= TAIL_KEYS
CERT_KINDS = {"valid", "other-name", "expired", "self-signed", "self-signed-expired"}
SMTP_MODES = {"starttls", "plain", "refused", "script", "tail"}
FAULTS = {"drop", "refuse"}
# Bounds of the latency attributes (milliseconds).
MAX_DELAY_MS = {"delay_ms": 10000, "greet_delay_ms": 600000}
MAX_VHOST_DELAY_MS = 60000
NS_PROVIDER_KEYS = {"delay_ms", "fault", "family"}
MAX_NS_PROVIDERS = 4000
MAX_KEY_POOL = 1000


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
            "templates": {}, "scenarios": {}, "pki": {}, "nameservers": {}}
    for path in files:
        with open(path) as f:
            data = json.load(f)
        for key in ("zones", "hosts", "web", "templates", "scenarios", "nameservers"):
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
        self.nameservers = {} # provider id -> {"delay_ms", "fault", "family", "name"}

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
        tail_attrs(attrs, "%s: host %s" % (who, name))
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
        vhost_latency_attrs(attrs, "%s: web %s" % (who, name))
        if name in self.web and self.web[name] != attrs:
            raise DefinitionError("%s: web host %s defined twice differently" % (who, name))
        self.web[name] = attrs
        if attrs.get("cname"):
            self.records.append((name, "CNAME", fqdn(attrs["cname"]), who))
        elif attrs.get("script"):   # served by a scripted server, not nginx
            self.records.append((name, "A", SCRIPT_WEB_V4, who))
        elif attrs.get("delay_ms") or attrs.get("fault"):   # own address (build.py allocates it)
            self.records.append((name, "A", "{vhost_ip:%s}" % name, who))
        else:
            self.records.append((name, "A", "{web_ip}", who))

    def add_nameserver(self, ident, attrs, who):
        """A DNS provider: one name server <id>.ns.test. in front of NSD."""
        if not re.fullmatch(r"[a-z0-9-]{1,40}", ident):
            raise DefinitionError("%s: name-server provider %r: want [a-z0-9-]{1,40}" % (who, ident))
        attrs = dict(attrs or {})
        unknown = set(attrs) - NS_PROVIDER_KEYS
        if unknown:
            raise DefinitionError("%s: name-server provider %s: unknown key(s) %s" % (
                who, ident, ", ".join(sorted(unknown))))
        attrs.setdefault("delay_ms", 0)
        attrs.setdefault("fault", None)
        attrs.setdefault("family", "ipv4")
        check_ms(attrs["delay_ms"], MAX_DELAY_MS["delay_ms"], "%s: name-server provider %s: delay_ms" % (who, ident))
        if attrs["fault"] is not None and attrs["fault"] not in FAULTS:
            raise DefinitionError("%s: name-server provider %s: fault %r (want drop or refuse)" % (
                who, ident, attrs["fault"]))
        if attrs["family"] not in ("ipv4", "ipv6", "dual"):
            raise DefinitionError("%s: name-server provider %s: family %r" % (who, ident, attrs["family"]))
        attrs["name"] = "%s.%s" % (ident, NS_NAME)
        self.nameservers[ident] = attrs
        if len(self.nameservers) > MAX_NS_PROVIDERS:
            raise DefinitionError("more than %d name-server providers" % MAX_NS_PROVIDERS)

    def zone_ns(self, zone):
        """The name-server name of a zone (its provider's, or ns.test.)."""
        ident = self.zones[zone].get("ns")
        return self.nameservers[ident]["name"] if ident else NS_NAME

    def zone_dead(self, zone):
        """True when nothing answers for the zone (unreachable, or a provider that drops)."""
        o = self.zones[zone]
        return bool(o.get("unreachable") or o.get("ns") and self.nameservers[o["ns"]]["fault"])

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
             "keys", "nsec3", "ns", "key_pool"}
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
    if opts.get("ns") is not None and opts.get("unreachable"):
        raise DefinitionError("%s: ns and unreachable exclude each other" % who)
    pool = opts.get("key_pool")
    if pool is not None and (not isinstance(pool, int) or isinstance(pool, bool) or not 1 <= pool <= MAX_KEY_POOL):
        raise DefinitionError("%s: key_pool %r: want an integer 1..%d" % (who, pool, MAX_KEY_POOL))
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


def check_ms(value, limit, who):
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
        raise DefinitionError("%s %r: want an integer 0..%d (milliseconds)" % (who, value, limit))


def tail_attrs(attrs, who):
    """Check the long-tail and fault attributes of an SMTP host, fill defaults."""
    fault = attrs.get("fault")
    if fault is not None and fault not in FAULTS:
        raise DefinitionError("%s: fault %r (want drop or refuse)" % (who, fault))
    used = TAIL_KEYS & set(attrs)
    if used and attrs["smtp"] != "tail":
        raise DefinitionError("%s: %s only with \"smtp\": \"tail\"" % (who, ", ".join(sorted(used))))
    if attrs["smtp"] != "tail":
        return
    for key, limit in MAX_DELAY_MS.items():
        attrs.setdefault(key, 0)
        check_ms(attrs[key], limit, "%s: %s" % (who, key))
    attrs.setdefault("starttls", True)
    if not isinstance(attrs["starttls"], bool):
        raise DefinitionError("%s: starttls %r: want true or false" % (who, attrs["starttls"]))


def vhost_latency_attrs(attrs, who):
    """delay_ms and fault of a vhost: both give it its own address."""
    if attrs.get("fault") is not None and attrs["fault"] not in FAULTS:
        raise DefinitionError("%s: fault %r (want drop or refuse)" % (who, attrs["fault"]))
    if attrs.get("delay_ms") is not None:
        check_ms(attrs["delay_ms"], MAX_VHOST_DELAY_MS, "%s: delay_ms" % who)
    if (attrs.get("delay_ms") or attrs.get("fault")) and (attrs.get("cname") or attrs.get("script")):
        raise DefinitionError("%s: delay_ms / fault cannot go with cname or script" % who)


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
    for ident, attrs in defs["nameservers"].items():
        world.add_nameserver(ident, attrs, "global")
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
    for zone, opts in world.zones.items():
        if opts.get("ns") is not None and opts["ns"] not in world.nameservers:
            raise DefinitionError("zone %s: ns %r: no such name-server provider (top-level \"nameservers\")"
                                  % (zone, opts["ns"]))
        check_provider_nesting(world, zone)
    return world


def check_provider_nesting(world, zone):
    """Provider zones are all served by one NSD behind the providers'
    addresses; a query through one provider for a name in another's zone
    below it would be answered there directly, skipping the other provider
    (its delay or fault).  So zones of different providers must not nest."""
    ident = world.zones[zone].get("ns")
    if not ident or zone == ".":
        return
    labels = zone.rstrip(".").split(".")
    for i in range(1, len(labels)):
        anc = ".".join(labels[i:]) + "."
        other = world.zones.get(anc, {}).get("ns")
        if other and other != ident:
            raise DefinitionError("zone %s (ns %s) lies below zone %s (ns %s): zones of different "
                                  "name-server providers cannot nest" % (zone, ident, anc, other))


def reldays(spec, now):
    """'-1d' / '+30d' / '+12h' -> epoch seconds relative to now."""
    m = re.fullmatch(r"([+-]\d+)([dh])", spec)
    if not m:
        raise DefinitionError("bad validity %r (want e.g. -1d, +30d)" % spec)
    return int(now + int(m.group(1)) * (86400 if m.group(2) == "d" else 3600))
