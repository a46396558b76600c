// The layers under TCP for the kernel-peer tests, from dataplane/: one
// eal::port (net_af_packet on a veth) with one queue, a net::iface (Ethernet,
// ARP, IPv4, ICMP) and its TX buffer, driven on the test's thread, with the
// impairment stage optionally in both directions (on whole frames in, on IPv4
// packets out).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dataplane/eal/port.hh"
#include "dataplane/eal/tx_buffer.hh"
#include "dataplane/net/iface.hh"
#include "dataplane/net/impairment.hh"
#include "dataplane/net/tcp/stack.hh"

namespace sstpgw::tcp::testing {

class net_link {
 public:
  // EAL with the vdev and the port, once per process (the port outlives tests).
  static void start(const std::string& vdev);
  static void stop();
  static bool tx_checksum_offload();

  net_link(uint32_t our_ip, rte_mempool* pool);
  ~net_link();

  net::burst_sink tx_sink() { return net::burst_sink{&net_link::tx_fn, this}; }
  void attach(stack* s) { stack_ = s; }
  void poll(uint64_t now_ns);
  void set_impairment(const net::impairment_config& in, const net::impairment_config& out);
  const net::iface& iface() const { return *iface_; }

 private:
  static uint16_t tx_fn(void* ctx, rte_mbuf** pkts, uint16_t n);
  static uint16_t tcp_fn(void* ctx, rte_mbuf** pkts, uint16_t n);

  rte_mempool* pool_;
  std::unique_ptr<eal::tx_buffer> tx_;
  std::unique_ptr<net::iface> iface_;
  stack* stack_ = nullptr;
  std::unique_ptr<net::impairment> rx_imp_, tx_imp_;
  uint64_t now_ = 0;
};

}  // namespace sstpgw::tcp::testing
