#!/usr/bin/env python3
"""Catalogue conformance: every scenario of the public catalogues
(../shared/scenarios/catalogue.json and dnssec-variety.json, 64 scenarios)
must get exactly the verdict the RFCs demand from `stsdane check --json`.
--catalogue FILE (repeatable) or STSDANE_CATALOGUE=FILE[:FILE...] picks
other files.

Run inside the testbed (tests/testbed/run), from the repository root:
    tests/testbed/run python3 tests/catalogue/conformance.py build/stsdane [--recursive]

Prints one line per scenario ("ok DOMAIN" or "FAIL DOMAIN: why") and the
closing line "N passed, M failed". Exit status 1 when any scenario fails.

Scenarios listed in tests/catalogue/known_failures.json (with the reason
and the issue that fixes them) print "xfail DOMAIN: why [known: reason]"
and are not counted as failures unless --strict; one that passes prints
"XPASS DOMAIN" and fails the run, so the list only ever shrinks.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import shared_contract  # noqa: E402  (the shared catalogues, or one line saying where)

HERE = os.path.dirname(os.path.abspath(__file__))
KNOWN_FAILURES = os.path.join(HERE, "known_failures.json")
PROFILES = ["opportunistic", "mta-sts", "dane", "dane+mta-sts"]
EXIT_AT_RISK, EXIT_INCOMPLETE = 2, 4


def allowed(expected):
    """A list of values in the catalogue means any one of them is right."""
    return expected if isinstance(expected, list) else [expected]


def compare(scenario, result, exit_status):
    exp = scenario["expect"]
    problems = []

    def want(name, got, expected):
        if got not in allowed(expected):
            problems.append(f"{name} is {got!r}, expected {expected!r}")

    want("mtasts.status", result["mtasts"]["status"], exp["mtasts"])
    want("dane.status", result["dane"]["status"], exp["dane"])
    if "tlsrpt" in exp:
        want("tlsrpt.status", result["tlsrpt"]["status"], exp["tlsrpt"])
    verdict = result["verdict"]
    for p in PROFILES:
        want(f"profile {p}", verdict["profiles"][p], exp["profiles"][p])
    want("protected_by", verdict["protected_by"], exp["protected_by"])
    types = {f["tlsrpt"] for f in result["findings"] if f.get("tlsrpt")}
    for t in exp["tlsrpt_types"]:
        if t not in types:
            problems.append(f"no finding with RFC 8460 type {t!r} (have {sorted(types)})")
    conflicts = {c["code"] for c in verdict["conflicts"]}
    if not exp["conflicts"] and conflicts:
        problems.append(f"conflicts {sorted(conflicts)} where none may appear")
    for c in exp["conflicts"]:
        if c not in conflicts:
            problems.append(f"conflict {c!r} missing (have {sorted(conflicts)})")
    outcomes = set(verdict["profiles"].values())
    has_error = any(f["severity"] == "error" for f in result["findings"])
    if outcomes & {"fail", "partial"}:
        if exit_status != EXIT_AT_RISK:
            problems.append(f"exit status {exit_status}, expected {EXIT_AT_RISK} (a profile fails or is partial)")
    elif "unknown" in outcomes:
        if exit_status != EXIT_INCOMPLETE:
            problems.append(f"exit status {exit_status}, expected {EXIT_INCOMPLETE} (unknown outcome)")
    elif exit_status == EXIT_AT_RISK and not has_error:
        problems.append("exit status 2 without a failing profile or an error finding")
    elif exit_status not in (0, 1, 2):
        problems.append(f"exit status {exit_status}")
    return problems


def run_one(stsdane, extra, scenario):
    cmd = [stsdane, "check", "--json", *extra, scenario["domain"]]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    if len(lines) != 1:
        return [f"expected one JSON line, got {len(lines)}; stderr: {proc.stderr.strip()[:300]}"], None
    result = json.loads(lines[0])
    if result.get("domain") != scenario["domain"]:
        return [f"result is for {result.get('domain')!r}"], result
    return compare(scenario, result, proc.returncode), result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stsdane")
    ap.add_argument("--catalogue", action="append",
                    help="catalogue file (repeatable; default: both public catalogues)")
    ap.add_argument("--recursive", action="store_true", help="full recursion from the test root")
    ap.add_argument("--only", nargs="*", help="domains to check")
    ap.add_argument("--save", help="write every JSON result to this file")
    ap.add_argument("--strict", action="store_true", help="count known failures as failures")
    args = ap.parse_args()
    files = shared_contract.catalogues("conformance", args.catalogue, both=True)
    scenarios = [s for f in files for s in json.load(open(f))["scenarios"]]
    if args.only:
        scenarios = [s for s in scenarios if s["domain"] in args.only]
    extra = ["--recursive"] if args.recursive else []
    known = {} if args.strict else json.load(open(KNOWN_FAILURES))["scenarios"]
    passed = failed = xfailed = 0
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(run_one, args.stsdane, extra, s) for s in scenarios]
        for s, fut in zip(scenarios, futures):
            try:
                problems, result = fut.result()
            except Exception as exc:  # a crash or a hang is a failure, not an abort
                problems, result = [f"{type(exc).__name__}: {exc}"], None
            if result:
                results.append(result)
            if problems and s["domain"] in known:
                xfailed += 1
                print(f"xfail {s['domain']}: " + "; ".join(problems) + f" [known: {known[s['domain']]}]")
            elif problems:
                failed += 1
                print(f"FAIL {s['domain']}: " + "; ".join(problems))
            elif s["domain"] in known:
                failed += 1
                print(f"XPASS {s['domain']}: passes now, remove it from {KNOWN_FAILURES}")
            else:
                passed += 1
                print(f"ok {s['domain']}")
    if args.save:
        with open(args.save, "w") as out:
            for r in results:
                out.write(json.dumps(r) + "\n")
    print(f"{passed} passed, {failed} failed" + (f", {xfailed} known failures (tests/catalogue/known_failures.json)"
                                                  if xfailed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
