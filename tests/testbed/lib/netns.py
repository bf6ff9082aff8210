#!/usr/bin/env python3
"""Runtime of the testbed: runs as PID 1 of fresh net/mount/PID namespaces.

Usage (from tests/testbed/run): netns.py CACHE_ENTRY CMD [ARG...]

Puts the testbed addresses on lo, mounts a private tmpfs as the run
directory, bind-mounts a resolv.conf over /etc/resolv.conf, starts NSD,
Unbound, nginx and Postfix, waits until they listen, runs CMD with the
STSDANE_* environment and exits with CMD's status.  Because this process is
PID 1 of its own PID namespace, the kernel kills every remaining process of
the testbed when it exits, whatever happened (CMD failure, signal).
"""

import ipaddress
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402

RUN_MOUNT = "/run/stsdane-testbed"   # a private tmpfs is mounted here per run
START_TIMEOUT = 15.0
T0 = time.monotonic()


def trace(what):
    """With STSDANE_TESTBED_DEBUG=1, print start-up timings to stderr."""
    if os.environ.get("STSDANE_TESTBED_DEBUG"):
        print("testbed: %.3fs %s" % (time.monotonic() - T0, what), file=sys.stderr)


def sh(*argv, **kw):
    subprocess.run(argv, check=True, **kw)


def setup_network(man):
    sh("ip", "link", "set", "lo", "up")
    batch = ["addr add %s/32 dev lo" % a for a in man["addresses"]["v4"]]
    batch += ["addr add %s/128 dev lo nodad" % a for a in man["addresses"]["v6"]]
    # Whole ranges local at once (long-tail MX hosts, name-server providers,
    # vhosts with their own address): any address in them can be bound or
    # connected to without an `addr add` each.
    batch += ["route add local %s dev lo" % r for r in man.get("local_ranges", [])]
    sh("ip", "-batch", "-", input="\n".join(batch) + "\n", text=True)


def setup_nft(man, run):
    """Faults by address (drop / refuse) and the long-tail redirect (lib/servers.py)."""
    path = servers.nft_ruleset(man, run)
    if path:
        sh("nft", "-f", path)


def setup_mounts(man):
    os.makedirs(RUN_MOUNT, exist_ok=True)  # (empty mount point on the host)
    sh("mount", "-t", "tmpfs", "-o", "mode=0755,size=256m", "stsdane-testbed", RUN_MOUNT)
    run = RUN_MOUNT
    os.makedirs(os.path.join(run, "logs"))
    conf = servers.resolv_conf(man, run)
    sh("mount", "--bind", conf, "/etc/resolv.conf")
    return run


def listening():
    """Set of (ip, port) with a TCP socket in LISTEN state (read from /proc, no connection made:
    probing Postfix by connecting would spawn one smtpd per listener)."""
    out = set()
    for path, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            lines = open(path).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] != "0A":   # TCP_LISTEN
                continue
            hexip, hexport = f[1].split(":")
            raw = bytes.fromhex(hexip)
            # /proc prints the address as host-order 32-bit words
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            ip = str(ipaddress.ip_address(raw))
            out.add((ip, int(hexport, 16)))
    return out


def wait_listening(targets, procs):
    """Wait until every (ip, port) is listening; fail if a server died."""
    deadline = time.monotonic() + START_TIMEOUT
    pending = {(str(ipaddress.ip_address(ip)), port) for ip, port in targets}
    while True:
        for name, p in procs:
            if p.poll() is not None:
                raise RuntimeError("%s exited with status %s during start-up" % (name, p.returncode))
        pending -= listening()
        if not pending:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("timeout waiting for %s" % ", ".join("%s port %d" % t for t in sorted(pending)[:5]))
        time.sleep(0.05)


def soa_query(zone, qid=0x1234):
    """A DNS query for the SOA of zone, in wire format (the root too)."""
    q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in zone.rstrip(".").split("."):
        if label:
            q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", 6, 1)


def wait_zones_loaded(man, procs):
    """NSD listens before it has read its zones (100,000 zones take it tens
    of seconds): ask each NSD for the SOA of the last zone it loads until it
    answers authoritatively."""
    last = {}
    for z in man["zones"]:
        last[z.get("nsd", "main")] = z["name"]
    servers_ = {"main": man["ns"][0], "providers": man.get("provider_nsd")}
    deadline = time.monotonic() + START_TIMEOUT + len(man["zones"]) / 1000.0
    for which, zone in last.items():
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(0.2)
        try:
            while True:
                for name, p in procs:
                    if p.poll() is not None:
                        raise RuntimeError("%s exited with status %s during start-up" % (name, p.returncode))
                sock.sendto(soa_query(zone), (servers_[which], 53))
                try:
                    reply = sock.recv(4096)
                    # flags: QR and AA set, rcode NOERROR
                    if len(reply) >= 12 and reply[2] & 0x84 == 0x84 and reply[3] & 0x0F == 0:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("NSD (%s) has not loaded zone %s in time" % (which, zone))
                time.sleep(0.1)
        finally:
            sock.close()


def start_servers(man, entry, run):
    procs = []
    log = open(os.path.join(run, "logs", "servers.out"), "ab")

    def start(name, argv):
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             start_new_session=True)
        procs.append((name, p))
        record_server(run, name, p.pid, argv)

    start("nsd", servers.nsd(man, entry, run))
    provider_nsd = servers.nsd(man, entry, run, "providers")
    if provider_nsd:
        start("nsd-providers", provider_nsd)
    start("unbound", servers.unbound(man, entry, run))
    if man["web"]:
        start("nginx", servers.nginx(man, entry, run))
    pf = servers.postfix(man, entry, run)
    if pf:
        start("postfix", pf)
    for argv in servers.scripted(man, entry, run):
        start(os.path.splitext(os.path.basename(argv[1]))[0], argv)
    for name, argv in (("tail_server", servers.tail(man, entry, run)),
                       ("delay_server", servers.delay(man, entry, run))):
        if argv:
            start(name, argv)
    targets = [(man["ns"][0], 53), (man["resolver"], 53)]
    if any(s["mode"] == "tail" and not s.get("fault") for s in man["smtp"]):
        targets.append(("127.0.0.1", servers.TAIL_PORT))
    targets += servers.delay_targets(man)
    if provider_nsd:
        targets.append((man["provider_nsd"], 53))
    if man["web"]:
        targets.append((man["web_ip"], 443))
    targets += [(s["ip"], 25) for s in man["smtp"] if s["mode"] not in ("refused", "tail") and not s.get("fault")]
    if any(w.get("script") for w in man["web"]):
        targets.append((man["script_web_ip"], 443))
    wait_listening(targets, procs)
    trace("listening")
    wait_zones_loaded(man, procs)
    return procs


def record_server(run, name, pid, argv):
    """run/servers/NAME.json: pid and argv, for tests/testbed/server (stop/start mid-run)."""
    path = os.path.join(run, "servers", name + ".json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"pid": pid, "argv": argv}, f)


def stop_servers(procs):
    for _name, p in procs:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 3
    for _name, p in procs:
        try:
            p.wait(max(0.05, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass   # PID namespace teardown kills it anyway


def wait_cmd(p, got):
    """Wait for CMD.  After SIGTERM/SIGHUP (forwarded to CMD) allow 3 s, then
    give up: leaving main() ends PID 1, which kills whatever is left."""
    while True:
        try:
            if got["sig"] in (signal.SIGTERM, signal.SIGHUP):
                try:
                    return p.wait(3)
                except subprocess.TimeoutExpired:
                    return 128 + got["sig"]
            return p.wait()
        except KeyboardInterrupt:
            continue


def main():
    entry, cmd = sys.argv[1], sys.argv[2:]
    runtime = os.path.join(entry, "runtime.json")   # (entries built before it existed: the manifest)
    with open(runtime if os.path.exists(runtime) else os.path.join(entry, "manifest.json")) as f:
        man = json.load(f)
    got = {"sig": None}
    child = {"p": None}

    def on_signal(signum, _frame):
        p = child["p"]
        if p is None:                 # still starting: abort start-up
            raise KeyboardInterrupt
        if signum == signal.SIGINT:   # the tty already sent it to CMD: let CMD decide
            return
        got["sig"] = signum
        try:
            p.send_signal(signum)
        except ProcessLookupError:
            pass
        raise KeyboardInterrupt       # interrupt wait() so wait_cmd starts its grace period

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    procs, status = [], 1
    try:
        setup_network(man)
        run = setup_mounts(man)
        setup_nft(man, run)
        trace("namespace ready")
        procs = start_servers(man, entry, run)
        trace("servers ready (zones loaded)")
        files = man["files"]
        env = dict(os.environ,
                   STSDANE_RESOLVER=man["resolver"],
                   STSDANE_TRUST_ANCHOR=os.path.join(entry, files["trust_anchor"]),
                   STSDANE_CA_FILE=os.path.join(entry, files["ca"]),
                   STSDANE_ROOT_HINTS=os.path.join(entry, files["root_hints"]),
                   STSDANE_UNBOUND_OPTIONS="local-zone: test. nodefault",
                   STSDANE_TESTBED_DIR=run,
                   STSDANE_TESTBED_MANIFEST=os.path.join(entry, "manifest.json"))
        try:
            child["p"] = subprocess.Popen(cmd, env=env)
        except OSError as e:
            print("testbed: cannot run %s: %s" % (cmd[0], e), file=sys.stderr)
            status = 127
        else:
            status = wait_cmd(child["p"], got)
            if status < 0:
                status = 128 - status
    except KeyboardInterrupt:
        status = 130
    except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
        print("testbed: start-up failed: %s" % e, file=sys.stderr)
        keep_logs()
        status = 1
    finally:
        if child["p"] is not None and child["p"].poll() is None:
            child["p"].kill()
        stop_servers(procs)
    keep_logs()
    sys.exit(status)


def keep_logs():
    """With STSDANE_TESTBED_KEEP=DIR, copy the run directory's logs there."""
    dest = os.environ.get("STSDANE_TESTBED_KEEP")
    if dest and os.path.isdir(os.path.join(RUN_MOUNT, "logs")):
        shutil.copytree(RUN_MOUNT, dest, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("spool", "data", "tmp"), symlinks=True)


if __name__ == "__main__":
    main()
