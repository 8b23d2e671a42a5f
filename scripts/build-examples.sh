#!/usr/bin/env bash
# Builds the example guests from scratch as components:
#   build/examples/hello/guest1.wasm   component:guest1/guest1-world
#   build/examples/hello/guest2.wasm   component:guest2/guest2-world
# Each guest is freestanding C compiled to a core module, then wrapped by
# tools/componentize.mjs (jco: embed the WIT world, encode the component).
#   scripts/build-examples.sh           build
#   scripts/build-examples.sh --check   build, then run the guests with jco
#                                       (tools/jco-run.mjs) and compare outputs
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "usage: scripts/build-examples.sh [--check]" >&2; exit 2 ;;
esac

out="${BUILD_DIR:-build}/examples/hello"
rm -f "$out"/guest*.wasm "$out"/guest*.cwasm "$out"/guest*.o
mkdir -p "$out"

# Pinned flags: -mcpu=mvp fixes the feature set (clang-19's default cpu adds
# reference-types, multivalue, sign-ext, ...); linking with wasm-ld-19 directly
# keeps clang from running binaryen's wasm-opt when it is installed.
CFLAGS=(--target=wasm32-unknown-unknown -mcpu=mvp -O2 -ffreestanding -nostdlib
        -fno-ident -std=c11 -Wall -Wextra -Werror)
LDFLAGS=(--no-entry -z stack-size=16384 --strip-debug)

for g in guest1 guest2; do
  clang-19 "${CFLAGS[@]}" -c "examples/hello/$g/$g.c" -o "$out/$g.o"
  wasm-ld-19 "${LDFLAGS[@]}" "$out/$g.o" -o "$out/$g.core.wasm"
  node tools/componentize.mjs "$out/$g.core.wasm" "examples/hello/$g/wit" "$g-world" "$out/$g.wasm"
  # the precompiled image the host loads (when weft is built)
  if [ -x "${BUILD_DIR:-build}/weft" ]; then
    "${BUILD_DIR:-build}/weft" compile "$out/$g.wasm" -o "$out/$g.cwasm"
  fi
done

[ "$check" = 1 ] || exit 0

fail=0
expect() { # expect DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1"; echo "  expected: $2"; echo "  actual:   $3"; fail=1; fi
}
wit2=$(node_modules/.bin/jco wit "$out/guest2.wasm" 2>/dev/null | grep -E '^\s+export ')
expect "guest2 WIT exports" \
  "$(printf '  export run: func(name: option<string>) -> string;\n  export describe: func() -> string;')" "$wit2"
expect "guest1 run()" '"guest1 run() called"' "$(node tools/jco-run.mjs "$out/guest1.wasm" 'run()')"
expect "guest2 run, describe" \
  "$(printf '%s\n' '"guest2 run() called: hello, world!"' '"guest2 run() called: hello, Kevin!"' \
     '"guest2 run() called: hello, world!"' '"guest2 has an extra `describe` export"')" \
  "$(node tools/jco-run.mjs "$out/guest2.wasm" 'run(none)' 'run(some("Kevin"))' 'run(none)' 'describe()')"
exit $fail
