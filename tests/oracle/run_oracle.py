#!/usr/bin/env python3
"""The DNSSEC oracle: BIND's delv judges every DNS answer stsdane used.

Run inside the testbed, from the repository root:
    tests/testbed/run python3 tests/oracle/run_oracle.py build/stsdane [--recursive]

stsdane checks every domain of both catalogue files with the answer log on
(STSDANE_DNS_ANSWER_LOG, docs/dns.md); then, for every distinct answer it
logged, delv (bind9-dnsutils), which validates on its own, resolves the same
name and type through the same resolver ($STSDANE_RESOLVER, with the CD bit
so bogus data reaches it) against the same trust anchor
($STSDANE_TRUST_ANCHOR), and the two judgements are compared (mapping in
docs/dns.md, "Oracle"). Catalogue domains this testbed does not build are
skipped with a note and counted. Answers stsdane reports as `error` (no
answer from the resolver) cannot be compared and are counted apart.

Prints one line per compared answer ("agree ...", "DISAGREE ..." or
"explained ..." for the one documented difference between validators,
OPTOUT_RULE below), then the counts, and as its last line
`oracle: N answers, D disagreements (K explained)`.
Exit status 1 when D > 0 or nothing could be compared, 2 on a usage error.
"""
import argparse
import base64
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import shared_contract  # noqa: E402  (the shared catalogues, or one line saying where)

HERE = os.path.dirname(os.path.abspath(__file__))

LOOKUPS = {"ok", "nxdomain", "nodata", "error"}
DNSSEC = {"secure", "insecure", "bogus", "indeterminate"}

# delv's trust line (delv.c, trust_totext), printed before the first RRset it
# shows and again whenever the next RRset's trust differs (a CNAME chain from
# an unsigned into a signed zone prints two), prefixed by "negative response, "
# for a denial. Only the first two are judgements of a validator that was
# given a root anchor; any other is unclassified.
TRUST_STATUS = {"fully validated": "secure", "unsigned answer": "insecure"}
TRUST_TEXTS = set(TRUST_STATUS) | {
    "answer not validated", "untrusted", "unsigned additional data", "glue data", "authority data",
    "authoritative", "ultimate trust", "signed additional data, pending validation",
    "signed answer, pending validation",
}
# ";; resolution failed: <text>" (isc_result_totext) when validation failed:
# delv had the data and proved it wrong, i.e. bogus.
BOGUS_RESULTS = {
    "RRSIG failed to verify", "RRSIG has expired", "RRSIG validity period has not begun", "no valid RRSIG",
    "no valid NSEC", "no valid KEY", "no valid DS", "no valid signature found", "insecurity proof failed",
    "must-be-secure", "broken trust chain", "invalid NSEC3 owner name", "covering NSEC record returned",
    "key is unauthorized to sign data",
}
# The negative-cache result delv reports before a validated denial.
NEGATIVE_RESULTS = {"ncache nxdomain": "nxdomain", "ncache nxrrset": "nodata"}
DELV_TIMEOUT_S = 30


# ---- trust anchor -------------------------------------------------------------

def zone_file_records(text):
    """(owner, type, rdata tokens) of each record of a small zone file: comments,
    parentheses, $ directives, optional TTL and class in either order."""
    records, owner, logical, depth, lines = [], None, [], 0, []
    for raw in text.splitlines():
        line = raw.split(";", 1)[0]
        logical.append(line)
        depth += line.count("(") - line.count(")")
        if depth <= 0:  # a record spans lines only inside parentheses
            lines.append(" ".join(logical).replace("(", " ").replace(")", " "))
            logical, depth = [], 0
    for line in lines:
        if not line.strip() or line.lstrip().startswith("$"):
            continue
        tokens = line.split()
        if not line[0].isspace():
            owner = tokens.pop(0)
        while tokens and (tokens[0].isdigit() or tokens[0].upper() in ("IN", "CH", "HS")):
            tokens.pop(0)
        if owner is None or not tokens:
            continue
        records.append((owner, tokens[0].upper(), tokens[1:]))
    return records


def delv_anchor_config(zone_text):
    """The trust-anchors {} clause delv -a reads, from DS/DNSKEY zone-file lines."""
    entries = []
    for owner, rrtype, rdata in zone_file_records(zone_text):
        name = owner if owner.endswith(".") else owner + "."
        if rrtype == "DNSKEY" and len(rdata) >= 4:
            key = "".join(rdata[3:])
            base64.b64decode(key, validate=True)  # a broken anchor file must stop the test, not blind it
            entries.append(f'  "{name}" static-key {int(rdata[0])} {int(rdata[1])} {int(rdata[2])} "{key}";')
        elif rrtype == "DS" and len(rdata) >= 4:
            digest = "".join(rdata[3:])
            bytes.fromhex(digest)
            entries.append(f'  "{name}" static-ds {int(rdata[0])} {int(rdata[1])} {int(rdata[2])} "{digest}";')
    if not entries:
        raise ValueError("no DS or DNSKEY record in the trust anchor file")
    return "trust-anchors {\n" + "\n".join(entries) + "\n};\n"


# ---- domains ----------------------------------------------------------------

def catalogue_domains(paths):
    domains = []
    for path in shared_contract.catalogues("oracle", paths):
        with open(path) as f:
            for s in json.load(f)["scenarios"]:
                domains.append((s["domain"], os.path.basename(path)))
    return domains


def testbed_domains():
    """Domains this testbed run serves: the same list as `tests/testbed/run --list`,
    read from the running testbed's manifest."""
    with open(os.environ["STSDANE_TESTBED_MANIFEST"]) as f:
        return set(json.load(f)["scenarios"])


# ---- stsdane's side -----------------------------------------------------------

def run_stsdane(stsdane, domains, recursive, log_path):
    env = dict(os.environ, STSDANE_DNS_ANSWER_LOG=log_path)
    cmd = [stsdane, "check", "--json"] + (["--recursive"] if recursive else []) + domains
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    rows = [l for l in proc.stdout.splitlines() if l.strip()]
    if len(rows) != len(domains):
        raise RuntimeError(f"stsdane check gave {len(rows)} rows for {len(domains)} domains "
                           f"(exit {proc.returncode}); stderr: {proc.stderr.strip()[:400]}")


def parse_answer_log(text):
    """{(qname, TYPE): {(lookup, dnssec), ...}} and the malformed lines."""
    answers, malformed = {}, []
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) != 4 or fields[2] not in LOOKUPS or fields[3] not in DNSSEC or not fields[0]:
            malformed.append(line)
            continue
        answers.setdefault((fields[0], fields[1]), set()).add((fields[2], fields[3]))
    return answers, malformed


# ---- delv's side --------------------------------------------------------------

class Judgement:
    """delv's view of one (name, type): lookup (ok/nxdomain/nodata or None when
    bogus), dnssec (secure/insecure/bogus), or error / unclassified with detail."""

    def __init__(self, lookup=None, dnssec=None, kind="judged", detail=""):
        self.lookup, self.dnssec, self.kind, self.detail = lookup, dnssec, kind, detail

    def __str__(self):
        if self.kind != "judged":
            return f"{self.kind} ({self.detail})"
        return f"{self.lookup or '-'} {self.dnssec}" + (f" ({self.detail})" if self.detail else "")


def judge_delv_output(output, qtype):
    """Maps delv's output for one query to a Judgement (docs/dns.md, "Oracle")."""
    trusts, negative, failure, has_data = [], False, None, False
    for line in output.splitlines():
        m = re.match(r"^;; resolution failed: (.*)$", line)
        if m:
            failure = m.group(1).strip()
            continue
        m = re.match(r"^; (negative response, )?(.*)$", line)
        if m and m.group(2) in TRUST_TEXTS:
            negative = negative or bool(m.group(1))
            trusts.append(m.group(2))
            continue
        fields = line.split()
        if not line.startswith(";") and len(fields) >= 4 and fields[3].upper() == qtype:
            has_data = True
    if trusts:
        if any(t not in TRUST_STATUS for t in trusts):
            return Judgement(kind="unclassified", detail="trust: " + ", ".join(trusts))
        dnssec = "insecure" if "insecure" in {TRUST_STATUS[t] for t in trusts} else "secure"
        if failure in NEGATIVE_RESULTS:  # a denial, possibly after a CNAME chain
            return Judgement(NEGATIVE_RESULTS[failure], dnssec)
        if negative or failure:
            return Judgement(kind="unclassified", detail=f"{dnssec} answer after {failure!r}")
        if not has_data:
            return Judgement(kind="unclassified", detail=f"{dnssec} answer without {qtype} records")
        return Judgement("ok", dnssec)
    if failure in BOGUS_RESULTS:
        return Judgement(None, "bogus", detail=failure)
    if failure:
        return Judgement(kind="error", detail=failure)
    return Judgement(kind="unclassified", detail="no trust line and no failure: " + output.strip()[:200])


def ask_delv(delv, anchor_path, resolver, qname, qtype):
    name = qname if qname.endswith(".") else qname + "."
    cmd = [delv, "-a", anchor_path, "@" + resolver, "+root=.", "+cdflag", "-c", "IN", "-t", qtype, "-q", name]
    last = None
    for _ in range(2):  # one retry: a lost UDP datagram must not pass for a finding
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=DELV_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            last = Judgement(kind="error", detail=f"delv took over {DELV_TIMEOUT_S} s")
            continue
        last = judge_delv_output(proc.stdout + proc.stderr, qtype)
        if last.kind != "error":
            break
    return last


# ---- comparison ---------------------------------------------------------------

# One known difference between validators, explained rather than counted:
# a name error proven only by an NSEC3 record with the Opt-Out flag. The
# Opt-Out span may hide an unsigned delegation, so the name may exist
# (RFC 5155 §9.2, "Opt-Out ... the covered names may be insecure
# delegations"); Unbound (and so libunbound, and the testbed's resolver)
# answers such an NXDOMAIN as insecure ("nc has optout",
# nsec3_do_prove_nameerror), BIND's delv as secure. Both agree the name
# does not exist, which is all stsdane uses a name error for.
OPTOUT_RULE = "NXDOMAIN proven only under an NSEC3 Opt-Out span: insecure for Unbound, secure for BIND (RFC 5155 §9.2)"


def denial_has_optout(resolver, qname, qtype):
    """True when the resolver's negative answer carries an NSEC3 with Opt-Out."""
    cmd = ["dig", "+dnssec", "+cd", "+noall", "+authority", "+tries=2", "+time=5", "@" + resolver, qname, qtype]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) > 6 and fields[3] == "NSEC3" and fields[5].isdigit() and int(fields[5]) & 1:
            return True
    return False


def explained(stsdane_result, judgement, qname, qtype):
    """The rule that explains a disagreement, or None."""
    if stsdane_result == ("nxdomain", "insecure") and judgement.kind == "judged" and \
            (judgement.lookup in (None, "nxdomain")) and judgement.dnssec == "secure" and \
            denial_has_optout(os.environ["STSDANE_RESOLVER"], qname, qtype):
        return OPTOUT_RULE
    return None

def compare(stsdane_result, judgement):
    """None when they agree, else why not."""
    lookup, dnssec = stsdane_result
    if judgement.kind != "judged":
        return f"delv could not judge it: {judgement}"
    if dnssec != judgement.dnssec:
        return "DNSSEC status differs"
    if judgement.lookup and lookup != judgement.lookup:
        return "lookup outcome differs"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("stsdane")
    ap.add_argument("--recursive", action="store_true", help="stsdane resolves from the root itself")
    ap.add_argument("--catalogue", action="append", help="catalogue file (repeatable; default: both)")
    ap.add_argument("--delv", default="delv")
    ap.add_argument("--jobs", type=int, default=4, help="delv processes at once")
    ap.add_argument("--keep-log", help="also copy stsdane's answer log here")
    ap.add_argument("--answer-log", help="judge this answer log instead of running stsdane (tests of the oracle)")
    args = ap.parse_args()
    for var in ("STSDANE_RESOLVER", "STSDANE_TRUST_ANCHOR", "STSDANE_TESTBED_MANIFEST"):
        if not os.environ.get(var):
            print(f"run_oracle: {var} is not set: run inside the testbed (tests/testbed/run python3 {sys.argv[0]} ...)",
                  file=sys.stderr)
            return 2
    mode = "recursive" if args.recursive else "stub"

    built = testbed_domains()
    domains, skipped = [], []
    for domain, source in catalogue_domains(args.catalogue or shared_contract.default_catalogues(both=True)):
        (domains if domain in built else skipped).append((domain, source))
    for domain, source in skipped:
        print(f"skip {domain} ({source}): this testbed does not build it")
    names = sorted({d for d, _ in domains})

    with tempfile.TemporaryDirectory(prefix="oracle-") as tmp:
        anchor_path = os.path.join(tmp, "anchor.conf")
        with open(os.environ["STSDANE_TRUST_ANCHOR"]) as f:
            anchor = delv_anchor_config(f.read())
        with open(anchor_path, "w") as f:
            f.write(anchor)
        log_path = args.answer_log
        if not log_path:
            log_path = os.path.join(tmp, "answers.log")
            run_stsdane(args.stsdane, names, args.recursive, log_path)
        with open(log_path) as f:
            log_text = f.read()
        if args.keep_log:
            with open(args.keep_log, "w") as f:
                f.write(log_text)
        answers, malformed = parse_answer_log(log_text)
        for line in malformed:
            print(f"DISAGREE malformed answer log line: {line!r}")

        comparable = {key: {r for r in results if r[0] != "error"} for key, results in answers.items()}
        errors = sorted(key for key, results in answers.items() if any(r[0] == "error" for r in results))
        to_ask = sorted(key for key, results in comparable.items() if results)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            judged = dict(zip(to_ask, pool.map(
                lambda key: ask_delv(args.delv, anchor_path, os.environ["STSDANE_RESOLVER"], *key), to_ask)))

    n = disagreements = len(malformed)
    explained_count = 0
    for key in to_ask:
        for result in sorted(comparable[key]):
            n += 1
            why = compare(result, judged[key])
            label = f"{key[0]} {key[1]}: stsdane {result[0]} {result[1]}, delv {judged[key]}"
            rule = explained(result, judged[key], *key) if why else None
            if rule:
                explained_count += 1
                print(f"explained {label} -- {rule}")
            elif why:
                disagreements += 1
                print(f"DISAGREE {label} -- {why}")
            else:
                print(f"agree {label}")
    for key in errors:
        print(f"not compared {key[0]} {key[1]}: stsdane's lookup failed (error)")
    print(f"oracle ({mode}): {len(names)} domains checked, {len(skipped)} catalogue domains skipped "
          f"(not in this testbed), {len(errors)} answers stsdane reports as error (not comparable)")
    print(f"oracle: {n} answers, {disagreements} disagreements ({explained_count} explained)")
    return 1 if disagreements or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
