#!/usr/bin/env bash
# Installs what building and testing weft needs, if it is missing.
# Idempotent and silent when everything is present.
#   scripts/deps.sh          build + test tools (wasm toolchain, wabt), node packages
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# wasm guests (clang-19, wasi-libc, rustc for the Rust guest), the test
# tools, and the Cortex-M33 firmware (arm-none-eabi-gcc, newlib, QEMU)
for pkg in cmake make gcc wabt clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 libclang-rt-19-dev \
           rustc libstd-rust-dev-wasm32 gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm; do
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

# Node tooling (tools/*.mjs, example components): jco, pinned in package.json
# and package-lock.json, installed into node_modules/ when missing or when the
# installed jco is not the pinned version.
root="$(cd "$(dirname "$0")/.." && pwd)"
jco_pkg="$root/node_modules/@bytecodealliance/jco/package.json"
jco_want=$(sed -n 's|.*"@bytecodealliance/jco": "\([^"]*\)".*|\1|p' "$root/package.json")
jco_have=$(sed -n 's|^  "version": "\([^"]*\)".*|\1|p' "$jco_pkg" 2>/dev/null || true)
if [ "$jco_have" != "$jco_want" ]; then
  for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "deps: '$tool' not found: install Node.js 20 or newer with npm (Debian: apt-get install nodejs npm)" >&2
      exit 1
    fi
  done
  echo "deps: installing node packages (npm ci)" >&2
  log=$(mktemp)
  # npm ci refuses to run when a registry lacks some of the optional
  # per-platform packages named in the lock file (as partial mirrors do);
  # npm install --no-save then installs the same locked versions and leaves
  # package-lock.json untouched.
  if ! (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1) &&
     ! (cd "$root" && npm install --no-save --no-audit --no-fund --loglevel=error >"$log" 2>&1); then
    cat "$log" >&2
    rm -f "$log"
    echo "deps: npm could not install the node packages" >&2
    exit 1
  fi
  rm -f "$log"
fi
