#!/usr/bin/env bash
# demo.sh: set up everything and run the gateway (the README's run command).
#
#   scripts/demo.sh            set up, show traffic through the tunnel, then keep the
#                              gateway running in the foreground until Ctrl-C
#   scripts/demo.sh --once     set up, show, clean up; exit 0 if every step worked
#   options: --skip-setup (do not run scripts/setup-deps.sh), --build-dir DIR (default build)
#
# What it does, as root, on this machine only (network namespaces and veth pairs
# named sgwg-*, no other address is ever contacted):
#   1. scripts/setup-deps.sh (packages, hugepages when the machine allows them)
#   2. builds sstpgw, sstp-client and sstpctl
#   3. makes a root CA, the gateway's server certificate and a client certificate
#      with scripts/sstpgw-certs in a work directory
#   4. creates the namespaces (scripts/netns-gateway.sh): sgwg-client (the remote
#      computer), sgwg-vnet (a VNet host with a web server and an iperf3 server)
#      and sgwg-gw, where sstpgw runs on two net_af_packet ports
#   5. starts sstpgw, trusts the root with `sstpctl cert add`
#   6. connects sstp-client from sgwg-client with a TUN device (EAP-TLS with the
#      client certificate, address from the pool, route to the VNet)
#   7. ping, curl (a 4 MB file, compared), iperf3 both ways through the tunnel,
#      then `sstpctl session list` and `sstpctl stats`
# Any step that fails is named and the script exits 1; the namespaces and every
# process it started are removed on exit (also on Ctrl-C or a failure).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

once=0
skip_setup=0
build=build
while [ $# -gt 0 ]; do
  case "$1" in
    --once) once=1 ;;
    --skip-setup) skip_setup=1 ;;
    --build-dir) build=${2:?--build-dir DIR}; shift ;;
    -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (namespaces, TUN device, DPDK)" >&2; exit 1; }
# One demo per machine: the namespace names are fixed.
exec 9> /run/lock/sstpgw-demo.lock
flock -n 9 || { echo "demo: another scripts/demo.sh is running on this machine" >&2; exit 1; }

prefix=sgwg-
net=10.201                       # client side 10.201.1.0/24, VNet 10.201.2.0/24
gw_ns=${prefix}gw
cns=${prefix}client
vns=${prefix}vnet
server_name=vpn.sstpgw.test
pool=172.16.201.0/24
vnet_host=$net.2.10
work=${SSTPGW_DEMO_DIR:-/tmp/sstpgw-demo}

gw_pid=""
client_pid=""
http_pid=""
iperf_pid=""
tail_pid=""
gw_rc=""
work_made=0

if [ -t 1 ]; then
  say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  say() { printf '\n== %s\n' "$*"; }
fi
fail() {
  echo "demo: FAILED: $*" >&2
  exit 1
}

stop_pid() {  # PID [SIGNAL]: signal it and wait up to 10 s, then SIGKILL
  local pid=$1 sig=${2:-TERM}
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

stop_gateway() {
  [ -n "$gw_pid" ] || return 0
  if kill -0 "$gw_pid" 2>/dev/null; then
    kill -TERM "$gw_pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$gw_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$gw_pid" 2>/dev/null && { echo "demo: sstpgw did not stop within 15 s: killed" >&2; kill -KILL "$gw_pid"; }
  fi
  set +e
  wait "$gw_pid" 2>/dev/null
  gw_rc=$?
  set -e
  gw_pid=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  stop_pid "$tail_pid"
  stop_pid "$client_pid"
  stop_gateway
  [ -n "$gw_rc" ] && echo "demo: sstpgw exited with status $gw_rc"
  stop_pid "$http_pid"
  stop_pid "$iperf_pid"
  "$repo/scripts/netns-gateway.sh" down "$prefix" "$gw_ns"
  [ "$work_made" = 1 ] && echo "demo: logs and certificates are in $work"
  exit "$rc"
}
trap cleanup EXIT
on_signal_rc=130  # interrupted while setting up: a failure; once the gateway runs: a normal stop
trap 'echo; echo "demo: stopping"; exit "$on_signal_rc"' INT TERM

# ------------------------------------------------------------------ 1, 2
if [ "$skip_setup" = 0 ]; then
  say "1. dependencies (scripts/setup-deps.sh)"
  scripts/setup-deps.sh || fail "scripts/setup-deps.sh"
fi
say "2. build ($build)"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" >/dev/null || fail "meson setup $build"
fi
ninja -C "$build" control/gateway/sstpgw control/client/sstp-client control/sstpctl/sstpctl ||
  fail "building sstpgw, sstp-client and sstpctl"
sstpgw=$repo/$build/control/gateway/sstpgw
client=$repo/$build/control/client/sstp-client
ctl() { "$repo/$build/control/sstpctl/sstpctl" --socket "$work/sstpgw.sock" "$@"; }
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3) || fail "python3 (the VNet web server) is not installed"

# ------------------------------------------------------------------ 3
say "3. certificates (scripts/sstpgw-certs) in $work/pki"
# The work directory is emptied only if an earlier demo made it (its marker,
# or the layout of a demo from before the marker).
made_by_demo() { [ -e "$work/.sstpgw-demo" ] || { [ -e "$work/sstpgw.toml" ] && [ -d "$work/pki" ]; }; }
if [ -e "$work" ] && ! made_by_demo && [ -n "$(ls -A "$work" 2>/dev/null)" ]; then
  fail "$work exists and was not made by demo.sh: set SSTPGW_DEMO_DIR to another directory"
fi
rm -rf "$work"
mkdir -p "$work/www" && touch "$work/.sstpgw-demo" || fail "creating the work directory $work"
work_made=1
certs() { scripts/sstpgw-certs --dir "$work/pki" "$@" >/dev/null; }
certs root DemoRoot || fail "sstpgw-certs root"
certs server vpn --dns "$server_name" --ca DemoRoot || fail "sstpgw-certs server"
certs client alice --ca DemoRoot || fail "sstpgw-certs client"
scripts/sstpgw-certs --dir "$work/pki" list || fail "sstpgw-certs list"

# ------------------------------------------------------------------ 4
say "4. namespaces: $cns ($net.1.2) -- $gw_ns (sstpgw) -- $vns ($vnet_host)"
POOL=$pool SERVER_NAME=$server_name scripts/netns-gateway.sh up "$prefix" "$net" "$gw_ns" ||
  fail "creating the namespaces (scripts/netns-gateway.sh)"
head -c 4000000 /dev/urandom > "$work/www/blob.bin" || fail "writing the VNet host's test file"
echo "hello from the VNet host $vnet_host" > "$work/www/index.html"
ip netns exec "$vns" "$python" -m http.server 80 --bind "$vnet_host" --directory "$work/www" \
  > "$work/http.log" 2>&1 9>&- &
http_pid=$!
ip netns exec "$vns" iperf3 -s -B "$vnet_host" > "$work/iperf3-server.log" 2>&1 9>&- &
iperf_pid=$!
served=0
for _ in $(seq 100); do
  if ip netns exec "$vns" curl -s -o /dev/null -m 1 "http://$vnet_host/"; then served=1; break; fi
  kill -0 "$http_pid" 2>/dev/null || break
  sleep 0.1
done
[ "$served" = 1 ] || fail "the VNet web server did not start (log: $work/http.log)"

# ------------------------------------------------------------------ 5
say "5. sstpgw on net_af_packet ports ${prefix}c1 (clients) and ${prefix}v1 (VNet)"
cat > "$work/sstpgw.toml" <<EOF || fail "writing $work/sstpgw.toml"
[gateway]
name = "sstpgw-demo"
server_name = "$server_name"
state_dir = "$work/state"
log_level = "info"

[tls]
certificate = "$work/pki/vpn.chain.pem"
private_key = "$work/pki/vpn.key"

[ppp]
dns_servers = ["$vnet_host"]

[pool]
ranges = ["$pool"]

[vnet]
prefixes = ["$net.2.0/24"]

[dataplane]
workers = 1
hugepages = "auto"
max_sessions = 64

[dataplane.client_port]
device = "net_af_packet0,iface=${prefix}c1"
address = "$net.1.1/24"

[dataplane.vnet_port]
device = "net_af_packet1,iface=${prefix}v1"
address = "$net.2.1/24"

[control]
socket = "$work/sstpgw.sock"
EOF
"$sstpgw" --config "$work/sstpgw.toml" --check-config || fail "sstpgw --check-config"
ip netns exec "$gw_ns" "$sstpgw" --config "$work/sstpgw.toml" > "$work/sstpgw.log" 2>&1 9>&- &
gw_pid=$!
up=0
for _ in $(seq 150); do
  kill -0 "$gw_pid" 2>/dev/null || break
  if ctl status > /dev/null 2>&1; then up=1; break; fi
  sleep 0.1
done
if [ "$up" = 0 ]; then
  tail -n 20 "$work/sstpgw.log" >&2
  fail "sstpgw did not start (log above: $work/sstpgw.log)"
fi
grep -E ' (eal|gateway): ' "$work/sstpgw.log" | sed 's/^[^ ]* //' || true
ctl cert add "$work/pki/DemoRoot.crt" || fail "sstpctl cert add"

# ------------------------------------------------------------------ 6
say "6. sstp-client in $cns: TUN ${prefix}tun0, route $net.2.0/24 through the tunnel"
ip netns exec "$cns" "$client" --server "$server_name" --ca "$work/pki/DemoRoot.crt" \
  --cert "$work/pki/alice.crt" --key "$work/pki/alice.key" --tun "${prefix}tun0" --route "$net.2.0/24" \
  > "$work/client.log" 2>&1 9>&- &
client_pid=$!
connected=0
for _ in $(seq 300); do
  if grep -q '^connected:' "$work/client.log"; then connected=1; break; fi
  kill -0 "$client_pid" 2>/dev/null || break
  sleep 0.1
done
cat "$work/client.log"
if [ "$connected" = 0 ]; then
  set +e
  kill -0 "$client_pid" 2>/dev/null && kill -TERM "$client_pid"
  wait "$client_pid"
  st=$?
  set -e
  client_pid=""
  fail "sstp-client did not connect (exit status $st; see sstp-client --help)"
fi
ip -n "$cns" -br addr show "${prefix}tun0" || fail "the TUN device ${prefix}tun0 is missing"

# ------------------------------------------------------------------ 7
in_client() { ip netns exec "$cns" "$@"; }
say "7a. ping $vnet_host through the tunnel"
in_client ping -c 3 -i 0.3 -W 2 "$vnet_host" || fail "ping through the tunnel"
say "7b. curl http://$vnet_host/ (a 4 MB file, compared with the original)"
in_client curl -sS -m 20 "http://$vnet_host/" || fail "curl index.html through the tunnel"
in_client curl -sS -m 60 -o "$work/blob.downloaded" \
  -w 'downloaded %{size_download} bytes at %{speed_download} bytes/s\n' "http://$vnet_host/blob.bin" ||
  fail "curl blob.bin through the tunnel"
cmp "$work/www/blob.bin" "$work/blob.downloaded" || fail "the downloaded file differs from the original"
echo "identical to the original"
say "7c. iperf3 through the tunnel, 3 s each way"
in_client iperf3 -c "$vnet_host" -t 3 -f m | grep -E 'sender|receiver' || fail "iperf3 client -> VNet"
in_client iperf3 -c "$vnet_host" -t 3 -f m -R | grep -E 'sender|receiver' || fail "iperf3 VNet -> client"

say "sstpctl session list"
ctl session list || fail "sstpctl session list"
say "sstpctl stats (counters that are not zero; per-stage runtime left out)"
ctl stats > "$work/stats.txt" || fail "sstpctl stats"
head -n 1 "$work/stats.txt"
grep -vE '^runtime\.' "$work/stats.txt" | awk 'NR > 1 && $2 != "0"'
echo "(all counters: $work/stats.txt)"

if [ "$once" = 1 ]; then
  say "done: every step worked; stopping"
  stop_pid "$client_pid"
  client_pid=""
  stop_gateway
  [ "$gw_rc" = 0 ] || fail "sstpgw exited with status $gw_rc after SIGTERM"
  exit 0
fi

say "sstpgw is running (log follows). Ctrl-C stops it and removes the namespaces."
cat <<EOF
  try:  sudo ip netns exec $cns ping $vnet_host
        sudo ip netns exec $cns curl http://$vnet_host/
        sudo $build/control/sstpctl/sstpctl --socket $work/sstpgw.sock session list
EOF
on_signal_rc=0
tail -n 0 -f "$work/sstpgw.log" 9>&- &
tail_pid=$!
set +e
wait "$gw_pid"
gw_rc=$?
set -e
gw_pid=""
fail "sstpgw stopped on its own (exit status $gw_rc)"
