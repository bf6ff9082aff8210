#!/usr/bin/env bash
# Output safety: remote data never reaches a terminal, an HTML page or a
# spreadsheet as code.  hostile-inject.test serves an SMTP banner and an
# MTA-STS policy full of <script> tags, ANSI/OSC escape sequences, a raw C1
# CSI byte and a spreadsheet formula (tests/testbed/hostile.json).
#
#   tests/hostile/output_safety.sh [build/stsdane]     (enters the testbed itself)
#
# Prints ok/FAIL per check and "N passed, M failed" last.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
in_testbed "$here/output_safety.sh" "$stsdane"
need_binary
make_work

opts=(--smtp-timeout 3 --https-timeout 5 --dns-timeout 4)
d=hostile-inject.test

# no_control FILE [ALLOW_ESC]: no C0 byte but LF (and TAB), no DEL, no C1
# (raw 0x80-0x9f bytes of an invalid UTF-8 text or U+0080-U+009F); with
# ALLOW_ESC only our own colour codes (ESC [ digits ; m) may use ESC.
no_control() {
  python3 - "$@" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
if len(sys.argv) > 2:
    data = re.sub(rb"\x1b\[[0-9;]*m", b"", data)   # our palette: SGR only
bad = [(i, b) for i, b in enumerate(data) if (b < 0x20 and b not in (0x0a, 0x09)) or b == 0x7f]
text = data.decode("utf-8", errors="strict")         # raises on raw 0x80-0xff garbage
c1 = [i for i, ch in enumerate(text) if 0x80 <= ord(ch) <= 0x9f]
if bad or c1:
    off = (bad[0][0] if bad else c1[0])
    sys.exit("control byte at offset %d: %r" % (off, data[max(0, off - 30):off + 30]))
PY
}

# 1. check, text output (no colour, then colour forced): the hostile strings
#    are shown (escaped), never interpreted.
for color in never always; do
  "$stsdane" check --color "$color" "${opts[@]}" "$d" >"$work/check-$color.txt" 2>"$work/check.err"
  rc=$?
  if [ "$rc" -gt 4 ]; then
    fail "check --color $color: exit $rc"
  elif ! why="$(no_control "$work/check-$color.txt" ${color/never/} 2>&1)"; then
    fail "check --color $color: $why"
  elif ! grep -q 'alert(1)' "$work/check-$color.txt"; then
    fail "check --color $color: the banner/policy text is not shown at all"
  else
    ok "check --color $color: remote <script> and escape sequences shown inert (exit $rc)"
  fi
done

# 2. check --json: valid JSON, control characters only as \u escapes.
"$stsdane" check --json "${opts[@]}" "$d" >"$work/check.json" 2>/dev/null
if why="$(no_control "$work/check.json" 2>&1)" &&
   python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert "<script>" in json.dumps(o["mx"]) + json.dumps(o["mtasts"])' "$work/check.json" 2>/dev/null; then
  ok "check --json: raw banner and policy kept as JSON strings, no raw control byte"
else
  fail "check --json: ${why:-the raw banner/policy is missing from the JSON}"
fi

# 2b. plan, text (no colour, then colour forced) and JSON: the same remote
#     strings (banner, policy host answers) reach its prerequisites.
for color in never always; do
  "$stsdane" plan --color "$color" "${opts[@]}" "$d" >"$work/plan-$color.txt" 2>"$work/plan.err"
  rc=$?
  if [ "$rc" -gt 4 ] || ! grep -q "Plan for $d" "$work/plan-$color.txt"; then
    fail "plan --color $color: exit $rc, no plan"
  elif ! why="$(no_control "$work/plan-$color.txt" ${color/never/} 2>&1)"; then
    fail "plan --color $color: $why"
  else
    ok "plan --color $color: no raw control byte (exit $rc)"
  fi
done
"$stsdane" plan --json "${opts[@]}" "$d" >"$work/plan.json" 2>/dev/null
if why="$(no_control "$work/plan.json" 2>&1)" && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/plan.json" 2>/dev/null; then
  ok "plan --json: valid JSON, no raw control byte"
else
  fail "plan --json: ${why:-not valid JSON}"
fi

# 3. report over a scan of the hostile domain plus rows whose domain, TLD and
#    version are hostile strings (the report reads untrusted JSON lines too).
printf '%s\n' "$d" hostile-smtp-554.test >"$work/list.txt"
"$stsdane" scan --no-progress "${opts[@]}" "$work/list.txt" -o "$work/scan.jsonl" 2>/dev/null
python3 - "$work/scan.jsonl" >"$work/report-in.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in rows:
    print(json.dumps(r))
evil = ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=x", "\r=y",
        "<script>alert(3)</script>", "\x1b[31mred\x1b]0;t\x07", "\u009b31m"]
for i, e in enumerate(evil):
    r = json.loads(json.dumps(rows[0]))
    r["line"] = 100 + i
    r["domain"] = "x." + e          # the TLD table shows the last label as it is
    r["stsdane_version"] = e        # the quality table shows versions
    r["verdict"]["unknown_reason"] = e
    for mx in r["mx"]:
        mx["host"] = e + ".evil"
    print(json.dumps(r))
PY
"$stsdane" report --quiet --html "$work/report.html" --csv "$work/csv" "$work/report-in.jsonl" 2>"$work/report.err"
rc=$?
if [ "$rc" -ne 0 ]; then
  fail "report: exit $rc: $(head -c 300 "$work/report.err")"
else
  if grep -qi '<script' "$work/report.html"; then
    fail "report --html: an unescaped <script> tag: $(grep -oi '.\{30\}<script.\{30\}' "$work/report.html" | head -1)"
  elif ! grep -q '&lt;script&gt;' "$work/report.html"; then
    fail "report --html: the hostile strings do not appear at all (test proves nothing)"
  elif ! why="$(no_control "$work/report.html" 2>&1)"; then
    fail "report --html: $why"
  else
    ok "report --html: <script> only as &lt;script&gt;, no control bytes"
  fi
  if why="$(python3 - "$work/csv" <<'PY' 2>&1
import csv, glob, os, re, sys
cells = bad = 0
hostile_seen = False
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.csv"))):
    raw = open(path, "rb").read()
    if re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]", raw):
        sys.exit("%s: a control byte" % os.path.basename(path))
    for row in csv.reader(open(path, newline="", encoding="utf-8")):
        for cell in row:
            cells += 1
            hostile_seen |= "SUM(1)" in cell or "calc" in cell
            # a number such as -3 or -1.5 is data; anything else starting with
            # = + - @ TAB CR would be run by a spreadsheet
            if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell[:1] == "-" and not re.fullmatch(r"-[0-9.]+%?", cell)):
                sys.exit("%s: formula cell %r" % (os.path.basename(path), cell))
if not hostile_seen:
    sys.exit("no hostile string reached the CSV files (test proves nothing)")
print("%d cells, every formula prefix neutralised" % cells)
PY
)"; then ok "report --csv: $why"; else fail "report --csv: $why"; fi
  "$stsdane" report "$work/report-in.jsonl" >"$work/report.txt" 2>&1
  if why="$(no_control "$work/report.txt" 2>&1)"; then
    ok "report (text tables): no control bytes"
  else
    fail "report (text tables): $why"
  fi
fi

summary
