#!/usr/bin/env bash
# Live two-snapshot test of `stsdane report --over-time` and `stsdane diff`
# (issue 7): the testbed changes between two scans (rollover done right,
# rollover done wrong, MX migrated without a policy update, policy edited
# without an id change, id changed without a policy change) and each change
# must be found, and nothing reported for the unchanged control domain.
#
#   tests/report/two_snapshots.sh build/stsdane        (as root; not inside the testbed:
#                                                      it starts the testbed twice itself)
#
# Snapshot 1 = tests/report/snapshots/snapshot1.json, snapshot 2 = the same
# plus snapshot2.json (STSDANE_TESTBED_EXTRA). Both builds use a seeded PKI, so
# every key and certificate that does not change is byte-identical in both
# scans. Prints "ok ..." / "FAIL ..." per check and "N passed, M failed" last;
# exit status 1 on a failure, 77 (skipped) when not root.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
stsdane="$(realpath "${1:-$repo/build/stsdane}" 2>/dev/null || true)"
snap1="$here/snapshots/snapshot1.json"
snap2="$here/snapshots/snapshot2.json"
domains="snap-rollover-good.test snap-rollover-bad.test snap-rollover-bad-cert.test
snap-mx-migrated.test snap-policy-edited.test snap-id-only.test snap-unchanged.test"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP two_snapshots: the testbed needs root (network namespaces)"
  exit 77
fi
if [ -z "$stsdane" ] || [ ! -x "$stsdane" ]; then
  echo "FAIL no stsdane binary at ${1:-$repo/build/stsdane} (build it, then pass its path)"
  echo "0 passed, 1 failed"
  exit 1
fi

work="$(mktemp -d /tmp/stsdane-two-snapshots.XXXXXX)"
trap 'rm -rf "$work"' EXIT
printf '%s\n' $domains >"$work/list.txt"
. "$repo/tests/lib/tally.sh"

# scan_snapshot N EXTRA: one testbed run (its own build of the definitions), one scan.
scan_snapshot() {
  local out="$work/snap$1.jsonl"
  if STSDANE_TESTBED_EXTRA="$2" timeout 120 "$repo/tests/testbed/run" \
      "$stsdane" scan "$work/list.txt" -o "$out" --no-progress 2>"$work/scan$1.err"; then
    ok "snapshot $1 scanned: $(wc -l <"$out") rows"
  else
    fail "snapshot $1 scan (exit $?): $(tail -5 "$work/scan$1.err")"
  fi
}
scan_snapshot 1 "$snap1"
# scanned_at has one-second resolution and a warm testbed starts in 0.5 s:
# keep the snapshots apart so their order by scanned_at is defined.
sleep 1.1
scan_snapshot 2 "$snap1:$snap2"

"$stsdane" diff --json "$work/snap1.jsonl" "$work/snap2.jsonl" >"$work/diff.json" 2>"$work/diff.err"
rc=$?
if [ "$rc" -eq 1 ]; then ok "diff exits 1 (something changed)"; else fail "diff exit status $rc, want 1: $(cat "$work/diff.err")"; fi
"$stsdane" diff "$work/snap1.jsonl" "$work/snap2.jsonl" >"$work/diff.txt" 2>&1
"$stsdane" diff --only protection --json "$work/snap1.jsonl" "$work/snap2.jsonl" >"$work/prot.json" 2>&1
"$stsdane" report --over-time --json "$work/snap1.jsonl" "$work/snap2.jsonl" >"$work/over.json" 2>"$work/over.err" ||
  fail "report --over-time (exit $?): $(cat "$work/over.err")"
# Given in the wrong order: snapshots are ordered by scanned_at, same result.
"$stsdane" report --over-time --json "$work/snap2.jsonl" "$work/snap1.jsonl" >"$work/over-rev.json" 2>/dev/null

# The expectations, checked in one go (python3 is a testbed dependency anyway).
python3 - "$work" <<'EOF' >"$work/checks.txt" 2>&1 || echo "FAIL the checker itself failed" >>"$work/checks.txt"
import json, os, sys

work = sys.argv[1]
DOMAINS = ["snap-rollover-good.test", "snap-rollover-bad.test", "snap-rollover-bad-cert.test",
           "snap-mx-migrated.test", "snap-policy-edited.test", "snap-id-only.test", "snap-unchanged.test"]
# domain -> (kinds that must be reported, kinds that must not be)
EXPECT = {
    "snap-rollover-good.test": (
        {"certificate_rollover", "tlsa_rollover", "rollover_kept_dane"},
        {"rollover_broke_dane", "dane_status_changed", "tlsa_matches_previous_certificate", "mx_set_changed"}),
    "snap-rollover-bad.test": (
        {"certificate_rollover", "rollover_broke_dane", "dane_status_changed",
         "tlsa_matches_previous_certificate"},
        {"rollover_kept_dane", "tlsa_rollover", "mx_set_changed"}),
    "snap-rollover-bad-cert.test": (
        {"certificate_rollover", "rollover_broke_dane", "dane_status_changed",
         "tlsa_matches_previous_certificate"},
        {"rollover_kept_dane", "tlsa_rollover", "mx_set_changed"}),
    "snap-mx-migrated.test": (
        {"mx_set_changed", "mx_changed_policy_stale"},
        {"policy_changed_same_id", "id_changed_same_policy", "policy_changed_new_id",
         "certificate_rollover"}),
    "snap-policy-edited.test": (
        {"policy_changed_same_id"},
        {"id_changed_same_policy", "policy_changed_new_id", "mode_changed", "mx_set_changed",
         "certificate_rollover", "sts_status_changed"}),
    "snap-id-only.test": (
        {"id_changed_same_policy"},
        {"policy_changed_same_id", "policy_changed_new_id", "mx_set_changed", "certificate_rollover",
         "sts_status_changed"}),
}
# Domains per change kind over the transition (every kind not listed: 0).
COUNTS = {"certificate_rollover": 3, "tlsa_rollover": 1, "rollover_kept_dane": 1,
          "rollover_broke_dane": 2, "tlsa_matches_previous_certificate": 2, "dane_status_changed": 2,
          "mx_set_changed": 1, "mx_changed_policy_stale": 1, "policy_changed_same_id": 1,
          "id_changed_same_policy": 1, "outcome_changed": 3, "protected_by_changed": 3}

def say(good, text):
    print(("ok   " if good else "FAIL ") + text)

def load(name):
    try:
        with open(os.path.join(work, name), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        say(False, "%s: %s" % (name, e))
        return None

def rows(n):
    try:
        with open(os.path.join(work, "snap%d.jsonl" % n), encoding="utf-8") as f:
            return {r["domain"]: r for r in map(json.loads, filter(str.strip, f))}
    except (OSError, ValueError, KeyError) as e:
        say(False, "snapshot %d rows: %s" % (n, e))
        return {}

snaps = {1: rows(1), 2: rows(2)}
for n, rs in snaps.items():
    unknown = [d for d, r in rs.items() if "unknown" in r.get("verdict", {}).get("profiles", {}).values()]
    say(sorted(rs) == sorted(DOMAINS) and not unknown,
        "snapshot %d: one row per domain, no unknown outcome%s" % (n, (" (unknown: %s)" % unknown) if unknown else ""))

# Precondition of the control: the seeded PKI served the same leaf in both builds.
def leaves(r):
    return sorted(a.get("chain_sha256", [None])[0] for m in r.get("mx", []) for a in m.get("addresses", []))
u1, u2 = snaps[1].get("snap-unchanged.test", {}), snaps[2].get("snap-unchanged.test", {})
say(bool(leaves(u1)) and leaves(u1) == leaves(u2),
    "testbed: snap-unchanged.test served the same certificate in both builds (seeded PKI)")

diff = load("diff.json") or {}
entries = {e.get("domain"): e for e in diff.get("domains", [])}
say("snap-unchanged.test" not in entries,
    "diff: nothing reported for snap-unchanged.test%s" % (
        "" if "snap-unchanged.test" not in entries else ": %s" % json.dumps(entries["snap-unchanged.test"])))
for domain, (must, mustnot) in EXPECT.items():
    e = entries.get(domain, {})
    kinds = {c.get("kind") for c in e.get("changes", [])}
    say(e.get("status") == "changed" and must <= kinds and not (mustnot & kinds),
        "diff: %s: %s%s%s" % (domain, ", ".join(sorted(must)),
                             "; missing %s" % sorted(must - kinds) if must - kinds else "",
                             "; unexpected %s" % sorted(mustnot & kinds) if mustnot & kinds else ""))
s = diff.get("summary", {})
print("info diff summary: %s" % json.dumps(s, sort_keys=True))

def transition(name):
    rep = load(name) or {}
    ts = rep.get("transitions") or [{}]
    return rep, ts[0]

over, t = transition("over.json")
say(len(over.get("snapshots", [])) == 2 and len(over.get("transitions", [])) == 1,
    "over-time: 2 snapshots, 1 transition")
say((t.get("domains_in_both"), t.get("added"), t.get("removed")) == (7, 0, 0),
    "over-time: 7 domains in both, 0 added, 0 removed (got %s, %s, %s)" % (
        t.get("domains_in_both"), t.get("added"), t.get("removed")))
changes = t.get("changes", {})
wrong = {k: (v, COUNTS.get(k, 0)) for k, v in changes.items() if v != COUNTS.get(k, 0)}
missing = [k for k in COUNTS if k not in changes]
say(bool(changes) and not wrong and not missing,
    "over-time: domains per change kind as expected%s%s" % (
        "; got (have, want) %s" % wrong if wrong else "", "; missing keys %s" % missing if missing else ""))
first1 = min(r.get("scanned_at", "") for r in snaps[1].values()) if snaps[1] else None
say(t.get("from") == first1, "over-time: transition starts at snapshot 1 (%s)" % first1)
_, trev = transition("over-rev.json")
say(trev == t, "over-time: files given newest first give the same transition (ordered by scanned_at)")

# diff --only protection: exactly the domains whose outcome of some sender
# profile moved between the snapshots (derived from the rows themselves),
# only those changes, the worst loss first.
SCORE = {"fail": 0, "unprotected": 2, "no-mail": 2, "partial": 3, "protected": 4}
moved = {}
for d in DOMAINS:
    a = snaps[1].get(d, {}).get("verdict", {}).get("profiles", {})
    b = snaps[2].get(d, {}).get("verdict", {}).get("profiles", {})
    losses = [SCORE[a[p]] - SCORE[b[p]] for p in a if a.get(p) != b.get(p) and a[p] in SCORE and b.get(p) in SCORE]
    if a != b:
        moved[d] = max(losses) if losses else 0
prot = load("prot.json") or {}
got = [e.get("domain") for e in prot.get("domains", [])]
say(set(got) == set(moved) and len(got) == len(moved),
    "diff --only protection: the domains whose outcome moved %s (got %s)" % (sorted(moved), got))
kinds = {c.get("kind") for e in prot.get("domains", []) for c in e.get("changes", [])}
say(bool(kinds) and kinds <= {"outcome_changed", "protected_by_changed"},
    "diff --only protection: only outcome and protected_by changes (%s)" % sorted(kinds))
order = ["protection-lost", "problem-appeared", "verdict-changed", "configuration", "rotation"]
keys = [(order.index(e.get("importance")), -moved.get(e.get("domain"), 0)) for e in prot.get("domains", [])]
say(keys == sorted(keys), "diff --only protection: most severe first %s" % keys)
EOF
cat "$work/checks.txt"
passed=$((passed + $(grep -c '^ok ' "$work/checks.txt")))
failed=$((failed + $(grep -c '^FAIL' "$work/checks.txt")))
for d in $domains; do
  [ "$d" = snap-unchanged.test ] && continue
  if grep -q "^$d:" "$work/diff.txt"; then ok "diff text lists $d"; else fail "diff text does not list $d"; fi
done
if grep -q "^snap-unchanged.test" "$work/diff.txt"; then fail "diff text lists snap-unchanged.test"; else ok "diff text omits snap-unchanged.test"; fi

if [ "$failed" -gt 0 ]; then
  echo "--- diff (text) ---"
  cat "$work/diff.txt"
fi
summary
