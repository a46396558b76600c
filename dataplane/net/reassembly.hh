// IPv4 fragment reassembly (RFC 791, RFC 815 hole logic simplified by refusing
// overlaps) for datagrams addressed to the gateway, within strict bounds:
//   - at most max_datagrams in progress (a new one evicts the oldest),
//   - at most max_fragments per datagram and max_held fragments in total,
//   - at most max_size bytes per reassembled datagram,
//   - an incomplete datagram is dropped timeout_us after its first fragment.
// Overlaps: an exact duplicate fragment is dropped alone; any other overlap
// drops the whole datagram (as Linux does since FragmentSmack; RFC 5722 for
// IPv6), so no byte is ever chosen between two versions.
//
// The result is an mbuf chain: the first fragment's mbuf, its header rewritten
// (total length, no fragment bits, checksum), followed by the other fragments'
// payloads as segments. All memory is allocated at construction.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <memory>

#include "dataplane/common/counters.hh"
#include "dataplane/net/counters.hh"
#include "dataplane/net/ipv4.hh"

namespace sstpgw::net {

struct reassembly_config {
  uint16_t max_datagrams = 8;
  uint16_t max_fragments = 48;  // 64 KiB at MTU 1500 needs 45
  uint32_t max_size = kIpv4MaxTotal;
  uint32_t max_held = 256;           // mbufs the table may hold in total
  uint64_t timeout_us = 30'000'000;  // Linux's ipfrag_time
};

class ipv4_reassembly {
 public:
  explicit ipv4_reassembly(const reassembly_config& cfg);
  ~ipv4_reassembly();  // frees held fragments
  ipv4_reassembly(const ipv4_reassembly&) = delete;
  ipv4_reassembly& operator=(const ipv4_reassembly&) = delete;

  // Takes a fragment (data at its IPv4 header, already validated into h and
  // trimmed to h.total_length). Returns the complete datagram when this fragment
  // finished one, else nullptr; either way the table owns m from now on.
  rte_mbuf* insert(rte_mbuf* m, const ipv4_info& h, uint64_t now);

  // Drops datagrams older than the timeout.
  void run_timers(uint64_t now);

  uint32_t held() const { return held_; }
  uint32_t in_progress() const { return active_; }
  const counter_set<reassembly_counter>& counters() const { return counters_; }
  const reassembly_config& config() const { return cfg_; }

 private:
  struct fragment {
    uint32_t offset;
    uint16_t length;
    uint8_t header_len;
    rte_mbuf* m;
  };
  struct datagram {
    bool used = false;
    uint32_t src = 0, dst = 0;
    uint16_t id = 0;
    uint8_t protocol = 0;
    uint16_t n = 0;
    uint32_t total = 0;     // payload length, known once the last fragment arrived
    uint32_t received = 0;  // payload bytes held
    uint64_t first = 0;
  };

  fragment* frags(uint32_t slot) { return frags_.get() + size_t{slot} * cfg_.max_fragments; }
  void release(uint32_t slot);  // frees the fragments and the slot
  rte_mbuf* complete(uint32_t slot);
  void drop(rte_mbuf* m, reassembly_counter why) {
    rte_pktmbuf_free(m);
    counters_.add(why);
  }

  reassembly_config cfg_;
  std::unique_ptr<datagram[]> slots_;
  std::unique_ptr<fragment[]> frags_;
  uint32_t held_ = 0;
  uint32_t active_ = 0;
  counter_set<reassembly_counter> counters_;
};

}  // namespace sstpgw::net
