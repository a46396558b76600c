#!/usr/bin/env bash
# Installs everything sstpgw needs to build, test and run its demo on Debian 12,
# and prepares hugepages for DPDK when the machine allows it. Idempotent: a second
# run installs nothing and changes nothing.
#
#   scripts/setup-deps.sh            packages + hugepages
#   scripts/setup-deps.sh --no-huge  packages only (DPDK then runs with --no-huge)
set -euo pipefail

want_huge=1
[ "${1:-}" = "--no-huge" ] && want_huge=0

packages=(
  # build
  build-essential g++ clang meson ninja-build pkg-config
  libdpdk-dev dpdk libipsec-mb-dev libssl-dev openssl libnuma-dev libpcap-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  libclang-rt-14-dev
  # tests: real peers and judges on network namespaces
  iproute2 iputils-ping ethtool procps kmod tshark iperf3 socat ncat curl python3
  ppp sstp-client iputils-arping
)

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-deps: run as root (it installs packages and configures hugepages)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup-deps: all ${#packages[@]} packages present"
fi

# Hugepages: 2 MiB pages, enough for the demo and the tests (256 MiB). Where the
# kernel or the container refuses, DPDK falls back to --no-huge (the EAL helper in
# dataplane/eal decides at start from /proc/meminfo), so this is best effort.
if [ "$want_huge" = 1 ]; then
  pages_wanted=128
  have=$(awk '/^HugePages_Total:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)
  if [ "${have:-0}" -lt "$pages_wanted" ]; then
    echo "$pages_wanted" > /proc/sys/vm/nr_hugepages 2>/dev/null || true
  fi
  if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
    mkdir -p /dev/hugepages
    mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
  fi
  have=$(awk '/^HugePages_Total:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)
  if [ "${have:-0}" -gt 0 ] && grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
    echo "setup-deps: hugepages ready (${have} x 2 MiB)"
  else
    echo "setup-deps: hugepages unavailable here; DPDK will run with --no-huge"
  fi
fi
