#!/bin/bash
# stsdane scan as a Slurm job array: task K scans shard K/N of the list.
#
#   sbatch --array=0-15 slurm-array.sh top-1m.txt results/
#   # rerun the same command after failures or preemption: finished shards add
#   # nothing, interrupted ones continue (--resume)
#   cat results/part-*.jsonl > all.jsonl
#
# The shard count is the array size (SLURM_ARRAY_TASK_COUNT); --shards takes
# the index from SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN, so 1-16
# works as well as 0-15). Do not use a step (--array=0-15:2) or a task limit
# that changes the task count between runs.
#SBATCH --job-name=stsdane-scan
#SBATCH --array=0-15
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=24:00:00
#SBATCH --requeue
#SBATCH --signal=B:TERM@60
#SBATCH --output=stsdane-scan-%A_%a.log
set -euo pipefail

list="${1:?usage: sbatch --array=0-N slurm-array.sh LIST OUTDIR}"
outdir="${2:?usage: sbatch --array=0-N slurm-array.sh LIST OUTDIR}"
shards="${SLURM_ARRAY_TASK_COUNT:?run me with sbatch --array}"
index=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))
mkdir -p "$outdir"

# exec: stsdane gets Slurm's SIGTERM itself, finishes the domains in flight,
# flushes and exits 143; the requeued task resumes from the output.
exec stsdane scan "$list" --shards "$shards" -o "$outdir/part-$index.jsonl" --resume --no-progress \
  --concurrency 256 --rate 50 --per-address 2 --retries 1 \
  ${STSDANE_EHLO:+--ehlo "$STSDANE_EHLO"}
