#!/usr/bin/env bash
# run_fuzz.sh EXE CORPUS SECONDS MODE
# MODE=libfuzzer: fuzz for SECONDS on a scratch copy of CORPUS (the checked-in corpus is
#                 never written); new crashing inputs are kept in the build's fuzz-crashes/.
# MODE=replay:    EXE is a replay build; it replays CORPUS and mutates it for SECONDS.
set -euo pipefail
exe=$1 corpus=$2 seconds=$3 mode=$4
if [ "$mode" = libfuzzer ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  crashes="$(dirname "$exe")/fuzz-crashes"
  mkdir -p "$crashes"
  exec "$exe" -max_total_time="$seconds" -rss_limit_mb=2048 -artifact_prefix="$crashes/" \
    "$scratch" "$corpus"
fi
exec "$exe" --seconds "$seconds" "$corpus"
