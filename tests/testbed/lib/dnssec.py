"""Zone keys and zone signing for the testbed (ldns-keygen, ldns-signzone).

A signed zone has the keys its options list (model.key_spec): any mix of
algorithms 8/10/13/14/15/16 and the private algorithm 253, combined keys or a
KSK/ZSK split, keys that are only published (a rollover's next key), keys
that are only named by the parent's DS (a stale DS).  The zone is signed by
ldns-signzone with every key that signs (one RRSIG per algorithm and role, so
two algorithms give double signatures), with NSEC or NSEC3 (iterations, salt,
opt-out).  Then the signed file is post-processed:

  expired_rrsig  the named RRsets' RRSIGs are replaced by signatures of the
                 same keys made with past dates (every other RRSIG stays valid)
  private alg.   keys of algorithm 253 are signed for by a stand-in ECDSA key
                 whose DNSKEY and RRSIGs are rewritten to algorithm 253 with
                 arbitrary key and signature bytes
  corrupt_rrsig  a byte of the named RRsets' signatures is changed

Key generation is cached across builds (ldns-keygen for RSA takes a quarter
of a second per key) in <cache>/keys/, keyed by zone, position, algorithm,
size and role.  A zone with the option key_pool N draws its keys from a pool
of N key sets instead (<cache>/keys/.pool/<slot>/, the slot a hash of the
zone name): thousands of zones then need N key generations, not thousands.
ldns-signzone wants a key file whose owner is the zone, so a pooled key gets
a per-zone copy of its .key (owner rewritten) and .private in the entry.
"""

import base64
import hashlib
import os
import shutil
import struct
import subprocess
import threading

import model
from model import fqdn

STAND_IN_ALG = 13   # signs in place of a private algorithm, then rewritten
# RFC 4034 appendix A.1.1: keys and signatures of algorithm 253 (PRIVATEDNS)
# start with the domain name that identifies the private algorithm.
PRIVATE_ALG_NAME = "private-alg.stsdane-testbed.invalid."
PAST_VALIDITY = ("-30d", "-1d")


def name_wire(name):
    """Canonical (lower-case) wire form of an absolute name."""
    out = b""
    for label in fqdn(name).rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def key_tag(rdata_wire):
    """RFC 4034 appendix B."""
    acc = 0
    for i, byte in enumerate(rdata_wire):
        acc += byte if i & 1 else byte << 8
    acc += (acc >> 16) & 0xFFFF
    return acc & 0xFFFF


class ZoneKey:
    """One key of a zone: its spec, DNSKEY rdata, key tag, DS, and the ldns
    key file that signs for it (None for keys that never sign)."""

    def __init__(self, zone, spec, flags, public_b64, signer=None):
        self.zone, self.spec, self.flags = zone, spec, flags
        self.alg = spec["alg"]
        self.public = public_b64
        wire = struct.pack("!HBB", flags, 3, self.alg) + base64.b64decode(public_b64)
        self.tag = key_tag(wire)
        self.ds_digest = hashlib.sha256(name_wire(zone) + wire).hexdigest().upper()
        self.signer = signer   # ldns basename (stand-in for private algorithms)

    @property
    def rdata(self):
        return "%d 3 %d %s" % (self.flags, self.alg, self.public)

    def dnskey_line(self):
        return "%s 3600 IN DNSKEY %s" % (self.zone, self.rdata)

    def ds_line(self):
        return "%s 3600 IN DS %d %d 2 %s" % (self.zone, self.tag, self.alg, self.ds_digest)


class KeyStore:
    """ldns keys kept across cache entries (the build runs under a lock)."""

    def __init__(self, root):
        self.root = root
        self.locks = {}                     # key directory -> lock (zones sign in threads,
        self.locks_lock = threading.Lock()  # and pooled keys are shared between zones)

    def ldns_key(self, zone, index, alg, bits, flags, subdir=""):
        name = "root" if zone == "." else zone.rstrip(".")
        d = os.path.join(self.root, subdir, name, "%d-%d-%s-%d" % (index, alg, bits or 0, flags))
        with self.locks_lock:
            lock = self.locks.setdefault(d, threading.Lock())
        with lock:
            return self._ldns_key(d, zone, alg, bits, flags)

    def _ldns_key(self, d, zone, alg, bits, flags):
        found = [f[:-8] for f in os.listdir(d) if f.endswith(".private")] if os.path.isdir(d) else []
        if found:
            return os.path.join(d, found[0])
        tmp = d + ".tmp-%d-%d" % (os.getpid(), threading.get_ident())
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        argv = ["ldns-keygen", "-a", model.ALGORITHMS[alg]] + (["-b", str(bits)] if bits else [])
        argv += (["-k"] if flags == 257 else []) + [zone]
        base = subprocess.run(argv, cwd=tmp, check=True, capture_output=True, text=True).stdout.strip()
        shutil.rmtree(d, ignore_errors=True)
        os.rename(tmp, d)
        return os.path.join(d, base)


def read_public(basename):
    """The base64 public key of an ldns .key file."""
    with open(basename + ".key") as f:
        fields = f.read().split(";")[0].split()
    return "".join(fields[fields.index("DNSKEY") + 4:])


def pool_slot(zone, size):
    """The pool key set a zone uses (deterministic, spread by a hash)."""
    return int.from_bytes(hashlib.sha256(fqdn(zone).encode()).digest()[:8], "big") % size


def pooled_key(store, zone, index, alg, bits, flags, size, keydir):
    """A key of the pool, as an ldns key pair for zone in keydir."""
    owner = "pool%d.invalid." % pool_slot(zone, size)
    base = store.ldns_key(owner, index, alg, bits, flags, subdir=".pool")
    public = read_public(base)
    name = "root" if zone == "." else zone.rstrip(".")
    out = os.path.join(keydir, "K%s+%03d+pool%d-%d" % (name, alg, pool_slot(zone, size), index))
    with open(out + ".key", "w") as f:
        f.write("%s\tIN\tDNSKEY\t%d 3 %d %s\n" % (zone, flags, alg, public))
    shutil.copy(base + ".private", out + ".private")
    return out


def zone_keys(store, zone, opts, keydir=None):
    """ZoneKey objects for a signed zone's key specs (keydir: where pooled
    keys get their per-zone key files)."""
    keys = []
    pool = opts.get("key_pool")
    for i, spec in enumerate(opts["keys"]):
        flags = model.KEY_ROLES[spec["role"]]
        if spec["alg"] in model.PRIVATE_ALGORITHMS:
            stand_in = store.ldns_key(zone, i, STAND_IN_ALG, None, flags) if spec["sign"] else None
            public = base64.b64encode(private_prefix(spec["alg"]) + hashlib.sha512(
                ("private-key %d %s %d" % (spec["alg"], zone, i)).encode()).digest()).decode()
            keys.append(ZoneKey(zone, spec, flags, public, stand_in))
        elif pool:
            base = pooled_key(store, zone, i, spec["alg"], spec.get("bits"), flags, pool, keydir)
            keys.append(ZoneKey(zone, spec, flags, read_public(base), base))
        else:
            base = store.ldns_key(zone, i, spec["alg"], spec.get("bits"), flags)
            keys.append(ZoneKey(zone, spec, flags, read_public(base), base))
    return keys


def ds_lines(keys):
    """DS records the parent publishes for a zone whose option ds is true."""
    return [k.ds_line() for k in keys if k.spec["ds"]]


def signzone(zone, src, dst, keys, opts, validity, now):
    inc, exp = validity
    argv = ["ldns-signzone", "-o", zone, "-i", str(model.reldays(inc, now)),
            "-e", str(model.reldays(exp, now)), "-f", dst]
    n3 = opts.get("nsec3")
    if n3:
        argv += ["-n", "-a", "1", "-t", str(n3["iterations"]), "-s", n3["salt"]]
        if n3["optout"]:
            argv.append("-p")
    argv += [src] + [k.signer for k in keys if k.spec["sign"]]
    subprocess.run(argv, check=True, capture_output=True)


def sign(zone, text, late_lines, keys, opts, path, now):
    """Write the signed zone to path.  text: the zone without DNSKEYs;
    late_lines: records added after signing (opt-out: insecure delegations
    stay out of the NSEC3 chain)."""
    published_only = [k.dnskey_line() for k in keys if k.spec["publish"] and not k.spec["sign"]]
    src = path + ".in"
    with open(src, "w") as f:
        f.write(text + "".join(l + "\n" for l in published_only))
    signzone(zone, src, path, keys, opts, opts.get("validity", ["-1d", "+30d"]), now)
    lines = open(path).read().splitlines()
    if opts.get("expired_rrsig"):
        signzone(zone, src, path + ".past", keys, opts, PAST_VALIDITY, now)
        lines = swap_rrsigs(lines, open(path + ".past").read().splitlines(), opts["expired_rrsig"])
        os.unlink(path + ".past")
    os.unlink(src)
    lines += late_lines
    lines = rewrite_private(lines, [k for k in keys if k.alg in model.PRIVATE_ALGORITHMS])
    if opts.get("corrupt_rrsig"):
        lines = corrupt(lines, opts["corrupt_rrsig"])
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def targets(specs):
    return {(fqdn(t.split()[0]), t.split()[1].upper()) for t in specs}


def rrsig_target(fields):
    """(owner, covered TYPE) of an RRSIG line's fields, or None."""
    if len(fields) > 12 and fields[3] == "RRSIG":
        return fields[0].lower(), fields[4].upper()
    return None


def swap_rrsigs(lines, past, specs):
    """Replace the RRSIGs of the named RRsets by the past-dated ones."""
    want = targets(specs)
    old = [l for l in past if rrsig_target(l.split()) in want]
    out = [l for l in lines if rrsig_target(l.split()) not in want]
    missing = want - {rrsig_target(l.split()) for l in old}
    if missing:
        raise model.DefinitionError("expired_rrsig: no RRSIG for %s" % sorted(missing))
    return out + old


def rewrite_private(lines, private_keys):
    """Turn each stand-in key's DNSKEY and RRSIGs into the private-algorithm
    key's: algorithm, key tag, arbitrary key and signature bytes."""
    if not private_keys:
        return lines
    by_public, by_tag = {}, {}
    for k in private_keys:
        if k.signer:
            stand_in = ZoneKey(k.zone, dict(k.spec, alg=STAND_IN_ALG), k.flags, read_public(k.signer))
            by_public[stand_in.public] = k
            by_tag[stand_in.tag] = k
    out = []
    for line in lines:
        f = line.split()
        key = line.split(";")[0].split()   # ldns appends ";{id = ...}" to DNSKEYs
        if len(key) > 7 and key[3] == "DNSKEY" and "".join(key[7:]) in by_public:
            k = by_public["".join(key[7:])]
            line = "\t".join(f[:4] + [k.rdata])
        elif rrsig_target(f) and int(f[5]) == STAND_IN_ALG and int(f[10]) in by_tag:
            k = by_tag[int(f[10])]
            sig = base64.b64encode(private_prefix(k.alg) + hashlib.sha512(line.encode()).digest()).decode()
            f[5], f[10] = str(k.alg), str(k.tag)
            line = "\t".join(f[:12] + [sig])
        out.append(line)
    return out


def private_prefix(alg):
    """Start of a key or signature of a private algorithm: 253 names it by a
    domain name, 254 (PRIVATEOID) by a length-prefixed OID (here 1.3.6.1.4.1.1)."""
    return name_wire(PRIVATE_ALG_NAME) if alg == 253 else bytes([6, 0x2b, 6, 1, 4, 1, 1])


def corrupt(lines, specs):
    """Change a byte of the signature of the RRSIGs covering the named RRsets."""
    want, hit, out = targets(specs), set(), []
    for line in lines:
        f = line.split()
        t = rrsig_target(f)
        if t in want:
            sig = "".join(f[12:])
            f = f[:12] + [("B" if sig[0] != "B" else "C") + sig[1:]]
            line = "\t".join(f)
            hit.add(t)
        out.append(line)
    if want - hit:
        raise model.DefinitionError("corrupt_rrsig: no RRSIG for %s" % sorted(want - hit))
    return out
