#!/usr/bin/env bash
# Sets up everything and runs what the gateway has so far: the README's run command.
# The full gateway (SSTP over the DPDK data plane on virtual devices) is not built
# yet; until it is, this builds the project and runs the TLS record engine's
# benchmark against raw ipsec-mb and OpenSSL, and says so plainly.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh
if [ -f build/build.ninja ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
meson compile -C build -j "$(nproc)"

echo
echo "sstpgw: the gateway binary is not built yet (see README, 'Status')."
if [ -x build/perf/perf_tls_record ]; then
  echo "Running the TLS record engine benchmark (record engine vs raw ipsec-mb vs OpenSSL):"
  build/perf/perf_tls_record --benchmark_min_time=0.2
else
  echo "Nothing runnable yet: the TLS record engine benchmark has not landed."
  exit 1
fi
