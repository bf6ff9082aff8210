#!/usr/bin/env python3
"""Report counts against the catalogue: every count of `stsdane report --json`
over a scan of the catalogue must equal the count derived from the catalogue's
expectations (../shared/scenarios/catalogue.json), and shard reports must
merge to exactly the same report.

    catalogue_counts.py STSDANE [--scan SCAN.jsonl] [--report REPORT.json]

Without --scan the catalogue is scanned first with
tests/catalogue/conformance.py --save (so run it inside the testbed:
tests/testbed/run python3 tests/report/catalogue_counts.py build/stsdane).
Without --report, the report is made with STSDANE report --json SCAN.

Checked: profiles (count per outcome, per profile), protected_by, conflicts
per code, mtasts.status, dane.status, tlsrpt.status (where the catalogue says),
the number of domains; then the same counts recomputed from the scan lines
themselves; then the shard merge (3 shards, two orders) against the whole.
Exit status 1 on any mismatch.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import shared_contract  # noqa: E402  (the shared catalogues, or one line saying where)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
PROFILES = ["opportunistic", "mta-sts", "dane", "dane+mta-sts"]
OUTCOMES = ["protected", "partial", "unprotected", "fail", "no-mail", "unknown"]


def choices(value):
    """A list in the catalogue means any one of its values is right."""
    return value if isinstance(value, list) else [value]


class Expected:
    """Counts with a tolerance for catalogue entries that allow several values:
    exact[key] domains are certain, maybe[key] may or may not count."""

    def __init__(self):
        self.exact = collections.Counter()
        self.maybe = collections.Counter()

    def add(self, key, value):
        options = choices(value)
        if len(options) == 1:
            self.exact[(key, options[0])] += 1
        else:
            for o in options:
                self.maybe[(key, o)] += 1

    def check(self, key, value, got, problems):
        lo = self.exact[(key, value)]
        hi = lo + self.maybe[(key, value)]
        if not lo <= got <= hi:
            want = str(lo) if lo == hi else f"{lo}..{hi}"
            problems.append(f"{key}={value}: report says {got}, catalogue says {want}")


def expected_from_catalogue(scenarios):
    e = Expected()
    for s in scenarios:
        exp = s["expect"]
        for p in PROFILES:
            e.add(f"profiles.{p}", exp["profiles"][p])
        e.add("protected_by", exp["protected_by"])
        e.add("mtasts.status", exp["mtasts"])
        e.add("dane.status", exp["dane"])
        if "tlsrpt" in exp:
            e.add("tlsrpt.status", exp["tlsrpt"])
        for c in set(exp["conflicts"]):
            e.add("conflicts", c)
    return e


def expected_from_scan(lines):
    e = Expected()
    for r in lines:
        v = r["verdict"]
        if v["protected_by"] == "unknown":
            # Not measured: the report counts it apart, in protected_by.unknown only.
            e.add("protected_by", "unknown")
            continue
        for p in PROFILES:
            e.add(f"profiles.{p}", v["profiles"][p])
        e.add("protected_by", v["protected_by"])
        e.add("mtasts.status", r["mtasts"]["status"])
        e.add("dane.status", r["dane"]["status"])
        e.add("tlsrpt.status", r["tlsrpt"]["status"])
        for c in {c["code"] for c in v["conflicts"]}:
            e.add("conflicts", c)
    return e


def compare(report, expected, scenarios_with_tlsrpt, label):
    problems = []
    for p in PROFILES:
        for o in OUTCOMES:
            expected.check(f"profiles.{p}", o, report["profiles"][p][o], problems)
    for k, got in report["protected_by"].items():
        expected.check("protected_by", k, got, problems)
    codes = set(report["conflicts"]) | {v for (k, v) in expected.exact if k == "conflicts"}
    for c in codes:
        expected.check("conflicts", c, report["conflicts"].get(c, 0), problems)
    for k, got in report["mtasts"]["status"].items():
        expected.check("mtasts.status", k, got, problems)
    for k, got in report["dane"]["status"].items():
        expected.check("dane.status", k, got, problems)
    if scenarios_with_tlsrpt is None:
        for k, got in report["tlsrpt"]["status"].items():
            expected.check("tlsrpt.status", k, got, problems)
    return [f"{label}: {p}" for p in problems]


def report_json(stsdane, files):
    out = subprocess.run([stsdane, "report", "--json", *files], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise SystemExit(f"stsdane report failed ({out.returncode}): {out.stderr.strip()[:500]}")
    return json.loads(out.stdout)


def shard_check(stsdane, scan_path, whole, tmp):
    lines = [l for l in open(scan_path, encoding="utf-8") if l.strip()]
    shards = []
    for k in range(3):
        path = os.path.join(tmp, f"shard{k}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(lines[k::3])
        shards.append(path)
    problems = []
    whole = {k: v for k, v in whole.items() if k != "provenance"}  # names its inputs: differs by design
    for order in (shards, list(reversed(shards))):
        merged = report_json(stsdane, order)
        merged.pop("provenance", None)
        if merged != whole:
            diff = [k for k in whole if whole.get(k) != merged.get(k)]
            problems.append(f"shards {[os.path.basename(p) for p in order]} differ from the whole in {diff}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stsdane")
    ap.add_argument("--scan", help="JSONL scan of the catalogue (default: scan it now)")
    ap.add_argument("--report", help="report --json of the scan (default: make it now)")
    ap.add_argument("--catalogue", default=shared_contract.default_catalogues()[0])
    args = ap.parse_args()
    shared_contract.catalogues("report-catalogue-counts", args.catalogue)
    scenarios = json.load(open(args.catalogue, encoding="utf-8"))["scenarios"]
    with tempfile.TemporaryDirectory() as tmp:
        scan = args.scan
        if not scan:
            scan = os.path.join(tmp, "catalogue.jsonl")
            subprocess.run([sys.executable, os.path.join(ROOT, "tests", "catalogue", "conformance.py"),
                            args.stsdane, "--catalogue", args.catalogue, "--save", scan], check=False, timeout=1200, stdout=subprocess.DEVNULL)
        lines = [json.loads(l) for l in open(scan, encoding="utf-8") if l.strip()]
        report = json.load(open(args.report, encoding="utf-8")) if args.report else report_json(args.stsdane, [scan])
        problems = []
        domains = {s["domain"] for s in scenarios}
        scanned = {r["domain"] for r in lines}
        if scanned != domains:
            problems.append(f"scan covers {len(scanned)} domains, catalogue has {len(domains)}: "
                            f"missing {sorted(domains - scanned)[:10]}")
        if report["domains"] != len(domains):
            problems.append(f"report counts {report['domains']} domains, catalogue has {len(domains)}")
        # tlsrpt is only expected for some scenarios: compare it on those alone.
        cat = expected_from_catalogue(scenarios)
        problems += compare(report, cat, scenarios_with_tlsrpt=True, label="catalogue")
        with_tlsrpt = {s["domain"] for s in scenarios if "tlsrpt" in s["expect"]}
        got_tlsrpt = collections.Counter(r["tlsrpt"]["status"] for r in lines if r["domain"] in with_tlsrpt)
        want_tlsrpt = collections.Counter(s["expect"]["tlsrpt"] for s in scenarios if "tlsrpt" in s["expect"])
        if got_tlsrpt != want_tlsrpt:
            problems.append(f"catalogue: tlsrpt.status of the scenarios that set it: {dict(got_tlsrpt)} != {dict(want_tlsrpt)}")
        problems += compare(report, expected_from_scan(lines), scenarios_with_tlsrpt=None, label="scan lines")
        if not args.report:
            problems += shard_check(args.stsdane, scan, report, tmp)
    for p in problems:
        print("FAIL " + p)
    checked = len(PROFILES) * len(OUTCOMES) + len(report["protected_by"]) + len(report["conflicts"]) + \
        len(report["mtasts"]["status"]) + len(report["dane"]["status"])
    print(f"{checked} counts checked against the catalogue and the scan lines; shards merged: "
          f"{'yes' if not args.report else 'skipped'}; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
