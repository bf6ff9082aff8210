#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets (tests/fuzz/corpus/).

Run from anywhere: python3 tests/fuzz/make_corpus.py [--check]
The seeds are committed; this script documents where each comes from (RFC
examples, the testbed's broken records, edge cases) and regenerates them.
The dns_reply target's real replies come from the testbed instead
(capture_dns_replies.py); only its edge cases are written here.
Certificates are made fresh each run (random keys), so rerunning changes
the verify seeds' bytes but not what they exercise. With --check it only
verifies every target has a non-empty corpus.
"""
import datetime
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
REPO = os.path.dirname(os.path.dirname(HERE))
TARGETS = ["sts_record", "sts_policy", "tlsrpt", "tlsa", "smtp_reply", "domain", "scan_input",
           "aggregate", "verify", "dns_reply"]


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        # "\xNN" in a seed means that raw byte; only text with characters
        # beyond U+00FF (a BOM, say) is written as UTF-8.
        try:
            data = data.encode("latin-1")
        except UnicodeEncodeError:
            data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def frame(piece):
    """The length-prefixed framing of fuzz_util.h."""
    return struct.pack(">H", len(piece)) + piece


def sts_record():
    seeds = {
        "rfc8461-example": "v=STSv1; id=20160831085700Z;",
        "testbed-good": "v=STSv1; id=20240101T000000;",
        "testbed-bad-id": "v=STSv1; id=2024-01-01;",
        "testbed-no-id": "v=STSv1;",
        "multiple": "v=STSv1; id=20240101T000000;\nv=STSv1; id=20240202T000000;",
        "extension": "v=STSv1; id=abc123; ext-1=value!x;",
        "bad-version-case": "v=stsv1; id=1;",
        "botched-version": "v=STS1; id=1;",
        "no-space": "v=STSv1;id=1",
        "tabs": "v=STSv1;\tid=1\t;",
        "id-too-long": "v=STSv1; id=" + "a" * 33 + ";",
        "duplicate-id": "v=STSv1; id=1; id=2;",
        "empty-fields": "v=STSv1;;; id=1;;",
        "mixed-rrset": "google-site-verification=xyz\nv=STSv1; id=1;\nv=spf1 -all",
        "nul-inside": "v=STSv1; id=1\x00;",
        "high-bytes": "v=STSv1; id=\xc3\xa9\xff;",
        "empty": "",
        "only-newlines": "\n\n\n",
        "huge": "v=STSv1; id=1; " + "x=" + "y" * 70000,
    }
    for n, s in seeds.items():
        write("sts_record", n, s)


def tlsrpt():
    seeds = {
        "rfc8460-mailto": "v=TLSRPTv1; rua=mailto:reports@example.com",
        "rfc8460-https": "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt",
        "two-uris": "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.net/x",
        "testbed-invalid": "v=TLSRPTv1; rua=tlsrpt@example.test",
        "uri-spaces": "v=TLSRPTv1; rua=mailto:a@example.com , mailto:b@example.com",
        "mailto-params": "v=TLSRPTv1; rua=mailto:a@example.com!10m",
        "no-rua": "v=TLSRPTv1;",
        "two-records": "v=TLSRPTv1; rua=mailto:a@x.test\nv=TLSRPTv1; rua=mailto:b@x.test",
        "wrong-version": "v=TLSRPTv2; rua=mailto:a@x.test",
        "empty-uri": "v=TLSRPTv1; rua=,,",
        "ext": "v=TLSRPTv1; rua=mailto:a@x.test; ext=1",
        "percent": "v=TLSRPTv1; rua=mailto:a%2Cb@x.test",
        "empty": "",
        "huge": "v=TLSRPTv1; rua=" + ",".join("mailto:r%d@example.com" % i for i in range(3000)),
    }
    for n, s in seeds.items():
        write("tlsrpt", n, s)


def sts_policy():
    crlf = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n"
    seeds = {
        "rfc8461-example": crlf,
        "lf-only": crlf.replace("\r\n", "\n"),
        "testing": "version: STSv1\nmode: testing\nmx: mx1.example.com\nmax_age: 86400\n",
        "none": "version: STSv1\nmode: none\nmax_age: 86400\n",
        "no-max-age": "version: STSv1\nmode: enforce\nmx: mx1.example.com\n",
        "max-age-range": "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmax_age: 31557601\n",
        "max-age-huge": "version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 999999999999999999999999\n",
        "bad-mx-pattern": "version: STSv1\nmode: enforce\nmx: postmaster@mx1.example.com\nmax_age: 1\n",
        "wildcard-deep": "version: STSv1\nmode: enforce\nmx: *.*.example.com\nmx: *\nmx: .\nmax_age: 1\n",
        "near-miss": "version: STSv1\nmode: enforce\nnmx: mx1.example.com\nmax-age: 5\nmx : a.example.com\nmax_age: 5\n",
        "duplicates": "version: STSv1\nversion: STSv1\nmode: enforce\nmode: none\nmx: a.example.com\nmax_age: 1\nmax_age: 2\n",
        "no-trailing-newline": "version: STSv1\nmode: enforce\nmx: a.example.com\nmax_age: 1",
        "whitespace": "  version :STSv1 \n\tmode:\tenforce\nmx:a.example.com  \nmax_age:  1\n",
        "html": "<html><body>404 Not Found</body></html>\n",
        "bom": "\ufeffversion: STSv1\nmode: enforce\nmx: a.example.com\nmax_age: 1\n",
        "bare-cr": "version: STSv1\rmode: enforce\rmx: a.example.com\rmax_age: 1\r",
        "nul": "version: STSv1\nmode: enf\x00orce\nmx: a.example.com\nmax_age: 1\n",
        "idn-mx": "version: STSv1\nmode: enforce\nmx: b\xc3\xbccher.example\nmx: xn--bcher-kva.example\nmax_age: 1\n",
        "empty": "",
        "many-mx": "version: STSv1\nmode: enforce\n" + "".join("mx: mx%d.example.com\n" % i for i in range(2000)) + "max_age: 1\n",
        "max-size": ("version: STSv1\nmode: enforce\nmax_age: 1\n" + "x" * 65536)[:65536],
    }
    for n, s in seeds.items():
        write("sts_policy", n, s)


def tlsa():
    sha256 = bytes(range(32))
    sha512 = bytes(range(64))
    rd = lambda u, s, m, data: bytes([u, s, m]) + data
    write("tlsa", "3-1-1", frame(rd(3, 1, 1, sha256)))
    write("tlsa", "rollover", frame(rd(3, 1, 1, sha256)) + frame(rd(3, 1, 1, sha256[::-1])))
    write("tlsa", "agility", frame(rd(3, 1, 1, sha256)) + frame(rd(3, 1, 2, sha512)) + frame(rd(2, 0, 1, sha256)))
    write("tlsa", "unusable", frame(rd(1, 1, 1, sha256)) + frame(rd(0, 0, 1, sha256)) + frame(rd(4, 2, 3, b"x")))
    write("tlsa", "bad-length", frame(rd(3, 1, 1, sha256[:31])) + frame(rd(3, 1, 2, sha256)))
    write("tlsa", "full-garbage", frame(rd(3, 1, 0, b"\x30\x03\x02\x01\x00")) + frame(rd(3, 0, 0, b"\x30\x80")))
    write("tlsa", "empty-data", frame(rd(3, 1, 1, b"")))
    write("tlsa", "short", b"\x00\x02\x03\x01")
    write("tlsa", "text-3-1-1", "3 1 1 " + sha256.hex())
    write("tlsa", "text-spaced", "2 0 1 " + " ".join(sha256.hex()[i:i + 8] for i in range(0, 64, 8)).upper())
    write("tlsa", "text-bad", "3 1 256 zz")
    write("tlsa", "text-leading-zeros", "003 001 001 " + sha256.hex())
    write("tlsa", "empty", b"")
    write("tlsa", "huge", frame(rd(3, 0, 0, b"\x41" * 65000)))


def smtp_reply():
    # First byte: low nibble = chunk size - 1, bit 4 = small limits.
    ehlo = ("250-mx1.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
            "250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n")
    seeds = {
        "banner": "\x0f220 mx1.example.com ESMTP Postfix\r\n",
        "ehlo-byte-by-byte": "\x00" + ehlo,
        "banner-then-ehlo": "\x07220 mx.example.com ESMTP\r\n" + ehlo,
        "bare-lf": "\x03250-a\n250-STARTTLS\n250 b\n",
        "code-only": "\x0f250\r\n",
        "mixed-codes": "\x0f250-a\r\n251 b\r\n",
        "bad-separator": "\x0f250xhello\r\n",
        "short-code": "\x0f25 ok\r\n",
        "greylist": "\x0f421 4.7.0 try again later\r\n",
        "nul": "\x0f220 a\x00b\r\n",
        "cr-only": "\x0f220 a\rb\r\n",
        "small-limits-long": "\x1f250-" + "x" * 100 + "\r\n250 y\r\n",
        "starttlsx": "\x0f250-mx\r\n250-STARTTLSX\r\n250 starttls\r\n",
        "empty": "",
        "one-byte": "\x0f",
        "huge": "\x0f" + "250-" + "a" * 70000 + "\r\n",
        "many-lines": "\x0f" + "250-x\r\n" * 3000 + "250 end\r\n",
    }
    for n, s in seeds.items():
        write("smtp_reply", n, s)


def domain():
    seeds = {
        "plain": "example.com",
        "trailing-dot": "Example.COM.",
        "blanks": "  mail.example.org \t",
        "idn": "b\xc3\xbccher.example",
        "idn-mixed": "M\xc3\xbcnchen.Example",
        "a-label": "xn--bcher-kva.example",
        "bad-a-label": "xn--zz.example",
        "single-label": "localhost",
        "empty": "",
        "dots": "..",
        "label-64": "a" * 64 + ".com",
        "name-254": ".".join(["a" * 62] * 4) + ".ab",
        "underscore": "_mta-sts.example.com",
        "hyphens": "-a-.example.com",
        "ipv4": "192.0.2.1",
        "ipv6": "[2001:db8::1]",
        "nul": "exa\x00mple.com",
        "invalid-utf8": "\xff\xfe.example",
        "emoji": "\xf0\x9f\x98\x80.example",
        "fullwidth-dot": "example\xef\xbc\x8ecom",
        "huge": "a." * 5000 + "com",
    }
    for n, s in seeds.items():
        write("domain", n, s)


def scan_input():
    seeds = {
        "plain": "example.com\nexample.org\n# comment\n\nb\xc3\xbccher.example\n",
        "crlf": "example.com\r\nexample.net\r\n",
        "tranco-csv": "1,google.com\n2,facebook.com\n3,b\xc3\xbccher.example\n",
        "csv-header": "rank,domain,extra\n1,example.com,x\n2,example.org,y\n",
        "csv-header-swapped": "domain,rank\nexample.com,5\n",
        "csv-quoted": "rank,domain\n1,\"example.com\"\n2,\"a,b\"\n",
        "bom": "\ufeffexample.com\n",
        "invalid-rows": "not a domain\nexa\x00mple.com\n\xff\xfe\nlocalhost\n-bad-.com\n",
        "rank-huge": "99999999999999999999999,example.com\n-1,example.org\n",
        "no-final-newline": "example.com\nexample.org",
        "only-comments": "# a\n#\n   \n\t\n",
        "long-line": "a" * 5000 + ".com\nexample.com\n",
        "huge-line": "x" * 70000 + "\nexample.com\n",
        "many-columns": ",".join(["x"] * 500) + "\n",
        "one-newline": "\n",
    }
    for n, s in seeds.items():
        write("scan_input", n, s)


def aggregate():
    fixtures = os.path.join(REPO, "tests", "report", "fixtures")
    for name in ("snapshot-1.jsonl", "snapshot-2.jsonl"):
        path = os.path.join(fixtures, name)
        if not os.path.exists(path):
            continue
        lines = open(path, encoding="utf-8").read().splitlines()
        for i, line in enumerate(lines[:6]):
            write("aggregate", "%s-%d" % (name.split(".")[0], i), line + "\n")
        write("aggregate", name.split(".")[0] + "-first-two", "\n".join(lines[:2]) + "\n")
    minimal = {"domain": "a.example", "scanned_at": "2025-01-01T00:00:00Z", "mx": [],
               "mtasts": {"status": "absent"}, "dane": {"status": "insecure"},
               "tlsrpt": {"status": "absent"},
               "verdict": {"profiles": {}, "protected_by": "none", "conflicts": []}, "findings": []}
    write("aggregate", "minimal", json.dumps(minimal) + "\n")
    wrong_types = dict(minimal, mx={"host": 1}, findings="x", verdict=[], scanned_at=5,
                       dane={"status": "valid", "tlsa": 7})
    write("aggregate", "wrong-types", json.dumps(wrong_types) + "\n")
    write("aggregate", "not-objects", "[]\n1\n\"s\"\nnull\n{\n{}\n")
    write("aggregate", "deep", "[" * 2000 + "]" * 2000 + "\n")
    write("aggregate", "bad-time", json.dumps(dict(minimal, scanned_at="2025-13-45T99:99:99Z")) + "\n")
    write("aggregate", "empty", "")


def verify():
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        print("make_corpus: python3-cryptography is missing; verify seeds not written", file=sys.stderr)
        return
    t = datetime.datetime
    valid = (t(2020, 1, 1), t(2040, 1, 1))

    def cert(cn, key, issuer=None, issuer_key=None, ca=False, sans=None, when=valid):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        b = (x509.CertificateBuilder().subject_name(name)
             .issuer_name(issuer.subject if issuer else name)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(when[0]).not_valid_after(when[1])
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
        return b.sign(issuer_key or key, hashes.SHA256())

    der = lambda c: c.public_bytes(serialization.Encoding.DER)
    k = lambda: ec.generate_private_key(ec.SECP256R1())
    root_k, int_k, leaf_k = k(), k(), k()
    root = cert("Fuzz Root", root_k, ca=True)
    inter = cert("Fuzz Intermediate", int_k, root, root_k, ca=True)
    leaf = cert("mx1.example.com", leaf_k, inter, int_k, sans=["mx1.example.com"])
    wild = cert("wild", leaf_k, inter, int_k, sans=["*.example.com"])
    other = cert("other", leaf_k, inter, int_k, sans=["mail.example.net"])
    expired = cert("mx1.example.com", leaf_k, inter, int_k, sans=["mx1.example.com"],
                   when=(t(2019, 1, 1), t(2020, 1, 1)))
    selfsigned = cert("mx1.example.com", leaf_k, sans=["mx1.example.com"])
    # Flag byte: 0x01 3 1 1 of the leaf, 0x02 3 0 0, 0x04 2 0 1 of the last
    # certificate, 0x08 2 1 2, 0x10 MX name as extra reference, 0x20 odd case.
    chain = lambda flags, *certs: bytes([flags]) + b"".join(frame(der(c)) for c in certs)
    write("verify", "full-chain-dane-ee", chain(0x01, leaf, inter, root))
    write("verify", "full-chain-dane-ta", chain(0x14, leaf, inter, root))
    write("verify", "wildcard", chain(0x28, wild, inter, root))
    write("verify", "name-mismatch", chain(0x04, other, inter, root))
    write("verify", "expired", chain(0x05, expired, inter, root))
    write("verify", "self-signed", chain(0x03, selfsigned))
    write("verify", "wrong-order", chain(0x0f, inter, leaf, root))
    write("verify", "leaf-only", chain(0x01, leaf))
    truncated = der(leaf)[:100]
    write("verify", "truncated-der", bytes([0x01]) + frame(truncated) + frame(der(root)))
    write("verify", "garbage", bytes([0xff]) + frame(b"\x30\x82\xff\xff" + b"\x00" * 16))
    write("verify", "empty-frames", bytes([0x01]) + frame(b"") + frame(b""))
    write("verify", "empty", b"")


def dns_reply():
    """Edge cases of the wire format (src/dns/wire.h). The real replies of
    this target are captured in the testbed by capture_dns_replies.py, which
    leaves these "edge-" seeds alone."""
    def name(text):
        return b"".join(bytes([len(l)]) + l.encode() for l in text.split(".") if l) + b"\0"

    def header(flags=0x8180, qd=1, an=0, ns=0, ar=0):
        return struct.pack(">HHHHHH", 0, flags, qd, an, ns, ar)

    question = name("both-good.test") + struct.pack(">HH", 15, 1)
    mx = b"\xc0\x0c" + struct.pack(">HHIH", 15, 1, 300, 4) + b"\x00\x0a\xc0\x0c"
    opt = lambda ext_rcode: b"\0" + struct.pack(">HHBBHH", 41, 1232, ext_rcode, 0, 0x8000, 0)
    seeds = {
        "empty": b"",
        "header-only": header(qd=0),
        "no-question": header(qd=0, an=1) + mx,
        "two-questions": header(qd=2) + question + question,
        "mx-self-pointer": header(an=1) + question + mx,
        "pointer-loop": header() + b"\xc0\x0c" + struct.pack(">HH", 1, 1),
        "pointer-forward": header() + b"\xc0\x20" + struct.pack(">HH", 1, 1) + b"\0" * 20,
        "name-too-long": header() + b"".join(b"\x3f" + b"a" * 63 for _ in range(4)) + b"\0" + struct.pack(">HH", 1, 1),
        "label-64": header() + b"\x40" + b"a" * 64 + b"\0" + struct.pack(">HH", 1, 1),
        "rdlength-past-end": header(an=1) + question + b"\xc0\x0c" + struct.pack(">HHIH", 15, 1, 300, 200) + b"\0\x0a",
        "97-records": header(an=97) + question + mx * 97,
        "96-records": header(an=96) + question + mx * 96,
        "extended-rcode": header(flags=0x8183, ar=1) + question + opt(1),
        "truncated": header(flags=0x8380) + question,
        "rrsig-short": header(an=1) + question + b"\xc0\x0c" + struct.pack(">HHIH", 46, 1, 300, 18) + b"\0" * 18,
        "nsec-bad-bitmap": header(ns=1) + question + b"\xc0\x0c" + struct.pack(">HHIH", 47, 1, 300, 5) +
        b"\0\x00\x21\xff\xff",
        "soa-compressed": header(ns=1) + question + b"\xc0\x0c" + struct.pack(">HHIH", 6, 1, 300, 24) +
        b"\xc0\x0c\xc0\x0c" + b"\0" * 20,
    }
    for n, data in seeds.items():
        write("dns_reply", "edge-" + n, data)


def check():
    bad = [t for t in TARGETS if not os.path.isdir(os.path.join(CORPUS, t)) or not os.listdir(os.path.join(CORPUS, t))]
    if bad:
        print("make_corpus: no seeds for " + ", ".join(bad), file=sys.stderr)
        return 1
    return 0


def main():
    if "--check" in sys.argv[1:]:
        return check()
    for gen in (sts_record, tlsrpt, sts_policy, tlsa, smtp_reply, domain, scan_input, aggregate, verify, dns_reply):
        gen()
    return check()


if __name__ == "__main__":
    sys.exit(main())
