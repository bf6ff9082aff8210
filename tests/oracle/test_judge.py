#!/usr/bin/env python3
"""Offline checks of the oracle's reading of delv (run_oracle.py): delv 9.18
outputs captured in the testbed, each with the judgement it must give, and the
trust anchor conversion. Prints "N passed, M failed"; exit status 1 on a failure.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_oracle  # noqa: E402

SIG = "RRSIG\tA 13 3 3600 20270105045635 20261205045635 13938 z.test. yvcE..."
CASES = [
    ("secure data", "A", "; fully validated\nmx1.z.test.\t3600\tIN\tA\t198.51.100.53\nmx1.z.test.\t3600\tIN\t" + SIG + "\n",
     ("ok", "secure")),
    ("insecure data", "A", "; unsigned answer\nmx1.u.test. 3600\tIN\tA\t198.51.100.10\n", ("ok", "insecure")),
    ("secure NXDOMAIN", "TXT",
     ";; resolution failed: ncache nxdomain\n; negative response, fully validated\n"
     "; _mta-sts.z.test. 300\tIN\t\\-ANY\t;-$NXDOMAIN\n; z.test. SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n"
     "; z.test. RRSIG SOA ...\n; z.test. NSEC mx1.z.test. NS SOA MX RRSIG NSEC DNSKEY\n", ("nxdomain", "secure")),
    ("secure NODATA", "AAAA",
     ";; resolution failed: ncache nxrrset\n; negative response, fully validated\n"
     "; mx1.z.test.\t300\tIN\t\\-AAAA\t;-$NXRRSET\n; mx1.z.test. NSEC _25._tcp.mx1.z.test. A RRSIG NSEC\n",
     ("nodata", "secure")),
    ("insecure NXDOMAIN", "TLSA",
     ";; resolution failed: ncache nxdomain\n; negative response, unsigned answer\n"
     "; _25._tcp.mx1.u.test. 300\tIN \\-ANY ;-$NXDOMAIN\n", ("nxdomain", "insecure")),
    ("secure CNAME to a secure NODATA (one trust line for both)", "AAAA",
     ";; resolution failed: ncache nxrrset\n; fully validated\nmx.c.test.\t3600\tIN\tCNAME\tsmtp.p.test.\n"
     "mx.c.test.\t3600\tIN\tRRSIG\tCNAME 13 3 3600 ...\n; smtp.p.test.\t300\tIN\t\\-AAAA\t;-$NXRRSET\n",
     ("nodata", "secure")),
    ("insecure CNAME to secure data: insecure", "TXT",
     "; unsigned answer\n_mta-sts.u.test.\t3600 IN\tCNAME\tx._mta-sts.p.test.\n\n; fully validated\n"
     "x._mta-sts.p.test. 3600 IN TXT \"v=STSv1; id=1;\"\n", ("ok", "insecure")),
    ("bad signature", "TLSA",
     ";; validating _25._tcp.mx1.b.test/TLSA: no valid signature found\n"
     ";; RRSIG failed to verify resolving '_25._tcp.mx1.b.test/TLSA/IN': 192.0.2.1#53\n"
     ";; resolution failed: RRSIG failed to verify\n", (None, "bogus")),
    ("expired DNSKEY signature", "MX",
     ";; validating e.test/DNSKEY: verify failed due to bad signature (keyid=25254): RRSIG has expired\n"
     ";; broken trust chain resolving 'e.test/MX/IN': 192.0.2.1#53\n;; resolution failed: broken trust chain\n",
     (None, "bogus")),
    ("signed zone without DS: the note does not make it bogus", "TLSA",
     ";; validating _25._tcp.mx1.m.test/TLSA: no valid signature found\n; unsigned answer\n"
     "_25._tcp.mx1.m.test. 3600\tIN TLSA\t3 1 1 2E06\n", ("ok", "insecure")),
]
NOT_JUDGED = [
    ("resolver failure", "TLSA", ";; resolution failed: failure\n", "error"),
    ("timeout", "A", ";; resolution failed: timed out\n", "error"),
    ("no root validation", "A", "; answer not validated\nx.test. 60 IN A 192.0.2.9\n", "unclassified"),
    ("positive trust without data", "A", "; fully validated\nx.test. 60 IN CNAME y.test.\n", "unclassified"),
    ("empty output", "A", "", "unclassified"),
]


def main():
    passed = failed = 0

    def check(name, ok, why=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok {name}")
        else:
            failed += 1
            print(f"FAIL {name}: {why}")

    for name, qtype, output, (lookup, dnssec) in CASES:
        j = run_oracle.judge_delv_output(output, qtype)
        check(name, j.kind == "judged" and j.lookup == lookup and j.dnssec == dnssec, f"got {j}")
    for name, qtype, output, kind in NOT_JUDGED:
        j = run_oracle.judge_delv_output(output, qtype)
        check(name, j.kind == kind, f"got {j}")
        check(name + ": never agrees", run_oracle.compare(("ok", "secure"), j) is not None, "compared equal")

    check("bogus agrees with bogus whatever stsdane's lookup",
          run_oracle.compare(("nodata", "bogus"), run_oracle.Judgement(None, "bogus")) is None)
    check("indeterminate is not bogus",
          run_oracle.compare(("ok", "indeterminate"), run_oracle.Judgement(None, "bogus")) is not None)
    check("lookup outcome compared",
          run_oracle.compare(("nodata", "secure"), run_oracle.Judgement("nxdomain", "secure")) is not None)

    key = "vH1VdZ6QXZa6jATs2hVrXlm51cB2bq2UiPU+CReBcEFXvv5eCpaT+ZJEx3+budR/Hsezj5ELjrSeXCCNwZtZig=="
    conf = run_oracle.delv_anchor_config(f". 3600 IN DNSKEY 257 3 13 {key}\n")
    check("DNSKEY anchor", f'"." static-key 257 3 13 "{key}";' in conf, conf)
    conf = run_oracle.delv_anchor_config("; root\n$TTL 60\n. IN DS ( 20326 8 2\n E06D44B8 0B8F1D39 ) ; ksk\n")
    check("DS anchor over lines", '"." static-ds 20326 8 2 "E06D44B80B8F1D39";' in conf, conf)
    try:
        run_oracle.delv_anchor_config(". 3600 IN NS ns.test.\n")
        check("no anchor refused", False, "accepted")
    except ValueError:
        check("no anchor refused", True)

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
