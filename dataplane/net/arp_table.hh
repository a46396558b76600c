// The ARP cache of one interface on one worker: a bounded table of next hops
// with aging, requests retried with exponential spacing, and a bounded queue of
// packets per next hop waiting for resolution. All memory is allocated at
// construction; lookups, learning and timers allocate nothing.
//
// Entry life (times in microseconds, passed in):
//   incomplete  created by a packet to an unknown next hop; the caller sends a
//               request now; retried at +retry, +2*retry, +4*retry, ...; after
//               max_requests unanswered requests the entry and its queue go.
//   reachable   MAC known and confirmed by an ARP message within reachable_us.
//   stale       MAC still used; the first use starts a probe (requests as
//               above); a reply makes it reachable again, no reply removes it.
//               A stale entry nobody uses for another reachable_us ages out.
// A full table evicts the least recently confirmed resolved entry; if every
// entry is incomplete the new next hop is refused.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dataplane/common/counters.hh"
#include "dataplane/net/ether.hh"

namespace sstpgw::net {

struct arp_config {
  uint32_t max_entries = 256;
  uint16_t pending_per_entry = 8;      // packets queued per unresolved next hop
  uint64_t reachable_us = 60'000'000;  // confirmation lifetime
  uint64_t retry_us = 1'000'000;       // first retry spacing, doubled each time
  uint8_t max_requests = 4;            // requests before giving up
};

#define SSTPGW_ARP_TABLE_COUNTERS(X)                                   \
  X(created, "next-hop entries created")                               \
  X(resolved, "incomplete entries resolved")                           \
  X(evicted, "resolved entries evicted because the table was full")    \
  X(table_full, "next hops refused: table full of incomplete entries") \
  X(pending_full, "packets dropped: the next hop's queue was full")    \
  X(resolve_failed, "entries removed after unanswered requests")       \
  X(pending_dropped, "queued packets dropped with a failed entry")     \
  X(aged_out, "stale entries removed unused")                          \
  X(went_stale, "entries whose confirmation expired")
SSTPGW_DEFINE_COUNTERS(arp_table_counter, SSTPGW_ARP_TABLE_COUNTERS)

class arp_table {
 public:
  enum class state : uint8_t { free, incomplete, reachable, stale };

  explicit arp_table(const arp_config& cfg);
  ~arp_table();  // frees queued packets
  arp_table(const arp_table&) = delete;
  arp_table& operator=(const arp_table&) = delete;

  enum class verdict : uint8_t {
    resolved,        // mac is valid: send now
    queued,          // held until resolution
    queued_request,  // held; send a request for this next hop now
    dropped,         // queue or table full (counted); the caller still owns m
  };
  // Resolves next_hop for packet m. On `resolved` fills mac and keeps nothing.
  verdict resolve(uint32_t next_hop, rte_mbuf* m, uint64_t now, mac_addr& mac);
  // Lookup without side effects (tests, sstpctl).
  bool lookup(uint32_t ip, mac_addr& mac, state* st = nullptr) const;

  static constexpr uint16_t kMaxPendingPerEntry = 64;

  // An ARP message showed ip is at mac. `create` (we were the target) adds a
  // missing entry; otherwise only existing entries are updated (RFC 826 merge).
  // Packets that were waiting are moved to `released`, which must hold
  // pending_per_entry pointers; returns how many, or -1 if nothing was learned
  // (no entry and not `create`, or the table is full).
  int learn(uint32_t ip, const mac_addr& mac, bool create, uint64_t now, std::span<rte_mbuf*> released);

  // Advances aging and retries. Next hops that need a request now are written
  // to `requests` (at most its size; the rest are due again next call).
  uint16_t run_timers(uint64_t now, std::span<uint32_t> requests);

  // Removes ip (and drops its queue). False if absent.
  bool remove(uint32_t ip);

  uint32_t size() const { return used_; }
  uint32_t capacity() const { return cfg_.max_entries; }
  const counter_set<arp_table_counter>& counters() const { return counters_; }
  const arp_config& config() const { return cfg_; }

 private:
  struct entry {
    uint32_t ip = 0;
    mac_addr mac;
    state st = state::free;
    uint8_t requests = 0;  // requests sent in the current resolution/probe
    bool used_while_stale = false;
    uint16_t n_pending = 0;
    uint64_t confirmed = 0;     // last confirmation (or creation)
    uint64_t next_request = 0;  // when the next request is due (0 = none)
  };

  int32_t find(uint32_t ip) const;  // entry index or -1
  int32_t allocate(uint32_t ip, uint64_t now);
  void erase(uint32_t idx);
  void drop_pending(entry& e, uint32_t idx);
  rte_mbuf** pending(uint32_t idx) { return pending_.get() + size_t{idx} * cfg_.pending_per_entry; }

  arp_config cfg_;
  std::unique_ptr<entry[]> entries_;
  std::unique_ptr<int32_t[]> index_;  // open addressing, linear probing: entry index or -1
  uint32_t index_mask_ = 0;
  std::unique_ptr<rte_mbuf*[]> pending_;
  std::vector<uint32_t> free_list_;  // reserved at construction; never grows
  uint32_t used_ = 0;
  counter_set<arp_table_counter> counters_;
};

}  // namespace sstpgw::net
