#!/usr/bin/env python3
"""Load test of the testbed's long-tail servers (docs/testbed.md, "Scale").

Run inside the testbed with a population that has tail hosts and providers:

    tests/testbed/run tests/testbed/tail_load.py smtp [--seconds 10] [--workers 64] [--hold 5000]
    tests/testbed/run tests/testbed/tail_load.py dns  [--seconds 10] [--workers 256]

smtp  sessions as a sender makes them (greeting, EHLO, STARTTLS, TLS
      handshake, EHLO, QUIT) against every tail host without latency, round
      robin, from `workers` concurrent clients, while `hold` other
      connections stay open and idle; prints handshakes per second.
dns   UDP queries (the apex SOA of zones served by providers with a delay)
      at the providers' addresses through delay_server.py, `workers` in
      flight; prints answered queries per second and the median latency
      above the configured delay.

The clients run in this one Python process, on the same 2 cores as the
servers, so the figures are lower bounds of what the servers can do.
"""

import argparse
import asyncio
import json
import os
import random
import resource
import socket
import ssl
import statistics
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from netns import soa_query  # noqa: E402  (the testbed's own start-up query)


def server_cpu(name):
    """CPU seconds (user + system) a testbed server has used so far."""
    with open(os.path.join(os.environ["STSDANE_TESTBED_DIR"], "servers", name + ".json")) as f:
        pid = json.load(f)["pid"]
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def manifest():
    with open(os.environ["STSDANE_TESTBED_MANIFEST"]) as f:
        return json.load(f)


async def smtp_session(ip, ctx):
    reader, writer = await asyncio.open_connection(ip, 25)
    try:
        async def reply():
            while True:
                line = await reader.readline()
                if not line or line[3:4] != b"-":
                    return line
        await reply()
        writer.write(b"EHLO load.test\r\n")
        await reply()
        writer.write(b"STARTTLS\r\n")
        if not (await reply()).startswith(b"220"):
            raise OSError("STARTTLS refused")
        await writer.start_tls(ctx)
        writer.write(b"EHLO load.test\r\n")
        await reply()
        writer.write(b"QUIT\r\n")
        await reply()
    finally:
        writer.transport.abort()


async def hold(ips, n):
    """n idle connections (read the greeting, then wait)."""
    held = []
    for i in range(n):
        try:
            r, w = await asyncio.open_connection(ips[i % len(ips)], 25)
            await r.readline()
            held.append(w)
        except OSError as e:
            print("hold: %d connections open, then %s" % (len(held), e))
            break
    return held


async def smtp_load(args):
    man = manifest()
    ips = [s["ip"] for s in man["smtp"] if s["mode"] == "tail" and not s.get("fault")
           and s.get("starttls") and not s.get("delay_ms") and not s.get("greet_delay_ms")]
    if not ips:
        raise SystemExit("tail_load: no tail host without latency in this testbed")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    held = await hold(ips, args.hold)
    done, failed, t_end = [0], [0], time.monotonic() + args.seconds

    async def worker(k):
        i = k
        while time.monotonic() < t_end:
            try:
                await smtp_session(ips[i % len(ips)], ctx)
                done[0] += 1
            except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
                failed[0] += 1
            i += args.workers

    t0, cpu0 = time.monotonic(), server_cpu("tail_server")
    await asyncio.gather(*(worker(k) for k in range(args.workers)))
    elapsed, cpu = time.monotonic() - t0, server_cpu("tail_server") - cpu0
    print("smtp: %d STARTTLS sessions in %.1f s = %.0f handshakes/s (%d failed), %d idle connections held, "
          "%d tail addresses; tail_server used %.1f CPU s = %.0f handshakes per CPU second" % (
              done[0], elapsed, done[0] / elapsed, failed[0], len(held), len(ips), cpu, done[0] / max(cpu, 0.01)))
    for w in held:
        w.transport.abort()


async def dns_load(args):
    man = manifest()
    delayed = {ip: ns["delay_ms"] for ns in man["nameservers"] if ns["delay_ms"] and not ns["fault"]
               for ip in ns["ips"] if ":" not in ip}
    by_ns = {}
    for sc in man["scenarios"].values():
        for c in sc["checks"]:
            if c["type"] == "nameserver" and c["ip"] in delayed:
                by_ns.setdefault(c["ip"], []).append(c["zone"])
    targets = [(ip, z) for ip, zones in by_ns.items() for z in zones]
    if not targets:
        raise SystemExit("tail_load: no zone behind a delayed name-server provider")
    random.Random(1).shuffle(targets)
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.setblocking(False)
    waiting = {}   # qid -> (future, sent time, delay)
    extra = []

    def on_readable():
        while True:
            try:
                data = sock.recv(4096)
            except BlockingIOError:
                return
            w = waiting.pop(struct.unpack("!H", data[:2])[0], None)
            if w and not w[0].done():
                w[0].set_result(None)
                extra.append((time.monotonic() - w[1]) * 1000 - w[2])

    loop.add_reader(sock.fileno(), on_readable)
    done, lost, t_end = [0], [0], time.monotonic() + args.seconds
    next_id = [0]

    async def worker(k):
        i = k
        while time.monotonic() < t_end:
            ip, zone = targets[i % len(targets)]
            i += args.workers
            qid = next_id[0] = (next_id[0] + 1) & 0xFFFF
            fut = loop.create_future()
            waiting[qid] = (fut, time.monotonic(), delayed[ip])
            sock.sendto(soa_query(zone, qid), (ip, 53))
            try:
                await asyncio.wait_for(fut, 2)
                done[0] += 1
            except asyncio.TimeoutError:
                waiting.pop(qid, None)
                lost[0] += 1

    t0, cpu0 = time.monotonic(), server_cpu("delay_server")
    await asyncio.gather(*(worker(k) for k in range(args.workers)))
    elapsed, cpu = time.monotonic() - t0, server_cpu("delay_server") - cpu0
    print("dns: %d answers in %.1f s = %.0f queries/s (%d lost), latency above the configured delay: "
          "median %.1f ms, p95 %.1f ms; delay_server used %.1f CPU s = %.0f queries per CPU second" % (
              done[0], elapsed, done[0] / elapsed, lost[0],
              statistics.median(extra) if extra else 0,
              sorted(extra)[int(len(extra) * 0.95)] if extra else 0, cpu, done[0] / max(cpu, 0.01)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["smtp", "dns"])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--hold", type=int, default=0)
    args = ap.parse_args()
    args.workers = args.workers or (64 if args.what == "smtp" else 256)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(smtp_load(args) if args.what == "smtp" else dns_load(args))


if __name__ == "__main__":
    main()
