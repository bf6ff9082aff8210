#!/usr/bin/env python3
"""Hostile SMTP and HTTPS peers for the testbed (docs/testbed.md, "Hostile scenarios").

Usage (started by tests/testbed/lib/netns.py, one process for every host and
vhost whose definition names this script):

    hostile_server.py LISTENERS.json

LISTENERS.json is a list of
    {"kind": "smtp", "ip": ..., "port": 25, "name": host, "tls": dir, "behaviour": b}
    {"kind": "https", "ip": ..., "port": 443, "vhosts": [{"name", "tls", "behaviour"}]}
(tls dirs hold key.pem and chain.pem).  Every address serves one behaviour;
HTTPS vhosts share an address and are chosen by SNI.  Each connection lives
at most CONN_LIFETIME seconds, so a client that never hangs up cannot pile
up work here either.
"""

import asyncio
import gzip
import json
import os
import ssl
import sys

CONN_LIFETIME = 120.0
LINE_LIMIT = 8192
CHUNK = b"x" * 4096
HOSTILE_TEXT = "<script>alert(1)</script> \x1b[31mRED\x1b[0m \x1b]0;pwned\x07 \x1b[2J"

# -- SMTP ------------------------------------------------------------------------------
SMTP_BANNERS = {
    "banner-421": b"421 4.3.2 hostile.test service not available, closing\r\n",
    "banner-554": b"554 5.3.2 hostile.test no SMTP service here\r\n",
    "inject": ("554-" + HOSTILE_TEXT + "\r\n554 " + HOSTILE_TEXT).encode() + b" \x9b31m\xff\r\n",
}


async def send(writer, data):
    """Write and wait for the buffer to drain.  A peer that hung up ends the
    session (asyncio would silently discard the data and never pause us),
    and every write yields, so an endless sender never starves the others."""
    if writer.transport.is_closing():
        raise ConnectionResetError("peer closed")
    writer.write(data)
    await writer.drain()
    await asyncio.sleep(0)


async def read_command(reader):
    try:
        line = await reader.readline()
    except (ValueError, asyncio.LimitOverrunError):   # over LINE_LIMIT: hang up
        return None
    return line.strip().upper() if line else None


async def smtp_session(reader, writer, behaviour, tls_ctx):
    if behaviour == "endless-banner":        # one line that never ends
        await send(writer, b"220 ")
        while True:
            await send(writer, CHUNK)
    if behaviour == "endless-multiline":     # 220- continuation lines forever
        while True:
            await send(writer, b"220-hostile.test still greeting you\r\n" * 64)
    if behaviour == "long-line":             # a 10 MB line, then silence
        writer.write(b"220 " + b"x" * (10 * 1024 * 1024) + b"\r\n")
        await writer.drain()
        await asyncio.sleep(CONN_LIFETIME)
        return
    if behaviour == "drip":                  # 1 byte per second, a greeting that never ends
        while True:
            for b in b"220-hostile.test is very slow\r\n":
                await send(writer, bytes([b]))
                await asyncio.sleep(1.0)
    if behaviour in SMTP_BANNERS:
        writer.write(SMTP_BANNERS[behaviour])
        await writer.drain()
        if behaviour != "banner-421":
            await read_command(reader)       # wait for QUIT (or the client hanging up)
        return
    # tls-close, tls-garbage: a normal greeting and EHLO, then a broken STARTTLS
    writer.write(b"220 hostile.test ESMTP\r\n")
    while True:
        cmd = await read_command(reader)
        if cmd is None:
            return
        if cmd.startswith(b"EHLO"):
            writer.write(b"250-hostile.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
        elif cmd.startswith(b"HELO"):
            writer.write(b"250 hostile.test\r\n")
        elif cmd == b"STARTTLS":
            writer.write(b"220 2.0.0 Ready to start TLS\r\n")
            await writer.drain()
            if behaviour == "tls-garbage":
                writer.write(b"HTTP/1.0 200 OK\r\n\r\n" + os.urandom(16384))
                await writer.drain()
                await reader.read(4096)
                await asyncio.sleep(CONN_LIFETIME)
            else:                            # tls-close: read the ClientHello, hang up
                await reader.read(512)
            return
        elif cmd == b"QUIT":
            writer.write(b"221 bye\r\n")
            await writer.drain()
            return
        else:
            writer.write(b"502 5.5.2 not here\r\n")
        await writer.drain()


# -- HTTPS -------------------------------------------------------------------------------
def policy_for(name):
    """A valid enforce policy for mta-sts.<d>: mx1.<d>."""
    domain = name.split(".", 1)[1] if name.startswith("mta-sts.") else name
    return ("version: STSv1\r\nmode: enforce\r\nmx: mx1.%s\r\nmax_age: 86400\r\n" % domain).encode()


async def read_request(reader):
    """Read the request head (bounded); False if the client went away."""
    total = 0
    while True:
        try:
            line = await reader.readline()
        except (ValueError, asyncio.LimitOverrunError):
            return False
        total += len(line)
        if not line or total > 65536:
            return False
        if line in (b"\r\n", b"\n"):
            return True


def head(status, headers):
    text = "HTTP/1.1 %s\r\n" % status + "".join("%s: %s\r\n" % h for h in headers) + "\r\n"
    return text.encode()


async def https_session(reader, writer, behaviour, name):
    if not await read_request(reader):
        return
    if behaviour == "slow-drip":             # a valid policy at 1 byte per second
        body = policy_for(name)
        writer.write(head("200 OK", [("Content-Type", "text/plain"), ("Content-Length", len(body))]))
        for b in body:
            await send(writer, bytes([b]))
            await asyncio.sleep(1.0)
    elif behaviour == "endless-chunked":     # chunks of 4 KiB forever
        writer.write(head("200 OK", [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")]))
        writer.write(b"%x\r\n%s\r\n" % (len(policy_for(name)), policy_for(name)))
        while True:
            await send(writer, b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
    elif behaviour == "gzip":                # Content-Encoding the client never asked for
        body = gzip.compress(policy_for(name))
        writer.write(head("200 OK", [("Content-Type", "text/plain"), ("Content-Encoding", "gzip"),
                                     ("Content-Length", len(body))]) + body)
    elif behaviour == "binary":              # NUL, control and non-UTF-8 bytes
        body = policy_for(name) + b"\x00\x01\x02\xff\xfe\x1b[31m" + bytes(range(256))
        writer.write(head("200 OK", [("Content-Type", "text/plain"), ("Content-Length", len(body))]) + body)
    else:
        writer.write(head("500 Unknown behaviour", [("Content-Length", 0)]))
    await writer.drain()
    await reader.read(1024)   # the whole response is out: let the client hang up first


# -- plumbing -------------------------------------------------------------------------------
def tls_context(tls_dir):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(tls_dir, "chain.pem"), os.path.join(tls_dir, "key.pem"))
    return ctx


async def guarded(coro, writer):
    """Run one session, bounded in time; peers hanging up are normal here."""
    try:
        await asyncio.wait_for(coro, CONN_LIFETIME)
    except (asyncio.TimeoutError, ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        writer.transport.abort()   # no lingering: the peer sees the end at once


async def serve_smtp(lst):
    ctx = tls_context(lst["tls"])

    async def handle(reader, writer):
        await guarded(smtp_session(reader, writer, lst["behaviour"], ctx), writer)
    return await asyncio.start_server(handle, lst["ip"], lst["port"], limit=LINE_LIMIT)


async def serve_https(lst):
    by_name, default = {}, None
    for v in lst["vhosts"]:
        ctx = tls_context(v["tls"])
        by_name[v["name"].lower()] = (ctx, v["behaviour"], v["name"])
        default = default or ctx
    chosen = {}

    def sni(sslobj, server_name, _ctx):
        hit = by_name.get((server_name or "").lower())
        if not hit:
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        sslobj.context = hit[0]
        chosen[id(sslobj)] = hit
        return None

    for ctx, _b, _n in by_name.values():
        ctx.sni_callback = sni
    default.sni_callback = sni

    async def handle(reader, writer):
        sslobj = writer.get_extra_info("ssl_object")
        hit = chosen.pop(id(sslobj), None)
        if hit is None:
            writer.transport.abort()
            return
        await guarded(https_session(reader, writer, hit[1], hit[2]), writer)
    return await asyncio.start_server(handle, lst["ip"], lst["port"], ssl=default, limit=LINE_LIMIT,
                                      ssl_handshake_timeout=10)


async def main(path):
    with open(path) as f:
        listeners = json.load(f)
    servers = []
    for lst in listeners:
        servers.append(await (serve_smtp(lst) if lst["kind"] == "smtp" else serve_https(lst)))
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: hostile_server.py LISTENERS.json")
    try:
        asyncio.run(main(sys.argv[1]))
    except KeyboardInterrupt:
        pass
