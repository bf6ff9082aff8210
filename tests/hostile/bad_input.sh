#!/usr/bin/env bash
# Bad input: malformed domain lists give one invalid-domain row per bad line
# and never a crash; malformed options of every command give exit status 3
# (1 for scan's I/O errors, as docs/scan.md specifies) and one clear line on
# standard error.
#
#   tests/hostile/bad_input.sh [build/stsdane]     (enters the testbed itself)
#
# Prints ok/FAIL per check and "N passed, M failed" last.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
in_testbed "$here/bad_input.sh" "$stsdane"
need_binary
make_work

fast=(--no-smtp --no-https --dns-timeout 2 --no-progress)

# ---- 1. random binary data ---------------------------------------------------------------
head -c 262144 /dev/urandom >"$work/random.bin"
timeout -s KILL 60 "$stsdane" scan "${fast[@]}" "$work/random.bin" -o "$work/random.jsonl" 2>"$work/random.err"
rc=$?
if [ "$rc" -ne 0 ]; then
  fail "scan of 256 KiB from /dev/urandom: exit $rc: $(tail -c 300 "$work/random.err")"
elif why="$(python3 - "$work/random.bin" "$work/random.jsonl" <<'PY' 2>&1
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
seen = {}
for raw in open(sys.argv[2], "rb"):
    text = raw.decode("utf-8")            # every row valid UTF-8 ...
    r = json.loads(text)                  # ... and valid JSON
    if r["line"] in seen or not 1 <= r["line"] <= len(lines):
        sys.exit("bad or repeated line number %s" % r["line"])
    seen[r["line"]] = r
# A line holding a NUL (and not a comment) can never be a domain name.
nul = [n for n, l in enumerate(lines, 1) if b"\0" in l and not l.lstrip(b" \t").startswith(b"#")]
for n in nul:
    r = seen.get(n)
    if r is None or "invalid-domain" not in [f["code"] for f in r["findings"]]:
        sys.exit("line %d has a NUL but row %s" % (n, r and [f["code"] for f in r["findings"]]))
print("%d lines, %d rows, all %d lines with NUL bytes invalid" % (len(lines), len(seen), len(nul)))
PY
)"; then ok "scan of 256 KiB from /dev/urandom: $why"; else fail "scan of random data: $why"; fi

# ---- 2. a list of known bad lines (and good lines among them) -----------------------------
python3 - "$work/bad.txt" "$work/bad.expect" <<'PY'
import sys
cases = [   # (bytes of the line, expectation: "invalid" or the domain of a valid row)
    (b"both-good.test", "both-good.test"),
    (b"exa\0mple.test", "invalid"),
    (b"a" * (1024 * 1024), "invalid"),          # a 1 MB line ...
    (b"sts-enforce-good.test", "sts-enforce-good.test"),   # ... must not swallow the next one
    (b"\xff\xfe.test", "invalid"),
    (b"caf\xc3.test", "invalid"),               # truncated UTF-8 sequence
    (b"\xed\xa0\x80.test", "invalid"),          # UTF-16 surrogate in UTF-8
    (b"\x1b[31mred.test\x1b[0m", "invalid"),   # terminal escape sequence
    (b"both-good.test\r", "both-good.test"),    # CRLF line end
    (b"x" * 64 + b".test", "invalid"),           # 64-byte label
    ((b"a" * 63 + b".") * 4 + b"test", "invalid"),  # 260 bytes
    (b"a..b.test", "invalid"),
    (b"\x00\x00\x00", "invalid"),
    (b"\t\x7f.test", "invalid"),
    (b"=cmd|' /C calc'!A0", "invalid"),
    (b"<script>alert(1)</script>.test", "invalid"),
]
with open(sys.argv[1], "wb") as f, open(sys.argv[2], "w") as e:
    for data, want in cases:
        f.write(data + b"\n")
        e.write(want + "\n")
PY
timeout -s KILL 60 "$stsdane" scan "${fast[@]}" "$work/bad.txt" -o "$work/bad.jsonl" 2>"$work/bad.err"
rc=$?
if [ "$rc" -ne 0 ]; then
  fail "scan of the bad-lines list: exit $rc: $(tail -c 300 "$work/bad.err")"
elif why="$(python3 - "$work/bad.expect" "$work/bad.jsonl" <<'PY' 2>&1
import json, sys
want = open(sys.argv[1]).read().split("\n")[:-1]
rows = {}
for raw in open(sys.argv[2], "rb"):
    r = json.loads(raw.decode("utf-8"))
    if r["line"] in rows:
        sys.exit("line %d twice" % r["line"])
    rows[r["line"]] = r
errs = []
for n, w in enumerate(want, 1):
    r = rows.get(n)
    if r is None:
        errs.append("line %d: no row" % n)
        continue
    codes = [f["code"] for f in r["findings"]]
    if w == "invalid":
        if "invalid-domain" not in codes:
            errs.append("line %d: want invalid-domain, got %s %s" % (n, r["domain"][:60], codes))
        elif len(r["domain"]) > 240 or any(ord(c) < 0x20 or ord(c) == 0x7f for c in r["domain"]):
            errs.append("line %d: shown domain not bounded/printable: %r" % (n, r["domain"][:80]))
    elif r["domain"] != w or "invalid-domain" in codes:
        errs.append("line %d: want a row for %s, got %s %s" % (n, w, r["domain"][:60], codes))
if len(rows) != len(want):
    errs.append("%d rows for %d lines" % (len(rows), len(want)))
if errs:
    sys.exit("; ".join(errs))
big = rows[3]["findings"][0]["detail"]
print("%d lines, one row each (1 MB line: %s)" % (len(want), big[:60]))
PY
)"; then ok "bad-lines list: $why"; else fail "bad-lines list: $why"; fi

# ---- 3. bad domains on the check command line ------------------------------------------
for arg in $'\xff\xfe.test' "$(head -c 5000 /dev/zero | tr '\0' a)" $'a\x1b[2Jb.test' '..' '-'; do
  out="$(timeout -s KILL 30 "$stsdane" check --no-smtp --no-https --dns-timeout 2 "$arg" 2>&1)"
  rc=$?
  shown="$(printf '%q' "$arg" | head -c 30)"
  if [ "$rc" -le 4 ] && printf '%s' "$out" | grep -q 'invalid-domain' && ! printf '%s' "$out" | LC_ALL=C grep -q $'\x1b'; then
    ok "check $shown: exit $rc, invalid-domain, no raw escape in the output"
  else
    fail "check $shown: exit $rc: $(printf '%s' "$out" | head -c 200 | cat -v)"
  fi
done

# ---- 4. malformed options: exit status and one clear line on stderr ---------------------
printf 'both-good.test\n' >"$work/list.txt"
touch "$work/unreadable"
chmod 000 "$work/unreadable"
# when running as root, chmod 000 does not stop reading: use a directory then
[ -r "$work/unreadable" ] && { rm -f "$work/unreadable"; mkdir "$work/unreadable"; }
o="$work/out.jsonl"
# want-status|command line (eval'ed; $work, $o available)
while IFS='|' read -r want cmd; do
  [ -z "$want" ] && continue
  rm -f "$o"
  eval "set -- $cmd"
  timeout -s KILL 20 "$stsdane" "$@" </dev/null >/dev/null 2>"$work/stderr"
  rc=$?
  nlines=$(grep -c '' "$work/stderr")
  msg="$(head -c 160 "$work/stderr" | tr '\n' ' ')"
  if [ "$rc" -eq "$want" ] && [ "$nlines" -eq 1 ] && grep -q '^stsdane' "$work/stderr"; then
    ok "stsdane $cmd -> $rc: $msg"
  else
    fail "stsdane $cmd -> exit $rc (want $want), $nlines stderr lines: $msg"
  fi
done <<'EOF_CASES'
3|check --no-such-option both-good.test
3|check --smtp-timeout
3|check --smtp-timeout abc both-good.test
3|check --smtp-timeout -5 both-good.test
3|check --dns-timeout 1e999 both-good.test
3|check --https-timeout nan both-good.test
3|check --rate x both-good.test
3|check --per-address 0 both-good.test
3|check --retries 99999999999 both-good.test
3|check --color sometimes both-good.test
3|check
3|check --ca-file "$work/unreadable" both-good.test
3|check --trust-anchor "$work/nonexistent" both-good.test
3|check --root-hints "$work/nonexistent" --recursive both-good.test
3|scan --no-such-option "$work/list.txt" -o "$o"
3|scan --shard 5/3 "$work/list.txt" -o "$o"
3|scan --shard 1 "$work/list.txt" -o "$o"
3|scan --shard -1/3 "$work/list.txt" -o "$o"
3|scan --shard 0/0 "$work/list.txt" -o "$o"
3|scan --concurrency 0 "$work/list.txt" -o "$o"
3|scan --concurrency 1x "$work/list.txt" -o "$o"
3|scan --flush-lines 0 "$work/list.txt" -o "$o"
3|scan "$work/list.txt" -o
3|scan "$work/list.txt" "$work/list.txt" -o "$o"
3|scan "$work/list.txt" -o "$work/list.txt"
1|scan "$work/nonexistent" -o "$o"
1|scan "$work/unreadable" -o "$o"
1|scan "$work/list.txt" -o "$work/no/such/dir/out.jsonl"
3|report --no-such-option "$work/list.txt"
3|report
3|report --html
3|report --provider-threshold 0 "$work/list.txt"
3|report "$work/nonexistent"
3|report "$work/unreadable"
3|diff --no-such-option a b
3|diff "$work/list.txt"
3|diff "$work/nonexistent" "$work/list.txt"
3|lint
3|lint nothing
3|lint record
3|lint record a b
3|lint policy "$work/nonexistent"
3|lint policy "$work/unreadable"
3|lint tlsa
3|lint tlsa '3 1 1 zz'
3|plan --no-such-option both-good.test
3|plan
3|plan both-good.test sts-absent.test
3|plan 'bad domain!'
3|plan user@example.org
3|plan --smtp-timeout abc both-good.test
3|plan --ca-file "$work/unreadable" both-good.test
3|no-such-command
EOF_CASES

summary
