#!/usr/bin/env bash
# A one-machine stand-in for sbatch: run the job script (the last argument) in a background
# shell, record the requested resources with its output, print a job id (the shell's PID).
set -euo pipefail
jobscript="${*: -1}"
logs="${SUMMIT_CLUSTER_LOGS:-.snakemake/local-cluster}"
mkdir -p "$logs"
out="$logs/$(basename "$jobscript").out"
echo "submitted: ${*:1:$#-1}" > "$out"
nohup bash "$jobscript" >> "$out" 2>&1 &
echo $!
