#!/usr/bin/env bash
# weft run --memory-backing N (NONCONFORMING): a module with one 64 KiB page
# backed by N bytes reports its declared size, works below N and traps at N.
#   run-backing-cli.sh WEFT WORKDIR
set -uo pipefail
weft=$1 work=$2
mkdir -p "$work"
cat > "$work/mb.wat" <<'WAT'
(module
  (memory (export "memory") 1)
  (func (export "size") (result i32) memory.size)
  (func (export "store") (param i32) (i32.store (local.get 0) (i32.const 7)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
WAT
wat2wasm "$work/mb.wat" -o "$work/mb.wasm" || exit 1
"$weft" compile "$work/mb.wasm" -o "$work/mb.cwasm" || exit 1
fail=0
check() { # description, expected status, expected output, command...
  local what=$1 want_rc=$2 want_out=$3; shift 3
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" = "$want_rc" ] && [[ "$out" == *"$want_out"* ]]; then echo "ok   $what"
  else echo "FAIL $what: status $rc, output: $out"; fail=1; fi
}
for f in mb.wasm mb.cwasm; do
  check "$f: declared size kept" 0 1 "$weft" run --memory-backing 1024 --invoke size "$work/$f"
  check "$f: store below the backing" 0 "" "$weft" run --memory-backing 1024 --invoke store "$work/$f" 1020
  check "$f: store across its end traps" 134 "out of bounds memory access" \
    "$weft" run --memory-backing 1024 --invoke store "$work/$f" 1021
  check "$f: load past it traps" 134 "out of bounds memory access" \
    "$weft" run --memory-backing 1024 --invoke load "$work/$f" 60000
  check "$f: without the option, the whole page" 0 0 "$weft" run --invoke load "$work/$f" 60000
done
check "zero bytes refused" 1 "expected a positive number of bytes" \
  "$weft" run --memory-backing 0 --invoke size "$work/mb.wasm"
exit $fail
