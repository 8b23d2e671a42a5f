#!/usr/bin/env bash
# Builds the Cortex-M33 firmware (make firmware):
#   1. the embedded guests (examples/embedded/guests: blinky, uart-echo,
#      button-led in C with clang-19, blinky-rs in Rust with Debian's rustc)
#      as core modules, then components (tools/componentize.mjs, jco), with
#      their memory shrunk to the bytes they use (weft shrink-memory: page
#      size 1), then precompiled images (weft compile) and C arrays;
#   2. one firmware per guest for mps2-an505 (ports/cortex-m, with
#      arm-none-eabi-gcc): BUILD_DIR/firmware/NAME.elf;
#   3. a size report: BUILD_DIR/firmware/sizes.txt.
#   scripts/build-firmware.sh [--guests]     --guests: step 1 only
# BUILD_DIR (default build) must hold a host build of weft (make).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${BUILD_DIR:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
weft="$build/weft"
only_guests=0
[ "${1:-}" = "--guests" ] && only_guests=1
if [ ! -x "$weft" ]; then
  echo "build-firmware: $weft not found: build weft first (make)" >&2
  exit 1
fi
out="$build/firmware"
gen="$out/guests"
mkdir -p "$gen"

# Guests. Pinned flags (see scripts/build-examples.sh); a 16-byte stack
# placed first, so the memory the guest needs ends where its data ends.
src=examples/embedded/guests
CFLAGS=(--target=wasm32-unknown-unknown -mcpu=mvp -O2 -ffreestanding -nostdlib
        -fno-ident -std=c11 -Wall -Wextra -Werror)
LDFLAGS=(--no-entry --stack-first -z stack-size=16 --strip-debug)
for g in blinky uart-echo button-led blinky-rs; do
  world=${g%-rs}
  if [ "$g" = blinky-rs ]; then
    /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib \
      -C opt-level=s -C panic=abort -C strip=debuginfo \
      -C link-arg=--stack-first -C link-arg=-zstack-size=16 \
      -o "$gen/$g.core.wasm" "$src/blinky-rs/blinky.rs"
  else
    clang-19 "${CFLAGS[@]}" -c "$src/$g.c" -o "$gen/$g.o"
    wasm-ld-19 "${LDFLAGS[@]}" "$gen/$g.o" -o "$gen/$g.core.wasm"
  fi
  node tools/componentize.mjs "$gen/$g.core.wasm" examples/embedded/wit "$world" "$gen/$g.big.wasm"
  # (its report of what it rewrote is kept for when it fails)
  if ! log=$("$weft" shrink-memory "$gen/$g.big.wasm" -o "$gen/$g.wasm" 2>&1); then
    echo "$log" >&2
    exit 1
  fi
  "$weft" compile "$gen/$g.wasm" -o "$gen/$g.cwasm"
  "$weft" compile "$gen/$g.wasm" -o "$gen/$g.c" --c-array fw_image
done
# The interpreter keeps only the instructions these guests use.
"$weft" opcodes --header "$gen"/blinky.cwasm "$gen"/blinky-rs.cwasm "$gen"/uart-echo.cwasm \
  "$gen"/button-led.cwasm > "$gen/opcodes.h.new"
cmp -s "$gen/opcodes.h.new" "$gen/opcodes.h" || mv "$gen/opcodes.h.new" "$gen/opcodes.h"
rm -f "$gen/opcodes.h.new"
[ "$only_guests" = 1 ] && exit 0

# Firmware.
cmake -S ports/cortex-m -B "$out/cmake" \
  -DCMAKE_TOOLCHAIN_FILE="$root/ports/cortex-m/toolchain.cmake" \
  -DWEFT_FW_GEN_DIR="$gen" -DWEFT_FW_OUT_DIR="$out" \
  -DWEFT_FW_OPCODE_SET="$gen/opcodes.h" -DWEFT_FW_CODE_HASH="$("$weft" opcodes --hash)" >/dev/null
make --no-print-directory -C "$out/cmake" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
python3 ports/cortex-m/size-report.py "$out" blinky blinky-rs uart-echo button-led | tee "$out/sizes.txt"
