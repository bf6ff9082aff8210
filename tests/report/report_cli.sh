#!/bin/sh
# `stsdane report` and `stsdane diff` end to end on the fixtures:
#   tests/report/report_cli.sh STSDANE
# fixtures/report.jsonl: a scan of the catalogue plus one hostile and two
# malformed lines; fixtures/snapshot-{1,2}.jsonl: two snapshots with a
# rollover done right (dane-rollover.test), a rollover done wrong
# (dane-ee-good.test), an MX migrated without a policy update
# (sts-enforce-good.test), a policy edited without an id change
# (sts-testing.test), one domain removed and one added.
set -eu
stsdane=$1
fx=$(cd "$(dirname "$0")" && pwd)/fixtures
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

# --- report: JSON keys, CSV files, text, exit status -------------------------
"$stsdane" report --json --csv "$work/csv" "$fx/report.jsonl" >"$work/report.json" 2>"$work/err" \
  || fail "report --json exited $?"
grep -q "skipped 2 malformed" "$work/err" || fail "malformed lines not reported on stderr"
python3 - "$work/report.json" <<'PY' || fail "report --json content"
import json, sys
r = json.load(open(sys.argv[1]))
for key in ("domains", "profiles", "protected_by", "conflicts", "mtasts", "dane", "providers", "quality"):
    assert key in r, key
assert r["domains"] == 54, r["domains"]
assert r["quality"]["malformed_lines"] == 2
assert r["quality"]["unknown"]["domains"] == 1
assert set(r["mtasts"]["classes"]) == {"invalid_txt", "policy_retrieval", "mx_certificate", "inconsistency"}
assert r["conflicts"]["=cmd|/c calc"] == 1
PY
n=$(ls "$work/csv" | wc -l)
[ "$n" -ge 15 ] || fail "expected one CSV per table, got $n"
grep -qE "^\"?'=cmd" "$work/csv/conflicts.csv" || fail "CSV formula cell not neutralised"
if grep -qE '^"?=' "$work/csv"/*.csv; then fail "a CSV cell starts with ="; fi
"$stsdane" report "$fx/report.jsonl" >"$work/report.txt" 2>/dev/null || fail "text report"
grep -q "Outcome per sender profile" "$work/report.txt" || fail "text report lacks the outcome table"
if grep -q "$(printf '\033')" "$work/report.txt"; then fail "escape character reached the terminal output"; fi
"$stsdane" report /nonexistent.jsonl 2>/dev/null && fail "unreadable input accepted"
"$stsdane" report 2>/dev/null && fail "no input accepted"

# Shards in any order give the same report as the whole.
awk 'NR % 3 == 0' "$fx/report.jsonl" >"$work/s0"; awk 'NR % 3 == 1' "$fx/report.jsonl" >"$work/s1"
awk 'NR % 3 == 2' "$fx/report.jsonl" >"$work/s2"
"$stsdane" report --json "$work/s2" "$work/s0" "$work/s1" >"$work/shards.json" 2>/dev/null
# (except the provenance, which names the input files)
same_report() {
  python3 -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); [x.pop("provenance",None) for x in (a,b)]; sys.exit(a!=b)' "$1" "$2"
}
same_report "$work/report.json" "$work/shards.json" || fail "shard report differs from the whole"
cat "$work/s1" "$work/s0" "$work/s2" | "$stsdane" report --json - >"$work/stdin.json" 2>/dev/null
same_report "$work/report.json" "$work/stdin.json" || fail "stdin report differs from the whole"

# --- diff -------------------------------------------------------------------
set +e
"$stsdane" diff "$fx/snapshot-1.jsonl" "$fx/snapshot-2.jsonl" >"$work/diff.txt"
rc=$?
"$stsdane" diff "$fx/snapshot-1.jsonl" "$fx/snapshot-1.jsonl" >/dev/null
same=$?
set -e
[ $rc -eq 1 ] || fail "diff with changes exited $rc, expected 1"
[ $same -eq 0 ] || fail "diff of identical scans exited $same, expected 0"
for want in "rollover with DANE valid before and after" "rollover that broke DANE" \
            "MX set changed without the policy following" "policy content changed without an id change" \
            "+ null-mx.test (added)" "- dane-mismatch.test (removed)"; do
  grep -qF -e "$want" "$work/diff.txt" || fail "diff misses: $want"
done
"$stsdane" diff --json "$fx/snapshot-1.jsonl" "$fx/snapshot-2.jsonl" >"$work/diff.json" || true
python3 - "$work/diff.json" <<'PY' || fail "diff --json content"
import json, sys
d = json.load(open(sys.argv[1]))
kinds = {x["domain"]: {c["kind"] for c in x["changes"]} for x in d["domains"]}
assert "rollover_kept_dane" in kinds["dane-rollover.test"], kinds
assert "rollover_broke_dane" in kinds["dane-ee-good.test"], kinds
assert "mx_changed_policy_stale" in kinds["sts-enforce-good.test"], kinds
assert "policy_changed_same_id" in kinds["sts-testing.test"], kinds
assert "mx_changed_policy_stale" not in kinds["dane-rollover.test"], kinds
assert d["summary"] == {"compared": 5, "changed": 4, "added": 1, "removed": 1, "malformed_lines": 0}, d["summary"]
PY
# Most important first: protection lost before problems, configuration and rotations.
python3 - "$work/diff.json" <<'PY' || fail "diff order of importance"
import json, sys
order = ["protection-lost", "problem-appeared", "verdict-changed", "configuration", "rotation"]
d = json.load(open(sys.argv[1]))
ranks = [order.index(x["importance"]) for x in d["domains"]]
assert ranks == sorted(ranks), [(x["domain"], x["importance"]) for x in d["domains"]]
assert d["domains"][0]["importance"] == "protection-lost" and d["domains"][-1]["domain"] == "dane-rollover.test", d
for x in d["domains"]:
    r = [order.index(c["importance"]) for c in x["changes"]]
    assert r == sorted(r) and (not r or order[r[0]] == x["importance"]), x
PY
"$stsdane" diff --only protection --json "$fx/snapshot-1.jsonl" "$fx/snapshot-2.jsonl" >"$work/prot.json" || true
python3 - "$work/prot.json" <<'PY' || fail "diff --only protection"
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(x["domain"] for x in d["domains"]) == ["dane-ee-good.test", "sts-enforce-good.test"], d
assert all(c["kind"] in ("outcome_changed", "protected_by_changed") for x in d["domains"] for c in x["changes"]), d
assert d["summary"]["added"] == 0 and d["summary"]["removed"] == 0, d["summary"]
PY
"$stsdane" diff --only dane --json "$fx/snapshot-1.jsonl" "$fx/snapshot-2.jsonl" >"$work/dane.json" || true
python3 - "$work/dane.json" <<'PY' || fail "diff --only dane"
import json, sys
d = json.load(open(sys.argv[1]))
names = {x["domain"] for x in d["domains"]}
assert "dane-rollover.test" in names and "sts-testing.test" not in names, names
PY
rc=0; "$stsdane" diff --only nonsense "$fx/snapshot-1.jsonl" "$fx/snapshot-2.jsonl" 2>/dev/null || rc=$?
[ $rc -eq 3 ] || fail "diff --only nonsense exited $rc, expected 3"

# --- over time (files given out of order) -------------------------------------
"$stsdane" report --over-time --json "$fx/snapshot-2.jsonl" "$fx/snapshot-1.jsonl" >"$work/ot.json"
python3 - "$work/ot.json" <<'PY' || fail "report --over-time content"
import json, sys
d = json.load(open(sys.argv[1]))
assert [s["label"] for s in d["snapshots"]] == ["2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z"]
c = d["transitions"][0]["changes"]
for k in ("rollover_kept_dane", "rollover_broke_dane", "mx_changed_policy_stale", "policy_changed_same_id"):
    assert c[k] == 1, (k, c)
assert c["id_changed_same_policy"] == 0
PY
# --- inputs that are not scan output, and inputs without rows ---------------------
printf 'rank,domain\n1,example.test\n' >"$work/list.csv"
: >"$work/empty.jsonl"
"$stsdane" report "$work/list.csv" >/dev/null 2>"$work/err" && fail "report accepted a CSV list"
[ $? -eq 3 ] || fail "report on a CSV: exit status is not 3"
grep -q "is not stsdane scan output" "$work/err" || fail "report on a CSV: $(cat "$work/err")"
"$stsdane" report --json "$work/report.json" >/dev/null 2>"$work/err" && fail "report accepted a report"
grep -q "is not stsdane scan output" "$work/err" || fail "report on its own JSON: $(cat "$work/err")"
"$stsdane" report --over-time "$fx/snapshot-1.jsonl" "$work/list.csv" >/dev/null 2>"$work/err" && fail "over-time accepted a CSV"
grep -q "is not stsdane scan output" "$work/err" || fail "over-time on a CSV: $(cat "$work/err")"
set +e
"$stsdane" diff "$fx/snapshot-1.jsonl" "$work/list.csv" >/dev/null 2>"$work/err"
rc=$?
set -e
[ $rc -eq 3 ] && grep -q "is not stsdane scan output" "$work/err" || fail "diff on a CSV: exit $rc: $(cat "$work/err")"
"$stsdane" report --json "$work/empty.jsonl" "$fx/snapshot-1.jsonl" >/dev/null 2>"$work/err" || fail "report with an empty file failed"
grep -q "empty.jsonl holds no rows" "$work/err" || fail "report did not say the empty input holds no rows: $(cat "$work/err")"
echo "ok: report and diff end to end"
