#!/usr/bin/env bash
# stsdane scan against bench/peers on the catalogue domains, both inside one
# testbed run (docs/bench.md, "Peer pipeline"). One warm-up scan fills
# Unbound's cache for both (no round pays the cold cache alone), then ROUNDS
# alternating rounds of `stsdane scan` (defaults) and `bench/peers`, each
# timed from outside, and per round the agreement of the two
# (tests/peers/peers_agree.py). The last line:
#   catalogue: domains=N rounds=R scan_s=MEDIAN peers_s=MEDIAN peer_ratio=MEDIAN_OF_RATIOS
#              scan_cpu_s=MEDIAN peers_cpu_s=MEDIAN cpu_ratio=MEDIAN_OF_RATIOS
# (CPU = user + system of the process and its children, /usr/bin/time: the
# figure that depends least on what else the machine runs)
# This is the catalogue (64 quick, mostly healthy domains, no latency), not
# the realistic population of bench/internet.
#
#   tests/peers/compare_catalogue.sh build/stsdane [ROUNDS] [OUTDIR]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 STSDANE [ROUNDS] [OUTDIR]" >&2; exit 2; }
stsdane=$(readlink -f "$1")
rounds=${2:-3}
out=${3:-/var/tmp/stsdane-peers-compare}
if [ -z "${STSDANE_TESTBED_DIR:-}" ]; then
  exec "$repo/tests/testbed/run" "$0" "$stsdane" "$rounds" "$out"
fi
mkdir -p "$out"
"$repo/tests/testbed/run" --list >"$out/domains.txt" ||
  { echo "compare: tests/testbed/run --list failed"; exit 1; }
n=$(wc -l <"$out/domains.txt")

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

"$stsdane" scan --no-progress --force "$out/domains.txt" -o "$out/warmup.jsonl" 2>/dev/null
scan_times=() peers_times=() ratios=() scan_cpu=() peers_cpu=() cpu_ratios=()
for i in $(seq 1 "$rounds"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(now)
  /usr/bin/time -f '%U %S' -o "$out/scan-$i.cpu" \
    "$stsdane" scan --no-progress --force "$out/domains.txt" -o "$out/scan-$i.jsonl" 2>"$out/scan-$i.err" ||
    { echo "compare: stsdane scan failed, see $out/scan-$i.err"; exit 1; }
  t1=$(now)
  bench=$(/usr/bin/time -f '%U %S' -o "$out/peers-$i.cpu" \
    "$repo/bench/peers" "$out/domains.txt" "$out/peers-$i" 2>"$out/peers-$i.err" | tail -n 1)
  t2=$(now)
  s=$(secs "$t0" "$t1") p=$(secs "$t1" "$t2")
  sc=$(awk '{ printf "%.2f", $1 + $2 }' "$out/scan-$i.cpu") pc=$(awk '{ printf "%.2f", $1 + $2 }' "$out/peers-$i.cpu")
  agree=$(python3 "$here/peers_agree.py" --quiet "$out/peers-$i" "$out/scan-$i.jsonl" | tail -n 1)
  echo "round $i (load $load): scan ${s} s, bench/peers ${p} s ($bench), ratio $(awk -v a="$p" -v b="$s" 'BEGIN { printf "%.1f", a / b }'); CPU scan ${sc} s, bench/peers ${pc} s; $agree"
  scan_times+=("$s") peers_times+=("$p") ratios+=("$(awk -v a="$p" -v b="$s" 'BEGIN { printf "%.1f", a / b }')")
  scan_cpu+=("$sc") peers_cpu+=("$pc") cpu_ratios+=("$(awk -v a="$pc" -v b="$sc" 'BEGIN { printf "%.1f", a / b }')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "catalogue: domains=$n rounds=$rounds scan_s=$(median "${scan_times[@]}") peers_s=$(median "${peers_times[@]}") peer_ratio=$(median "${ratios[@]}") scan_cpu_s=$(median "${scan_cpu[@]}") peers_cpu_s=$(median "${peers_cpu[@]}") cpu_ratio=$(median "${cpu_ratios[@]}")"
