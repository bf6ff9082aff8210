#!/usr/bin/env python3
"""Every catalogue domain gets a plan (run inside the testbed).

usage: plan_catalogue.py STSDANE [CATALOGUE]

For each domain of ../shared/scenarios/catalogue.json: `stsdane plan --json`
must exit like `stsdane check` does for it (0, 1, 2 or 4), within 60 s,
with one JSON object whose per-protocol status agrees with the row's
expected facts:
  - MTA-STS is "in-place" exactly when the row says mail is protected by
    MTA-STS (protected_by mta-sts or both), DANE likewise;
  - a null MX gets "no-mail" for every protocol;
  - a zone the row builds signed (DANE valid, partial or invalid) is
    measured "signed", one whose DANE is "insecure" is not, and DANE is
    then never "ready" or "in-place";
  - every key an MX serves (probe OK) is in the TLSA records to publish as
    "3 1 1 <64 hex>";
  - the MTA-STS record has a fresh id and the policy lists the real MX set.
Prints "ok <domain>" or "FAIL <domain>: why", then "N passed, M failed"."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import shared_contract  # noqa: E402  (the shared catalogues, or one line saying where)

STATUSES = {"in-place", "ready", "needs-work", "unknown", "blocked", "no-mail"}
PROTOCOLS = ("mta-sts", "dane", "dane+mta-sts")


def run(stsdane, *args):
    p = subprocess.run([stsdane, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def as_list(v):
    return v if isinstance(v, list) else [v]


def problems_for(row, code, out, check_code):
    domain, expect = row["domain"], row["expect"]
    problems = []
    if code != check_code:
        problems.append("exit %d, check exits %d" % (code, check_code))
    try:
        plan = json.loads(out)
    except ValueError as e:
        return problems + ["not one JSON object: %s" % e]
    plans = plan.get("plans", {})
    for proto in PROTOCOLS:
        if plans.get(proto, {}).get("status") not in STATUSES:
            problems.append("%s: status %r" % (proto, plans.get(proto, {}).get("status")))
    if problems:
        return problems
    status = {p: plans[p]["status"] for p in PROTOCOLS}
    protected = set(as_list(expect["protected_by"]))
    if (status["mta-sts"] == "in-place") != bool(protected & {"mta-sts", "both"}):
        problems.append("mta-sts %s but the row says protected_by %s" % (status["mta-sts"], expect["protected_by"]))
    if (status["dane"] == "in-place") != bool(protected & {"dane", "both"}):
        problems.append("dane %s but the row says protected_by %s" % (status["dane"], expect["protected_by"]))
    if (status["dane+mta-sts"] == "in-place") != (protected == {"both"}):
        problems.append("dane+mta-sts %s but the row says protected_by %s" % (status["dane+mta-sts"], expect["protected_by"]))
    pre = plan["prerequisites"]
    if "null MX" in row["build"] or "MX 0 ." in row["build"]:
        if set(status.values()) != {"no-mail"}:
            problems.append("null MX but statuses %s" % status)
        return problems
    dane = set(as_list(expect["dane"]))
    if dane & {"valid", "partial", "invalid"} and pre["dnssec"] != "signed":
        problems.append("row's zone is signed (dane %s) but measured %s" % (expect["dane"], pre["dnssec"]))
    if dane == {"insecure"}:
        if pre["dnssec"] == "signed":
            problems.append("row's DANE is insecure but the zone measured signed")
        if status["dane"] in ("ready", "in-place"):
            problems.append("DANE %s on an insecure zone" % status["dane"])
    if "no DS" in row["build"] and pre["dnssec"] != "signed-no-ds":
        problems.append("the parent has no DS but dnssec is %s" % pre["dnssec"])
    published = {(t["name"], t["value"]) for t in plan["publish"]["tlsa"]}
    for mx in pre["mx"]:
        for key in mx["keys"]:
            if not re.fullmatch(r"3 1 1 [0-9a-f]{64}", key):
                problems.append("MX %s: key %r is not a 3 1 1 record" % (mx["host"], key))
            base = mx["cname"] or mx["host"]
            if ("_25._tcp." + base, key) not in published:
                problems.append("MX %s: served key %s not in the TLSA records to publish" % (mx["host"], key))
    sts = plan["publish"]["mtasts"]
    for rec in ("record_testing", "record_enforce"):
        if not re.fullmatch(r"v=STSv1; id=[0-9A-Za-z]{1,32};", sts[rec]["value"] or ""):
            problems.append("%s %r" % (rec, sts[rec]["value"]))
    if sts["policy_mx"] != [mx["host"] for mx in pre["mx"]]:
        problems.append("policy mx %s, MX set %s" % (sts["policy_mx"], [mx["host"] for mx in pre["mx"]]))
    if sts["record_testing"]["value"] == sts["record_enforce"]["value"]:
        problems.append("the enforce record reuses the testing id")
    if plan["today"]["protected_by"] not in as_list(expect["protected_by"]):
        problems.append("today protected_by %s, row %s" % (plan["today"]["protected_by"], expect["protected_by"]))
    return problems


def main():
    stsdane = sys.argv[1]
    catalogue = shared_contract.catalogues("plan-catalogue", sys.argv[2] if len(sys.argv) > 2 else None)[0]
    with open(catalogue) as f:
        rows = json.load(f)["scenarios"]
    passed = failed = 0
    for row in rows:
        d = row["domain"]
        try:
            check_code = run(stsdane, "check", "--json", d)[0]
            code, out, err = run(stsdane, "plan", "--json", d)
            problems = problems_for(row, code, out, check_code)
            # The text form runs too: it must not crash and names the domain.
            tcode, text, _ = run(stsdane, "plan", d)
            if tcode != code or ("Plan for " + d) not in text:
                problems.append("text plan exit %d (json %d) or no title" % (tcode, code))
        except subprocess.TimeoutExpired:
            problems = ["no answer within 60 s"]
        if problems:
            failed += 1
            print("FAIL %s: %s" % (d, "; ".join(problems)))
        else:
            passed += 1
            print("ok %s" % d)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
