// One IPv4 interface (a port's Ethernet/ARP/IPv4/ICMP endpoint) as seen by one
// worker: the layers below TCP for the queue pair this worker owns. Each worker
// has its own iface per port, with its own ARP cache, reassembly table and
// counters; nothing is shared, nothing is locked, nothing is allocated after
// construction.
//
// Input (a burst from the port, data at the Ethernet header) is classified
// first, then processed as homogeneous arrays:
//   ARP        learn / reply; on several workers a read-only copy goes to every
//              other worker (refcount, no copy) so all caches learn;
//   IPv4       validated; not for us (unicast) -> the forward_sink if one is
//              set (the gateway's forwarding path), else dropped; for us -> fragments (to the reassembly table of the
//              worker their address pair hashes to), ICMP (echo replies),
//              TCP (to the burst_sink, on the owner worker), UDP/other
//              (rate-limited ICMP unreachable); anything else dropped;
//   drop       freed in bulk, each with one named counter.
// Flow ownership: a TCP flow belongs to the worker whose queue
// queue_of(toeplitz(key, 4-tuple), reta) names, the port's own mapping where the
// port does RSS (then a packet is already on its owner unless it was
// reassembled) and the same function in software where it does not (af_packet):
// the receiving worker hands the packet to the owner (handoff_sink).
//
// Output (IPv4 packets from TCP or our own ICMP): next hop on the connected
// subnet or the configured gateway, ARP (packets wait in a bounded per-next-hop
// queue while unresolved), fragmentation above the MTU unless DF, Ethernet
// header, then the worker's TX buffer for the queue.
//
// Time is a parameter (microseconds); `input` and `run_timers` record it for
// the output path.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/common/counters.hh"
#include "dataplane/eal/rss.hh"
#include "dataplane/eal/sizing.hh"
#include "dataplane/eal/tx_buffer.hh"
#include "dataplane/net/arp_table.hh"
#include "dataplane/net/counters.hh"
#include "dataplane/net/ether.hh"
#include "dataplane/net/icmp.hh"
#include "dataplane/net/ipv4.hh"
#include "dataplane/net/packet_io.hh"
#include "dataplane/net/reassembly.hh"

namespace sstpgw::net {

struct iface_config {
  uint16_t port_id = 0;
  mac_addr mac;
  ipv4_subnet address;   // our address and the connected prefix
  uint32_t gateway = 0;  // next hop off the subnet; 0: none
  uint16_t mtu = 1500;
  rte_mempool* pool = nullptr;  // for ARP, ICMP errors and fragments we build
  // Port capabilities, for TCP (packet_io.hh) and the input path.
  bool tx_checksum_offload = false;
  bool rx_checksum = false;
  bool multi_seg_tx = false;  // the port sends mbuf chains; otherwise chains are linearized
  // Flow ownership.
  uint16_t worker = 0;  // our queue index on this port
  uint16_t n_workers = 1;
  bool hardware_steering = false;  // the port's RSS already delivers TCP flows to their owner
  std::vector<uint8_t> rss_key;    // empty: eal::kSymmetricRssKey
  std::vector<uint16_t> reta;      // empty: i % n_workers over 128 entries
  // Gratuitous ARP at start, from one worker per port only.
  bool arp_speaker = true;
  uint8_t gratuitous_count = 1;
  uint64_t gratuitous_interval_us = 1'000'000;
  arp_config arp;
  reassembly_config reassembly;
  uint64_t arp_scan_us = 10'000;     // ARP timer granularity
  uint32_t unreachable_per_s = 100;  // ICMP destination-unreachable rate limit
  uint32_t unreachable_burst = 10;
};

class iface {
 public:
  // Fragments we produce for one packet, at most (64 KiB at a 1280-byte MTU).
  static constexpr uint16_t kMaxOutputFragments = 64;

  // Throws std::invalid_argument on a config that cannot work.
  iface(const iface_config& cfg, eal::tx_buffer& tx);
  iface(const iface&) = delete;
  iface& operator=(const iface&) = delete;

  void set_tcp_sink(burst_sink s) { tcp_ = s; }
  void set_handoff(handoff_sink s) { handoff_ = s; }
  void set_forward_sink(forward_sink s) { forward_ = s; }

  // A burst from the port (data at the Ethernet header). Takes all packets.
  // from_handoff: packets another worker handed to us (never handed on again;
  // ARP copies among them are learned from, never answered).
  void input(rte_mbuf** pkts, uint16_t n, uint64_t now, bool from_handoff = false);

  // IPv4 packets to send (packet_io.hh contract). Takes the first k packets
  // (sent, queued for ARP, or dropped and counted) and returns k; k < n only
  // when the TX buffer is full even after a flush: the caller keeps the rest
  // (TCP offers them again, a forwarder drops and counts them).
  uint16_t output(rte_mbuf** pkts, uint16_t n);
  burst_sink output_sink() { return {&output_thunk, this}; }

  // Gratuitous ARP (when arp_speaker); call once when the port is up.
  void start(uint64_t now);
  // ARP retries/aging, reassembly timeouts, pending announcements.
  void run_timers(uint64_t now);
  void set_now(uint64_t now) { now_ = now; }

  // The worker owning a TCP flow as seen in a packet received on this port.
  uint16_t tcp_owner(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport) const;
  uint16_t fragment_owner(uint32_t src, uint32_t dst) const;

  // The source address for a packet we originate to dst (TCP writes it into
  // its IPv4 header): our address if dst is reachable through this interface
  // (connected or via the gateway), 0 otherwise.
  uint32_t source_for(uint32_t dst) const { return next_hop(dst) ? cfg_.address.addr : 0; }

  const iface_config& config() const { return cfg_; }
  uint32_t address() const { return cfg_.address.addr; }
  const arp_table& arp() const { return arp_; }
  arp_table& arp() { return arp_; }
  const ipv4_reassembly& reassembly() const { return reasm_; }
  const counter_set<ether_counter>& ether_counters() const { return ether_; }
  const counter_set<arp_counter>& arp_counters() const { return arpc_; }
  const counter_set<ipv4_counter>& ipv4_counters() const { return ip_; }
  const counter_set<icmp_counter>& icmp_counters() const { return icmp_; }

 private:
  static uint16_t output_thunk(void* ctx, rte_mbuf** pkts, uint16_t n) {
    return static_cast<iface*>(ctx)->output(pkts, n);
  }
  uint16_t next_ip_id() {
    // Workers interleave IDs so two workers never reuse one for the same peer.
    ip_id_ = static_cast<uint16_t>(ip_id_ + cfg_.n_workers);
    return ip_id_;
  }

  // input stages (iface_input.cc)
  void input_chunk(rte_mbuf** pkts, uint16_t n, bool from_handoff);
  void arp_input(rte_mbuf** pkts, uint16_t n, bool from_handoff);
  void arp_one(rte_mbuf* m, bool from_handoff);
  void icmp_input(rte_mbuf** pkts, uint16_t n);
  void unreachable(rte_mbuf** pkts, uint16_t n, const uint8_t* codes);

  // output (iface_output.cc)
  uint32_t next_hop(uint32_t dst) const;
  void send_resolved(rte_mbuf* m, const mac_addr& dst);
  void send_via(rte_mbuf* m, uint32_t next_hop);
  void fragment_and_send(rte_mbuf* m, uint32_t next_hop);
  void send_arp(uint16_t op, const mac_addr& eth_dst, const mac_addr& tha, uint32_t tpa);

  iface_config cfg_;
  eal::tx_buffer& tx_;
  burst_sink tcp_{};
  handoff_sink handoff_{};
  forward_sink forward_{};
  arp_table arp_;
  ipv4_reassembly reasm_;
  eal::toeplitz_table rss_;
  std::vector<uint16_t> reta_;
  icmp_rate_limiter unreach_limit_;
  uint64_t now_ = 0;
  uint64_t next_arp_scan_ = 0;
  uint64_t next_garp_ = 0;
  uint8_t garp_left_ = 0;
  uint16_t ip_id_;
  counter_set<ether_counter> ether_;
  counter_set<arp_counter> arpc_;
  counter_set<ipv4_counter> ip_;
  counter_set<icmp_counter> icmp_;
};

}  // namespace sstpgw::net
