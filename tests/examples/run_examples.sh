#!/usr/bin/env bash
# tests/examples/run_examples.sh BUILD_DIR
# tests/examples/run_examples.sh --root ROOT
#
# The examples of examples/ built the way a user of the library builds
# them: `meson install` of BUILD_DIR into a scratch root (or, with --root,
# a root that already holds the installed files: the unpacked Debian
# packages, tests/debian/run_debian.sh), then cc with the flags pkg-config
# gives for the installed stsdane.pc (PKG_CONFIG_SYSROOT_DIR points
# pkg-config at the root). They run in the testbed against catalogue
# domains: check_one must agree with `stsdane check` (the build's, or the
# root's usr/bin/stsdane) on the exit status, check_many must give one JSON
# line per domain with the catalogue's protected_by. Run as root.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../lib/tally.sh
. "$repo/tests/lib/tally.sh"
work="$(mktemp -d /tmp/stsdane-examples.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [ "${1-}" = --root ]; then
  root="$(cd "${2:?usage: run_examples.sh --root ROOT}" && pwd)"
  stsdane="$root/usr/bin/stsdane"
else
  build="$(cd "${1:?usage: run_examples.sh BUILD_DIR}" && pwd)"
  root="$work/root"
  stsdane="$build/stsdane"
  meson install -C "$build" --no-rebuild --destdir "$root" >/dev/null
fi
pc="$(find "$root" -name stsdane.pc | head -n 1)"
[ -n "$pc" ] || { echo "examples: no stsdane.pc under $root" >&2; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$root"
libdir="$(dirname "$(dirname "$pc")")"
cc -std=c11 -Wall -Wextra -Werror "$repo/examples/check_one.c" $(pkg-config --cflags --libs stsdane) -o "$work/check_one"
cc -std=c11 -Wall -Wextra -Werror "$repo/examples/check_many.c" $(pkg-config --cflags --libs stsdane libevent) \
  -o "$work/check_many"
ok "examples build against the installed library through pkg-config"
# They must run with the installed library, not one from the build tree.
export LD_LIBRARY_PATH="$libdir"
# (ldd's output is kept first: grep -q stops reading at the first match, and
# with pipefail the SIGPIPE that ldd may get then failed the check at random.)
linked="$(ldd "$work/check_one")"
grep -q "$libdir/libstsdane.so.0" <<< "$linked" && ok "check_one links $libdir/libstsdane.so.0" \
  || fail "check_one does not link the installed library: $(grep stsdane <<< "$linked")"

# Domains and their expected protected_by, from the public catalogue.
catalogue="$(/usr/bin/python3 "$repo/tests/lib/shared_contract.py" examples | head -n 1)"
[ -n "$catalogue" ] || exit 1 # the one line saying where the catalogue should be is printed
mapfile -t cases < <(/usr/bin/python3 - "$catalogue" <<'PY'
import json, sys
want = {"both-good.test", "sts-enforce-good.test", "dane-ee-good.test", "sts-absent.test"}
for s in json.load(open(sys.argv[1]))["scenarios"]:
    if s["domain"] in want:
        print(s["domain"], s["expect"]["protected_by"])
PY
)
[ "${#cases[@]}" -ge 3 ] || { echo "examples: fewer than 3 catalogue domains found" >&2; exit 1; }

run_in_testbed() {
  "$repo/tests/testbed/run" "$@"
}
domains=()
for c in "${cases[@]}"; do domains+=("${c%% *}"); done
out="$work/out"
mkdir -p "$out"
run_in_testbed bash -c '
  set -u
  work="$1"; stsdane="$2"; out="$3"; shift 3
  for d in "$@"; do
    "$work/check_one" "$d" > "$out/one-$d.json"; echo $? > "$out/one-$d.rc"
    "$stsdane" check --json "$d" > /dev/null; echo $? > "$out/cli-$d.rc"
  done
  "$work/check_many" "$@" > "$out/many.jsonl" 2> "$out/many.err"; echo $? > "$out/many.rc"
' _ "$work" "$stsdane" "$out" "${domains[@]}"

for c in "${cases[@]}"; do
  d="${c%% *}" want="${c##* }"
  got="$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"]["protected_by"])' \
    "$out/one-$d.json" 2>/dev/null || echo none-parsed)"
  [ "$got" = "$want" ] && ok "check_one $d: protected_by $got" || fail "check_one $d: protected_by $got, want $want"
  [ "$(cat "$out/one-$d.rc")" = "$(cat "$out/cli-$d.rc")" ] && ok "check_one $d: exit $(cat "$out/one-$d.rc") as stsdane check" \
    || fail "check_one $d: exit $(cat "$out/one-$d.rc"), stsdane check $(cat "$out/cli-$d.rc")"
  got="$(/usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["domain"] == sys.argv[2]:
        print(r["verdict"]["protected_by"])' "$out/many.jsonl" "$d")"
  [ "$got" = "$want" ] && ok "check_many $d: protected_by $got" || fail "check_many $d: protected_by '$got', want $want"
done
lines="$(wc -l < "$out/many.jsonl")"
[ "$lines" -eq "${#domains[@]}" ] && ok "check_many: one line per domain ($lines)" \
  || fail "check_many: $lines lines for ${#domains[@]} domains"
ticks="$(sed -n 's/.*timer ticked \([0-9]*\) times.*/\1/p' "$out/many.err")"
[ "${ticks:-0}" -gt 0 ] && ok "check_many: the application's own timer ran $ticks times on the shared loop" \
  || fail "check_many: the application's timer never ran: $(cat "$out/many.err")"
summary
