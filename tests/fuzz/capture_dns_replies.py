#!/usr/bin/env python3
"""Captures the seed corpus of the dns_reply fuzz target: real DNS replies
in wire format, from the testbed's validating resolver: the messages
libunbound hands to src/dns/answer_packet.c look the same.

Run as root from the repository root (the hostile scenarios add CNAME loops,
long chains, huge RRsets and long names):

    STSDANE_TESTBED_EXTRA=$PWD/tests/testbed/hostile.json \\
      tests/testbed/run python3 tests/fuzz/capture_dns_replies.py

Each query is sent once over UDP to STSDANE_RESOLVER port 53 (RD, CD, EDNS0
with DO and a 1232-byte payload), and each reply is written as it came, only its
ID zeroed, to tests/fuzz/corpus/dns_reply/ (replacing the captures there;
make_corpus.py's "edge-" seeds stay). The names and types: every DNS
check the testbed derives for its scenarios (MX, the MX hosts' A/AAAA, TLSA
at _25._tcp.<host>, _mta-sts and _smtp._tls TXT, policy hosts), plus per
domain its DNSKEY and DS, a name that does not exist (NXDOMAIN) and a type
its apex lacks (NODATA), and a few queries of the root and test. zones, and
some without DO or without EDNS0 (unsigned replies). Replies of the same
shape (rcode, flags, section counts and record types) are kept once, except
for the two zones below, whose replies are all kept.
"""
import json
import os
import socket
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "dns_reply")
# The zones the fuzz target's zone table holds: a signed scenario with MX,
# TLSA, MTA-STS and TLSRPT records, and an unsigned one.
SECURE_ZONE = "both-good.test"
INSECURE_ZONE = "sts-enforce-good.test"
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28, "DS": 43, "RRSIG": 46,
         "NSEC": 47, "DNSKEY": 48, "TLSA": 52}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
PAYLOAD = 1232


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def build_query(qname, qtype, do=True, edns=True):
    """RD + CD (0x0110) as the stub sends; an OPT record with DO unless told not."""
    header = struct.pack(">HHHHHH", 0, 0x0110, 1, 0, 0, 1 if edns else 0)
    q = header + wire_name(qname) + struct.pack(">HH", qtype, 1)
    if edns:
        q += b"\0" + struct.pack(">HHBBHH", 41, PAYLOAD, 0, 0, 0x8000 if do else 0, 0)
    return q


def read_name(buf, pos):
    """(name, position after it) with compression; raises on malformed input."""
    labels, end, hops = [], None, 0
    while True:
        n = buf[pos]
        if n >= 0xC0:
            if end is None:
                end = pos + 2
            pos = ((n & 0x3F) << 8) | buf[pos + 1]
            hops += 1
            if hops > 64:
                raise ValueError("compression loop")
            continue
        pos += 1
        if n == 0:
            return ".".join(labels).lower(), end if end is not None else pos
        labels.append(buf[pos:pos + n].decode("latin-1"))
        pos += n


def records(buf):
    """[(section, owner, type, rdata offset, rdlength)] of the answer, authority and additional sections."""
    qd, an, ns, ar = struct.unpack(">HHHH", buf[4:12])
    pos = 12
    for _ in range(qd):
        _, pos = read_name(buf, pos)
        pos += 4
    out = []
    for section, count in ((1, an), (2, ns), (3, ar)):
        for _ in range(count):
            owner, pos = read_name(buf, pos)
            rtype, _, _, rdlen = struct.unpack(">HHIH", buf[pos:pos + 10])
            out.append((section, owner, rtype, pos + 10, rdlen))
            pos += 10 + rdlen
    return out


def shape(buf):
    """What makes two replies alike for the parser: rcode, flags, records by section and type."""
    try:
        return (struct.unpack(">H", buf[2:4])[0] & 0x87FF,
                tuple((s, t) for s, _, t, _, _ in records(buf)))
    except (IndexError, ValueError, struct.error):
        return ("unparsed", buf)


def ask(sock, resolver, query):
    sock.sendto(query, (resolver, 53))
    while True:
        reply, _ = sock.recvfrom(65535)
        if reply[:2] == query[:2]:
            return reply


def queries(manifest):
    """(qname, TYPE, do, edns) in a fixed order: the testbed's own DNS checks, then ours."""
    out = [(".", "DNSKEY", True, True), ("test", "DNSKEY", True, True), ("test", "DS", True, True),
           ("test", "SOA", True, True), ("nx-tld-fuzz", "A", True, True), ("test", "NS", True, True),
           (SECURE_ZONE, "MX", False, True), (SECURE_ZONE, "MX", True, False),
           (INSECURE_ZONE, "MX", False, False), ("nx." + SECURE_ZONE, "A", False, True)]
    for domain in sorted(manifest["scenarios"]):
        for check in manifest["scenarios"][domain].get("checks", []):
            if check.get("type") == "dns" and check["qtype"] in TYPES:
                out.append((check["qname"].rstrip("."), check["qtype"], True, True))
        out += [(domain, "DNSKEY", True, True), (domain, "DS", True, True), (domain, "AAAA", True, True),
                ("nx-fuzz." + domain, "A", True, True), (domain, "SOA", True, True)]
    seen, unique = set(), []
    for q in out:
        if q not in seen:
            seen.add(q)
            unique.append(q)
    return unique


def file_name(qname, qtype, do, edns):
    name = (qname.strip(".") or "root")[:80] + "-" + qtype
    return name + ("" if edns and do else "-nodo" if edns else "-noedns")


def in_zone(qname, zone):
    return qname == zone or qname.endswith("." + zone)


def main():
    resolver = os.environ.get("STSDANE_RESOLVER")
    manifest_path = os.environ.get("STSDANE_TESTBED_MANIFEST")
    if not resolver or not manifest_path:
        sys.exit("capture_dns_replies: run inside the testbed (tests/testbed/run python3 %s)" % sys.argv[0])
    manifest = json.load(open(manifest_path))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if not old.startswith("edge-"):  # make_corpus.py's edge cases stay
            os.unlink(os.path.join(OUT, old))
    shapes, written, lost = set(), 0, 0
    for qname, qtype, do, edns in queries(manifest):
        query = bytearray(build_query(qname, TYPES[qtype], do, edns))
        query[0:2] = struct.pack(">H", (written * 7919 + 1) & 0xFFFF)
        try:
            reply = bytearray(ask(sock, resolver, bytes(query)))
        except socket.timeout:
            lost += 1
            continue
        reply[0:2] = b"\0\0"
        known = in_zone(qname, SECURE_ZONE) or in_zone(qname, INSECURE_ZONE)
        s = shape(bytes(reply))
        if s in shapes and not known:
            continue
        shapes.add(s)
        with open(os.path.join(OUT, file_name(qname, qtype, do, edns)), "wb") as f:
            f.write(reply)
        written += 1
    print("capture_dns_replies: %d replies in %s (%d lost)" % (written, OUT, lost))
    return 0


if __name__ == "__main__":
    sys.exit(main())
