#!/usr/bin/env bash
# The main example: a host program (examples/hello/host.c) that loads two
# components built from freestanding C and calls their exports through the
# component API.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-examples.sh >/dev/null
echo "\$ build/examples/hello/hello" >&2
build/examples/hello/hello "$@"
