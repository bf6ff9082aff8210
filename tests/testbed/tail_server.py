#!/usr/bin/env python3
"""The long-tail SMTP server of the testbed (docs/testbed.md, "The long tail").

Usage (started by tests/testbed/lib/netns.py):  tail_server.py HOSTS.json

HOSTS.json: {"port": P, "log": FILE, "hosts": {ip: {"name", "tls" (key+chain
PEM), "delay_ms", "greet_delay_ms", "starttls"}}}.

One process answers for every "smtp": "tail" host, however many: their
addresses lie in ranges that are local routes, nft redirects port 25 of each
of them to 127.0.0.1:P / [::1]:P, and the address the client asked for comes
back from getsockopt(SO_ORIGINAL_DST).  Per address it greets as its host,
offers STARTTLS (unless "starttls": false) with the host's own chain, accepts
and discards mail (one line per message in FILE, like Postfix's
syslog_name), and delays each reply by delay_ms and the greeting also by
greet_delay_ms.

Bounds: a command line at most LINE_LIMIT bytes, a message at most
MAX_MESSAGE bytes, IDLE_TIMEOUT per command, SESSION_LIFETIME per
connection; TLS contexts are cached for the CONTEXT_CACHE most recent hosts.
"""

import asyncio
import collections
import json
import resource
import socket
import ssl
import sys
import time

import fastloop

SO_ORIGINAL_DST = 80          # linux/netfilter_ipv4.h
IP6T_SO_ORIGINAL_DST = 80     # linux/netfilter_ipv6/ip6_tables.h
LINE_LIMIT = 4096
MAX_MESSAGE = 10 * 1024 * 1024
IDLE_TIMEOUT = 60.0
SESSION_LIFETIME = 600.0
CONTEXT_CACHE = 4096
BACKLOG = 4096


class Config:
    def __init__(self, path):
        with open(path) as f:
            data = json.load(f)
        self.port = data["port"]
        # keys normalised as socket.inet_ntop prints them
        self.hosts = {norm_ip(ip): h for ip, h in data["hosts"].items()}
        self.log = open(data["log"], "a", buffering=1)
        self.contexts = collections.OrderedDict()   # tls file -> SSLContext (LRU)

    def context(self, host):
        path = host["tls"]
        ctx = self.contexts.pop(path, None)
        if ctx is None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(path)
            ctx.num_tickets = 0   # no TLS 1.3 session tickets: senders of a probe never resume
            if len(self.contexts) >= CONTEXT_CACHE:
                self.contexts.popitem(last=False)
        self.contexts[path] = ctx
        return ctx


def norm_ip(ip):
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    return socket.inet_ntop(fam, socket.inet_pton(fam, ip))


def original_destination(sock):
    """The address the client connected to, before nft redirected it."""
    if sock.family == socket.AF_INET:
        raw = sock.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
        return socket.inet_ntop(socket.AF_INET, raw[4:8])
    raw = sock.getsockopt(socket.IPPROTO_IPV6, IP6T_SO_ORIGINAL_DST, 28)
    return socket.inet_ntop(socket.AF_INET6, raw[8:24])


class Session:
    def __init__(self, conf, host, ip, reader, writer):
        self.conf, self.host, self.ip = conf, host, ip
        self.reader, self.writer = reader, writer
        self.delay = host["delay_ms"] / 1000.0
        self.tls = False
        self.mail_from, self.rcpts = None, 0

    async def reply(self, text):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.writer.write(text.encode() + b"\r\n")
        await self.writer.drain()

    async def command(self):
        """The next command line (upper-cased verb kept as sent), None at EOF or overlong."""
        async with asyncio.timeout(IDLE_TIMEOUT):
            try:
                line = await self.reader.readuntil(b"\n")
            except asyncio.IncompleteReadError:
                return None
            except asyncio.LimitOverrunError:
                await self.reply("500 5.5.2 line too long")
                return None
        return line.rstrip(b"\r\n").decode("latin-1")

    def ehlo_lines(self):
        name = self.host["name"]
        ext = ["PIPELINING", "SIZE %d" % MAX_MESSAGE, "8BITMIME", "ENHANCEDSTATUSCODES"]
        if self.host["starttls"] and not self.tls:
            ext.insert(2, "STARTTLS")
        lines = [name] + ext
        return "\r\n".join("250%s%s" % ("-" if i < len(lines) - 1 else " ", l) for i, l in enumerate(lines))

    async def data(self):
        await self.reply("354 End data with <CR><LF>.<CR><LF>")
        size = 0
        while True:
            async with asyncio.timeout(IDLE_TIMEOUT):
                try:
                    line = await self.reader.readuntil(b"\n")
                except asyncio.LimitOverrunError as e:   # a long line: skip what was buffered
                    line = await self.reader.readexactly(e.consumed)
            if line in (b".\r\n", b".\n"):
                break
            size += len(line)
            if size > MAX_MESSAGE:
                await self.reply("552 5.3.4 message too big")
                return False
        self.conf.log.write("%s mx/%s/%s accepted from=<%s> rcpts=%d size=%d tls=%s\n" % (
            time.strftime("%Y-%m-%dT%H:%M:%S"), self.host["name"], self.ip, self.mail_from,
            self.rcpts, size, "yes" if self.tls else "no"))
        self.mail_from, self.rcpts = None, 0
        await self.reply("250 2.0.0 Ok: queued and discarded")
        return True

    async def run(self):
        greet = self.host["greet_delay_ms"] / 1000.0
        if greet:
            await asyncio.sleep(greet)
        await self.reply("220 %s ESMTP stsdane-testbed tail" % self.host["name"])
        while True:
            line = await self.command()
            if line is None:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                await self.reply(self.ehlo_lines())
            elif verb == "HELO":
                await self.reply("250 %s" % self.host["name"])
            elif verb == "STARTTLS" and self.host["starttls"] and not self.tls:
                await self.reply("220 2.0.0 Ready to start TLS")
                await self.writer.start_tls(self.conf.context(self.host))
                self.tls = True
                self.mail_from, self.rcpts = None, 0
            elif verb == "MAIL":
                self.mail_from = line[10:].strip().strip("<>")[:256] if len(line) > 10 else ""
                await self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                self.rcpts += 1
                await self.reply("250 2.1.5 Ok")
            elif verb == "DATA":
                if not await self.data():
                    return
            elif verb in ("RSET", "NOOP"):
                self.mail_from, self.rcpts = (None, 0) if verb == "RSET" else (self.mail_from, self.rcpts)
                await self.reply("250 2.0.0 Ok")
            elif verb == "VRFY":
                await self.reply("252 2.0.0 Send some mail, I'll try my best")
            elif verb == "QUIT":
                await self.reply("221 2.0.0 Bye")
                return
            else:
                await self.reply("502 5.5.2 Error: command not recognized")


def handler(conf):
    async def handle(reader, writer):
        try:
            try:
                ip = original_destination(writer.get_extra_info("socket"))
            except OSError:
                return
            host = conf.hosts.get(ip)
            if host is None:   # not a tail address (should not happen: nft redirects only those)
                return
            async with asyncio.timeout(SESSION_LIFETIME):
                await Session(conf, host, ip, reader, writer).run()
        except (OSError, ssl.SSLError, asyncio.TimeoutError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError, UnicodeError):
            pass
        finally:
            writer.transport.abort()
    return handle


def raise_fd_limit():
    """Thousands of concurrent connections: the soft limit up to the hard one."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def main(path):
    conf = Config(path)
    raise_fd_limit()
    handle = handler(conf)
    servers = [await asyncio.start_server(handle, "127.0.0.1", conf.port, backlog=BACKLOG, limit=LINE_LIMIT),
               await asyncio.start_server(handle, "::1", conf.port, backlog=BACKLOG, limit=LINE_LIMIT)]
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    try:
        fastloop.run(main(sys.argv[1]))
    except KeyboardInterrupt:
        pass
