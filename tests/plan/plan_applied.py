#!/usr/bin/env python3
"""A plan applied to the testbed passes `stsdane check` (starts the testbed itself).

usage: plan_applied.py STSDANE

1. Builds the testbed with one extra domain, plan-ready.test: a signed zone
   (DS at the parent), one MX with a valid test-CA certificate, and nothing
   else: neither MTA-STS nor DANE nor TLSRPT. The PKI is seeded, so the MX
   key is the same in every build.
2. Runs `stsdane plan --json plan-ready.test`: every protocol must be
   "ready" (all prerequisites met), and nothing is protected today.
3. Writes a testbed definition from the plan's own output only: its TLSA
   records, its _mta-sts record and policy file in their enforce form, its
   TLSRPT record; the policy host carries a certificate for the name the
   plan gives.
4. Rebuilds the testbed with that definition and runs `stsdane check --json`:
   mail must be protected by both, with exit status 0 or 1.
The same is done for plan-sts.test (unsigned zone): the MTA-STS part of its
plan applied must give protected by mta-sts, and its DANE plan must say the
zone needs signing."""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(ROOT, "tests/testbed/run")
SEED = {"seed": "plan-applied"}
DOMAINS = {
    "plan-ready.test": {"zone": {"signed": True},
                        "mx": [{"pref": 10, "host": "mx1.<d>", "cert": "valid"},
                               {"pref": 20, "host": "mx2.<d>", "cert": "valid"}]},
    "plan-sts.test": {"zone": {"signed": False},
                      "mx": [{"pref": 10, "host": "mx1.<d>", "cert": "valid"}]},
}
results = {"passed": 0, "failed": 0}


def ok(cond, what):
    results["passed" if cond else "failed"] += 1
    print(("ok " if cond else "FAIL ") + what)
    return cond


def in_testbed(definition, *cmd):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(definition, f)
    try:
        env = dict(os.environ, STSDANE_TESTBED_EXTRA=f.name)
        p = subprocess.run([RUN, *cmd], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    finally:
        os.unlink(f.name)
    return p.returncode, p.stdout, p.stderr


def applied(domain, before, plan, with_dane):
    """The scenario definition a plan's own output describes."""
    after = json.loads(json.dumps(before))
    pub = plan["publish"]
    sts = pub["mtasts"]
    for mx in after["mx"]:
        host = mx["host"].replace("<d>", domain)
        if with_dane:
            mx["tlsa"] = [t["value"] for t in pub["tlsa"] if t["name"] == "_25._tcp." + host]
    # The testbed writes the lines of "body" with its own line endings.
    body = sts["policy_enforce"].replace("\r\n", "\n").rstrip("\n")
    txt = sts["record_enforce"]["value"]
    after["sts"] = {"txt": [txt],
                    "policy_host": {"body": body, "cert": "other-name",
                                    "cert_names": sts["policy_host_certificate_names"]}}
    after["tlsrpt"] = [pub["tlsrpt"]["value"]]
    return after


def plan_then_check(stsdane, domain, with_dane, expect_status, expect_protected):
    before = {"pki": SEED, "scenarios": {domain: DOMAINS[domain]}}
    code, out, err = in_testbed(before, stsdane, "plan", "--json", domain)
    try:
        plan = json.loads(out)
    except ValueError:
        ok(False, "%s: plan --json gave no JSON (exit %d): %s" % (domain, code, err.strip()[-300:]))
        return
    statuses = {k: v["status"] for k, v in plan["plans"].items()}
    ok(statuses == expect_status, "%s: plan statuses %s, expected %s" % (domain, statuses, expect_status))
    ok(plan["today"]["protected_by"] == "none", "%s: protected by %s before" % (domain, plan["today"]["protected_by"]))
    if with_dane:
        hosts = {m["host"] for m in plan["prerequisites"]["mx"]}
        ok(len(plan["publish"]["tlsa"]) == len(hosts),
           "%s: one TLSA record per MX key (%d for %d MX)" % (domain, len(plan["publish"]["tlsa"]), len(hosts)))
    after = {"pki": SEED, "scenarios": {domain: applied(domain, DOMAINS[domain], plan, with_dane)}}
    code, out, err = in_testbed(after, stsdane, "check", "--json", domain)
    try:
        row = json.loads(out)
    except ValueError:
        ok(False, "%s: check --json gave no JSON (exit %d): %s" % (domain, code, err.strip()[-300:]))
        return
    findings = sorted({f["code"] for f in row.get("findings", [])})
    protected = row.get("verdict", {}).get("protected_by")
    ok(protected == expect_protected and code in (0, 1),
       "%s: after applying the plan, check says protected by %s (exit %d, findings %s), expected %s"
       % (domain, protected, code, findings, expect_protected))
    ok(row.get("tlsrpt", {}).get("status") == "valid" and row["tlsrpt"].get("raw") == plan["publish"]["tlsrpt"]["value"],
       "%s: the plan's TLSRPT record is published and valid" % domain)


def main():
    stsdane = os.path.abspath(sys.argv[1])
    plan_then_check(stsdane, "plan-ready.test", True,
                    {"mta-sts": "ready", "dane": "ready", "dane+mta-sts": "ready"}, "both")
    plan_then_check(stsdane, "plan-sts.test", False,
                    {"mta-sts": "ready", "dane": "needs-work", "dane+mta-sts": "needs-work"}, "mta-sts")
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    return 1 if results["failed"] or not results["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
