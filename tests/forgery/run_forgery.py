#!/usr/bin/python3
"""Forgery suite: stsdane behind a hostile resolver (docs/forgery.md).

    tests/forgery/run_forgery.py [build/stsdane] [--only NAME,...] [--mode stub,recursive,no-fast-path]
    tests/forgery/run_forgery.py --serve ATTACK -- COMMAND...   (one attack, any command)
    tests/forgery/run_forgery.py --markdown      (the attack table of docs/forgery.md)

Enters the testbed itself (tests/testbed/run, with tests/forgery/forgery.json
loaded) unless already inside. Inside, it puts a hostile resolver on
192.0.2.66:53 (hostile_resolver.py) that proxies to the testbed's Unbound,
runs the pass-through controls, then `stsdane check --json` once per attack
and mode, and judges the DNSSEC statuses of the result (see attacks.py). The
last line is `forgery: N attacks, K accepted as secure`; exit status 1 when
K > 0 or a control fails.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

HOSTILE_ADDRESS = "192.0.2.66"   # inside the testbed namespace only
UNBOUND = "192.0.2.1"
NSD, NSD6 = "192.0.2.53", "2001:db8::53"
CHECK_BOUND = 60                 # seconds per stsdane run
LIFETIME = 1200                  # the hostile resolver stops by itself after this
BAD = ("bogus", "indeterminate", "error")
# stub: stsdane's resolver is the hostile one. recursive: stsdane resolves
# from root hints that name the hostile resolver as the only name server
# (IPv4 only, so it cannot reach NSD's IPv6 address past the attacker).
# no-fast-path: stub, for binaries before the libunbound DNS layer (2ccedae),
# whose getdns fast path could be turned off with this variable.
MODES = {"stub": {"env": {}, "args": []},
         "recursive": {"env": {}, "args": ["--recursive", "--unbound-option", "do-ip6: no"]},
         "no-fast-path": {"env": {"STSDANE_DNS_NO_FAST_PATH": "1"}, "args": []}}
DEFAULT_MODES = ("stub", "recursive")


def hostile_root_hints(directory):
    """A root hints file naming the hostile resolver as ns.test."""
    path = os.path.join(directory, "root.hints")
    with open(path, "w") as f:
        f.write(". 3600000 NS ns.test.\nns.test. 3600000 A %s\n" % HOSTILE_ADDRESS)
    return path


def enter_testbed(argv):
    extra = os.path.join(HERE, "forgery.json")
    env = dict(os.environ)
    parts = [p for p in env.get("STSDANE_TESTBED_EXTRA", "").split(":") if p]
    if extra not in parts:
        env["STSDANE_TESTBED_EXTRA"] = ":".join(parts + [extra])
    run = os.path.join(REPO, "tests", "testbed", "run")
    os.execve(run, [run, "/usr/bin/python3", os.path.abspath(__file__)] + argv, env)


# -- the results stsdane reports -------------------------------------------------------

def status(lookup, dnssec):
    return "error" if lookup == "error" else (dnssec or "none")


def fields(row):
    """key -> (status, data) for every DNS result of one check --json row."""
    out = {"mx": (status(row.get("mx_lookup"), row.get("mx_dnssec")),
                  sorted((m["host"], m["preference"]) for m in row.get("mx") or []))}
    for m in row.get("mx") or []:
        host = m["host"].rstrip(".")
        addrs = sorted((a["ip"], a.get("dnssec")) for a in m.get("addresses") or [])
        out["addr:" + host] = (status(m.get("address_lookup"), m.get("address_dnssec")),
                               [m.get("cname"), addrs])
        t = m.get("tlsa")
        if t is not None:
            out["tlsa:" + host] = (status(t.get("lookup"), t.get("dnssec")), [t.get("base"), t.get("records")])
    sts = row.get("mtasts") or {}
    rec = sts.get("record") or {}
    if rec:   # a missing record's DNSSEC status is not in the JSON
        out["sts"] = (status(sts.get("lookup"), rec.get("dnssec")), sts.get("txt"))
    return out


def field_questions(row):
    """key -> the questions (name, TYPE) whose answers make that result."""
    def q(name, rtype):
        return ((name or "").lower().rstrip("."), rtype)
    domain = row.get("domain", "")
    out = {"mx": {q(domain, "MX")}, "sts": {q("_mta-sts." + domain, "TXT")}}
    for m in row.get("mx") or []:
        host = m["host"].rstrip(".")
        out["addr:" + host] = {q(host, "A"), q(host, "AAAA")}
        base = (m.get("tlsa") or {}).get("base") or host
        out["tlsa:" + host] = {q("_25._tcp." + base, "TLSA")}
    return out


def dane_status(row):
    return (row.get("dane") or {}).get("status")


DANE_OFF = ("insecure", "absent")   # DANE does not apply: what a downgrade achieves


def judge_dane(row, control_dane):
    """dane.status turned off (insecure, absent) where the control's was on."""
    got = dane_status(row)
    if got in DANE_OFF and control_dane not in DANE_OFF:
        return ["dane.status: %s (control: %s): DANE turned off" % (got, control_dane)]
    return []


def summary(row):
    f = fields(row)
    dane = (row.get("dane") or {}).get("status")
    return " ".join("%s=%s" % (k, v[0]) for k, v in sorted(f.items())) + " dane=%s" % dane


def check(stsdane, domain, resolver, mode, extra=()):
    """(row, error) of one `check --json` with the hostile resolver (resolver
    = HOSTILE_ADDRESS) or without it; row["_answers"] is stsdane's answer
    log (STSDANE_DNS_ANSWER_LOG: name, TYPE, lookup, dnssec per answer used),
    or None for a binary that writes none."""
    with tempfile.TemporaryDirectory(prefix="stsdane-forgery.") as tmp:
        log = os.path.join(tmp, "answers")
        env = dict(os.environ, STSDANE_RESOLVER=resolver, STSDANE_DNS_ANSWER_LOG=log, **MODES[mode]["env"])
        if mode == "recursive" and resolver == HOSTILE_ADDRESS:
            env["STSDANE_ROOT_HINTS"] = hostile_root_hints(tmp)
        cmd = [stsdane, "check", "--json", "--no-smtp", "--no-https", "--dns-timeout", "2",
               "--resolver", resolver] + MODES[mode]["args"] + list(extra) + [domain]
        try:
            p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=CHECK_BOUND)
        except subprocess.TimeoutExpired:
            return None, "no result within %d s" % CHECK_BOUND
        answers = None
        if os.path.exists(log):
            with open(log) as f:
                answers = [tuple(l.split()) for l in f if len(l.split()) == 4]
    if p.returncode < 0:
        return None, "stsdane crashed (signal %d), stderr: %s" % (-p.returncode, p.stderr.strip()[-300:])
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if len(lines) != 1:
        return None, "exit %d, %d JSON lines, stderr: %s" % (p.returncode, len(lines), p.stderr.strip()[:300])
    row = json.loads(lines[0])
    row["_answers"] = answers
    return row, None


def answer_statuses(row):
    """(name, TYPE) -> {(lookup, dnssec)} from the answer log, or None."""
    if row.get("_answers") is None:
        return None
    out = {}
    for name, rtype, lookup, dnssec in row["_answers"]:
        out.setdefault((name.lower().rstrip("."), rtype), set()).add((lookup, dnssec))
    return out


def judge_answers(attack, got, control):
    """The answer log's verdicts on one attack (like judge(), per answer):
    an answer to a forged question, or any answer at or below the victim for
    a zone-wide attack, must be bogus, indeterminate or a failed lookup; no
    answer may turn insecure where the control's was not."""
    accepted, notes = [], []
    victim = attack.domain.rstrip(".").lower()
    for key, outcomes in sorted(got.items()):
        name, rtype = key
        want = control.get(key, set())
        zone_wide = "*" in attack.targets and (name == victim or name.endswith("." + victim))
        for lookup, dnssec in sorted(outcomes):
            bad = lookup == "error" or dnssec in BAD
            if attack.transport:
                if key in attack.forged and (lookup, dnssec) not in want and not bad:
                    accepted.append("answer %s %s: %s %s (control: %s)" % (name, rtype, lookup, dnssec, sorted(want)))
            elif dnssec == "insecure" and ("ok", "insecure") not in want and \
                    not any(d == "insecure" for _, d in want):
                accepted.append("answer %s %s: %s insecure (a downgrade)" % (name, rtype, lookup))
            elif (key in attack.forged or zone_wide) and not bad:
                accepted.append("answer %s %s: %s %s" % (name, rtype, lookup, dnssec))
    return accepted, notes


def judge(attack, got, control, questions):
    """(accepted, notes): lists of 'field: why' for one attack's result. A
    result is judged as forged when its question was answered with a forged
    packet, or for a zone-wide attack ("*")."""
    accepted, notes = [], []
    for key, (st, data) in sorted(got.items()):
        want_st, want_data = control.get(key, (None, None))
        forged = "*" in attack.targets or bool(questions.get(key, set()) & attack.forged)
        if attack.transport:
            # Used and reported bogus is a denial of service, which an on-path
            # attacker has anyway: noted, not an acceptance.
            if (st, data) != (want_st, want_data) and st not in BAD:
                accepted.append("%s: %s with %s (control: %s with %s)" % (key, st, data, want_st, want_data))
            elif (st, data) != (want_st, want_data):
                notes.append("%s: the forged packet disturbed the lookup: %s (control %s)" % (key, st, want_st))
        elif st == "insecure":
            accepted.append("%s: insecure (a downgrade)" % key)
        elif forged and st == "secure":
            accepted.append("%s: secure%s" % (key, "" if data == want_data else " with forged data %s" % data))
        elif st == "secure" and want_st is not None and data != want_data:
            notes.append("%s: secure with %s, other than the control's, from answers the attacker "
                         "did not forge (the forgery changed what stsdane asked)" % (key, data))
    return accepted, notes


def answers_note(row):
    a = row.get("_answers")
    return "" if a is None else " (%d answers logged)" % len(a)


def run_controls(stsdane, server, domains, modes):
    """The pass-through control per domain and mode: everything secure, and
    the same as asking Unbound directly. Returns ({(domain, mode): fields}, failures)."""
    from hostile_resolver import PassThrough
    controls, failures = {}, []
    server.set_attack(PassThrough())
    for domain in domains:
        for mode in modes:
            direct, err1 = check(stsdane, domain, UNBOUND, mode)
            proxied, err2 = check(stsdane, domain, HOSTILE_ADDRESS, mode)
            name = "control %s (%s)" % (domain, mode)
            if err1 or err2:
                failures.append("%s: %s" % (name, err1 or err2))
                continue
            fd, fp = fields(direct), fields(proxied)
            not_secure = [k for k, v in fp.items() if v[0] != "secure"]
            if fd != fp:
                failures.append("%s: differs from asking Unbound directly: %s vs %s" % (name, fp, fd))
            elif not_secure:
                failures.append("%s: not secure through the pass-through: %s" % (name, summary(proxied)))
            else:
                print("ok   %s: %s%s" % (name, summary(proxied), answers_note(proxied)), flush=True)
                controls[(domain, mode)] = fp
                controls[(domain, mode, "answers")] = answer_statuses(proxied) or {}
                controls[(domain, mode, "dane")] = dane_status(proxied)
    for f in failures:
        print("FAIL " + f, flush=True)
    return controls, failures


def judge_control(stsdane, server, control_attack, controls, modes):
    """The judge's negative control: data signed with the victim's own key
    must come back secure and be counted as accepted. Returns failures."""
    failures = []
    server.set_attack(control_attack)
    for mode in modes:
        control = controls.get((control_attack.domain.rstrip("."), mode))
        if control is None:
            continue
        control_attack.forged = set()
        row, err = check(stsdane, control_attack.domain.rstrip("."), HOSTILE_ADDRESS, mode)
        name = "%s (%s)" % (control_attack.name, mode)
        seen = {"JSON": judge(control_attack, fields(row), control, field_questions(row))[0] if row else []}
        logged = answer_statuses(row) if row else None
        if logged is not None:
            seen["answer log"] = judge_answers(control_attack, logged,
                                               controls[(control_attack.domain.rstrip("."), mode, "answers")])[0]
        for how, accepted in seen.items():
            if accepted:
                print("ok   %s: the judge of the %s sees data signed with the victim's key as accepted" % (
                    name, how), flush=True)
            else:
                failures.append("%s: the judge of the %s did not see the victim-signed TLSA as accepted (%s)" % (
                    name, how, err or summary(row)))
                print("FAIL " + failures[-1], flush=True)
    return failures


def check_doc(attacks, path):
    import contextlib
    import io
    table = io.StringIO()
    with contextlib.redirect_stdout(table):
        markdown(attacks)
    if table.getvalue() not in open(path).read():
        print("FAIL %s does not hold the current attack table; regenerate it with "
              "tests/forgery/run_forgery.py --markdown" % path)
        return 1
    print("ok   %s holds the table of the %d attacks" % (path, len(attacks)))
    return 0


def markdown(attacks):
    def cell(text):   # "<d>" would be an HTML tag
        return text.replace("<", "&lt;").replace(">", "&gt;")
    print("| # | attack | victim | what the attacker sends | what stsdane must report | rule |")
    print("|---|---|---|---|---|---|")
    for i, a in enumerate(attacks, 1):
        print("| %d | `%s` | `%s` | %s | %s | %s |" % (i, a.name, a.domain.rstrip("."), cell(a.forges),
                                                    cell(a.must), cell(a.rule)))


def serve(server, ctx, A, name, command):
    """Debugging aid: one attack, one command (bounded like a check)."""
    chosen = [a for a in A.ATTACKS if a.name == name] if name != "pass-through" else []
    if name != "pass-through" and not chosen:
        sys.exit("unknown attack %s" % name)
    if chosen:
        server.set_attack(chosen[0](ctx))
    env = dict(os.environ, STSDANE_RESOLVER=HOSTILE_ADDRESS)
    try:
        rc = subprocess.run(command or ["bash"], env=env, timeout=LIFETIME).returncode
    finally:
        print("hostile resolver saw: %s" % server.seen, file=sys.stderr)
        server.stop()
    return rc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stsdane", nargs="?", default=os.path.join(REPO, "build", "stsdane"))
    ap.add_argument("--only", help="comma-separated attack names")
    ap.add_argument("--mode", default=",".join(DEFAULT_MODES),
                    help="comma-separated from %s (default %s); no-fast-path: STSDANE_DNS_NO_FAST_PATH=1 "
                         "(binaries before 2ccedae)" % (", ".join(MODES), ",".join(DEFAULT_MODES)))
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--check-doc", metavar="FILE", help="fail unless FILE holds the current attack table")
    ap.add_argument("--weaken", metavar="SETTING", action="append", default=[],
                    help="libunbound setting for the attack runs only (not the controls), e.g. "
                         "'val-sig-skew-max: 31536000': shows the suite fails when a check is off")
    ap.add_argument("--expect-accepted", metavar="NAMES",
                    help="succeed only if exactly these attacks (comma-separated) are accepted")
    ap.add_argument("--serve", metavar="ATTACK",
                    help="only serve ATTACK on %s and run the command after -- against it" % HOSTILE_ADDRESS)
    argv = sys.argv[1:]
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    args = ap.parse_args(argv[:len(argv) - len(command) - (1 if "--" in argv else 0)])

    import attacks as A
    chosen = A.ATTACKS
    if args.only:
        names = args.only.split(",")
        chosen = [a for a in A.ATTACKS if a.name in names]
        if len(chosen) != len(names):
            sys.exit("unknown attack in %s; known: %s" % (names, ", ".join(a.name for a in A.ATTACKS)))
    if args.markdown:
        return markdown(chosen)
    if args.check_doc:
        return check_doc(chosen, args.check_doc)
    if not os.environ.get("STSDANE_TESTBED_DIR"):
        enter_testbed(sys.argv[1:])
    stsdane = os.path.abspath(args.stsdane)
    if not os.access(stsdane, os.X_OK):
        print("FAIL no stsdane binary at %s" % stsdane)
        print("forgery: %d attacks, 0 accepted as secure (not run)" % len(chosen))
        return 1
    weaken = [a for w in args.weaken for a in ("--unbound-option", w)]
    modes = tuple(args.mode.split(","))
    if not set(modes) <= set(MODES):
        sys.exit("unknown mode in %s; known: %s" % (args.mode, ", ".join(MODES)))

    subprocess.run(["ip", "addr", "add", HOSTILE_ADDRESS + "/32", "dev", "lo"], check=True)
    from hostile_resolver import HostileResolver
    server = HostileResolver(HOSTILE_ADDRESS, UNBOUND, NSD, NSD6, lifetime=LIFETIME).start()
    ctx = A.Context(os.path.dirname(os.environ["STSDANE_TESTBED_MANIFEST"]), UNBOUND)
    if args.serve:
        return serve(server, ctx, A, args.serve, command)

    with open(os.environ["STSDANE_TESTBED_MANIFEST"]) as f:
        built = set(json.load(f)["scenarios"])
    for a in [a for a in chosen if a.domain.rstrip(".") not in built]:
        print("skip %s: its victim %s is not in this testbed" % (a.name, a.domain.rstrip(".")), flush=True)
    chosen = [a for a in chosen if a.domain.rstrip(".") in built]
    domains = sorted({a.domain.rstrip(".") for a in chosen} | {A.VictimKeyControl.domain.rstrip(".")})
    controls, failures = run_controls(stsdane, server, domains, modes)
    failures += judge_control(stsdane, server, A.VictimKeyControl(ctx), controls, modes)

    accepted_attacks = []
    for cls in chosen:
        attack = cls(ctx)
        hits = []
        for mode in modes:
            control = controls.get((attack.domain.rstrip("."), mode))
            if control is None:
                continue
            attack.fired, attack.forged = 0, set()
            server.set_attack(attack)
            t0 = time.monotonic()
            row, err = check(stsdane, attack.domain.rstrip("."), HOSTILE_ADDRESS, mode, weaken)
            took = time.monotonic() - t0
            if not attack.fired:   # stsdane never asked what the attack forges: proves nothing
                err = "the attack never fired (stsdane asked: %s)" % sorted(set(q[1:] for q in server.seen))
            if err:   # a crash or a hang is a failure, though not an acceptance
                failures.append("%s (%s): %s" % (attack.name, mode, err))
                print("FAIL %s (%s): %s, %.1f s" % (attack.name, mode, err, took), flush=True)
                continue
            accepted, notes = judge(attack, fields(row), control, field_questions(row))
            accepted += judge_dane(row, controls[(attack.domain.rstrip("."), mode, "dane")])
            logged = answer_statuses(row)
            if logged is not None:
                more, more_notes = judge_answers(attack, logged, controls[(attack.domain.rstrip("."), mode, "answers")])
                accepted, notes = accepted + more, notes + more_notes
            verdict = "ACCEPTED" if accepted else "ok  "
            print("%s %s (%s): %s, %.1f s" % (verdict, attack.name, mode, summary(row), took), flush=True)
            for a in accepted:
                print("       accepted %s" % a, flush=True)
            for n in notes:
                print("       note: %s" % n, flush=True)
            hits += accepted
        if hits:
            accepted_attacks.append(attack.name)
    server.stop()

    if accepted_attacks:
        print("accepted: " + ", ".join(accepted_attacks))
    for f in failures:
        print("failed: " + f)
    print("forgery: %d attacks, %d accepted as secure" % (len(chosen), len(accepted_attacks)))
    if args.expect_accepted is not None:   # the suite's own test: it must fail where expected
        expected = set(filter(None, args.expect_accepted.split(",")))
        ok = set(accepted_attacks) == expected and not failures
        print("forgery self-test: %s (expected accepted: %s)" % (
            "ok, the suite failed where it should" if ok else "FAIL", ", ".join(sorted(expected))))
        return 0 if ok else 1
    return 1 if accepted_attacks or failures else 0


if __name__ == "__main__":
    sys.exit(main())
