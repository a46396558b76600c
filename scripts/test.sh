#!/usr/bin/env bash
# Sets up everything and runs every test suite: the README's test command and the
# only thing CI runs.
#
#   scripts/test.sh           deps, a -Werror build with all suites (unit, integration,
#                             fuzz), then the same suites under ASan+UBSan
#   scripts/test.sh --quick   skip the sanitizer pass
#
# Integration tests create and remove their own network namespaces, so run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[ "${1:-}" = "--quick" ] && quick=1

scripts/setup-deps.sh

jobs=$(nproc)
suites=(--suite unit --suite integration --suite fuzz)

# configure DIR [meson options...]: set up a build dir once, reconfigure after.
configure() {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

run_suites() {
  local dir=$1
  echo "== build $dir"
  meson compile -C "$dir" -j "$jobs"
  echo "== test $dir"
  meson test -C "$dir" "${suites[@]}" --print-errorlogs --num-processes "$jobs"
}

configure build -Dwerror=true -Dbuildtype=debugoptimized
run_suites build

if [ "$quick" = 0 ]; then
  # UBSan must fail a test, not just print; ASan checks leaks too.
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  configure build-asan -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined \
    -Db_lundef=false -Dperf=disabled
  run_suites build-asan
fi
echo "== all suites passed"
