#!/usr/bin/env bash
# Write errors (issue 15): every command reports a failed write of its
# output and exits non-zero; report --html and --csv never leave a truncated
# file behind (temporary file + rename), and keep the previous complete one.
# The full disk is a real one: a 16 KiB tmpfs in a private mount namespace
# (needs root and unshare; skipped with 77 otherwise).
#   tests/report/write_errors.sh path/to/stsdane
set -u
stsdane="$(realpath "${1:?usage: $0 path/to/stsdane}")"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
. "$repo/tests/lib/tally.sh"
scan="$repo/tests/report/fixtures/catalogue-scan.jsonl"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# 1. standard output full
expect_full() {  # DESCRIPTION ARGS...
  local what="$1"; shift
  "$stsdane" "$@" >/dev/full 2>"$tmp/err"; local rc=$?
  if [ "$rc" -ne 0 ] && grep -q "writing the output failed\|writing standard output failed" "$tmp/err"; then
    ok "$what >/dev/full: exit $rc with a message"
  else
    fail "$what >/dev/full: exit $rc, stderr: $(head -c 300 "$tmp/err")"
  fi
}
expect_full "report" report "$scan"
expect_full "report --json" report --json "$scan"
expect_full "diff" diff "$scan" "$repo/tests/report/fixtures/report.jsonl"
expect_full "lint" lint policy - < <(printf 'version: STSv1\nmode: testing\nmx: a.example\nmax_age: 86400\n')
expect_full "check of a name that is no domain" check --json 'not a domain'
printf 'not a domain\n' > "$tmp/list.txt"
expect_full "scan -o -" scan -o - "$tmp/list.txt"

# 2. a full disk under report --html / --csv
if [ "$(id -u)" -ne 0 ] || ! unshare --mount true 2>/dev/null; then
  echo "skipped: the full-disk checks need root and unshare"
  [ "$failed" -eq 0 ] || summary
  echo "$passed passed, $failed failed"
  exit 77
fi
"$stsdane" report --quiet --csv "$tmp/ref" "$scan" || fail "report --csv on a roomy disk"
unshare --mount bash -s "$stsdane" "$scan" "$tmp" >"$tmp/out" 2>&1 <<'INNER'
stsdane="$1" scan="$2" tmp="$3"
mkdir -p "$tmp/disk"
mount -t tmpfs -o size=16k tmpfs "$tmp/disk" || { echo "FAIL mount"; exit 1; }
# html: no file at all after a failed first write
"$stsdane" report --quiet --html "$tmp/disk/r.html" "$scan" 2>"$tmp/html.err"; rc=$?
left=$(ls "$tmp/disk")
if [ "$rc" -ne 0 ] && [ -z "$left" ] && grep -q "nothing was written" "$tmp/html.err"; then
  echo "ok   report --html on a full disk: exit $rc, no file left behind"
else echo "FAIL report --html on a full disk: exit $rc, left: $left, $(cat "$tmp/html.err")"; fi
# html: the previous complete file survives a failed rewrite
printf '<html>old</html>\n' > "$tmp/disk/r.html"
"$stsdane" report --quiet --html "$tmp/disk/r.html" "$scan" 2>/dev/null; rc=$?
if [ "$rc" -ne 0 ] && [ "$(cat "$tmp/disk/r.html")" = "<html>old</html>" ] && [ "$(ls "$tmp/disk")" = "r.html" ]; then
  echo "ok   report --html on a full disk keeps the previous file intact"
else echo "FAIL report --html on a full disk: exit $rc, now: $(head -c 80 "$tmp/disk/r.html"), files: $(ls "$tmp/disk")"; fi
rm -f "$tmp/disk/r.html"
# csv: a directory of complete files or an error; never a truncated .csv
head -c 15000 /dev/zero > "$tmp/disk/filler"
"$stsdane" report --quiet --csv "$tmp/disk/csv" "$scan" 2>/dev/null; rc=$?
partial=$(find "$tmp/disk/csv" -name '*.tmp.*' 2>/dev/null | wc -l)
written=0 truncated=0
for f in "$tmp/disk/csv"/*.csv; do
  [ -e "$f" ] || continue
  written=$((written + 1))
  cmp -s "$f" "$tmp/ref/$(basename "$f")" || truncated=$((truncated + 1))
done
if [ "$rc" -ne 0 ] && [ "$partial" -eq 0 ] && [ "$truncated" -eq 0 ]; then
  echo "ok   report --csv on a full disk: exit $rc, $written complete file(s), none truncated, no temporary file"
else echo "FAIL report --csv on a full disk: exit $rc, $truncated truncated, $partial temporary files left"; fi
umount "$tmp/disk"
INNER
while IFS= read -r line; do
  case "$line" in
    "ok   "*) ok "${line#ok   }" ;;
    "FAIL "*) fail "${line#FAIL }" ;;
    *) echo "$line" ;;
  esac
done < "$tmp/out"
summary
