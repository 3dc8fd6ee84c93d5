#!/usr/bin/env bash
# Runs the BenchmarkDotNet suite and copies the Markdown tables into docs/benchmarks/results/.
# Usage: eng/bench.sh [--quick] [--filter PATTERN]...   (default filter: all benchmarks)
# docs/benchmarks.md explains each table and whether its target is met.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
args=("$@")
printf '%s\n' "${args[@]}" | grep -q -- '--filter' || args+=(--filter '*')
dotnet build benchmarks/MLSae.Benchmarks -c Release -v quiet -nologo
artifacts="$root/BenchmarkDotNet.Artifacts"
dotnet run -c Release --no-build --project benchmarks/MLSae.Benchmarks -- "${args[@]}" --artifacts "$artifacts"
mkdir -p docs/benchmarks/results
for f in "$artifacts"/results/*-report-github.md; do
  [ -e "$f" ] || continue
  name="$(basename "$f" -report-github.md)"
  { echo "<!-- $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), args: ${args[*]} -->"; cat "$f"; } > "docs/benchmarks/results/${name##*.}.md"
done
echo "Results copied to docs/benchmarks/results/"
