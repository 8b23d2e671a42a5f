#!/usr/bin/env bash
# Differential tests: runs every call of cases.txt under weft and under jco
# (transpile + node) and checks both against the specification's answer
# written in the manifest.
#   run-diff.sh WEFT [WORKDIR]
# An agreement passes when weft and jco both print the expected WAVE (or both
# trap). A documented jco deviation (`jco-differs RULE`) passes when weft
# prints the expected answer and jco something else; if jco starts agreeing
# it is reported, not failed.
set -uo pipefail
weft=$1
work=${2:-${TMPDIR:-/tmp}/weft-diff}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
if ! command -v node >/dev/null 2>&1; then
  echo "run-diff: node not found (install Node.js; scripts/deps.sh installs jco)" >&2
  exit 1
fi
if [ ! -d "$root/node_modules/@bytecodealliance/jco" ]; then
  "$root/scripts/deps.sh"
fi
rm -rf "$work"
mkdir -p "$work/wasm"
node "$here/diff.mjs" build "$work/wasm" "$here"/*.wat || exit 1
# jco's transpiler reports some refusals as Rust panics on stderr: keep them in a log.
if ! node "$here/diff.mjs" jco "$here/cases.txt" "$work/wasm" >"$work/jco.txt" 2>"$work/jco.log"; then
  cat "$work/jco.log" >&2
  exit 1
fi

# weft's result in the form diff.mjs gives jco's: WAVE, "trap: MSG" or
# "error: MSG".
run_weft() { # wasm call
  local out rc
  out=$("$weft" run --invoke "$2" "$1" </dev/null 2>"$work/stderr")
  rc=$?
  if [ $rc -eq 0 ]; then
    printf '%s' "$out"
  elif [ $rc -eq 134 ]; then
    printf 'trap: %s' "$(sed -n 's/^weft: [^:]*: trap: //p' "$work/stderr" | head -n 1)"
  else
    printf 'error: exit %d: %s' "$rc" "$(head -n 1 "$work/stderr")"
  fi
}

# Long outputs are cut when shown.
short() { if [ ${#1} -gt 160 ]; then printf '%s...' "${1:0:160}"; else printf '%s' "$1"; fi; }

# "trap: ..." compares as "trap".
norm() { case $1 in trap:*|trap) printf 'trap' ;; *) printf '%s' "$1" ;; esac; }

passed=0 failed=0 deviations=0 agreeing=0 failures=""
while IFS=$'\x1f' read -r file call expect rule jco; do
  wasm="$work/wasm/${file%.wat}.wasm"
  w=$(run_weft "$wasm" "$call")
  nw=$(norm "$w") nj=$(norm "$jco")
  what="$file $call"
  if [ -z "$rule" ]; then
    if [ "$nw" == "$expect" ] && [ "$nj" == "$expect" ]; then
      passed=$((passed + 1))
      echo "ok    $what -> $w"
      continue
    fi
  else
    if [ "$nw" == "$expect" ]; then
      passed=$((passed + 1))
      if [ "$nj" == "$expect" ]; then
        agreeing=$((agreeing + 1))
        echo "NOTE  $what -> $w: jco now agrees (documented deviation: $rule)"
      else
        deviations=$((deviations + 1))
        echo "ok    $what -> $w  (jco deviation: $(short "$jco"))"
      fi
      continue
    fi
  fi
  failed=$((failed + 1))
  if [ "$nw" != "$expect" ]; then why="weft differs from the specification"; else why="jco differs (not documented)"; fi
  failures+="  $what: $why"$'\n'
  echo "FAIL  $what: $why"
  echo "      spec: $expect"
  echo "      weft: $(short "$w")"
  echo "      jco:  $(short "$jco")"
  [ -n "$rule" ] && echo "      documented jco deviation: $rule"
done <"$work/jco.txt"

echo "$deviations documented jco deviations confirmed, $agreeing documented deviations where jco now agrees"
[ -n "$failures" ] && printf 'failed:\n%s' "$failures"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
