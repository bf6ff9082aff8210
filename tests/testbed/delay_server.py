#!/usr/bin/env python3
"""Latency for the testbed, in user space (the kernel here has no netem).

Usage (started by tests/testbed/lib/netns.py):  delay_server.py LISTENERS.json

LISTENERS.json: {"dns": [{"ip", "delay_ms"}], "dns_upstream": [ip, port],
                 "tcp": [{"ip", "port", "delay_ms", "upstream": [ip, port]}]}

dns  a name-server provider's address: UDP queries are forwarded to NSD
     (dns_upstream) delay_ms after they arrive, under a fresh query ID, and
     the answer goes back from the provider's address; TCP port 53 is a
     delaying proxy to NSD.
tcp  a delaying TCP proxy (slow MTA-STS policy hosts in front of nginx):
     every chunk the upstream sends reaches the client delay_ms later, so a
     TLS handshake and a GET take a few times delay_ms, as over a slow path.

The delay is latency, not a rate limit: each chunk or datagram is held
delay_ms from its arrival, independently of the others.  Bounds: at most
MAX_PENDING UDP queries in flight (older ones are forgotten after
UDP_TIMEOUT), each TCP connection lives at most CONN_LIFETIME.
"""

import asyncio
import collections
import json
import resource
import socket
import sys
import time

import fastloop

MAX_PENDING = 60000
UDP_TIMEOUT = 10.0
CONN_LIFETIME = 300.0
CHUNK = 65536


class DnsForwarder:
    """UDP: every provider address's queries go to NSD delay_ms after they
    arrived, under a fresh 16-bit ID (one upstream socket for all); the
    answer goes back from the address that was asked.  Plain non-blocking
    sockets read until EAGAIN and one timer per batch of queries with the
    same delay (a FIFO per delay value): a few microseconds less per query
    than asyncio's datagram transports and a timer each, which is what
    lets one process keep up with thousands of queries per second."""

    def __init__(self, loop, upstream):
        self.loop = loop
        self.up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.up.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.up.connect(tuple(upstream))
        self.up.setblocking(False)
        loop.add_reader(self.up.fileno(), self.on_answers)
        self.pending = {}   # new id -> (listener socket, client address, original id bytes, time sent)
        self.next_id = 0
        self.queues = {}    # delay -> deque of (due, listener socket, query, client address)

    def listen(self, ip, delay):
        sock = bound_socket(ip, 53, socket.SOCK_DGRAM)
        sock.setblocking(False)
        queue = self.queues.setdefault(delay, collections.deque())
        self.loop.add_reader(sock.fileno(), self.on_queries, sock, delay, queue)

    def on_queries(self, sock, delay, queue):
        due = time.monotonic() + delay
        was_empty = not queue
        while True:
            try:
                data, addr = sock.recvfrom(4096)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                continue   # e.g. an ICMP error queued on the socket
            if len(data) >= 12:
                queue.append((due, sock, data, addr))
        if was_empty and queue:
            self.loop.call_at(self.loop.time() + delay, self.flush, queue)

    def flush(self, queue):
        now = time.monotonic()
        while queue and queue[0][0] <= now + 0.0005:
            _due, sock, data, addr = queue.popleft()
            self.forward(sock, data, addr)
        if queue:
            self.loop.call_at(self.loop.time() + max(0.0, queue[0][0] - now), self.flush, queue)

    def forward(self, sock, data, addr):
        if len(self.pending) >= MAX_PENDING:
            self.expire()
            if len(self.pending) >= MAX_PENDING:
                return   # overloaded: dropped, the client retries (as on the internet)
        while self.next_id in self.pending:
            self.next_id = (self.next_id + 1) & 0xFFFF
        qid = self.next_id
        self.next_id = (qid + 1) & 0xFFFF
        self.pending[qid] = (sock, addr, data[:2], time.monotonic())
        try:
            self.up.send(qid.to_bytes(2, "big") + data[2:])
        except OSError:
            del self.pending[qid]

    def on_answers(self):
        while True:
            try:
                data = self.up.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue
            entry = self.pending.pop(int.from_bytes(data[:2], "big"), None) if len(data) >= 12 else None
            if entry:
                sock, addr, orig_id, _t = entry
                try:
                    sock.sendto(orig_id + data[2:], addr)
                except OSError:
                    pass

    def expire(self):
        old = time.monotonic() - UDP_TIMEOUT
        for qid in [q for q, e in self.pending.items() if e[3] < old]:
            del self.pending[qid]


async def pipe(reader, writer, delay):
    """Copy reader to writer, each chunk delay seconds after it arrived."""
    queue = asyncio.Queue()

    async def pump_in():
        while True:
            data = await reader.read(CHUNK)
            await queue.put((time.monotonic() + delay, data))
            if not data:
                return

    async def pump_out():
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    await asyncio.gather(pump_in(), pump_out())


def tcp_proxy(upstream, delay):
    async def handle(reader, writer):
        up_writer = None
        try:
            async with asyncio.timeout(CONN_LIFETIME):
                up_reader, up_writer = await asyncio.open_connection(*upstream)
                # client -> upstream without delay, upstream -> client delayed:
                # the whole round trip is delayed once
                await asyncio.gather(pipe(reader, up_writer, 0), pipe(up_reader, writer, delay))
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            writer.transport.abort()
            if up_writer:
                up_writer.transport.abort()
    return handle


IP_FREEBIND = 15   # linux/in.h: also for IPv6 sockets


def bound_socket(ip, port, kind):
    """A socket bound to ip:port.  The addresses lie in ranges that are local
    routes, which IPv4 accepts for bind() but IPv6 does not: IP_FREEBIND."""
    sock = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, kind)
    sock.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
    if kind == socket.SOCK_STREAM:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    else:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((ip, port))
    return sock


async def main(path):
    with open(path) as f:
        conf = json.load(f)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    loop = asyncio.get_running_loop()
    servers = []
    if conf["dns"]:
        forwarder = DnsForwarder(loop, conf["dns_upstream"])
        for d in conf["dns"]:
            delay = d["delay_ms"] / 1000.0
            forwarder.listen(d["ip"], delay)
            servers.append(await asyncio.start_server(tcp_proxy(tuple(conf["dns_upstream"]), delay),
                                                      sock=bound_socket(d["ip"], 53, socket.SOCK_STREAM)))
    for t in conf["tcp"]:
        servers.append(await asyncio.start_server(tcp_proxy(tuple(t["upstream"]), t["delay_ms"] / 1000.0),
                                                  sock=bound_socket(t["ip"], t["port"], socket.SOCK_STREAM),
                                                  backlog=1024))
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    try:
        fastloop.run(main(sys.argv[1]))
    except KeyboardInterrupt:
        pass
