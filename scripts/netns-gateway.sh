#!/usr/bin/env bash
# netns-gateway.sh: the virtual network around an sstpgw on net_af_packet ports.
#
#   [ client netns ]                 [ gateway ]                  [ VNet netns ]
#    <P>c0 10.x.1.2/24 ==veth== <P>c1 (af_packet)   (af_packet) <P>v1 ==veth== <P>v0 10.x.2.10/24
#                                    client port        VNet port       route to the pool via the gateway
#
# The gateway's ends (<P>c1, <P>v1) stay in the namespace the gateway runs in
# (the root namespace, or GW_NS), without addresses: DPDK reads and writes
# their frames. Kernel offloads are off on every veth end, so af_packet sees
# frames as a wire would carry them (full checksums, no GSO/GRO super-frames).
#
#   netns-gateway.sh up   PREFIX NET [GW_NS]   e.g.  up sgwg- 10.201   (client 10.201.1.0/24, VNet 10.201.2.0/24)
#   netns-gateway.sh down PREFIX [GW_NS]       removes namespaces and links (also a previous run's leftovers)
#
# Namespaces: <P>client, <P>vnet. /etc/netns/<P>client/hosts maps SERVER_NAME
# (default vpn.sstpgw.test) to the gateway's client-side address, so clients
# dial the name on the certificate. POOL (default 172.16.201.0/24) is routed
# from the VNet host through the gateway.
set -euo pipefail

cmd=${1:-}
prefix=${2:-}
[ -n "$cmd" ] && [ -n "$prefix" ] || {
  echo "usage: netns-gateway.sh up PREFIX NET [GW_NS] | down PREFIX [GW_NS]" >&2
  exit 2
}
case "$prefix" in
  sgw*) ;;
  *) echo "netns-gateway.sh: PREFIX must start with sgw (got '$prefix')" >&2; exit 2 ;;
esac
server_name=${SERVER_NAME:-vpn.sstpgw.test}
pool=${POOL:-172.16.201.0/24}

in_gw() {
  if [ -n "${gw_ns:-}" ]; then ip netns exec "$gw_ns" "$@"; else "$@"; fi
}

offloads_off() {  # NS IFACE ("" = gateway's namespace)
  local ns=$1 ifc=$2
  if [ -n "$ns" ]; then
    ip netns exec "$ns" ethtool -K "$ifc" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
  else
    in_gw ethtool -K "$ifc" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
  fi
}

down() {
  gw_ns=${1:-}
  ip netns del "${prefix}client" 2>/dev/null || true
  ip netns del "${prefix}vnet" 2>/dev/null || true
  for l in "${prefix}c1" "${prefix}v1"; do in_gw ip link del "$l" 2>/dev/null || true; done
  if [ -n "$gw_ns" ]; then ip netns del "$gw_ns" 2>/dev/null || true; fi
  rm -rf "/etc/netns/${prefix}client"
}

up() {
  local net=$1
  gw_ns=${2:-}
  down "$gw_ns"
  local cns="${prefix}client" vns="${prefix}vnet"
  ip netns add "$cns"
  ip netns add "$vns"
  if [ -n "$gw_ns" ]; then ip netns add "$gw_ns"; ip -n "$gw_ns" link set lo up; fi
  local gw_where=()
  [ -n "$gw_ns" ] && gw_where=(netns "$gw_ns")
  ip link add "${prefix}c1" "${gw_where[@]}" type veth peer name "${prefix}c0" netns "$cns"
  ip link add "${prefix}v1" "${gw_where[@]}" type veth peer name "${prefix}v0" netns "$vns"
  for l in "${prefix}c1" "${prefix}v1"; do
    in_gw sysctl -qw "net.ipv6.conf.$l.disable_ipv6=1"
    in_gw ip link set "$l" up
    offloads_off "" "$l"
  done
  for ns in "$cns" "$vns"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
  done
  ip -n "$cns" addr add "$net.1.2/24" dev "${prefix}c0"
  ip -n "$cns" link set "${prefix}c0" up
  offloads_off "$cns" "${prefix}c0"
  ip -n "$vns" addr add "$net.2.10/24" dev "${prefix}v0"
  ip -n "$vns" link set "${prefix}v0" up
  offloads_off "$vns" "${prefix}v0"
  ip -n "$vns" route add "$pool" via "$net.2.1"
  mkdir -p "/etc/netns/$cns"
  printf '127.0.0.1 localhost\n%s.1.1 %s\n' "$net" "$server_name" > "/etc/netns/$cns/hosts"
}

case "$cmd" in
  up) up "${3:?NET, e.g. 10.201}" "${4:-}" ;;
  down) down "${3:-}" ;;
  *) echo "netns-gateway.sh: unknown command '$cmd'" >&2; exit 2 ;;
esac
