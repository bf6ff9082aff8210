"""The attacks of the forgery suite (docs/forgery.md).

Each attack rewrites what the hostile resolver (hostile_resolver.py) answers
for a few chosen questions about one victim domain and passes everything else
through. `targets` names the results of `stsdane check --json` the forgery
reaches ("mx", "addr:HOST", "tlsa:HOST", "sts", or "*" for all): each of them
must come out bogus, indeterminate or a failed lookup, never secure and never
insecure. A "transport" attack instead sends a forged packet next to the
genuine one: stsdane must ignore the forged packet, so every result must be
exactly the pass-through control's.

The attacker holds the private keys of zones other than the victim's and its
ancestors (it may run any zone of its own: an ancestor's key holder can
replace the victim's DS, so DNSSEC trusts it by design) and records old
answers; the victim zone's key is
used only to mint signatures outside their validity period, which stands for
a replayed old signature.
"""

import base64
import copy
import glob
import os
import threading
import time

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype as T
import dns.rrset
from cryptography.hazmat.primitives.asymmetric import ec

from hostile_resolver import PassThrough, upstream_exchange



def N(name):
    return name if isinstance(name, dns.name.Name) else dns.name.from_text(name)

DAY = 86400

# The victims: catalogue domains signed with DANE (tests/testbed/scenarios.json),
# plus forgery-wild.test from tests/forgery/forgery.json.
BOTH = "both-good.test."
CNAME_MX = "dane-cname-mx.test."
WILD = "forgery-wild.test."
ATTACKER_ZONE = "dane-ee-good.test."       # a signed zone whose key the attacker holds
PROVIDER = "provider.test."                # the provider zone (signed), key held too
INSECURE_ZONE = "sts-enforce-good.test."   # an unsigned zone (insecure delegation)

FORGED_TLSA = "3 1 1 " + "66" * 32
FORGED_A = "198.51.100.66"
FORGED_AAAA = "2001:db8:66::66"


def tlsa_name(host):
    return "_25._tcp." + host


def mx1(domain):
    return "mx1." + domain


class Context:
    """What the attacker has: the real resolver to ask, and the zone keys of
    the testbed's build cache: ldns files K<zone>+<alg>+<tag>.{key,private}
    in the entry's zones/keys/, or (testbed with per-zone key specs) in
    <cache>/keys/<zone>/<spec>/."""

    def __init__(self, cache_entry, upstream):
        self.upstream = upstream
        self.keydirs = [os.path.join(cache_entry, "zones", "keys"),
                        os.path.join(os.path.dirname(cache_entry), "keys", "*", "*")]
        self.keys = {}
        self.lock = threading.Lock()

    def key(self, zone):
        """(private key, DNSKEY rdata) of an ECDSA P-256 key that zone
        publishes now (a ZSK when there is one), read once."""
        with self.lock:
            if zone not in self.keys:
                published = {rd for rs in self.fetch(zone, T.DNSKEY).answer if rs.rdtype == T.DNSKEY for rd in rs}
                found = []
                for d in self.keydirs:
                    for path in glob.glob(os.path.join(d, "K%s+013+*.private" % zone)):
                        private, dnskey = read_ldns_key(path[:-len(".private")])
                        if dnskey in published:
                            found.append((dnskey.flags != 256, private, dnskey))
                if not found:
                    raise RuntimeError("no algorithm-13 key of %s that it publishes in %s" % (zone, self.keydirs))
                _, private, dnskey = min(found, key=lambda f: f[0])
                self.keys[zone] = (private, dnskey)
            return self.keys[zone]

    def sign(self, rrset, key_zone, signer=None, valid=(-DAY, 30 * DAY)):
        """An RRSIG RRset over rrset made with key_zone's private key, naming
        signer (default key_zone) and valid from now+valid[0] to now+valid[1]."""
        private, dnskey = self.key(key_zone)
        now = int(time.time())
        sig = dns.dnssec.sign(rrset, private, N(signer or key_zone), dnskey,
                              inception=now + valid[0], expiration=now + valid[1])
        return dns.rrset.from_rdata(rrset.name, rrset.ttl, sig)

    def fetch(self, name, rdtype):
        """The real resolver's reply (DO, CD) to a fresh query: material to replay."""
        q = dns.message.make_query(name, rdtype, want_dnssec=True)
        q.flags |= dns.flags.CD
        wire = upstream_exchange(q.to_wire(), self.upstream)
        if wire is None:
            raise RuntimeError("no reply from %s for %s %s" % (self.upstream, name, T.to_text(rdtype)))
        return dns.message.from_wire(wire)


def read_ldns_key(base):
    """(private key, DNSKEY rdata) of an ldns ECDSA P-256 key pair (base.private, base.key)."""
    with open(base + ".private") as f:
        fields = dict(l.split(":", 1) for l in f if ":" in l)
    scalar = int.from_bytes(base64.b64decode(fields["PrivateKey"].strip()), "big")
    with open(base + ".key") as f:
        text = f.read().split(";")[0].split()
    at = text.index("DNSKEY")   # "owner [TTL] IN DNSKEY flags proto alg key"
    dnskey = dns.rdata.from_text(dns.rdataclass.IN, T.DNSKEY, " ".join(text[at + 1:]))
    return ec.derive_private_key(scalar, ec.SECP256R1()), dnskey


# -- reply building -----------------------------------------------------------------

def rrset(name, rdtype, *rdatas, ttl=3600):
    return dns.rrset.from_text(name, ttl, "IN", T.to_text(rdtype), *rdatas)


def reply(ex, answer=(), authority=(), rcode=dns.rcode.NOERROR, flags=0):
    """A reply to ex's question with the given sections (flags and DO as the
    real server would set them)."""
    r = dns.message.make_response(ex.query)
    # Authoritative (AA) towards an iterator, recursive (RA) towards a stub.
    r.flags |= (dns.flags.RA if ex.recursion_desired else dns.flags.AA) | (ex.query.flags & dns.flags.CD) | flags
    if ex.query.edns >= 0:
        r.use_edns(0, ex.query.ednsflags & dns.flags.DO, 1232)
    r.set_rcode(rcode)
    r.answer = [copy.deepcopy(x) for x in answer]
    r.authority = [copy.deepcopy(x) for x in authority]
    return r


def sigs_of(rrsets, covered=None):
    return [x for x in rrsets if x.rdtype == T.RRSIG and (covered is None or x.covers == covered)]


def without_sigs(rrsets):
    return [x for x in rrsets if x.rdtype not in (T.RRSIG, T.NSEC, T.NSEC3)]


def renamed(rs, name):
    out = dns.rrset.RRset(N(name), rs.rdclass, rs.rdtype, rs.covers)
    out.update(rs)
    out.ttl = rs.ttl
    return out


def is_q(ex, name, rdtype):
    return ex.qname == N(name) and ex.qtype == rdtype


def asks_tlsa(ex):
    """The question the TLSA attacks forge: both-good.test's mx1 TLSA."""
    return is_q(ex, tlsa_name(mx1(BOTH)), T.TLSA)


def under(ex, zone):
    return ex.qname.is_subdomain(N(zone))


# -- attacks --------------------------------------------------------------------------

class Attack(PassThrough):
    """Base: pass everything through except what forge() replaces."""
    name = domain = forges = must = rule = ""
    targets = ()
    transport = False
    expected = "bogus"   # what must be reported for the targets (documentation)

    def __init__(self, ctx):
        self.ctx = ctx
        self.fired = 0        # forged replies sent: 0 means stsdane never asked
        self.forged = set()   # the questions answered with forged packets: (name, TYPE)

    def mark(self, ex):
        """Count one forged reply for ex's question."""
        self.fired += 1
        self.forged.add((ex.qname.to_text(omit_final_dot=True).lower(), T.to_text(ex.qtype)))

    def forge(self, ex):
        """A forged reply message for ex, or None to pass the genuine one."""
        return None

    def respond(self, ex):
        forged = self.forge(ex)
        if forged is not None:
            self.mark(ex)
            return [(0, ex.pack(forged))]
        return PassThrough.respond(self, ex)


class SignedTlsaForgery(Attack):
    """The attacker's TLSA at mx1 of both-good.test, signed with key_zone's
    real key under signer (default key_zone), valid over `valid`."""
    domain = BOTH
    targets = ("tlsa:" + mx1(BOTH),)
    must = "TLSA bogus"
    key_zone, signer, valid = BOTH, None, (-DAY, 30 * DAY)

    def forge(self, ex):
        if asks_tlsa(ex):
            forged = rrset(ex.qname, T.TLSA, FORGED_TLSA)
            return reply(ex, [forged, self.ctx.sign(forged, self.key_zone, self.signer, self.valid)])


ATTACKS = []


def attack(cls):
    ATTACKS.append(cls)
    return cls


class VictimKeyControl(SignedTlsaForgery):
    """Not an attack: the negative control of the judge. The attacker's TLSA
    signed with the victim zone's own key and valid dates is, as far as any
    validator can tell, the zone's data: stsdane must report it secure, and
    the judge must call that an acceptance. If it does not, the judge (or
    the hostile resolver) is broken and no "0 accepted" means anything."""
    name = "control-victim-key"


@attack
class StripTlsaRrsig(Attack):
    name = "strip-rrsig-tlsa"
    domain = BOTH
    targets = ("tlsa:" + mx1(BOTH),)
    forges = "the TLSA answer of mx1 without its RRSIG (data unchanged)"
    must = "TLSA bogus: a signed zone's RRset without a signature is not secure, nor insecure"
    rule = "RFC 4035 §5 (a secure zone's RRset must carry a valid RRSIG), §4.3 (bogus)"

    def forge(self, ex):
        if asks_tlsa(ex):
            g = ex.genuine()
            return reply(ex, without_sigs(g.answer), without_sigs(g.authority))


@attack
class StripZone(Attack):
    name = "strip-rrsig-zone"
    domain = BOTH
    targets = ("*",)
    forges = "every answer at or below the victim (DS and DNSKEY included) without RRSIG and NSEC records"
    must = "everything bogus: the parent's signed DS says the zone is signed"
    rule = "RFC 4035 §5.2 (a DS in the parent authenticates the child's DNSKEY), §4.3"

    def forge(self, ex):
        if under(ex, BOTH):
            g = ex.genuine()
            r = reply(ex, without_sigs(g.answer), without_sigs(g.authority), g.rcode())
            return r


@attack
class AlteredTlsa(Attack):
    name = "tlsa-data-altered"
    domain = BOTH
    targets = ("tlsa:" + mx1(BOTH),)
    forges = "the attacker's TLSA record under the genuine RRSIG of the real one"
    must = "TLSA bogus (the signature does not verify)"
    rule = "RFC 4035 §5.3.3 (the signature must verify over the RRset)"

    def forge(self, ex):
        if asks_tlsa(ex):
            g = ex.genuine()
            return reply(ex, [rrset(ex.qname, T.TLSA, FORGED_TLSA)] + sigs_of(g.answer, T.TLSA))


@attack
class ReplayOtherName(Attack):
    name = "rrsig-replay-other-name"
    domain = BOTH
    targets = ("addr:" + mx1(BOTH),)
    forges = "mx1's A: the A RRset and valid RRSIG of mta-sts.<d> (the web server), moved to mx1"
    must = "the MX address bogus (the signature covers the other owner name)"
    rule = "RFC 4035 §5.3.1 (RRSIG owner and class match the RRset), §5.3.2 (owner in the signed data)"

    def forge(self, ex):
        if is_q(ex, mx1(BOTH), T.A):
            g = self.ctx.fetch("mta-sts." + BOTH, T.A)
            return reply(ex, [renamed(x, ex.qname) for x in g.answer])


@attack
class ReplayOtherType(Attack):
    name = "rrsig-replay-other-type"
    domain = BOTH
    targets = ("addr:" + mx1(BOTH),)
    forges = "an AAAA for mx1 (which has none) with mx1's valid A RRSIG relabelled as covering AAAA"
    must = "the MX address bogus"
    rule = "RFC 4035 §5.3.1 (type covered must match), §5.3.2 (type covered is signed)"

    def forge(self, ex):
        if is_q(ex, mx1(BOTH), T.AAAA):
            sig = sigs_of(self.ctx.fetch(mx1(BOTH), T.A).answer, T.A)[0]
            moved = dns.rrset.RRset(sig.name, sig.rdclass, T.RRSIG, T.AAAA)
            for s in sig:
                moved.add(s.replace(type_covered=T.AAAA), sig.ttl)
            return reply(ex, [rrset(ex.qname, T.AAAA, FORGED_AAAA), moved])


@attack
class OtherZoneSigner(SignedTlsaForgery):
    name = "other-zone-signer"
    forges = "the attacker's TLSA, signed by another signed zone (its real key, its own name as signer)"
    rule = "RFC 4035 §5.3.1 (the signer must be the zone that holds the RRset)"
    key_zone = ATTACKER_ZONE


@attack
class OtherZoneKeyAsZone(SignedTlsaForgery):
    name = "other-zone-key-as-zone"
    forges = "the attacker's TLSA, signed with another zone's key but naming the victim zone as signer"
    must = "TLSA bogus (no key of the victim's DNSKEY RRset made it)"
    rule = "RFC 4035 §5.3.1 (signer, algorithm and key tag must match a DNSKEY of the zone)"
    key_zone, signer = ATTACKER_ZONE, BOTH


@attack
class CnameAncestorKeys(Attack):
    name = "cname-ancestor-keys"
    domain = CNAME_MX
    Z = "mx." + CNAME_MX          # a genuine, signed CNAME to smtp.provider.test
    TARGET = "smtp." + PROVIDER
    targets = ("addr:" + Z, "tlsa:" + Z)
    forges = ("an A/AAAA and a TLSA at mx.<d> signed with provider.test's key under signer mx.<d>; "
              "'mx.<d> DNSKEY' is answered by the genuine signed CNAME mx.<d> -> smtp.provider.test "
              "plus a DNSKEY RRset at smtp.provider.test holding provider.test's key, validly "
              "signed by provider.test")
    must = "address and TLSA bogus: mx.<d> is no zone, and keys owned by another name are no keys of it"
    rule = "RFC 4035 §5.3.1 (signer = the zone; the DNSKEY must be the zone apex's, owner = signer name)"

    def sign_here(self, rs):
        return self.ctx.sign(rs, PROVIDER, signer=self.Z)

    def forge(self, ex):
        for rdtype, data, name in ((T.A, FORGED_A, self.Z), (T.AAAA, FORGED_AAAA, self.Z),
                                   (T.TLSA, FORGED_TLSA, tlsa_name(self.Z))):
            if is_q(ex, name, rdtype):
                forged = rrset(name, rdtype, data)
                return reply(ex, [forged, self.sign_here(forged)])
        if is_q(ex, self.Z, T.DNSKEY):
            g = ex.genuine()
            cname = [x for x in g.answer if x.rdtype == T.CNAME or x.covers == T.CNAME]
            keys = dns.rrset.from_rdata(N(self.TARGET), 3600, self.ctx.key(PROVIDER)[1])
            return reply(ex, cname + [keys, self.ctx.sign(keys, PROVIDER)])


@attack
class CnameAtApex(SignedTlsaForgery):
    name = "cname-at-apex-keys"
    targets = ("*",)
    forges = ("'<d> DNSKEY' answered by a CNAME <d> -> dane-ee-good.test (signed by that zone) and "
              "that zone's genuine signed DNSKEY RRset; a TLSA signed with its key under signer <d>")
    must = "everything bogus: the victim's DS matches none of the borrowed keys"
    rule = "RFC 4035 §5.2 (DNSKEY authenticated by the parent's DS), §5.3.1 (owner = signer)"
    key_zone, signer = ATTACKER_ZONE, BOTH

    def forge(self, ex):
        if is_q(ex, BOTH, T.DNSKEY):
            cname = rrset(BOTH, T.CNAME, ATTACKER_ZONE)
            other = self.ctx.fetch(ATTACKER_ZONE, T.DNSKEY)
            return reply(ex, [cname, self.ctx.sign(cname, ATTACKER_ZONE)] + other.answer)
        return SignedTlsaForgery.forge(self, ex)


def soa_at(owner):
    return rrset(owner, T.SOA, "ns.test. hostmaster.test. 1 3600 600 86400 300", ttl=300)


@attack
class CnameAncestorInsecure(Attack):
    name = "cname-ancestor-insecure"
    domain = BOTH
    targets = ("tlsa:" + mx1(BOTH),)
    forges = ("an unsigned NODATA for the TLSA whose SOA names mx1.<d> as the zone; "
              "'mx1.<d> DNSKEY' answered by an unsigned CNAME into an unsigned zone")
    must = "TLSA bogus, never insecure: mx1.<d> lies in the victim's signed zone, proven by the DS chain"
    rule = "RFC 4035 §5.2 (insecure only with a proven absent DS), §4.3"

    def forge(self, ex):
        if asks_tlsa(ex):
            return reply(ex, [], [soa_at(mx1(BOTH))])
        if is_q(ex, mx1(BOTH), T.DNSKEY):
            target = mx1(INSECURE_ZONE)
            g = self.ctx.fetch(target, T.DNSKEY)
            return reply(ex, [rrset(ex.qname, T.CNAME, target)] + g.answer, g.authority)


@attack
class CnameApexInsecure(Attack):
    name = "cname-apex-insecure"
    domain = BOTH
    targets = ("*",)
    forges = ("'<d> DNSKEY' answered by an unsigned CNAME to an unsigned zone's apex; "
              "the attacker's TLSA unsigned, with an SOA at <d>")
    must = "everything bogus, never insecure (the signed DS of <d> exists in test.)"
    rule = "RFC 4035 §5.2, §4.3"

    def forge(self, ex):
        if is_q(ex, BOTH, T.DNSKEY):
            g = self.ctx.fetch(INSECURE_ZONE, T.DNSKEY)
            return reply(ex, [rrset(BOTH, T.CNAME, INSECURE_ZONE)] + g.answer, g.authority)
        if asks_tlsa(ex):
            return reply(ex, [rrset(ex.qname, T.TLSA, FORGED_TLSA)], [soa_at(BOTH)])


@attack
class UnsignedForgery(Attack):
    name = "unsigned-answer"
    domain = BOTH
    targets = ("tlsa:" + mx1(BOTH), "addr:" + mx1(BOTH))
    forges = "the attacker's TLSA and A for mx1, unsigned (a downgrade to insecure)"
    must = "TLSA and address bogus, never insecure"
    rule = "RFC 4035 §4.3 (data in a secure zone without a valid signature is bogus)"

    def forge(self, ex):
        if asks_tlsa(ex):
            return reply(ex, [rrset(ex.qname, T.TLSA, FORGED_TLSA)])
        if is_q(ex, mx1(BOTH), T.A):
            return reply(ex, [rrset(ex.qname, T.A, FORGED_A)])


def soa_only(authority):
    return [x for x in authority if x.rdtype == T.SOA or x.covers == T.SOA]


class ReplayedDenial(Attack):
    """A denial for an existing name made of the genuine signed negative
    answer (SOA, NSEC or NSEC3, RRSIGs) of `proof_of`, filtered by `keep`,
    with rcode (None: the proof's own). Default question: mx1's TLSA."""
    domain = BOTH
    targets = ("tlsa:" + mx1(BOTH),)
    must = "TLSA bogus"
    question = (tlsa_name(mx1(BOTH)), T.TLSA)
    proof_of = None
    rcode = dns.rcode.NXDOMAIN
    proof_type = None   # T.NSEC3: refuse to run when the proof has none (an NSEC testbed)

    def keep(self, authority):
        return authority

    def forge(self, ex):
        if is_q(ex, *self.question):
            g = self.ctx.fetch(*self.proof_of)
            if self.proof_type and not any(x.rdtype == self.proof_type for x in g.authority):
                raise RuntimeError("no %s proof for %s" % (T.to_text(self.proof_type), self.proof_of[0]))
            return reply(ex, [], self.keep(g.authority), g.rcode() if self.rcode is None else self.rcode)


@attack
class NxdomainNoProof(ReplayedDenial):
    name = "nxdomain-no-proof"
    forges = "NXDOMAIN for the existing TLSA name with the zone's genuine signed SOA but no NSEC"
    must = "TLSA bogus: a denial without NSEC proof is not secure, nor insecure (DANE would be off)"
    rule = "RFC 4035 §3.1.3.2 (NXDOMAIN carries NSECs), §5.4 (denial must be proven)"
    proof_of = ("zzz." + BOTH, T.A)

    def keep(self, authority):
        return soa_only(authority)


@attack
class NxdomainOtherZone(ReplayedDenial):
    name = "nsec-other-zone"
    forges = "NXDOMAIN for the TLSA name with another zone's genuine signed SOA and NSEC proof"
    rule = "RFC 4035 §5.4 (the NSEC must come from the name's zone and cover it)"
    proof_of = (tlsa_name("mx9." + ATTACKER_ZONE), T.TLSA)


@attack
class NxdomainNotCovering(ReplayedDenial):
    name = "nsec-not-covering"
    forges = ("NXDOMAIN for the TLSA name with the victim zone's own genuine signed NSECs that "
              "prove another name absent (one of them even shows the TLSA name exists)")
    rule = "RFC 4035 §5.4 (an NSEC must cover the name and the wildcard)"
    proof_of = ("zzz." + BOTH, T.A)


@attack
class NodataMxOwnNsec(ReplayedDenial):
    name = "nodata-mx-own-nsec"
    targets = ("mx",)
    forges = "NODATA for <d> MX with the apex's genuine signed NSEC (whose bitmap lists MX)"
    must = "MX bogus"
    rule = "RFC 4035 §5.4 (NODATA: the NSEC at the name must not list the type)"
    question = (BOTH, T.MX)
    proof_of = (BOTH, T.CAA)
    rcode = dns.rcode.NOERROR


@attack
class NodataTlsaOtherNsec(ReplayedDenial):
    name = "nodata-tlsa-other-nsec"
    forges = "NODATA for the TLSA with the genuine signed NSEC of another name (_mta-sts.<d>)"
    rule = "RFC 4035 §5.4 (NODATA: an NSEC whose owner is the query name)"
    proof_of = ("_mta-sts." + BOTH, T.TLSA)
    rcode = dns.rcode.NOERROR


@attack
class WildcardNoProof(Attack):
    name = "wildcard-no-proof"
    domain = WILD
    targets = ("tlsa:" + mx1(WILD),)
    forges = ("the TLSA of mx1 replaced by the expansion of *._tcp.mx1.<d> (genuine RRSIG with "
              "labels 4) without the NSEC proving that _25._tcp.mx1.<d> does not exist")
    must = "TLSA bogus (the name exists: no wildcard expansion may answer for it)"
    rule = "RFC 4035 §5.3.4 (a wildcard answer needs an NSEC proving no closer match)"
    keep_proof = False

    def forge(self, ex):
        if is_q(ex, tlsa_name(mx1(WILD)), T.TLSA):
            g = self.ctx.fetch("_26._tcp." + mx1(WILD), T.TLSA)
            return reply(ex, [renamed(x, ex.qname) for x in g.answer],
                         g.authority if self.keep_proof else [])


@attack
class WildcardWrongProof(WildcardNoProof):
    name = "wildcard-wrong-proof"
    forges = ("as wildcard-no-proof, with the genuine NSEC proof of the expansion for _26._tcp.mx1.<d>"
              " (whose owner is the TLSA name: it proves the name exists)")
    keep_proof = True


@attack
class ExpiredSignature(SignedTlsaForgery):
    name = "expired-signature"
    forges = "the attacker's TLSA with a correct signature by the zone key that expired a week ago (a replay)"
    rule = "RFC 4035 §5.3.1 (the validation time must be before the expiration)"
    # A week: validators allow some clock skew (Unbound up to a day, 10% of
    # the validity period), and a day-old signature is inside it.
    valid = (-60 * DAY, -7 * DAY)


@attack
class FutureSignature(SignedTlsaForgery):
    name = "not-yet-valid-signature"
    forges = "the attacker's TLSA with a correct signature by the zone key valid only from a week on"
    rule = "RFC 4035 §5.3.1 (the validation time must be after the inception)"
    valid = (7 * DAY, 60 * DAY)


@attack
class DnskeyTwoOwners(SignedTlsaForgery):
    name = "dnskey-two-owners"
    forges = ("'<d> DNSKEY' answered with the genuine signed RRset plus dane-ee-good.test's genuine "
              "signed DNSKEY RRset; the attacker's TLSA signed with that zone's key under signer <d>")
    must = "TLSA bogus: only the DNSKEY RRset owned by <d> holds <d>'s keys"
    rule = "RFC 4035 §5.3.1 (the DNSKEY's owner must equal the signer name)"
    key_zone, signer = ATTACKER_ZONE, BOTH

    def forge(self, ex):
        if is_q(ex, BOTH, T.DNSKEY):
            return reply(ex, ex.genuine().answer + self.ctx.fetch(ATTACKER_ZONE, T.DNSKEY).answer)
        return SignedTlsaForgery.forge(self, ex)


@attack
class DsDeletionNoProof(Attack):
    name = "ds-deletion-no-proof"
    domain = BOTH
    targets = ("*",)
    forges = ("NODATA for '<d> DS' with test.'s genuine signed SOA but no NSEC, and every answer "
              "below stripped of signatures (plus the attacker's unsigned TLSA)")
    must = "everything bogus: without a proven absent DS the zone is not insecure"
    rule = "RFC 4035 §5.2 (insecure delegation only when the NSEC proves no DS), §5.4"

    def denial(self):
        return soa_only(self.ctx.fetch("zzz.test.", T.A).authority)

    def forge(self, ex):
        if is_q(ex, BOTH, T.DS):
            return reply(ex, [], self.denial())
        if asks_tlsa(ex):
            return reply(ex, [rrset(ex.qname, T.TLSA, FORGED_TLSA)])
        if under(ex, BOTH):
            g = ex.genuine()
            return reply(ex, without_sigs(g.answer), without_sigs(g.authority), g.rcode())


@attack
class DsDeletionOtherNsec(DsDeletionNoProof):
    name = "ds-deletion-other-nsec"
    forges = ("as ds-deletion-no-proof, the DS denial carrying the genuine signed NSEC of another, "
              "unsigned delegation (" + INSECURE_ZONE + ", which proves no DS there)")
    rule = "RFC 4035 §5.4 (NODATA: the NSEC's owner must be the query name)"

    def denial(self):
        return self.ctx.fetch(INSECURE_ZONE, T.DS).authority


@attack
class QuestionMismatch(Attack):
    name = "question-mismatch"
    domain = BOTH
    transport = True
    forges = ("first, a reply with the right ID but another question: the genuine signed NXDOMAIN "
              "of _25._tcp.mx2.<d>; then the genuine reply")
    must = "the forged packet ignored: results identical to the control (TLSA secure, the real record)"
    rule = "RFC 5452 §4.3 (accept a reply only for the question asked), RFC 4035 §5.4"

    def respond(self, ex):
        if asks_tlsa(ex):
            other = self.ctx.fetch(tlsa_name("mx2." + BOTH), T.TLSA)
            self.mark(ex)
            return [(0, ex.pack(other)), (0.05, ex.pack(ex.genuine()))]
        return PassThrough.respond(self, ex)


@attack
class IdMismatch(Attack):
    name = "id-mismatch"
    domain = BOTH
    transport = True
    forges = ("first, a reply to the right question with another ID, saying NXDOMAIN with the "
              "zone's genuine signed SOA; then the genuine reply")
    must = "the forged packet ignored: results identical to the control"
    rule = "RFC 5452 §4.3 (the ID must match), RFC 1035 §7.3"

    def respond(self, ex):
        if asks_tlsa(ex):
            forged = reply(ex, [], self.ctx.fetch("zzz." + BOTH, T.A).authority, dns.rcode.NXDOMAIN)
            wire = bytearray(ex.pack(forged))
            wire[0:2] = ((ex.query.id ^ 0x5a5a) & 0xffff).to_bytes(2, "big")
            self.mark(ex)
            return [(0, bytes(wire)), (0.05, ex.pack(ex.genuine()))]
        return PassThrough.respond(self, ex)


@attack
class TruncatedThenForgedTcp(Attack):
    name = "tc-then-forged-tcp"
    domain = BOTH
    targets = ("tlsa:" + mx1(BOTH),)
    forges = "TC=1 over UDP for the TLSA, then the attacker's unsigned TLSA over TCP"
    must = "TLSA bogus (TCP data gets the same validation)"
    rule = "RFC 4035 §4.3, RFC 7766 (TCP carries the same answers)"

    def forge(self, ex):
        if asks_tlsa(ex):
            if ex.transport == "udp":
                return reply(ex, flags=dns.flags.TC)
            return reply(ex, [rrset(ex.qname, T.TLSA, FORGED_TLSA)])


@attack
class TruncatedWithForgedData(Attack):
    name = "tc-partial-forged"
    domain = BOTH
    transport = True
    forges = ("a UDP reply with TC=1 holding the attacker's unsigned TLSA and A; the genuine "
              "replies over TCP")
    must = "the truncated data never used: results identical to the control"
    rule = "RFC 1035 §4.2.1 and RFC 7766 §5 (a truncated reply is retried over TCP)"

    def forge(self, ex):
        if ex.transport != "udp":
            return None
        if asks_tlsa(ex):
            return reply(ex, [rrset(ex.qname, T.TLSA, FORGED_TLSA)], flags=dns.flags.TC)
        if is_q(ex, mx1(BOTH), T.A):
            return reply(ex, [rrset(ex.qname, T.A, FORGED_A)], flags=dns.flags.TC)


@attack
class DnskeySilence(Attack):
    name = "dnskey-silence"
    domain = BOTH
    targets = ("*",)
    forges = "nothing: every query for '<d> DNSKEY' goes unanswered (UDP and TCP)"
    must = "everything bogus or indeterminate (keys unknown), within the time bounds, no crash"
    rule = "RFC 4035 §4.3 (indeterminate), RFC 4033 §5"

    def respond(self, ex):
        if is_q(ex, BOTH, T.DNSKEY):
            self.mark(ex)
            return []
        return PassThrough.respond(self, ex)


# NSEC3 (RFC 5155) victims of ../shared/scenarios/dnssec-variety.json; the
# runner skips these attacks on a testbed that does not build them.
NSEC3_DENIAL = "dnssec-nsec3-denial.test."    # NSEC3, algorithm 13, TLSA at mx1 only
NSEC3_WILD = "dnssec-wildcard-tlsa.test."     # NSEC3, TLSA only as *._tcp.mx1


class Nsec3DenialForgery(ReplayedDenial):
    """A denial of mx1's existing TLSA in an NSEC3 zone from the genuine
    signed negative answer of proof_of, with its rcode."""
    domain = NSEC3_DENIAL
    targets = ("tlsa:" + mx1(NSEC3_DENIAL),)
    must = "TLSA bogus: the NSEC3 records do not prove this name absent"
    question = (tlsa_name(mx1(NSEC3_DENIAL)), T.TLSA)
    rcode = None
    proof_type = T.NSEC3


@attack
class Nsec3NotCovering(Nsec3DenialForgery):
    name = "nsec3-not-covering"
    forges = ("a denial of mx1's TLSA made of the zone's own genuine signed NSEC3 proof that "
              "_25._tcp.zzz.<d> does not exist")
    rule = "RFC 5155 §8.4, §8.5 (the NSEC3 must match the closest encloser and cover the next closer name)"
    proof_of = (tlsa_name("zzz." + NSEC3_DENIAL), T.TLSA)


@attack
class Nsec3OtherName(Nsec3DenialForgery):
    name = "nsec3-other-name"
    forges = "a denial of mx1's TLSA made of the zone's genuine signed NSEC3 proof for mx2's (absent) TLSA"
    rule = "RFC 5155 §8.5, §8.6 (the proof must be for the query name)"
    proof_of = (tlsa_name("mx2." + NSEC3_DENIAL), T.TLSA)


@attack
class Nsec3OtherZone(Nsec3DenialForgery):
    name = "nsec3-other-zone"
    forges = "a denial of mx1's TLSA made of another NSEC3 zone's genuine signed proof (" + NSEC3_WILD + ")"
    rule = "RFC 5155 §8.3 (NSEC3 records of the name's zone only)"
    proof_of = (tlsa_name("zzz." + NSEC3_WILD), T.TLSA)


@attack
class Nsec3WildcardNoProof(Attack):
    name = "nsec3-wildcard-no-proof"
    domain = NSEC3_WILD
    targets = ("tlsa:" + mx1(NSEC3_WILD),)
    forges = ("the genuine wildcard-synthesised TLSA of mx1 (RRSIG labels 4) with the NSEC3 proof "
              "that no closer name exists removed")
    must = "TLSA bogus: the expansion is unproven (an attacker could hide a closer name)"
    rule = "RFC 5155 §8.8 (a wildcard answer needs the NSEC3 covering the next closer name)"

    def forge(self, ex):
        if is_q(ex, tlsa_name(mx1(NSEC3_WILD)), T.TLSA):
            g = ex.genuine()
            if not any(x.rdtype == T.NSEC3 for x in g.authority):
                raise RuntimeError("no NSEC3 proof in the wildcard answer for %s" % ex.qname)
            return reply(ex, g.answer, [x for x in g.authority if x.rdtype != T.NSEC3 and x.covers != T.NSEC3])
