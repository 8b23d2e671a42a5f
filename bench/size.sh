#!/usr/bin/env bash
# Code size of the weft runtime, as a firmware build would see it: each
# library built with -Os, function and data sections, and the objects a
# minimal program links summed by group. Reports the full runtime and the
# loader-only runtime (WEFT_WITH_COMPILER=OFF), and, for every example and
# benchmark module found under the build directory, its image size against
# its wasm size.
#   bench/size.sh [BUILD_DIR]     (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags="-Os -ffunction-sections -fdata-sections"
cmake -S "$root" -B "$out/full" -DCMAKE_BUILD_TYPE=MinSizeRel -DWEFT_TESTS=OFF \
  -DCMAKE_C_FLAGS="$flags" >/dev/null
cmake -S "$root" -B "$out/loader" -DCMAKE_BUILD_TYPE=MinSizeRel -DWEFT_TESTS=OFF \
  -DWEFT_WITH_COMPILER=OFF -DCMAKE_C_FLAGS="$flags" >/dev/null
cmake --build "$out/full" -j2 --target weft >/dev/null
cmake --build "$out/loader" -j2 --target weft >/dev/null

# text+data of the objects of an archive whose names match a pattern
sum() { # archive, regex
  size "$1" | awk -v re="$2" 'NR>1 && $6 ~ re {t+=$1+$2} END {print t+0}'
}
row() { # label, regex
  printf '| %-34s | %8s | %8s |\n' "$1" "$(sum "$out/full/libweft.a" "$2")" \
    "$(sum "$out/loader/libweft.a" "$2")"
}
echo "## Code size, $(uname -m), $(${CC:-cc} --version | head -1), -Os (bytes of text+data)"
echo
printf '| %-34s | %8s | %8s |\n' "part" "full" "loader"
echo "|------------------------------------|---------:|---------:|"
row "core decoder, validator, lowering" '^(decode|lower)\.c'
row "core runtime and interpreter" '^(interp|store|linker|module|reader|opnames|disasm|util)\.c'
row "image loader (and writer)" '^(image|cimage)\.c'
row "component decoder" '^cdecode\.c'
row "component runtime, canonical ABI" '^(cinst|canon|ctypes|cmodel)\.c'
row "component tools (WAVE, WIT printer)" '^(wave|wit)\.c'
row "WASI preview 1" '^wasi_p1\.c'
row "port (POSIX)" '^platform\.c'
row "total" '.'
echo

echo "## Image size against wasm size"
echo
printf '| %-28s | %8s | %8s | %6s |\n' "input" "wasm" "image" "ratio"
echo "|------------------------------|---------:|---------:|-------:|"
weft="$build/weft"
for w in "$build"/examples/hello/guest1.wasm "$build"/examples/hello/guest2.wasm \
         "$build"/firmware/guests/blinky.wasm "$build"/firmware/guests/blinky-rs.wasm \
         "$build"/firmware/guests/uart-echo.wasm "$build"/firmware/guests/button-led.wasm \
         "$build"/bench/*.wasm; do
  [ -f "$w" ] || continue
  img="$out/$(basename "$w" .wasm).cwasm"
  "$weft" compile "$w" -o "$img" >/dev/null
  a=$(stat -c %s "$w") b=$(stat -c %s "$img")
  printf '| %-28s | %8s | %8s | %6s |\n' "$(basename "$w")" "$a" "$b" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2fx", b / a}')"
done
