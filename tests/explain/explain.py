#!/usr/bin/env python3
"""Explanations and remedies that are right (issue 15, section 1).

Each scenario of tests/testbed/explain.json has a verdict stsdane already gets
right and an explanation or remedy that once was wrong; this test checks the
words against what the served certificates really are (digests computed here
with python3-cryptography from the chain stsdane received, not taken from
stsdane's own remedy). Also: usage errors, NXDOMAIN, write errors.

    tests/explain/explain.py [build/stsdane]      (enters the testbed itself)

Prints ok/FAIL per check and "N passed, M failed" last; exit 1 on a failure.
"""
import hashlib
import json
import os
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXTRA = os.path.join(REPO, "tests/testbed/explain.json")
STSDANE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build/stsdane"))

if not os.environ.get("STSDANE_TESTBED_DIR"):
    env = dict(os.environ)
    extra = [p for p in env.get("STSDANE_TESTBED_EXTRA", "").split(":") if p]
    env["STSDANE_TESTBED_EXTRA"] = ":".join(extra + ([EXTRA] if EXTRA not in extra else []))
    run = os.path.join(REPO, "tests/testbed/run")
    os.execve(run, [run, sys.executable, os.path.abspath(__file__), STSDANE], env)

passed = failed = 0


def check(cond, what, context=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + what)
    else:
        failed += 1
        print("FAIL " + what + (": " + context[:1500] if context else ""))


def run(*args, stdout=subprocess.PIPE):
    p = subprocess.run([STSDANE, *args], stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120)
    return p.returncode, p.stdout or "", p.stderr


def check_json(domain):
    rc, out, err = run("check", "--json", "--pem", domain)
    return rc, json.loads(out)


def text_of(domain):
    return run("check", "--color", "never", domain)[1]


def findings(result, code):
    return [f for f in result["findings"] if f["code"] == code]


def chain_of(result, mx=0):
    pem = result["mx"][mx]["addresses"][0]["chain_pem"]
    return x509.load_pem_x509_certificates(pem.encode())


def spki(cert):
    return cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)


def d(name):
    return name + ".test"


def digest_agility():
    dom = d("explain-digest-agility")
    rc, r = check_json(dom)
    leaf = chain_of(r)[0]
    f = findings(r, "dane-tlsa-mismatch")
    check(r["dane"]["status"] == "invalid" and len(f) == 1, "digest agility: verdict stays invalid", json.dumps(r["dane"]))
    if not f:
        return
    sha256 = hashlib.sha256(spki(leaf)).hexdigest()
    sha512 = hashlib.sha512(spki(leaf)).hexdigest()
    remedy, detail = f[0]["remedy"] or "", f[0]["detail"]
    check("RFC 7671 §9" in detail and "3 1 1 " + sha256 in detail,
          "digest agility: the detail says 3 1 1 matches and is ignored for the stronger digest", detail)
    check("TLSA 3 1 1" not in remedy and "publish _25" not in remedy,
          "digest agility: the fix does not ask to publish the 3 1 1 that is already there", remedy)
    check("3 1 2 " + sha512 in remedy and "remove" in remedy,
          "digest agility: the fix corrects the 3 1 2 record to the served key's SHA-512 or removes it", remedy)


def usage_unusable():
    dom = d("explain-usage-unusable")
    rc, r = check_json(dom)
    leaf = chain_of(r)[0]
    f = findings(r, "dane-tlsa-mismatch")
    check(len(f) == 1, "usage 1: one dane-tlsa-mismatch", json.dumps(r["findings"]))
    if not f:
        return
    sha256 = hashlib.sha256(spki(leaf)).hexdigest()
    detail, remedy = f[0]["detail"], f[0]["remedy"] or ""
    check("stale" not in detail and "usage 1 (PKIX-EE) is unusable" in detail and "RFC 7672 §3.1.3" in detail,
          "usage 1: the detail says the data matches and the usage is unusable", detail)
    check("IN TLSA 3 1 1 " + sha256 in remedy and "usage 3" in remedy and "remove 1 1 1 " + sha256 in remedy,
          "usage 1: the fix republishes the same data with usage 3 and removes the 1 1 1", remedy)


def root_ta_not_sent():
    dom = d("explain-root-ta-not-sent")
    rc, r = check_json(dom)
    chain = chain_of(r)
    f = findings(r, "dane-tlsa-mismatch")
    check(len(chain) == 2 and len(f) == 1, "2 1 1 of the root: leaf + intermediate served, one mismatch",
          json.dumps(r["findings"]))
    if not f:
        return
    detail, remedy = f[0]["detail"], f[0]["remedy"] or ""
    root_name = chain[1].issuer.rfc4514_string()
    inter = hashlib.sha256(spki(chain[1])).hexdigest()
    check("stale" not in detail and "RFC 7671 §5.2.2" in detail and root_name in detail,
          "2 1 1 of the root: the detail names the CA the server does not send", detail)
    check("full chain" in remedy and "TLSA 3 1 1" not in remedy and "2 1 1 " + inter in remedy,
          "2 1 1 of the root: the fix is the full chain or pinning the intermediate", remedy)


def version_not_first():
    dom = d("explain-sts-version-not-first")
    rc, r = check_json(dom)
    f = findings(r, "sts-record-bad-version")
    check(r["verdict"]["profiles"]["mta-sts"] == "unprotected" and r["verdict"]["protected_by"] == "none",
          "version not first: still no policy for senders", json.dumps(r["verdict"]))
    check(len(f) == 1 and "not first" in f[0]["detail"], "version not first: a finding says why",
          json.dumps(r["findings"]))


def insecure_address():
    dom = d("explain-insecure-address")
    rc, r = check_json(dom)
    mx = r["mx"][0]
    check(mx["dane"] == "not-applicable" and r["dane"]["status"] in ("absent", "insecure"),
          "insecure address: DANE not applicable (verdict unchanged)", json.dumps(mx["dane"]))
    daddr = mx["addresses"][0]["dane"]
    check(daddr["applies"] is False and daddr["valid"] is None,
          "insecure address: addresses[].dane neither applies nor is valid", json.dumps(daddr))
    f = findings(r, "dane-address-insecure")
    check(len(f) == 1 and "RFC 7672 §2.2.2" in f[0]["detail"] and "smtp.plain." + dom in f[0]["remedy"],
          "insecure address: dane-address-insecure names the unsigned zone", json.dumps(r["findings"]))
    check("DANE valid" not in text_of(dom), "insecure address: the text shows no 'DANE valid'")


def partial_coverage():
    rc, r = check_json(d("explain-partial-preferred"))
    f = findings(r, "dane-partial-coverage")
    check(len(f) == 1 and "steer" not in f[0]["detail"] and "preferred MX" in f[0]["detail"],
          "partial coverage, uncovered MX preferred: no 'steer', says it gets the mail first",
          json.dumps(r["findings"]))
    rc, r = check_json("dane-partial.test")  # catalogue: the uncovered MX is the backup
    f = findings(r, "dane-partial-coverage")
    check(len(f) == 1 and "steer" in f[0]["detail"], "partial coverage, uncovered MX backup: attacker can steer",
          json.dumps(r["findings"]))


def policy_mx_missing():
    dom = d("explain-policy-mx-missing")
    rc, r = check_json(dom)
    f = findings(r, "sts-mx-mismatch")
    check(len(f) == 1, "policy misses an MX: one sts-mx-mismatch", json.dumps(r["findings"]))
    if not f:
        return
    remedy = f[0]["remedy"] or ""
    check("mx: mx1.%s\nmx: mx2.%s\n" % (dom, dom) in remedy and "*." not in remedy,
          "policy misses an MX: the fix lists both hosts, no wildcard", remedy)
    check("typo" not in f[0]["detail"] and r["mx"][1]["sts_mismatch"] == "unlisted",
          "policy misses an MX: a second MX is not a 'typo' of the first", f[0]["detail"])
    check("typo" not in text_of(dom), "policy misses an MX: the text says no 'typo'")
    rc, r = check_json(d("explain-policy-no-max-age"))
    check(r["mtasts"]["policy"]["max_age"] is None, "no max_age: JSON null")
    check("max_age -1" not in text_of(d("explain-policy-no-max-age")), "no max_age: the text shows no 'max_age -1'")


def nxdomain():
    rc, r = check_json("explain-does-not-exist.test")
    out = text_of("explain-does-not-exist.test")
    check(findings(r, "domain-nxdomain") and "does not exist" in out and "publish MX records" not in out,
          "NXDOMAIN: says the domain does not exist, not 'publish MX records'", out)


def usage_errors():
    for arg in ["bad domain!", "user@example.org", "https://x/"]:
        rc, out, err = run("check", arg)
        check(rc == 3 and "invalid-domain" in out, "check %r: exit 3 (usage)" % arg, "exit %d %s" % (rc, out))
    rc, out, err = run("check", "user@example.org")
    check("'example.org'" in out, "check user@example.org: suggests example.org", out)


def write_errors():
    with open("/dev/full", "w") as full:
        for args in (["check", "sts-enforce-good.test"], ["check", "--json", "sts-enforce-good.test"]):
            rc, out, err = run(*args, stdout=full)
            check(rc != 0 and "writing the output failed" in err, "%s >/dev/full: exit non-zero with a message"
                  % " ".join(args), "exit %d: %s" % (rc, err))


for t in (digest_agility, usage_unusable, root_ta_not_sent, version_not_first, insecure_address,
          partial_coverage, policy_mx_missing, nxdomain, usage_errors, write_errors):
    try:
        t()
    except Exception as e:  # a crash in one case is a failure, not the end of the test
        check(False, t.__name__, "%s: %s" % (type(e).__name__, e))

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
