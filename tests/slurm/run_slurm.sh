#!/usr/bin/env bash
# tests/slurm/run_slurm.sh STSDANE
#
# The Slurm recipe (docs/deploy/slurm-array.sh) on a real Slurm: a one-node
# cluster (munged, slurmctld, slurmd from Debian's slurm-wlm and munge) in
# the testbed's namespaces, a synthetic population of 2,000 domains
# (bench/population.py --dns-only, loaded with STSDANE_TESTBED_EXTRA),
# `sbatch --array=0-3` of the recipe with --no-smtp --no-https, and one
# running task requeued mid-way (`scontrol requeue JOB_K`: Slurm kills it
# and runs it again, which must --resume its part). Then the merged parts
# must hold every input line exactly once, with the verdict a
# single-process scan of the same list gives. Prints
#   slurm: L lines, R rows, D duplicates, M missing
# and fails unless D = 0, M = 0 and R = L. Run as root (docs/deploy/README.md).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../lib/tally.sh
. "$repo/tests/lib/tally.sh"

if [ "${1-}" != --inside ]; then
  stsdane="$(cd "$(dirname "${1:?usage: run_slurm.sh STSDANE}")" && pwd)/$(basename "$1")"
  work="$(mktemp -d /tmp/stsdane-slurm.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  # munged runs as user munge and must reach its socket under $work.
  chmod 755 "$work"
  /usr/bin/python3 "$repo/bench/population.py" 2000 "$work/pop" --dns-only > /dev/null
  STSDANE_TESTBED_EXTRA="$work/pop/population.json" \
    "$repo/tests/testbed/run" "$0" --inside "$stsdane" "$work"
  exit
fi

stsdane="$2" work="$3"
list="$work/pop/domains.txt"
s="$work/slurm"
mkdir -p "$s/state" "$s/spool" "$s/munge" "$work/results"
chown munge:munge "$s/munge"
host="$(hostname -s)"
# Slurm looks addresses up with AI_ADDRCONFIG: the testbed's 192.0.2.x on lo
# give the namespace the non-loopback address that needs.
cat > "$s/slurm.conf" <<CONF
ClusterName=stsdane-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
# cred_expire: a requeued task waits this long before it may start again
# (default 120 s)
AuthInfo=socket=$s/munge/munge.socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$s/state
SlurmdSpoolDir=$s/spool
SlurmctldPidFile=$s/slurmctld.pid
SlurmdPidFile=$s/slurmd.pid
SlurmctldLogFile=$s/slurmctld.log
SlurmdLogFile=$s/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=4096 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$s/slurm.conf"

stop_daemons() {
  for f in "$s/slurmd.pid" "$s/slurmctld.pid" "$s/munge/munged.pid"; do
    [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
}
trap stop_daemons EXIT
runuser -u munge -- munged --force --socket="$s/munge/munge.socket" \
  --pid-file="$s/munge/munged.pid" --log-file="$s/munge/munged.log" --seed-file="$s/munge/munged.seed"
slurmctld
slurmd
for _ in $(seq 60); do
  sinfo -h -o '%T' 2>/dev/null | grep -qx idle && break
  sleep 1
done
if sinfo -h -o '%T' | grep -qx idle; then
  ok "one-node Slurm up: $(sinfo -h -o '%P %D %T %c')"
else
  fail "the Slurm node is not idle after 60 s: $(sinfo 2>&1)"
  tail -n 20 "$s/slurmctld.log" "$s/slurmd.log" "$s/munge/munged.log" || true
  summary
fi

# The recipe as an operator submits it, with stsdane on PATH (sbatch passes
# the environment on, the testbed's STSDANE_* resolver settings included).
# --concurrency 4 (after the recipe's own options: the last one counts) makes
# a task take long enough to be caught mid-way.
export PATH="$(dirname "$stsdane"):$PATH"
cd "$work"
job="$(sbatch --parsable --array=0-3 "$repo/docs/deploy/slurm-array.sh" "$list" "$work/results" \
  --no-smtp --no-https --concurrency 4)"
ok "sbatch --array=0-3: job $job"

# Requeue the first task seen running with part of its shard written.
victim=""
for _ in $(seq 600); do
  for k in 0 1 2 3; do
    state="$(squeue -h -j "${job}_$k" -o '%T' 2>/dev/null || true)"
    part="$work/results/part-$k.jsonl"
    if [ "$state" = RUNNING ] && [ -s "$part" ] && [ "$(wc -l < "$part")" -ge 20 ]; then
      victim=$k; break 2
    fi
  done
  sleep 0.2
done
if [ -z "$victim" ]; then
  fail "no task was seen running with 20 rows written"; squeue; summary
fi
before="$(wc -l < "$work/results/part-$victim.jsonl")"
scontrol requeue "${job}_$victim"
ok "scontrol requeue ${job}_$victim with $before rows of its part written"

for _ in $(seq 900); do
  [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
  sleep 1
done
[ -z "$(squeue -h -j "$job")" ] && ok "all tasks of job $job finished" \
  || { fail "job $job still queued after 15 minutes: $(squeue)"; summary; }
restarts="$(scontrol show job "${job}_$victim" | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p' | head -n 1)"
[ "${restarts:-0}" -ge 1 ] && ok "task $victim ran again (Restarts=$restarts)" \
  || fail "task $victim was not rerun (Restarts=${restarts:-?})"
grep -q "restart 1" "$work"/stsdane-scan-"${job}"_"$victim".log \
  && ok "task $victim's log is the rerun's: $(grep 'restart' "$work"/stsdane-scan-"${job}"_"$victim".log)" \
  || fail "task $victim's log does not show the rerun: $(cat "$work"/stsdane-scan-"${job}"_"$victim".log)"
for k in 0 1 2 3; do
  state="$(scontrol show job "${job}_$k" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1)"
  [ "$state" = COMPLETED ] && ok "task $k: $state" || fail "task $k: $state ($(cat "$work"/stsdane-scan-"${job}"_"$k".log))"
done

# The same list in one process, then line by line.
"$stsdane" scan "$list" -o "$work/single.jsonl" --no-progress --no-smtp --no-https --concurrency 64 \
  || fail "single-process scan exit $?"
cat "$work"/results/part-*.jsonl > "$work/merged.jsonl"
if /usr/bin/python3 - "$list" "$work/merged.jsonl" "$work/single.jsonl" <<'PY'
import collections, json, sys
lines = sum(1 for l in open(sys.argv[1]) if l.strip())
def rows(path):
    out = collections.defaultdict(list)
    for l in open(path):
        r = json.loads(l)
        out[r["line"]].append(r)
    return out
merged, single = rows(sys.argv[2]), rows(sys.argv[3])
nrows = sum(len(v) for v in merged.values())
dups = sum(len(v) - 1 for v in merged.values())
missing = sum(1 for n in range(1, lines + 1) if n not in merged)
differ = [n for n, v in merged.items()
          if n not in single or v[0]["domain"] != single[n][0]["domain"]
          or v[0]["verdict"] != single[n][0]["verdict"]]
print(f"slurm: {lines} lines, {nrows} rows, {dups} duplicates, {missing} missing")
print(f"slurm: {len(differ)} lines whose verdict differs from the single-process scan"
      + (f" (first: line {differ[0]})" if differ else ""))
outcomes = collections.Counter(v[0]["verdict"]["protected_by"] for v in merged.values())
print("slurm: protected_by", dict(sorted(outcomes.items())))
sys.exit(0 if dups == 0 and missing == 0 and nrows == lines and not differ else 1)
PY
then ok "every line once, verdicts as the single-process scan"
else fail "merged parts differ from the list or the single-process scan"
fi
summary
