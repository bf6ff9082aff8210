# Shared by the tests/hostile/*.sh scripts (sourced, not run).
#
# Sets: here, repo, stsdane (absolute path of the binary, first argument or
# build/stsdane), work (a temporary directory removed at exit), and the
# counters behind ok / fail / summary.  in_testbed re-runs the calling script
# inside the testbed with the hostile scenarios loaded when it is not already
# inside one, so every script works both as a meson test and by hand.

here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
stsdane="$(realpath "${1:-$repo/build/stsdane}" 2>/dev/null || echo "${1:-$repo/build/stsdane}")"
hostile_json="$repo/tests/testbed/hostile.json"
. "$repo/tests/lib/tally.sh"

# in_testbed SCRIPT ARGS...: exec through tests/testbed/run unless inside.
in_testbed() {
  if [ -z "${STSDANE_TESTBED_DIR-}" ]; then
    case ":${STSDANE_TESTBED_EXTRA-}:" in
      *":$hostile_json:"*) ;;
      *) export STSDANE_TESTBED_EXTRA="${STSDANE_TESTBED_EXTRA:+$STSDANE_TESTBED_EXTRA:}$hostile_json" ;;
    esac
    exec "$repo/tests/testbed/run" "$@"
  fi
}

need_binary() {
  if [ ! -x "$stsdane" ]; then
    echo "FAIL no stsdane binary at $stsdane"
    echo "0 passed, 1 failed"
    exit 1
  fi
}

make_work() {
  work="$(mktemp -d /tmp/stsdane-hostile.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
}

# The hostile scenario domains (from the testbed manifest, or --list outside).
hostile_domains() {
  python3 -c 'import json,sys; print("\n".join(d for d in json.load(open(sys.argv[1]))["scenarios"] if "hostile-" in d))' \
    "$STSDANE_TESTBED_MANIFEST"
}
