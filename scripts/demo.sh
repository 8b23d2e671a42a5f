#!/usr/bin/env bash
# The main example: a C program compiled to WebAssembly (WASI preview1) and
# run by build/weft.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/examples/wasi-hello
mkdir -p "$out"
clang-19 --target=wasm32-wasi -O2 -o "$out/hello.wasm" examples/wasi-hello/main.c
echo "\$ build/weft run --env WEFT_DEMO=on $out/hello.wasm one two" >&2
build/weft run --env WEFT_DEMO=on "$out/hello.wasm" one two
