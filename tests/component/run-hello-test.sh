#!/usr/bin/env bash
# The hello example end to end: builds the two components if needed, checks
# them through the API (test_hello), the CLI (weft run --invoke) and the
# host program.
# With HELLO_LOADER (the host linked against the loader-only runtime, built
# without the compiler), also checks that it runs the images and refuses the
# components with a clear message.
#   run-hello-test.sh TEST_HELLO WEFT HELLO_HOST BUILD_DIR [HELLO_LOADER]
set -euo pipefail
test_hello=$1 weft=$2 host=$3 build=$4 loader=${5:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$build/examples/hello"
if [ ! -f "$dir/guest1.cwasm" ] || [ ! -f "$dir/guest2.cwasm" ] ||
   [ "$weft" -nt "$dir/guest1.cwasm" ] ||
   [ "$root/examples/hello/guest1/guest1.c" -nt "$dir/guest1.wasm" ] ||
   [ "$root/examples/hello/guest2/guest2.c" -nt "$dir/guest2.wasm" ]; then
  (cd "$root" && BUILD_DIR="$build" scripts/build-examples.sh) >/dev/null
fi
"$test_hello" "$dir"

fail=0
check() { # description, expected, actual
  if [ "$2" == "$3" ]; then echo "ok: $1"; else echo "FAIL: $1"; echo "  expected: $2"; echo "  actual:   $3"; fail=1; fi
}
check "weft run --invoke run(some(\"Kevin\"))" '"guest2 run() called: hello, Kevin!"' \
  "$("$weft" run --invoke 'run(some("Kevin"))' "$dir/guest2.wasm")"
check "weft run --invoke run(none)" '"guest2 run() called: hello, world!"' \
  "$("$weft" run --invoke 'run(none)' "$dir/guest2.wasm")"
check "weft run --invoke describe()" '"guest2 has an extra `describe` export"' \
  "$("$weft" run --invoke 'describe()' "$dir/guest2.wasm")"
check "weft run --invoke run() on guest1" '"guest1 run() called"' \
  "$("$weft" run --invoke 'run()' "$dir/guest1.wasm")"
expected=$'guest1 run() called\nguest2 run() called: hello, Pulley!\ndescribe: guest2 has an extra `describe` export'
check "hello host (precompiled images)" "$expected" "$(WEFT_HELLO_DIR="$dir" "$host" 2>/dev/null)"
check "hello host uses the images" "2" "$(WEFT_HELLO_DIR="$dir" "$host" 2>&1 >/dev/null | grep -c 'precompiled image')"
check "weft run of guest2's image" '"guest2 run() called: hello, Kevin!"' \
  "$("$weft" run --invoke 'run(some("Kevin"))' "$dir/guest2.cwasm")"
# the components themselves, without images
tmp=$(mktemp -d)
cp "$dir/guest1.wasm" "$dir/guest2.wasm" "$tmp/"
check "hello host (components)" "$expected" "$(WEFT_HELLO_DIR="$tmp" "$host" 2>/dev/null)"
if [ -n "$loader" ]; then
  check "loader-only hello host (precompiled images)" "$expected" \
    "$(WEFT_HELLO_DIR="$dir" "$loader" 2>/dev/null)"
  msg=$(WEFT_HELLO_DIR="$tmp" "$loader" 2>&1 >/dev/null || true)
  check "loader-only hello host refuses a component binary" "1" \
    "$(grep -c 'built without the compiler (WEFT_WITH_COMPILER=OFF)' <<<"$msg" || true)"
fi
rm -rf "$tmp"
check "hello host with a name" "guest2 run() called: hello, Ada!" \
  "$(WEFT_HELLO_DIR="$dir" "$host" Ada | sed -n 2p)"
exit $fail
