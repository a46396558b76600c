// Test-only link layer for the kernel-peer tests: one net_af_packet port on a
// veth, Ethernet in and out, ARP for the one peer, IPv4 checks, and the
// impairment stage in both directions. It stands in for the dpdk-net layer
// (dataplane/net) until that is in main; the TCP stack sees exactly what
// packet_io.hh promises either way.
#pragma once

#include <rte_ethdev.h>
#include <rte_ether.h>

#include <cstdint>
#include <memory>
#include <string>

#include "dataplane/net/impairment.hh"
#include "dataplane/net/tcp/stack.hh"

namespace sstpgw::tcp::testing {

class port_shim {
 public:
  // Initialises the EAL (once per process) with an af_packet vdev on iface.
  static void init_eal(const std::string& iface);

  port_shim(uint32_t our_ip, uint32_t peer_ip, rte_mempool* pool);
  ~port_shim();

  net::burst_sink tx_sink() { return net::burst_sink{&port_shim::tx_fn, this}; }
  void attach(stack* s) { stack_ = s; }
  // Receives a burst, answers ARP, hands IPv4 to the stack, polls it.
  void poll(uint64_t now);
  void set_impairment(const net::impairment_config& in, const net::impairment_config& out);
  bool peer_known() const { return peer_known_; }
  void send_arp_request();
  const net::impairment* rx_impairment() const { return rx_imp_.get(); }

 private:
  static uint16_t tx_fn(void* ctx, rte_mbuf** pkts, uint16_t n);
  void handle_arp(rte_mbuf* m);
  void transmit(rte_mbuf** pkts, uint16_t n);

  uint16_t port_ = 0;
  rte_mempool* pool_;
  uint32_t our_ip_, peer_ip_;
  rte_ether_addr our_mac_{}, peer_mac_{};
  bool peer_known_ = false;
  stack* stack_ = nullptr;
  std::unique_ptr<net::impairment> rx_imp_, tx_imp_;
  uint64_t now_ = 0;
};

}  // namespace sstpgw::tcp::testing
