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
           issuer_key=None):
    b = (x509.CertificateBuilder()
         .subject_name(subject).issuer_name(issuer).public_key(pubkey)
         .serial_number(x509.random_serial_number())
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
    return b.sign(signkey, hashes.SHA256())


class CA:
    """Root and intermediate test CAs."""

    def __init__(self):
        self.root_key = new_key()
        self.root = _build(_name("stsdane Test Root CA"), _name("stsdane Test Root CA"),
                           self.root_key.public_key(), self.root_key,
                           NOW - 30 * DAY, NOW + 3650 * DAY, ca=1)
        self.int_key = new_key()
        self.intermediate = _build(_name("stsdane Test Intermediate CA"), self.root.subject,
                                   self.int_key.public_key(), self.root_key,
                                   NOW - 30 * DAY, NOW + 1825 * DAY, ca=0,
                                   issuer_key=self.root_key.public_key())

    def leaf(self, kind, names):
        """Return (key, [leaf, chain certs...]) for a certificate kind.

        kinds: valid, other-name (caller passes the other names), expired,
        self-signed, self-signed-expired.
        """
        key = new_key()
        if kind in ("expired", "self-signed-expired"):
            nb, na = NOW - 400 * DAY, NOW - 30 * DAY
        else:
            nb, na = NOW - DAY, NOW + 365 * DAY
        subject = _name(names[0])
        if kind.startswith("self-signed"):
            cert = _build(subject, subject, key.public_key(), key, nb, na, ca=False, names=names)
            return key, [cert]
        cert = _build(subject, self.intermediate.subject, key.public_key(), self.int_key,
                      nb, na, ca=False, names=names, issuer_key=self.int_key.public_key())
        return key, [cert, self.intermediate]


def spare(label):
    """A key that is not served (old / next key for TLSA), with a self-signed cert."""
    key = new_key()
    cert = _build(_name(label), _name(label), key.public_key(), key, NOW - DAY, NOW + 365 * DAY,
                  ca=False, names=[label])
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
