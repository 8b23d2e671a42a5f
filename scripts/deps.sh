#!/usr/bin/env bash
# Installs what building and testing weft needs, if it is missing.
# Idempotent and silent when everything is present.
#   scripts/deps.sh          build + test tools (wasm toolchain, wabt)
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

for pkg in cmake make gcc wabt clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 libclang-rt-19-dev; do
  have_pkg "$pkg" || need+=("$pkg")
done

if [ ${#need[@]} -gt 0 ]; then
  echo "deps: installing ${need[*]}" >&2
  SUDO=
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
