"""Per-sender source addresses and an attacker who makes MX addresses
unreachable for one sender only (the downgrade test of tests/senders).

Each sender connects from its own addresses (added to `lo`).  A policy
routing rule `from SOURCE to MX unreachable` then fails that sender's
connections to the MX with EHOSTUNREACH, while stsdane, the other senders
and the testbed's own servers still reach it.  Kernel rules are consulted
before the `local` table only when the local table's rule (priority 0) is
moved behind them, which is safe inside the testbed's private namespace.
"""
import subprocess


def _ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def prepare():
    for fam in ("-4", "-6"):
        _ip(fam, "rule", "add", "pref", "100", "lookup", "local")
        _ip(fam, "rule", "del", "pref", "0")


def add_source(ip):
    _ip("addr", "add", ip + ("/128" if ":" in ip else "/32"), "dev", "lo")


def block(source, target):
    fam = "-6" if ":" in target else "-4"
    _ip(fam, "rule", "add", "pref", "10", "from", source, "to", target, "unreachable")
