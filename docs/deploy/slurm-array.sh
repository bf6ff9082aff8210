#!/bin/bash
# stsdane scan as a Slurm job array: task K scans shard K/N of the list.
#
#   sbatch --array=0-15 slurm-array.sh top-1m.txt results/ [SCAN OPTIONS...]
#   # rerun the same command after failures or preemption: finished shards add
#   # nothing, interrupted ones continue (--resume)
#   cat results/part-*.jsonl > all.jsonl
#
# The shard count is the array size (SLURM_ARRAY_TASK_COUNT); --shards takes
# the index from SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN, so 1-16
# works as well as 0-15). Do not use a step (--array=0-15:2) or a task limit
# that changes the task count between runs. SCAN OPTIONS after OUTDIR are
# passed to every task's `stsdane scan` after the recipe's own (the last of
# an option counts), e.g. --no-smtp --no-https for a DNS-only run.
#
# Tested on a real one-node Slurm (tests/slurm/run_slurm.sh, meson suite
# slurm): an array of 4 over 2,000 domains, one task requeued mid-way
# (scontrol requeue), every input line exactly once in the merged parts.
#SBATCH --job-name=stsdane-scan
#SBATCH --array=0-15
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=24:00:00
#SBATCH --requeue
#SBATCH --signal=B:TERM@60
#SBATCH --output=stsdane-scan-%A_%a.log
set -euo pipefail

usage="usage: sbatch --array=0-N slurm-array.sh LIST OUTDIR [SCAN OPTIONS...]"
list="${1:?$usage}"
outdir="${2:?$usage}"
shift 2
shards="${SLURM_ARRAY_TASK_COUNT:?run me with sbatch --array}"
index=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))
mkdir -p "$outdir"
# Which run of the task this is: a requeued task (preemption, node failure,
# scontrol requeue) starts again with SLURM_RESTART_COUNT set and resumes.
echo "stsdane-scan: task $index of $shards, restart ${SLURM_RESTART_COUNT:-0}, on $(hostname)" >&2

# exec: stsdane gets Slurm's SIGTERM itself, finishes the domains in flight,
# flushes and exits 143; the requeued task resumes from the output.
exec stsdane scan "$list" --shards "$shards" -o "$outdir/part-$index.jsonl" --resume --no-progress \
  --concurrency 256 --rate 50 --per-address 2 --retries 1 \
  ${STSDANE_EHLO:+--ehlo "$STSDANE_EHLO"} "$@"
