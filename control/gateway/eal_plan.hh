// What the gateway asks of DPDK, decided from the configuration alone (pure,
// testable without EAL): the EAL arguments (lcores = workers + the main
// lcore, hugepages auto|on|off, PCI devices and vdevs from the ports' device
// strings, memory for the pools), and per port how it is found and set up.
//
// A port's `device` is either a PCI address ("0000:3b:00.0", "3b:00.0") or a
// DPDK vdev with its arguments ("net_af_packet0,iface=eth1"). For
// net_af_packet the queue pairs are the gateway's business: `qpairs=<workers>`
// is added when absent and refused when it disagrees, and the port takes
// frames up to the vdev's `framesz` (the kernel's fanout reassembles IPv4).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "control/config/gateway_config.hh"
#include "dataplane/eal/eal.hh"

namespace sstpgw::gateway {

struct port_device {
  bool pci = false;
  std::string name;           // what rte_eth_dev_get_port_by_name knows: "net_af_packet0", "0000:3b:00.0"
  std::string argument;       // the EAL argument: the vdev string (qpairs added) or the PCI address
  uint32_t max_rx_frame = 0;  // eal::port_config::max_rx_frame (0: MTU-sized)
};

// Throws config::config_error naming the port ("[dataplane.client_port] device ...").
port_device plan_port_device(std::string_view which, const std::string& device, uint32_t workers);

// Memory (MiB) the gateway's pools need, with room for DPDK's own.
struct pool_plan {
  uint32_t sessions_per_worker = 0;  // ceil(max_sessions / workers)
  uint32_t extra_mbufs_per_port = 0;
  uint32_t channel_mbufs = 0;     // per direction per worker
  uint32_t channel_messages = 0;  // per direction per worker
  unsigned memory_mb = 0;
};
pool_plan plan_pools(const config::gateway_config& cfg);

// The EAL configuration. Throws config::config_error.
eal::eal_config plan_eal(const config::gateway_config& cfg, const pool_plan& pools);

}  // namespace sstpgw::gateway
