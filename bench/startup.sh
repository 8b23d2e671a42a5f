#!/usr/bin/env bash
# Instructions from a component in memory to the result of its first call
# (load or decode+validate+lower, instantiate, call), counted by callgrind
# over startup_region() of bench/startup.c only. Compares the precompiled
# image with the component binary for each hello guest.
#   bench/startup.sh [BUILD_DIR]     (default: build; run make examples first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
prog="$build/bench/startup"
dir="$build/examples/hello"
command -v valgrind >/dev/null || { echo "startup.sh: valgrind not installed"; exit 1; }
[ -x "$prog" ] || { echo "startup.sh: $prog missing (build first)"; exit 1; }
count() { # file export
  local out; out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=startup_region \
    "$prog" "$1" "$2" >/dev/null 2>&1 || { echo "failed"; rm -f "$out"; return; }
  awk '/^summary:/ {print $2}' "$out"
  rm -f "$out"
}
echo "## Start-up: instructions to load, instantiate and make the first call"
echo
printf '| %-10s | %-10s | %12s | %12s | %6s |\n' component export "from image" "from wasm" ratio
echo "|------------|------------|-------------:|-------------:|-------:|"
for g in guest1:run guest2:run; do
  name=${g%%:*} fn=${g#*:}
  [ -f "$dir/$name.cwasm" ] || { echo "startup.sh: $dir/$name.cwasm missing (make examples)"; exit 1; }
  a=$(count "$dir/$name.cwasm" "$fn") b=$(count "$dir/$name.wasm" "$fn")
  printf '| %-10s | %-10s | %12s | %12s | %6s |\n' "$name" "$fn" "$a" "$b" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1fx", b / a}')"
done
