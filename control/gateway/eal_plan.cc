#include "control/gateway/eal_plan.hh"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "dataplane/common/log.hh"
#include "dataplane/eal/mempool.hh"
#include "dataplane/eal/sizing.hh"
#include "dataplane/rings/handoff.hh"

namespace sstpgw::gateway {

namespace {

bool hex_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// "0000:3b:00.0" or "3b:00.0" (domain, bus, device, function).
bool is_pci_address(std::string_view s) {
  const size_t dot = s.rfind('.');
  if (dot == std::string_view::npos || dot + 2 != s.size() || s[dot + 1] < '0' || s[dot + 1] > '7')
    return false;
  std::string_view head = s.substr(0, dot);
  const size_t c2 = head.rfind(':');
  if (c2 == std::string_view::npos) return false;
  if (head.size() - c2 - 1 != 2 || !hex_digits(head.substr(c2 + 1))) return false;  // device
  head = head.substr(0, c2);
  const size_t c1 = head.rfind(':');
  const std::string_view bus = c1 == std::string_view::npos ? head : head.substr(c1 + 1);
  if (bus.size() != 2 || !hex_digits(bus)) return false;
  if (c1 == std::string_view::npos) return true;
  const std::string_view domain = head.substr(0, c1);
  return domain.size() == 4 && hex_digits(domain);
}

// The value of `key=` in a vdev's comma-separated arguments, if present.
std::optional<std::string_view> vdev_arg(std::string_view args, std::string_view key) {
  size_t pos = 0;
  while (pos <= args.size()) {
    size_t end = args.find(',', pos);
    if (end == std::string_view::npos) end = args.size();
    const std::string_view kv = args.substr(pos, end - pos);
    if (kv.size() > key.size() && kv.substr(0, key.size()) == key && kv[key.size()] == '=')
      return kv.substr(key.size() + 1);
    pos = end + 1;
  }
  return std::nullopt;
}

uint32_t to_u32(std::string_view s, bool& ok) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  ok = ec == std::errc() && p == s.data() + s.size();
  return v;
}

[[noreturn]] void bad_device(std::string_view which, const std::string& device, const std::string& why) {
  throw config::config_error(fmt::format("[dataplane.{}] device \"{}\": {}", which, device, why));
}

// Mbufs of one port's pool by the formula in mempool.hh, as eal::port will size it.
uint32_t port_pool_mbufs(uint32_t workers, uint32_t extra) {
  eal::mempool_sizing sz;
  sz.rx_queues = workers;
  sz.tx_queues = workers;
  sz.lcores = workers + 1;
  sz.handoff_slots = workers * (workers - 1) * rings::handoff_mesh::kDefaultRingSize;
  sz.reassembly_mbufs = workers * 256;
  sz.arp_pending_mbufs = workers * 256 * 8;
  sz.extra = extra;
  return sz.total();
}

}  // namespace

port_device plan_port_device(std::string_view which, const std::string& device, uint32_t workers) {
  port_device d;
  if (device.empty()) bad_device(which, device, "empty");
  if (device.find_first_of(" \t\n") != std::string::npos) bad_device(which, device, "contains white space");
  if (is_pci_address(device)) {
    d.pci = true;
    d.name = device.size() == 7 ? "0000:" + device : device;
    d.argument = d.name;
    return d;
  }
  const size_t comma = device.find(',');
  d.name = device.substr(0, comma);
  if (d.name.rfind("net_", 0) != 0)
    bad_device(which, device,
               "neither a PCI address (0000:3b:00.0) nor a DPDK vdev (net_af_packet0,iface=eth1)");
  d.argument = device;
  const std::string_view args =
      comma == std::string::npos ? std::string_view() : std::string_view(device).substr(comma + 1);
  if (d.name.rfind("net_af_packet", 0) == 0) {
    if (!vdev_arg(args, "iface")) bad_device(which, device, "net_af_packet needs iface=<interface>");
    if (auto q = vdev_arg(args, "qpairs")) {
      bool ok = false;
      if (to_u32(*q, ok) != workers || !ok)
        bad_device(which, device,
                   fmt::format(
                       "qpairs={} but [dataplane] workers = {} (one queue pair per worker; leave qpairs out)",
                       *q, workers));
    } else {
      d.argument += fmt::format(",qpairs={}", workers);
    }
    if (auto f = vdev_arg(args, "framesz")) {
      bool ok = false;
      d.max_rx_frame = to_u32(*f, ok);
      if (!ok || d.max_rx_frame < 1024 || d.max_rx_frame > 16384)
        bad_device(which, device, "framesz must be 1024..16384");
    }
  }
  return d;
}

pool_plan plan_pools(const config::gateway_config& cfg) {
  pool_plan p;
  const uint32_t w = cfg.workers;
  p.sessions_per_worker = (cfg.max_sessions + w - 1) / w;
  // What upper layers hold per port beyond the formula's fixed terms: TCP send
  // and out-of-order queues and records in flight (client port), client
  // packets copied for the VNet and stashed VNet packets (VNet port). Bounded
  // per session by what a busy session keeps in flight (~16 segments), for at
  // most 256 busy sessions per worker at once, plus a common reserve.
  p.extra_mbufs_per_port = w * std::min<uint32_t>(p.sessions_per_worker, 256) * 16 + 2048;
  // The control channel carries handshake flights, HTTP and PPP control
  // packets: small and bursty. 4 Ki per direction per worker covers a storm of
  // simultaneous handshakes; a shortage closes the session it hits, never more.
  p.channel_mbufs = 4095;
  p.channel_messages = 8191;

  const uint64_t mbuf_bytes = 2048 + RTE_PKTMBUF_HEADROOM + 256;  // data room + mbuf header + pool overhead
  const uint64_t ports = 2 * uint64_t{port_pool_mbufs(w, p.extra_mbufs_per_port)} * mbuf_bytes;
  const uint64_t channels =
      uint64_t{w} * 2 * (uint64_t{p.channel_mbufs} * mbuf_bytes + uint64_t{p.channel_messages} * 512);
  // ipsec-mb managers, rings, TCP tables, the record coalescing buffers
  // (64 x ~19 KiB per worker) and DPDK's own heap.
  const uint64_t rest = 64ull << 20;
  const uint64_t total = ports + channels + rest;
  p.memory_mb = static_cast<unsigned>(((total + (total >> 2)) >> 20) / 32 * 32 + 32);
  return p;
}

eal::eal_config plan_eal(const config::gateway_config& cfg, const pool_plan& pools) {
  eal::eal_config e;
  e.program_name = "sstpgw";
  e.n_lcores = cfg.workers + 1;
  if (cfg.hugepages == "on")
    e.hugepages = eal::hugepage_mode::require;
  else if (cfg.hugepages == "off")
    e.hugepages = eal::hugepage_mode::never;
  else
    e.hugepages = eal::hugepage_mode::detect;
  e.memory_mb = pools.memory_mb;
  for (const auto* p : {&cfg.client_port, &cfg.vnet_port}) {
    const std::string_view which = p == &cfg.client_port ? "client_port" : "vnet_port";
    const port_device d = plan_port_device(which, p->device, cfg.workers);
    auto& list = d.pci ? e.pci_devices : e.vdevs;
    if (std::find(list.begin(), list.end(), d.argument) != list.end())
      throw config::config_error("[dataplane] client_port and vnet_port name the same device \"" + p->device +
                                 "\"");
    list.push_back(d.argument);
  }
  if (plan_port_device("client_port", cfg.client_port.device, cfg.workers).name ==
      plan_port_device("vnet_port", cfg.vnet_port.device, cfg.workers).name)
    throw config::config_error("[dataplane] client_port and vnet_port name the same device");
  // DPDK's own log: only what matters unless the gateway logs at debug.
  e.log_level = cfg.log_level == "debug" ? "info" : "warning";
  e.extra_args = cfg.eal_args;
  return e;
}

}  // namespace sstpgw::gateway
