#!/usr/bin/env bash
# Runs one Component Model reference test: converts it with
# tools/cm-wast2json.mjs into WORKDIR, then runs it with `weft wast` and the
# expected-failures list.
#   run-cm-wast.sh WEFT FILE.wast WORKDIR EXPECTED_FAILURES [OPTION...]
set -euo pipefail
weft=$1 wast=$2 work=$3 xfail=$4
shift 4
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v node >/dev/null 2>&1; then
  echo "run-cm-wast: node not found (install Node.js; scripts/deps.sh installs jco)" >&2
  exit 1
fi
if [ ! -d "$root/node_modules/@bytecodealliance/jco" ]; then
  "$root/scripts/deps.sh"
fi
name=$(basename "$wast" .wast)
rm -rf "$work"
mkdir -p "$work"
if ! node "$root/tools/cm-wast2json.mjs" "$wast" -o "$work/$name.json" >"$work/convert.log" 2>&1; then
  echo "run-cm-wast: conversion of $wast failed:" >&2
  cat "$work/convert.log" >&2
  exit 1
fi
exec "$weft" wast --expected-failures "$xfail" "$@" "$work/$name.json"
