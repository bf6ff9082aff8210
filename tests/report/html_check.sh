#!/bin/sh
# The HTML report opens in headless Chromium and renders its charts.
#
#   tests/report/html_check.sh STSDANE [RESULTS.jsonl] [SCREENSHOT.png]
#
# Makes `STSDANE report --html` of RESULTS (default: the hand-written
# fixtures in tests/report/fixtures/report.jsonl, which include hostile
# strings), checks the page is self-contained (no http(s) resource, no
# script), then, when Chromium is installed, loads it headless with the
# network disabled, checks Chromium reports no error and the screenshot is a
# non-trivial PNG. Without Chromium the browser part is skipped (exit 77,
# meson's "skipped"). Install it with: apt-get install -y chromium
set -eu
stsdane=$1
here=$(cd "$(dirname "$0")" && pwd)
results=${2:-$here/fixtures/report.jsonl}
shot=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
html=$work/report.html

"$stsdane" report --quiet --html "$html" "$results"
test -s "$html" || { echo "FAIL: no HTML written"; exit 1; }

# Self-contained: no script, no external resource, charts inline.
if grep -qiE '<script|<link|src="https?:|href="https?:|url\(|@import' "$html"; then
  echo "FAIL: the HTML report loads or runs something external:"
  grep -oiE '<script[^>]*>|<link[^>]*>|src="https?:[^"]*"|href="https?:[^"]*"|url\([^)]*\)|@import' "$html" | head
  exit 1
fi
charts=$(grep -c '<svg xmlns' "$html" || true)
test "$charts" -ge 8 || { echo "FAIL: expected at least 8 inline SVG charts, found $charts"; exit 1; }

chromium=""
for c in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
  [ -x "$c" ] && { chromium=$c; break; }
done
if [ -z "$chromium" ]; then
  echo "SKIP: Chromium not installed; HTML checked statically ($charts charts)"
  exit 77
fi

png=$work/shot.png
profile=$work/profile
# --enable-logging=stderr --v=0 makes page errors (e.g. CSP violations) visible.
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --enable-logging=stderr --v=0 \
  --window-size=1280,2000 --screenshot="$png" "file://$html" >"$work/chromium.log" 2>&1 || {
  echo "FAIL: Chromium exited with an error"; tail -20 "$work/chromium.log"; exit 1; }
if grep -E 'CONSOLE|Content Security Policy|Refused to|Uncaught' "$work/chromium.log" | grep -v 'DevTools' >"$work/errors" \
   && [ -s "$work/errors" ]; then
  echo "FAIL: the page logged errors:"; head "$work/errors"; exit 1
fi
test -s "$png" || { echo "FAIL: no screenshot"; exit 1; }
size=$(wc -c <"$png")
# A blank 1280x2000 PNG compresses to a few KiB; charts and tables make it far larger.
test "$size" -gt 40000 || { echo "FAIL: screenshot only $size bytes: page blank?"; exit 1; }
[ -n "$shot" ] && cp "$png" "$shot"
echo "ok: HTML report rendered in Chromium ($charts charts, screenshot $size bytes)"
