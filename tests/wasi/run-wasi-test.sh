#!/usr/bin/env bash
# Builds one test program and runs it with `weft run`, checking stdout,
# stderr and the exit status.
#
#   run-wasi-test.sh WEFT SRCDIR OUTDIR NAME [WEFT-RUN-ARGS...]
#
# The program comes from SRCDIR/NAME.c (clang-19 --target=wasm32-wasi),
# SRCDIR/NAME.wat (wat2wasm), or, for NAME=malformed, 8 fixed bytes that are
# not a module. It is written to OUTDIR/NAME.wasm and weft runs in OUTDIR,
# so WEFT-RUN-ARGS can name it as NAME.wasm; @WASM@ stands for its absolute
# path.
#
# Expectations, all optional, in SRCDIR:
#   NAME.stdin              fed to stdin (default: empty)
#   NAME.expected-stdout    exact stdout (default: empty)
#   NAME.expected-stderr    exact stderr (default: empty, unless
#   NAME.stderr-contains    lines that must each appear in stderr)
#   NAME.expected-status    exit status (default: 0)
set -u

if [ $# -lt 4 ]; then
  echo "usage: $0 WEFT SRCDIR OUTDIR NAME [ARGS...]" >&2
  exit 2
fi
weft=$1 src=$2 out=$3 name=$4
shift 4

fail() {
  echo "FAIL wasi/$name: $*" >&2
  exit 1
}

mkdir -p "$out" || fail "cannot create $out"
wasm=$out/$name.wasm

# Builds a C program with the Debian wasm toolchain.
build_c() {
  local cc=${WASI_CC:-clang-19}
  command -v "$cc" >/dev/null 2>&1 ||
    fail "$cc not found: install the Debian package clang-19 (make deps runs scripts/deps.sh)"
  local sysroot=()
  if [ -n "${WASI_SYSROOT:-}" ]; then
    sysroot=(--sysroot="$WASI_SYSROOT")
  elif [ -f /usr/lib/wasm32-wasi/libc.a ] && [ -f /usr/include/wasm32-wasi/stdio.h ]; then
    : # Debian's wasi-libc, found by clang without --sysroot
  elif [ -f /usr/share/wasi-sysroot/lib/wasm32-wasi/libc.a ]; then
    sysroot=(--sysroot=/usr/share/wasi-sysroot)
  else
    fail "no WASI sysroot (libc.a for wasm32-wasi): install the Debian package wasi-libc (make deps runs scripts/deps.sh), or set WASI_SYSROOT"
  fi
  local rt
  rt=$("$cc" --target=wasm32-wasi "${sysroot[@]}" -print-libgcc-file-name 2>/dev/null)
  [ -n "$rt" ] && [ -f "$rt" ] ||
    fail "wasm32 compiler-rt builtins not found (${rt:-?}): install the Debian package libclang-rt-19-dev-wasm32 (make deps runs scripts/deps.sh)"
  local ld
  ld=$("$cc" --target=wasm32-wasi -print-prog-name=wasm-ld 2>/dev/null)
  if ! [ -x "$ld" ] && ! command -v "${ld:-wasm-ld}" >/dev/null 2>&1; then
    fail "wasm-ld not found: install the Debian package lld-19 (make deps runs scripts/deps.sh)"
  fi
  "$cc" --target=wasm32-wasi "${sysroot[@]}" -O2 -Wall -o "$wasm" "$src/$name.c" ||
    fail "compiling $name.c with $cc failed"
}

if [ -f "$src/$name.c" ]; then
  build_c
elif [ -f "$src/$name.wat" ]; then
  command -v wat2wasm >/dev/null 2>&1 ||
    fail "wat2wasm not found: install the Debian package wabt (make deps runs scripts/deps.sh)"
  wat2wasm "$src/$name.wat" -o "$wasm" || fail "wat2wasm $name.wat failed"
elif [ "$name" = malformed ]; then
  printf '\x13\x37\xc0\xde\xba\xad\xf0\x0d' >"$wasm"
else
  fail "no source for $name in $src"
fi

[ -x "$weft" ] || fail "weft binary not found at $weft"

args=()
for a in "$@"; do
  if [ "$a" = "@WASM@" ]; then args+=("$wasm"); else args+=("$a"); fi
done

stdin=/dev/null
[ -f "$src/$name.stdin" ] && stdin=$src/$name.stdin

got_out=$out/$name.stdout
got_err=$out/$name.stderr
(cd "$out" && exec "$weft" "${args[@]}") <"$stdin" >"$got_out" 2>"$got_err"
status=$?

ok=1
want_status=0
[ -f "$src/$name.expected-status" ] && want_status=$(tr -d ' \n' <"$src/$name.expected-status")
if [ "$status" != "$want_status" ]; then
  echo "exit status: expected $want_status, got $status" >&2
  ok=0
fi

# Compares a captured stream with an expectation file (or empty).
check_exact() {
  local what=$1 got=$2 want=$3
  if [ -f "$want" ]; then
    if ! cmp -s "$want" "$got"; then
      echo "$what differs (expected vs got):" >&2
      diff -u "$want" "$got" >&2 || true
      ok=0
    fi
  elif [ -s "$got" ]; then
    echo "$what: expected nothing, got:" >&2
    cat "$got" >&2
    ok=0
  fi
}

check_exact stdout "$got_out" "$src/$name.expected-stdout"
if [ -f "$src/$name.stderr-contains" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    [ -z "$line" ] && continue
    if ! grep -qF -- "$line" "$got_err"; then
      echo "stderr lacks '$line'; it was:" >&2
      cat "$got_err" >&2
      ok=0
    fi
  done <"$src/$name.stderr-contains"
else
  check_exact stderr "$got_err" "$src/$name.expected-stderr"
fi

if [ $ok = 1 ]; then
  echo "PASS wasi/$name"
  exit 0
fi
echo "command: (cd $out && $weft ${args[*]})" >&2
fail "output or status did not match"
