#!/usr/bin/env bash
# tests/debian/run_debian.sh
#
# The Debian packages of debian/, built and used as a user gets them:
# dpkg-buildpackage -us -uc -b in a copy of the source tree under /tmp (it
# writes its .deb files to the parent directory, so never in the checkout),
# lintian without errors, then every .deb unpacked with `dpkg -x` into a
# scratch root (nothing is installed on the machine). The unpacked
# usr/bin/stsdane must print the changelog's version, and the example
# programs, compiled with the unpacked header and pkg-config file, must run
# against the unpacked libstsdane.so.0 in the testbed
# (tests/examples/run_examples.sh --root). Run as root; takes minutes (see
# docs/packaging.md): suite 'debian', not in the default run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../lib/tally.sh
. "$repo/tests/lib/tally.sh"
work="$(mktemp -d /tmp/stsdane-debian.XXXXXX)"
trap 'rm -rf "$work"' EXIT
started=$SECONDS

# The tree as it is (committed or not), without build directories or .git.
mkdir "$work/src"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard) \
  | (cd "$repo" && tar --null -T - -cf -) | tar -xf - -C "$work/src"
if (cd "$work/src" && dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1; then
  ok "dpkg-buildpackage -us -uc -b ($((SECONDS - started)) s)"
else
  tail -n 40 "$work/build.log"
  fail "dpkg-buildpackage -us -uc -b failed (log above)"
  summary
fi
version="$(cd "$work/src" && dpkg-parsechangelog -S Version)"
for p in stsdane libstsdane0 libstsdane-dev; do
  deb="$(ls "$work"/${p}_"$version"_*.deb 2>/dev/null | head -n 1)"
  [ -n "$deb" ] && ok "package $p built: $(basename "$deb")" || fail "no .deb for package $p"
done

# lintian: errors fail, warnings are listed (docs/packaging.md says which remain).
lintian --tag-display-limit 0 "$work"/*.changes > "$work/lintian.txt" 2>&1 || true
grep '^W: ' "$work/lintian.txt" || true
if grep -q '^E: ' "$work/lintian.txt"; then
  fail "lintian errors: $(grep -c '^E: ' "$work/lintian.txt")"; grep '^E: ' "$work/lintian.txt"
else
  ok "lintian: no errors ($(grep -c '^W: ' "$work/lintian.txt" || true) warnings)"
fi

root="$work/root"
mkdir "$root"
for deb in "$work"/stsdane_*.deb "$work"/libstsdane0_*.deb "$work"/libstsdane-dev_*.deb; do
  dpkg -x "$deb" "$root"
done
multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH)"
libdir="$root/usr/lib/$multiarch"
[ -L "$libdir/libstsdane.so" ] && [ -e "$libdir/libstsdane.so.0" ] \
  && ok "libstsdane.so -> $(readlink "$libdir/libstsdane.so") in usr/lib/$multiarch" \
  || fail "usr/lib/$multiarch lacks libstsdane.so.0 or the libstsdane.so symlink"
[ -n "$(ls "$root"/usr/share/man/man1/stsdane*.1.gz 2>/dev/null)" ] \
  && ok "manual pages: $(ls "$root"/usr/share/man/man1 | tr '\n' ' ')" || fail "no manual pages in usr/share/man/man1"
got="$(LD_LIBRARY_PATH="$libdir" "$root/usr/bin/stsdane" --version 2>&1 || true)"
case "$got" in
  *"$version"*) ok "unpacked stsdane --version: $got" ;;
  *) fail "unpacked stsdane --version says '$got', the package is $version" ;;
esac

# The examples against the unpacked library, header and pkg-config file.
if LD_LIBRARY_PATH="$libdir" "$repo/tests/examples/run_examples.sh" --root "$root"; then
  ok "examples build and run against the unpacked packages"
else
  fail "examples against the unpacked packages (lines above)"
fi
echo "debian: $((SECONDS - started)) s in all"
summary
