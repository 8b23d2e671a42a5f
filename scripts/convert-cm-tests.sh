#!/usr/bin/env bash
# Converts the Component Model reference tests (every .wast under
# $WEFT_SHARED/spec/component-model/tests except async/) with
# tools/cm-wast2json.mjs, and prints per-file and total command counts.
# Forms that cannot be converted are listed on stderr.
#   scripts/convert-cm-tests.sh [OUT_DIR]     (default build/cm-tests)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh

shared="${WEFT_SHARED:-../shared}"
tests="$shared/spec/component-model/tests"
out="${1:-build/cm-tests}"
if [ ! -d "$tests" ]; then
  echo "convert-cm-tests: $tests not found (set WEFT_SHARED to the directory holding spec/component-model)" >&2
  exit 1
fi

rm -rf "$out"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
while read -r f; do
  node tools/cm-wast2json.mjs "$tests/$f" -o "$out/$(dirname "$f")/$(basename "$f" .wast).json" -v >>"$log" || status=1
done < <(cd "$tests" && find . -name '*.wast' -not -path './async/*' | LC_ALL=C sort | sed 's|^\./||')

sed "s|^$tests/||" "$log"
awk '
  { files++
    for (i = 1; i <= NF; i++) {
      kv = $i; gsub(/[()]/, "", kv)
      if (kv ~ /^[a-z_]+=[0-9]+$/) { split(kv, p, "="); if (!(p[1] in total)) keys[++n] = p[1]; total[p[1]] += p[2] }
      else if ($i ~ /^[0-9]+$/ && $(i + 1) == "commands") commands += $i
    }
  }
  END {
    printf "TOTAL: %d files, %d commands:", files, commands
    for (j = 1; j <= n; j++) if (keys[j] != "skipped" && keys[j] != "text_modules") printf " %s=%d", keys[j], total[keys[j]]
    printf "; text_modules=%d skipped=%d\n", total["text_modules"], total["skipped"]
  }' "$log"
exit $status
