"""A hostile stub resolver for the forgery suite (docs/forgery.md).

It listens on one address inside the testbed namespace (UDP and TCP, port
53), forwards every query unchanged and hands the reply to the current
attack, which may rewrite it, replace it, send other packets first or say
nothing at all. A query with RD (stsdane's stub) goes to the testbed's
validating Unbound: the attacker sits between stsdane and its resolver. A
query without RD (stsdane --recursive, whose root hints name this address)
goes to the authoritative NSD, and every address of the name server in the
replies is rewritten to this one, so the iterator keeps coming back: the
attacker sits between the recursive resolver and the authoritative servers.

Bounds: every upstream exchange has a timeout, a TCP client gets at most
TCP_IDLE seconds per message, and the server stops by itself after
`lifetime` seconds (or when stop() is called); all threads are daemons, so
the process never outlives its driver.
"""

import socket
import struct
import threading
import time
import concurrent.futures

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

UPSTREAM_TIMEOUT = 3.0   # seconds per exchange with the real resolver
TCP_IDLE = 5.0           # seconds a TCP client may take per message
UDP_LIMIT = 1232         # larger UDP replies are sent truncated (TC=1)
MAX_MESSAGE = 65535


def upstream_exchange(wire, upstream, tcp=False):
    """Send one query to the real resolver; TCP when asked or when the UDP
    reply is truncated. Returns the reply bytes or None (timeout, error)."""
    try:
        if not tcp:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(UPSTREAM_TIMEOUT)
                s.connect((upstream, 53))
                s.send(wire)
                reply = s.recv(MAX_MESSAGE)
            if not reply or len(reply) < 12 or not (reply[2] & 0x02):   # no TC
                return reply
        with socket.create_connection((upstream, 53), timeout=UPSTREAM_TIMEOUT) as s:
            s.sendall(struct.pack("!H", len(wire)) + wire)
            return read_framed(s)
    except OSError:
        return None


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def read_framed(sock):
    head = read_exact(sock, 2)
    if head is None:
        return None
    return read_exact(sock, struct.unpack("!H", head)[0])


class Exchange:
    """One query as the attack sees it: the parsed question, the transport
    it came over, and the genuine reply fetched on demand."""

    def __init__(self, server, wire, transport):
        self.server = server
        self.wire = wire
        self.transport = transport          # "udp" or "tcp"
        self.query = dns.message.from_wire(wire)
        q = self.query.question[0]
        self.qname, self.qtype = q.name, q.rdtype
        self.recursion_desired = bool(self.query.flags & dns.flags.RD)
        self._genuine = None

    def genuine(self):
        """The real resolver's reply to this very query (None on failure)."""
        if self._genuine is None:
            upstream = self.server.upstream if self.recursion_desired else self.server.authoritative
            reply = upstream_exchange(self.wire, upstream)
            self._genuine = dns.message.from_wire(reply) if reply else False
        return self._genuine or None

    def pack(self, msg):
        """Wire form of a reply to this query, truncated over UDP when too big."""
        msg.id = self.query.id
        if not self.recursion_desired:
            self.server.keep_on_path(msg)
        wire = msg.to_wire(max_size=MAX_MESSAGE)
        if self.transport == "udp" and len(wire) > UDP_LIMIT:
            short = dns.message.make_response(self.query)
            short.flags |= dns.flags.TC
            short.flags |= msg.flags & (dns.flags.RA | dns.flags.RD | dns.flags.CD)
            wire = short.to_wire()
        return wire


class PassThrough:
    """The attack that attacks nothing: the positive control."""
    name = "pass-through"

    def respond(self, ex):
        """Return a list of (delay seconds, reply bytes) to send, in order."""
        reply = ex.genuine()
        return [(0, ex.pack(reply))] if reply is not None else []


class HostileResolver:
    def __init__(self, address, upstream, authoritative, authoritative6, lifetime=900.0):
        self.address, self.upstream = address, upstream
        self.authoritative, self.authoritative6 = authoritative, authoritative6
        self.deadline = time.monotonic() + lifetime
        self.attack = PassThrough()
        self.seen = []                     # (transport, qname, TYPE) of this attack
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.pool = concurrent.futures.ThreadPoolExecutor(32)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.udp.bind((address, 53))
        self.udp.settimeout(0.5)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((address, 53))
        self.tcp.listen(64)
        self.tcp.settimeout(0.5)

    def keep_on_path(self, msg):
        """Rewrite the authoritative server's address (A records holding it,
        glue included) to ours, and drop its AAAA: an iterator that follows a
        referral then asks us again. Target-address lookups are not
        validated, so this costs the genuine answers nothing."""
        for section in (msg.answer, msg.authority, msg.additional):
            for rs in list(section):
                if rs.rdtype == dns.rdatatype.A and any(rd.address == self.authoritative for rd in rs):
                    moved = dns.rrset.RRset(rs.name, rs.rdclass, rs.rdtype)
                    for rd in rs:
                        moved.add(rd.replace(address=self.address) if rd.address == self.authoritative else rd,
                                  rs.ttl)
                    section[section.index(rs)] = moved
            section[:] = [rs for rs in section if rs.rdtype != dns.rdatatype.AAAA or
                          not any(rd.address == self.authoritative6 for rd in rs)]

    def set_attack(self, attack):
        with self.lock:
            self.attack = attack
            self.seen = []

    def start(self):
        for loop in (self._udp_loop, self._tcp_loop):
            threading.Thread(target=loop, daemon=True).start()
        return self

    def stop(self):
        self.stopping.set()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _alive(self):
        return not self.stopping.is_set() and time.monotonic() < self.deadline

    def _answer(self, wire, transport):
        """The packets for one query, or [] (malformed query, failed upstream)."""
        try:
            ex = Exchange(self, wire, transport)
        except Exception:
            return []
        with self.lock:
            attack = self.attack
            self.seen.append((transport, ex.qname.to_text(), dns.rdatatype.to_text(ex.qtype)))
        try:
            return attack.respond(ex)
        except Exception as e:   # a broken attack must be visible, not a silent timeout
            print("forgery: attack %s failed on %s %s: %r" % (
                attack.name, ex.qname, dns.rdatatype.to_text(ex.qtype), e), flush=True)
            return []

    def _udp_loop(self):
        while self._alive():
            try:
                wire, peer = self.udp.recvfrom(MAX_MESSAGE)
            except socket.timeout:
                continue
            except OSError:
                return
            self.pool.submit(self._udp_reply, wire, peer)
        self.udp.close()

    def _udp_reply(self, wire, peer):
        for delay, packet in self._answer(wire, "udp"):
            if delay:
                time.sleep(delay)
            try:
                self.udp.sendto(packet, peer)
            except OSError:
                return

    def _tcp_loop(self):
        while self._alive():
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.pool.submit(self._tcp_client, conn)
        self.tcp.close()

    def _tcp_client(self, conn):
        with conn:
            conn.settimeout(TCP_IDLE)
            try:
                while self._alive():
                    wire = read_framed(conn)
                    if wire is None:
                        return
                    for delay, packet in self._answer(wire, "tcp"):
                        if delay:
                            time.sleep(delay)
                        conn.sendall(struct.pack("!H", len(packet)) + packet)
            except OSError:
                return
