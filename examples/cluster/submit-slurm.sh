#!/bin/bash
# Submits the shipped seed experiment to Slurm: extraction (plan job 0), the train array (jobs 1..N, at most
# PARALLEL at once), then the report, each step waiting for the previous one to succeed.
# Usage: CONFIG=examples/SeedExperiments/seed-runs.json OUT=/shared/seed-runs PARALLEL=8 ./submit-slurm.sh
set -euo pipefail
MLSAE=${MLSAE:-mlsae}
CONFIG=${CONFIG:-examples/SeedExperiments/seed-runs.json}
OUT=${OUT:-$PWD/seed-runs}
PARALLEL=${PARALLEL:-8}
export MLSAE CONFIG OUT
# The plan has one line per job; the last line's index is N.
N=$($MLSAE experiment --config "$CONFIG" --out "$OUT" --plan | tail -n 1 | cut -f 1)
here=$(dirname "$0")
extract=$(sbatch --parsable --job-name=mlsae-extract --cpus-per-task=8 --mem=16G --time=24:00:00 \
  --wrap="$MLSAE experiment --config '$CONFIG' --out '$OUT' --job 0")
train=$(sbatch --parsable --dependency=afterok:"$extract" --array=1-"$N"%"$PARALLEL" "$here/slurm-array.sbatch")
sbatch --dependency=afterok:"$train" --job-name=mlsae-collect --time=01:00:00 \
  --wrap="$MLSAE experiment --config '$CONFIG' --out '$OUT' --collect"
echo "submitted: extraction $extract, $N train jobs as array $train, then the report"
