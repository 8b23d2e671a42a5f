#!/bin/sh
# Writes the image seeds: corpus/image/NAME.cwasm for each module seed
# corpus/module/NAME.wasm and each component seed corpus/component/NAME.wasm
# (the hello and embedded example components) that weft compiles. Image seeds carry the hash of
# the opcode table, so rerun this when the internal code format changes
# (images from another build are refused before their code is looked at).
#   tests/fuzz/make-corpus.sh path/to/weft
set -eu
weft=${1:?usage: make-corpus.sh WEFT_BINARY}
dir=$(cd "$(dirname "$0")" && pwd)
for m in "$dir"/corpus/module/*.wasm "$dir"/corpus/component/*.wasm; do
  name=$(basename "$m" .wasm)
  if "$weft" compile "$m" -o "$dir/corpus/image/$name.cwasm" 2>/dev/null; then
    echo "corpus/image/$name.cwasm"
  fi
done
