// Test support: one worker's layers on one port queue, wired as the gateway
// wires them: the queue (an eal::queue_io a test may wrap, e.g. with
// impaired_queue) -> net::iface (Ethernet, ARP, IPv4) -> tcp::stack, output
// from the stack through the iface into an eal::tx_buffer. run_once() is one
// iteration of the run-to-completion loop, shaped like the worker's
// (dataplane/worker/poll_loop.hh):
//
//   rx burst -> iface input (TCP sink: stack input) -> stack poll (output:
//   iface -> tx buffer, which sends every full burst at once) -> every drain
//   interval: iface timers (ARP, reassembly) and tx flush
//
// Everything here belongs to the lcore that calls run_once(); construct and
// destroy it on the main lcore while that lcore is not running.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "dataplane/eal/port.hh"
#include "dataplane/eal/sizing.hh"
#include "dataplane/eal/tx_buffer.hh"
#include "dataplane/net/iface.hh"
#include "dataplane/net/tcp/stack.hh"

namespace sstpgw::tcp::testing {

struct ring_host_config {
  uint32_t ip = 0;  // host byte order
  uint8_t prefix_len = 24;
  std::array<uint8_t, 6> mac{};  // all zero: the port's own
  net::arp_config arp;
  // TCP; pool (default: the port's queue pool) and tx are filled in.
  stack_config tcp;
  uint32_t drain_us = eal::kTxDrainUs;  // iface timers and partial bursts
};

class ring_host {
 public:
  ring_host(eal::port& port, const ring_host_config& cfg, const stack_events& events, uint64_t now_ns);
  ~ring_host();
  ring_host(const ring_host&) = delete;
  ring_host& operator=(const ring_host&) = delete;

  // Where the loop receives from and transmits to (default: the port's queue 0).
  void set_io(eal::queue_io io) {
    io_ = io;
    tx_->set_io(io);
  }
  // One loop iteration at now_ns; returns the packets received.
  uint16_t run_once(uint64_t now_ns);

  tcp::stack& stack() { return *stack_; }
  net::iface& iface() { return *iface_; }
  eal::tx_buffer& tx() { return *tx_; }
  uint64_t now_ns() const { return now_ns_; }

 private:
  static uint16_t to_tcp(void* ctx, rte_mbuf** pkts, uint16_t n);

  eal::queue_io io_;
  std::unique_ptr<eal::tx_buffer> tx_;
  std::unique_ptr<net::iface> iface_;
  std::unique_ptr<tcp::stack> stack_;
  uint64_t now_ns_ = 0;
  uint64_t drain_ns_;
  uint64_t next_drain_ = 0;
};

}  // namespace sstpgw::tcp::testing
