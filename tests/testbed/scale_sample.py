#!/usr/bin/env python3
"""A synthetic internet-shaped definition file to measure the testbed at scale.

    tests/testbed/scale_sample.py N [--dns-only] > /tmp/scale.json
    STSDANE_TESTBED_EXTRA=/tmp/scale.json STSDANE_TESTBED_DEBUG=1 tests/testbed/run true

N domains under com.test / net.test / org.test, each its own zone, spread
over 20 name-server providers (5-50 ms); 10% signed (NSEC3, RSA KSK/ZSK
from a key pool of 50, some ECDSA); a third with their own long-tail MX
host, the others on 300 shared tail hosts; 3% of own MX hosts drop, 1%
refuse, 1% greet slowly, a share with latency; 10% with MTA-STS (their own
vhost; 1% of them slow) unless --dns-only.  Deterministic.  This is the
testbed's own measuring stick (docs/testbed.md, "Scale"); the benchmark's
realistic population is bench/population.py --internet.
"""

import json
import random
import sys


def main():
    n = int(sys.argv[1])
    dns_only = "--dns-only" in sys.argv
    rng = random.Random(14)
    ksk_zsk = [{"alg": 8, "role": "ksk"}, {"alg": 8, "role": "zsk"}]
    defs = {"nameservers": {"sc-nsp%02d" % i: {"delay_ms": 5 + (i * 45) // 19} for i in range(20)},
            "zones": {t: {"signed": True} for t in ("com.test", "net.test", "org.test")},
            "hosts": {"mx%03d.sc-shared.test" % i: {"smtp": "tail", "family": "dual" if i % 10 == 0 else "ipv4",
                                                   "delay_ms": 10 * (i % 10)}
                      for i in range(300)},
            "scenarios": {}}
    defs["nameservers"]["sc-nsdead"] = {"fault": "drop"}
    for i in range(n):
        d = "sc%06d.%s" % (i, ("com.test", "net.test", "org.test")[i % 3])
        zone = {"ns": "sc-nsdead" if i % 200 == 7 else "sc-nsp%02d" % rng.randrange(20)}
        if i % 10 == 0:
            zone.update(signed=True, key_pool=50,
                        **({"nsec3": True, "keys": ksk_zsk} if i % 30 else {}))
        sc = {"zone": zone}
        if i % 3 == 0:
            host = {"pref": 10, "host": "mx.<d>", "smtp": "tail"}
            r = rng.random()
            if r < 0.03:
                host = {"pref": 10, "host": "mx.<d>", "fault": "drop"}
            elif r < 0.04:
                host = {"pref": 10, "host": "mx.<d>", "fault": "refuse"}
            elif r < 0.05:
                host["greet_delay_ms"] = 5000
            elif r < 0.3:
                host["delay_ms"] = rng.randrange(10, 101)
            if i % 10 == 0 and "fault" not in host:
                host["tlsa"] = ["3 1 1 {cert}"]
            sc["mx"] = [host]
        else:
            k = rng.randrange(300)
            sc["mx"] = [{"pref": 10, "host": "mx%03d.sc-shared.test" % k},
                        {"pref": 20, "host": "mx%03d.sc-shared.test" % ((k + 1) % 300)}]
        if i % 10 == 5 and not dns_only:
            sc["sts"] = {"txt": ["v=STSv1; id=1;"],
                         "policy_host": {"policy": {"mode": "enforce", "mx": [m["host"] for m in sc["mx"]],
                                                    "max_age": 86400}}}
            if i % 1000 == 5:
                sc["sts"]["policy_host"]["delay_ms"] = 2000
        defs["scenarios"][d] = sc
    json.dump(defs, sys.stdout)


if __name__ == "__main__":
    main()
