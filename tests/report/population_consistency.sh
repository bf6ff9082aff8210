#!/bin/bash
# The consistency test on a population scan (issue 18): every figure of the
# report of a scan of N synthetic domains (default 10,000; bench/population.py,
# DNS-only population and a DNS-only scan, --no-smtp --no-https) agrees
# with the same figure in every other table, with `report --json` and with the
# list of domains behind it (tests/report/consistency.c), and the HTML page with
# its drill-down lists is written.
#
#   tests/report/population_consistency.sh STSDANE REPORT_CONSISTENCY [N]
#
# Needs root (the testbed); about a minute. Not in the default suites:
# meson test --suite population.
set -u
stsdane=$1
consistency=$2
n=${3:-10000}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
python3 "$repo/bench/population.py" "$n" "$work" --dns-only >/dev/null || { echo "FAIL: population"; exit 1; }
STSDANE_TESTBED_EXTRA="$work/population.json" timeout 1200 "$repo/tests/testbed/run" \
  "$stsdane" scan "$work/domains.txt" -o "$work/scan.jsonl" --no-smtp --no-https --no-progress --concurrency 64 --dns-timeout 15 2>"$work/scan.err"
rows=$(wc -l <"$work/scan.jsonl")
[ "$rows" -eq "$n" ] || { echo "FAIL: $rows rows for $n domains: $(tail -3 "$work/scan.err")"; exit 1; }
echo "scan: $(tail -1 "$work/scan.err")"
"$consistency" "$work/scan.jsonl" || exit 1
"$stsdane" report --quiet --html "$work/report.html" "$work/scan.jsonl" || { echo "FAIL: report --html"; exit 1; }
lists=$(grep -c '<details class="list">' "$work/report.html")
more=$(grep -c 'more not shown' "$work/report.html")
full=$(($(wc -l <"$work/report.html.domains.csv") - 1))
echo "report: $lists lists on the page, $more of them capped, $full list entries in report.html.domains.csv"
[ "$lists" -gt 50 ] && [ "$more" -gt 0 ] || { echo "FAIL: expected lists, some capped"; exit 1; }
echo "ok: population of $n domains consistent"
