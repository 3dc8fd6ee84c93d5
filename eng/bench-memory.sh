#!/usr/bin/env bash
# Peak memory vs corpus/cache size: training from a synthetic cache (1M, 4M, 10M rows, d = 384, bf16), one epoch of
# the ActivationStore alone, scoring (two row counts) and extraction through the CLI (two token counts).
# Each scenario is its own process; lines go to docs/benchmarks/results/memory.txt.
# Usage: eng/bench-memory.sh [WORKDIR]   (needs ~11 GB free in WORKDIR, default /tmp/mlsae-bench-mem; deleted at the end)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="${1:-/tmp/mlsae-bench-mem}"
sizes=(${MLSAE_MEM_SIZES:-1000000 4000000 10000000})
steps="${MLSAE_MEM_STEPS:-20}"
dotnet build benchmarks/MLSae.Benchmarks -c Release -v quiet -nologo
dotnet build src/MLSae.Cli -c Release -v quiet -nologo
probe=(dotnet benchmarks/MLSae.Benchmarks/bin/Release/net10.0/MLSae.Benchmarks.dll --memory)
cli=(dotnet src/MLSae.Cli/bin/Release/net10.0/MLSae.Cli.dll)
out=docs/benchmarks/results/memory.txt
mkdir -p "$work" docs/benchmarks/results
log() { echo "$*" | tee -a "$out"; }
: > "$out"
log "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
# /usr/bin/time -v "Maximum resident set size" is the whole process's peak (the probe's VmHWM line says the same
# and splits it into anonymous and file-backed pages).
timed() { /usr/bin/time -f "TIME %e s wall, max RSS %M KB" "$@" 2>&1 | grep -E "^(MEMORY|TIME)" | tee -a "$out"; }
for n in "${sizes[@]}"; do
  "${probe[@]}" write-cache "$work/c$n" "$n" bf16 | grep MEMORY
  timed "${probe[@]}" train "$work/c$n" "$steps" 3072
  timed "${probe[@]}" store-epoch "$work/c$n"
done
first="$work/c${sizes[0]}"
for rows in 50000 200000; do timed "${probe[@]}" score "$first" "$rows" 4096; done
data="$(cd "$root/.." && pwd)/shared/data/brown.jsonl"
for tokens in 20000 80000; do
  rm -rf "$work/extract"
  log "MEMORY extract (CLI) --max-tokens $tokens"
  timed "${cli[@]}" extract --model minilm-l6 --hook blocks.2.hook_resid_post --data "$data" --max-tokens "$tokens" --cpu --out "$work/extract"
done
rm -rf "$work"
log "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
