#!/usr/bin/env bash
# Patches every libLibTorchSharp.so under an output folder so it loads on a libstdc++ without
# GLIBCXX_3.4.32. Usage: apply.sh OUTPUT_DIR. Safe to run on every build (idempotent, quiet
# no-op when nothing needs doing). Needs gcc and g++ only when a patch is actually required.
set -euo pipefail
out="${1:?usage: apply.sh OUTPUT_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shim_name="libmlsae_glibcxx_shim.so"

mapfile -t libs < <(find "$out" -name libLibTorchSharp.so -type f 2>/dev/null)
[ "${#libs[@]}" -gt 0 ] || exit 0
[ "$(uname -s)" = Linux ] || exit 0

# The libstdc++ the dynamic loader will actually pick.
stdcxx="$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')"
[ -n "$stdcxx" ] || stdcxx="$(g++ -print-file-name=libstdc++.so.6 2>/dev/null || true)"
if [ -n "$stdcxx" ] && grep -qa 'GLIBCXX_3\.4\.32' "$stdcxx"; then
  exit 0
fi

for tool in gcc g++; do
  command -v "$tool" >/dev/null || { echo "error MLSAE001: TorchSharp needs a fix on this system (libstdc++ lacks GLIBCXX_3.4.32) and the fix needs '$tool'. Install it: apt-get install -y build-essential" >&2; exit 1; }
done

# Build the patcher and shim once per source version into a cache beside this script,
# serialised with flock because parallel project builds run this concurrently.
cache="$here/.cache/$(cat "$here/patch_needed.c" "$here/glibcxx_shim.cpp" "$here/glibcxx_shim.map" | sha256sum | cut -c1-16)"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -x "$cache/patch_needed" ] || [ ! -f "$cache/$shim_name" ]; then
  tmp="$(mktemp -d "$cache/build.XXXXXX")"
  gcc -O2 -o "$tmp/patch_needed" "$here/patch_needed.c"
  g++ -O2 -shared -fPIC -o "$tmp/$shim_name" "$here/glibcxx_shim.cpp" -Wl,--version-script="$here/glibcxx_shim.map"
  mv "$tmp/patch_needed" "$cache/patch_needed"
  mv "$tmp/$shim_name" "$cache/$shim_name"
  rmdir "$tmp"
fi

for lib in "${libs[@]}"; do
  dir="$(dirname "$lib")"
  cmp -s "$cache/$shim_name" "$dir/$shim_name" || { cp "$cache/$shim_name" "$dir/$shim_name.tmp" && mv "$dir/$shim_name.tmp" "$dir/$shim_name"; }
  "$cache/patch_needed" "$lib" "$shim_name"
done
