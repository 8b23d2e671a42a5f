#!/usr/bin/env bash
# weft shrink-memory end to end: builds guest.c with clang-19 as a core
# module (stack first, 1 KiB of stack) and as a component, rewrites both to
# 1-byte pages, runs them (directly and as precompiled images) and checks
# the results and the memory type; checks --bytes, a nested component, and
# that modules it cannot rewrite are refused with a message and an offset.
#   run-shrink-test.sh WEFT WORKDIR
set -euo pipefail
weft=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work"

fail=0
check() { # description, expected, actual
  if [ "$2" == "$3" ]; then echo "ok: $1"; else echo "FAIL: $1"; echo "  expected: $2"; echo "  actual:   $3"; fail=1; fi
}
# The memory line of a binary as wasm-tools prints it (through jco).
memline() { node "$root/node_modules/.bin/jco" print "$1" | grep -m1 '(memory (;0;)' | sed 's/^ *//'; }

clang-19 --target=wasm32-unknown-unknown -mcpu=mvp -O2 -nostdlib -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--stack-first -Wl,-z,stack-size=1024 -Wl,--export=__heap_base \
  -Wl,--strip-debug "$here/guest.c" -o guest.wasm
# __heap_base, the end of the static data and .bss, is what the size must cover
node "$root/node_modules/.bin/jco" print guest.wasm > guest.wat
g=$(sed -n 's/.*(export "__heap_base" (global \([0-9]*\))).*/\1/p' guest.wat)
heap=$(sed -n "s/.*(global (;$g;) i32 i32.const \([0-9]*\)).*/\1/p" guest.wat)
want=$(( (heap + 15) / 16 * 16 ))
check "the guest has a 64 KiB-page memory" "(memory (;0;) 1)" "$(memline guest.wasm)"

# core module
"$weft" shrink-memory guest.wasm -o small.wasm 2>log
check "core module: memory rewritten" "(memory (;0;) $want $want (pagesize 0x1))" "$(memline small.wasm)"
check "core module: reported" "1" "$(grep -c "memory of 1 pages of 65536 bytes -> $want bytes (page size 1)" log)"
check "core module: sum(3)" "5" "$("$weft" run --invoke sum small.wasm 3)"
check "core module: sum(16)" "1240" "$("$weft" run --invoke sum small.wasm 16)"
"$weft" compile small.wasm -o small.cwasm
check "core module image: sum(16)" "1240" "$("$weft" run --invoke sum small.cwasm 16)"

# --bytes
"$weft" shrink-memory guest.wasm --bytes 4096 -o fixed.wasm 2>/dev/null
check "--bytes 4096" "(memory (;0;) 4096 4096 (pagesize 0x1))" "$(memline fixed.wasm)"
check "--bytes 4096: sum(4)" "14" "$("$weft" run --invoke sum fixed.wasm 4)"
set +e
msg=$("$weft" shrink-memory guest.wasm --bytes 1030 -o bad.wasm 2>&1); rc=$?
set -e
check "--bytes below the data: exit status" "1" "$rc"
check "--bytes below the data: message" "1" "$(grep -c 'past --bytes 1030 at offset 0x' <<<"$msg")"
check "--bytes below the data: nothing written" "no" "$([ -e bad.wasm ] && echo yes || echo no)"

# component (and the same rewrite nested one level down)
node "$root/tools/componentize.mjs" guest.wasm "$here/wit" shrink-world guest.comp.wasm
"$weft" shrink-memory guest.comp.wasm -o small.comp.wasm 2>/dev/null
check "component: memory rewritten" "(memory (;0;) $want $want (pagesize 0x1))" "$(memline small.comp.wasm)"
check "component: greet" '"hello, Ada!"' "$("$weft" run --invoke 'greet("Ada")' small.comp.wasm)"
check "component: sum(16)" "1240" "$("$weft" run --invoke 'sum(16)' small.comp.wasm)"
"$weft" compile small.comp.wasm -o small.comp.cwasm
check "component image: greet" '"hello, Lin!"' "$("$weft" run --invoke 'greet("Lin")' small.comp.cwasm)"
python3 - guest.comp.wasm nested.wasm <<'PY'
import sys
inner = open(sys.argv[1], "rb").read()
def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7f; n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n: return bytes(out)
open(sys.argv[2], "wb").write(inner[:8] + b"\x04" + leb(len(inner)) + inner)
PY
"$weft" shrink-memory nested.wasm -o small.nested.wasm 2>/dev/null
check "nested component: memory rewritten" "(memory (;0;) $want $want (pagesize 0x1))" "$(memline small.nested.wasm)"

# refusals: exit status 1, a reason and an offset
refuse() { # description, wat, expected part of the message
  printf '%s\n' "$2" > r.wat
  wat2wasm --enable-multi-memory r.wat -o r.wasm
  set +e
  local m
  m=$("$weft" shrink-memory r.wasm -o r.out.wasm 2>&1); local rc=$?
  set -e
  check "refuses $1: exit status" "1" "$rc"
  check "refuses $1: message" "1" "$(grep -c "cannot rewrite: $3.* at offset 0x" <<<"$m")"
}
refuse "a module without memory" '(module (func (export "f")))' "the module has no memory"
refuse "an imported memory" '(module (import "env" "m" (memory 1)))' "the memory is imported"
refuse "two memories" '(module (memory 1) (memory 1))' "more than one memory"
refuse "memory.grow" '(module (memory 1) (global i32 (i32.const 64)) (func (export "g") (result i32) (memory.grow (i32.const 1))))' "the code uses memory.size or memory.grow"
refuse "memory.size" '(module (memory 1) (global i32 (i32.const 64)) (func (export "s") (result i32) (memory.size)))' "the code uses memory.size or memory.grow"
refuse "a data segment at a non-constant offset" '(module (import "env" "g" (global i32)) (memory 1) (data (global.get 0) "x"))' "a data segment has an offset that is not a constant"
refuse "nothing to size from" '(module (memory 1))' "no data segment or i32 global"
exit $fail
