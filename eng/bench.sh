#!/usr/bin/env bash
# Runs the BenchmarkDotNet suite and copies each class's Markdown table into docs/benchmarks/results/<Class>.md.
# Usage: eng/bench.sh [--quick] [--filter PATTERN]...   (default filter: all benchmarks)
#   --quick: 1 warm-up (4 for classes with per-step [B, m] tensors) + 3 iterations and reduced grids (training step
#   d = 384, m = 4096 only; reorder strategies m = 1024 only; ordering m = 4096, 16384); 10 min measured on 2 quiet
#   cores. Without it: BenchmarkDotNet's default job, full grids.
#   Filter by class (e.g. '*TrainingStepBenchmarks*'): patterns match full method names, and a results file is
#   replaced by whatever subset of its class ran.
# Memory numbers: eng/bench-memory.sh. docs/benchmarks.md explains each table and whether its target is met.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
args=("$@")
printf '%s\n' "${args[@]}" | grep -q -- '--filter' || args+=(--filter '*')
dotnet build benchmarks/MLSae.Benchmarks -c Release -v quiet -nologo
artifacts="$root/BenchmarkDotNet.Artifacts"
rm -rf "$artifacts/results"
mkdir -p "$artifacts"   # tee below writes run.log into it before BenchmarkDotNet creates it
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
start="$(date -u +%s)"
# BenchmarkDotNet runs benchmarks on its own thread; one malloc arena lets it keep warm pages for per-step [B, m]
# tensors as the trainer does on the main thread (benchmarks/MLSae.Benchmarks/SteadyState.cs).
MALLOC_ARENA_MAX=1 dotnet run -c Release --no-build --project benchmarks/MLSae.Benchmarks -- "${args[@]}" --artifacts "$artifacts" | tee "$artifacts/run.log"
minutes="$(( ($(date -u +%s) - start + 59) / 60 ))"
mkdir -p docs/benchmarks/results
for f in "$artifacts"/results/*-report-github.md; do
  [ -e "$f" ] || continue
  name="$(basename "$f" -report-github.md)"
  { echo "<!-- $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), args: ${args[*]}, whole run ${minutes} min, load average before: ${load_before}, after: $(cut -d' ' -f1-3 /proc/loadavg) -->"
    cat "$f"
    [[ "$name" == *ReorderStrategy* ]] && grep -h "^// reorders per run" "$artifacts/run.log" | sort -u | sed "s/^/<!-- /; s/$/ -->/" || true
  } > "docs/benchmarks/results/${name##*.}.md"
done
echo "Results copied to docs/benchmarks/results/ (${minutes} min)"
