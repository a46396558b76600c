// Out-of-order receive queue (RFC 9293 3.10.7.4 "segment text", RFC 2018 for
// the SACK blocks it reports). Segments are kept as the received mbuf chains
// (payload only), never copied, in a sorted non-overlapping list of nodes
// taken from one fixed pool per worker.
//
// Bounds: the pool holds `capacity` nodes for all connections of a worker; each
// connection may hold at most max_segments nodes and max_bytes bytes. A segment
// over a bound is dropped (the peer retransmits it).
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <vector>

#include "dataplane/net/tcp/options.hh"
#include "dataplane/net/tcp/types.hh"

namespace sstpgw::tcp {

inline constexpr uint32_t kNoNode = UINT32_MAX;

// Per-connection part, stored in the TCB.
struct reassembly_queue {
  uint32_t head = kNoNode;
  uint32_t segments = 0;
  uint32_t bytes = 0;
  tcp_seq last_left;  // block of the most recently queued segment (first SACK block)
  tcp_seq last_right;
  bool has_last = false;
};

class reassembly_pool {
 public:
  explicit reassembly_pool(uint32_t capacity);
  ~reassembly_pool();
  reassembly_pool(const reassembly_pool&) = delete;
  reassembly_pool& operator=(const reassembly_pool&) = delete;

  enum class insert_result : uint8_t { queued, duplicate, over_bound };

  // Queues payload m (len bytes starting at seq, seq > rcv_nxt). Takes
  // ownership of m in every case (freed unless queued).
  insert_result insert(reassembly_queue& q, tcp_seq seq, uint32_t len, rte_mbuf* m, uint32_t max_segments,
                       uint32_t max_bytes);

  // Removes the data now in order at rcv_nxt and returns it as one chain (or
  // nullptr); len gets its length. Data before rcv_nxt is trimmed away.
  rte_mbuf* pop_in_order(reassembly_queue& q, tcp_seq rcv_nxt, uint32_t& len);

  // Fills up to max SACK blocks: the most recently changed block first, then
  // the others in sequence order (RFC 2018 4). Returns the count.
  unsigned sack_blocks(const reassembly_queue& q, sack_block* out, unsigned max) const;

  void clear(reassembly_queue& q);

  uint32_t capacity() const { return static_cast<uint32_t>(nodes_.size()); }
  uint32_t in_use() const { return in_use_; }

 private:
  struct node {
    tcp_seq seq;
    uint32_t len;
    rte_mbuf* m;
    uint32_t next;
  };
  uint32_t alloc();
  void release(uint32_t i);

  std::vector<node> nodes_;
  uint32_t free_ = kNoNode;
  uint32_t in_use_ = 0;
};

}  // namespace sstpgw::tcp
