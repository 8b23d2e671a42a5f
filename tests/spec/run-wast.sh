#!/usr/bin/env bash
# Runs one spec test file: converts it with wast2json into WORKDIR, then runs
# the script with `weft wast` and the expected-failures list. Arguments after
# WAST2JSON are passed on to `weft wast`.
#   run-wast.sh WEFT FILE.wast WORKDIR EXPECTED_FAILURES [WAST2JSON [OPTION...]]
set -euo pipefail

if [ $# -lt 4 ] || [ -z "$3" ]; then
  echo "usage: run-wast.sh WEFT FILE.wast WORKDIR EXPECTED_FAILURES [WAST2JSON [OPTION...]]" >&2
  exit 2
fi
weft=$1
wast=$2
work=$3
xfail=$4
wast2json=${5:-wast2json}
shift $(( $# < 5 ? $# : 5 ))

if ! command -v "$wast2json" >/dev/null 2>&1; then
  echo "run-wast: $wast2json not found (install wabt: scripts/deps.sh)" >&2
  exit 1
fi

name=$(basename "$wast" .wast)
rm -rf "$work"
mkdir -p "$work"
# wast2json 1.0.32 prints spurious validation errors for a few valid files
# and still writes them, so its messages are shown only when it fails.
if ! "$wast2json" --enable-all "$wast" -o "$work/$name.json" >"$work/wast2json.log" 2>&1; then
  echo "run-wast: wast2json failed on $wast:" >&2
  cat "$work/wast2json.log" >&2
  exit 1
fi
exec "$weft" wast --expected-failures "$xfail" "$@" "$work/$name.json"
