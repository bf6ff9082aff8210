"""Test PKI: a root CA, an intermediate CA and leaf certificates.

All keys are ECDSA P-256 (fast to generate, fine for TLS and DANE).  The root
plays the role of the public WebPKI roots (STSDANE_CA_FILE); leaves are issued
by the intermediate.  python3-cryptography is used because it can back-date
certificates (expired ones), which `openssl x509 -req` cannot.
"""

import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DAY = datetime.timedelta(days=1)
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def new_key():
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def cert_der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def spki_der(cert):
    return cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "stsdane testbed"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _build(subject, issuer, pubkey, signkey, not_before, not_after, ca, names=None,
           issuer_key=None, seed=None):
    b = (x509.CertificateBuilder()
         .subject_name(subject).issuer_name(issuer).public_key(pubkey)
         .serial_number(seed.serial(subject, pubkey) if seed else x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=ca is not False, path_length=ca if ca is not False else None),
                        critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pubkey), critical=False))
    if issuer_key is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key), critical=False)
    if ca is not False:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                            critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                            critical=True)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    cert = b.sign(signkey, hashes.SHA256())
    return seed.resign(cert, signkey) if seed else cert


class CA:
    """Root and intermediate test CAs."""

    def __init__(self, seed=None):
        """seed (a Seed) makes the CA and every certificate it issues
        byte-identical in every build of the same week."""
        self.seed = seed
        now = seed.now if seed else NOW
        self.now = now
        self.root_key = seed.key("ca:root") if seed else new_key()
        self.root = _build(_name("stsdane Test Root CA"), _name("stsdane Test Root CA"),
                           self.root_key.public_key(), self.root_key,
                           now - 30 * DAY, now + 3650 * DAY, ca=1, seed=seed)
        self.int_key = seed.key("ca:intermediate") if seed else new_key()
        self.intermediate = _build(_name("stsdane Test Intermediate CA"), self.root.subject,
                                   self.int_key.public_key(), self.root_key,
                                   now - 30 * DAY, now + 1825 * DAY, ca=0,
                                   issuer_key=self.root_key.public_key(), seed=seed)

    def leaf(self, kind, names, key=None):
        """Return (key, [leaf, chain certs...]) for a certificate kind.

        kinds: valid, other-name (caller passes the other names), expired,
        self-signed, self-signed-expired.  key: the key to certify (default:
        a fresh one).
        """
        key = key or new_key()
        now, seed = self.now, self.seed
        if kind in ("expired", "self-signed-expired"):
            nb, na = now - 400 * DAY, now - 30 * DAY
        else:
            nb, na = now - DAY, now + 365 * DAY
        subject = _name(names[0])
        if kind.startswith("self-signed"):
            cert = _build(subject, subject, key.public_key(), key, nb, na, ca=False, names=names,
                          seed=seed)
            return key, [cert]
        cert = _build(subject, self.intermediate.subject, key.public_key(), self.int_key,
                      nb, na, ca=False, names=names, issuer_key=self.int_key.public_key(), seed=seed)
        return key, [cert, self.intermediate]


def spare(label, key=None, seed=None):
    """A key that is not served (old / next key for TLSA), with a self-signed
    cert.  key: the key to use (default: a fresh one); seed: deterministic."""
    key = key or new_key()
    now = seed.now if seed else NOW
    cert = _build(_name(label), _name(label), key.public_key(), key, now - DAY, now + 365 * DAY,
                  ca=False, names=[label], seed=seed)
    return key, cert


_ASSOC = {}   # (id(cert), selector, mtype) -> hex; certs live as long as the build


def tlsa_data(usage, selector, mtype, cert):
    """The TLSA certificate-association data (hex) for cert (memoised: a big
    population asks for the same few hundred MX keys many thousand times)."""
    key = (id(cert), selector, mtype)
    if key not in _ASSOC:
        _ASSOC[key] = _tlsa_data(selector, mtype, cert)
    return _ASSOC[key]


def _tlsa_data(selector, mtype, cert):
    data = cert_der(cert) if selector == 0 else spki_der(cert)
    if mtype == 1:
        return hashlib.sha256(data).hexdigest()
    if mtype == 2:
        return hashlib.sha512(data).hexdigest()
    return data.hex()


# -- deterministic material ----------------------------------------------------
# A build whose definitions carry {"pki": {"seed": S}} derives every key from S
# and a label, dates certificates from the start of the current week, derives
# serial numbers, and signs with a deterministic nonce.  Two builds with
# different definitions (snapshot 1 and snapshot 2 of a two-snapshot test)
# then serve byte-identical certificates for everything that did not change,
# and a host with another "key" label really serves a new key.  The keys are
# public by construction (the seed is in the repository): testbed use only.
# python3-cryptography 38 (Debian 12) has no deterministic ECDSA, hence the
# small P-256 implementation below, used only to sign.

_P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff
_P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
_P256_G = (0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296,
           0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5)
WEEK = 7 * DAY


def _p256_add(p1, p2):
    """Affine point addition on P-256 (None is the point at infinity)."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2), p = p1, p2, _P256_P
    if x1 == x2 and (y1 + y2) % p == 0:
        return None
    if p1 == p2:
        lam = (3 * x1 * x1 - 3) * pow(2 * y1, -1, p) % p
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, p) % p
    x3 = (lam * lam - x1 - x2) % p
    return x3, (lam * (x1 - x3) - y1) % p


def _p256_mul(k, point):
    out = None
    while k:
        if k & 1:
            out = _p256_add(out, point)
        point = _p256_add(point, point)
        k >>= 1
    return out


def _ecdsa_sign(d, message):
    """ECDSA P-256 / SHA-256 signature (r, s) with a nonce derived from the
    key and the message (in the spirit of RFC 6979)."""
    import hmac
    digest = hashlib.sha256(message).digest()
    z = int.from_bytes(digest, "big")
    for counter in range(1000):
        mac = hmac.new(d.to_bytes(32, "big"), digest + counter.to_bytes(4, "big"), hashlib.sha256)
        k = int.from_bytes(mac.digest(), "big") % _P256_N
        if k == 0:
            continue
        r = _p256_mul(k, _P256_G)[0] % _P256_N
        s = pow(k, -1, _P256_N) * (z + r * d) % _P256_N
        if r and s:
            return r, s
    raise RuntimeError("deterministic ECDSA: no usable nonce")


def _der_tlv(tag, content):
    n = len(content)
    if n < 0x80:
        head = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + head + content


def _der_children(der):
    """The raw TLVs inside the outer SEQUENCE of der."""
    def tlv_end(pos):
        n = der[pos + 1]
        if n < 0x80:
            return pos + 2, pos + 2 + n
        cnt = n & 0x7f
        start = pos + 2 + cnt
        return start, start + int.from_bytes(der[pos + 2:start], "big")
    start, end = tlv_end(0)
    out, pos = [], start
    while pos < end:
        _, nxt = tlv_end(pos)
        out.append(der[pos:nxt])
        pos = nxt
    return out


class Seed:
    """Deterministic keys, serials, dates and signatures for one seed."""

    def __init__(self, seed, now_epoch):
        self.seed = str(seed).encode()
        week_start = int(now_epoch) // int(WEEK.total_seconds()) * int(WEEK.total_seconds())
        self.now = datetime.datetime.fromtimestamp(week_start, datetime.timezone.utc)

    def _hash(self, *parts):
        return hashlib.sha256(b"\0".join([b"stsdane-testbed", self.seed] + list(parts))).digest()

    def key(self, label):
        """The P-256 key named label (the same in every build with this seed)."""
        scalar = int.from_bytes(self._hash(b"key", label.encode()), "big") % (_P256_N - 1) + 1
        return ec.derive_private_key(scalar, ec.SECP256R1())

    def serial(self, subject, pubkey):
        spki = pubkey.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)
        h = self._hash(b"serial", subject.public_bytes(), spki)
        return int.from_bytes(h[:16], "big") >> 1 | 1   # positive, < 2^127, not 0

    def resign(self, cert, signkey):
        """cert with its (randomised) signature replaced by a deterministic one."""
        der = cert_der(cert)
        tbs, alg, _ = _der_children(der)
        d = signkey.private_numbers().private_value
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
        sig = encode_dss_signature(*_ecdsa_sign(d, tbs))
        new = x509.load_der_x509_certificate(_der_tlv(0x30, tbs + alg + _der_tlv(0x03, b"\0" + sig)))
        signkey.public_key().verify(new.signature, new.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
        return new
