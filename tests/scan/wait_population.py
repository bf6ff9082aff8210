#!/usr/bin/env python3
"""A population where some MX addresses never answer (tests/scan/test_waiting.sh).

    tests/scan/wait_population.py N OUTDIR [--seed S] [--drop F] [--own F] [--shared K]
                                         [--delay-ms MIN,MAX]

Writes OUTDIR/population.json (a testbed extras file, STSDANE_TESTBED_EXTRA),
OUTDIR/domains.txt and OUTDIR/meta.json (counts, and the names of the hosts
whose packets are dropped). Deterministic from N, the seed and the options.

  * K shared MX hosts: s00.wpmx.test ...
  * a share --drop of the domains has its own MX host with `"fault": "drop"`
    (the testbed drops every packet to it, so a connect times out), as for
    the ~3% of MX addresses on the real internet that never answer;
  * a share --own has its own MX host: distinct MX addresses, each with its
    own certificate, as for the third of domains that run their own;
  * the rest use one or two of the shared hosts.
Every answering host is a long-tail host (`"smtp": "tail"`, STARTTLS, valid
certificate); --delay-ms MIN,MAX gives each a latency before every reply
drawn from that range (a real MX host is tens of milliseconds away, so a
domain's probe takes several hundred; 0,0 = none).
Domains live in one shared unsigned zone (wp.test), the hosts in wpmx.test.
"""

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
from population import write_outputs  # noqa: E402  (bench/population.py: the same three files)

DOMAIN_ZONE, HOST_ZONE = "wp.test", "wpmx.test"


def answering_host(rng, delay):
    a = {"cert": "valid", "smtp": "tail"}
    if delay[1] > 0:
        a["delay_ms"] = rng.randint(delay[0], delay[1])
    return a


def build(n, seed, drop, own, shared, delay):
    rng = random.Random(seed)
    hosts = {"s%02d.%s" % (i, HOST_ZONE): answering_host(rng, delay) for i in range(shared)}
    shared_names = sorted(hosts)
    scenarios, domains, dropped = {}, [], []
    counts = {"drop": 0, "own": 0, "shared": 0}
    for i in range(n):
        domain = "d%06d.%s" % (i, DOMAIN_ZONE)
        r = rng.random()
        if r < drop:
            host = "x%06d.%s" % (i, HOST_ZONE)
            hosts[host] = {"fault": "drop"}
            dropped.append(host)
            mx, kind = [host], "drop"
        elif r < drop + own:
            host = "o%06d.%s" % (i, HOST_ZONE)
            hosts[host] = answering_host(rng, delay)
            mx, kind = [host], "own"
        else:
            mx, kind = rng.sample(shared_names, rng.choice((1, 1, 2))), "shared"
        counts[kind] += 1
        scenarios[domain] = {"zone": False, "mx": [{"pref": 10 * (k + 1), "host": h} for k, h in enumerate(mx)]}
        domains.append(domain)
    extras = {
        "about": "tests/scan/wait_population.py %d --seed %d --drop %g --own %g --shared %d --delay-ms %d,%d"
                 % (n, seed, drop, own, shared, delay[0], delay[1]),
        "zones": {DOMAIN_ZONE: {"signed": False}, HOST_ZONE: {"signed": False}},
        "hosts": hosts,
        "scenarios": scenarios,
    }
    meta = {"domains": n, "seed": seed, "counts": counts, "drop_hosts": dropped, "delay_ms": list(delay),
            "mx_addresses": len(hosts)}
    return extras, domains, meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--drop", type=float, default=0.03)
    ap.add_argument("--own", type=float, default=0.30)
    ap.add_argument("--shared", type=int, default=20)
    ap.add_argument("--delay-ms", default="0,0", help="MIN,MAX latency of the answering hosts")
    a = ap.parse_args()
    delay = tuple(int(x) for x in a.delay_ms.split(","))
    if len(delay) != 2 or not 0 <= delay[0] <= delay[1] <= 10000:
        ap.error("--delay-ms wants MIN,MAX with 0 <= MIN <= MAX <= 10000")
    write_outputs(a.outdir, *build(a.n, a.seed, a.drop, a.own, a.shared, delay))


if __name__ == "__main__":
    main()
