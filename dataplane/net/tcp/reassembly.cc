#include "dataplane/net/tcp/reassembly.hh"

#include "dataplane/net/tcp/mbuf_chain.hh"

namespace sstpgw::tcp {

reassembly_pool::reassembly_pool(uint32_t capacity) : nodes_(capacity) {
  for (uint32_t i = 0; i < capacity; ++i) nodes_[i].next = i + 1 < capacity ? i + 1 : kNoNode;
  free_ = capacity > 0 ? 0 : kNoNode;
}

reassembly_pool::~reassembly_pool() = default;

uint32_t reassembly_pool::alloc() {
  const uint32_t i = free_;
  if (i != kNoNode) {
    free_ = nodes_[i].next;
    ++in_use_;
  }
  return i;
}

void reassembly_pool::release(uint32_t i) {
  nodes_[i].m = nullptr;
  nodes_[i].next = free_;
  free_ = i;
  --in_use_;
}

reassembly_pool::insert_result reassembly_pool::insert(reassembly_queue& q, tcp_seq seq, uint32_t len,
                                                       rte_mbuf* m, uint32_t max_segments,
                                                       uint32_t max_bytes) {
  // Find the first node that does not end before seq, trimming the new
  // segment's front against the node before it.
  uint32_t prev = kNoNode;
  uint32_t cur = q.head;
  while (cur != kNoNode && nodes_[cur].seq + nodes_[cur].len <= seq) {
    prev = cur;
    cur = nodes_[cur].next;
  }
  tcp_seq end = seq + len;
  if (cur != kNoNode && nodes_[cur].seq <= seq) {
    // Starts inside cur: drop what cur already has.
    const tcp_seq cur_end = nodes_[cur].seq + nodes_[cur].len;
    if (cur_end >= end) {
      rte_pktmbuf_free(m);
      return insert_result::duplicate;
    }
    const auto cut = static_cast<uint32_t>(cur_end - seq);
    m = chain_trim_front(m, cut);
    seq = cur_end;
    len -= cut;
    prev = cur;
    cur = nodes_[cur].next;
  }
  // Nodes wholly covered by the new segment are replaced by it.
  while (cur != kNoNode && nodes_[cur].seq + nodes_[cur].len <= end) {
    const uint32_t next = nodes_[cur].next;
    q.bytes -= nodes_[cur].len;
    --q.segments;
    rte_pktmbuf_free(nodes_[cur].m);
    release(cur);
    if (prev == kNoNode)
      q.head = next;
    else
      nodes_[prev].next = next;
    cur = next;
  }
  // Overlap with the start of the next node: keep only the part before it.
  if (cur != kNoNode && nodes_[cur].seq < end) {
    if (nodes_[cur].seq <= seq) {
      rte_pktmbuf_free(m);
      return insert_result::duplicate;
    }
    len = static_cast<uint32_t>(nodes_[cur].seq - seq);
    chain_keep_front(m, len);
    end = seq + len;
  }
  if (q.segments >= max_segments || q.bytes + len > max_bytes) {
    rte_pktmbuf_free(m);
    return insert_result::over_bound;
  }
  const uint32_t n = alloc();
  if (n == kNoNode) {
    rte_pktmbuf_free(m);
    return insert_result::over_bound;
  }
  nodes_[n] = node{seq, len, m, cur};
  if (prev == kNoNode)
    q.head = n;
  else
    nodes_[prev].next = n;
  ++q.segments;
  q.bytes += len;
  q.last_left = seq;
  q.last_right = end;
  q.has_last = true;
  return insert_result::queued;
}

rte_mbuf* reassembly_pool::pop_in_order(reassembly_queue& q, tcp_seq rcv_nxt, uint32_t& len) {
  rte_mbuf* chain = nullptr;
  len = 0;
  while (q.head != kNoNode) {
    node& nd = nodes_[q.head];
    if (nd.seq > rcv_nxt) break;
    const uint32_t next = nd.next;
    const tcp_seq nd_end = nd.seq + nd.len;
    q.bytes -= nd.len;
    --q.segments;
    if (nd_end <= rcv_nxt) {
      rte_pktmbuf_free(nd.m);
    } else {
      rte_mbuf* m = nd.m;
      const auto skip = static_cast<uint32_t>(rcv_nxt - nd.seq);
      if (skip > 0) m = chain_trim_front(m, skip);
      const uint32_t n = nd.len - skip;
      if (chain == nullptr)
        chain = m;
      else
        chain_append(chain, m);
      len += n;
      rcv_nxt = nd_end;
    }
    release(q.head);
    q.head = next;
  }
  if (q.head == kNoNode) q.has_last = false;
  return chain;
}

unsigned reassembly_pool::sack_blocks(const reassembly_queue& q, sack_block* out, unsigned max) const {
  if (max == 0 || q.head == kNoNode) return 0;
  unsigned count = 0;
  // The block that holds the latest segment goes first.
  sack_block blocks[kMaxSackBlocks + 1];
  unsigned nblocks = 0;
  sack_block all_first{};
  bool have_first = false;
  uint32_t i = q.head;
  while (i != kNoNode) {
    sack_block b{nodes_[i].seq, nodes_[i].seq + nodes_[i].len};
    i = nodes_[i].next;
    while (i != kNoNode && nodes_[i].seq == b.right) {
      b.right = nodes_[i].seq + nodes_[i].len;
      i = nodes_[i].next;
    }
    const bool is_last = q.has_last && b.left <= q.last_left && q.last_right <= b.right;
    if (is_last && !have_first) {
      all_first = b;
      have_first = true;
    } else if (nblocks < kMaxSackBlocks) {
      blocks[nblocks++] = b;
    }
  }
  if (have_first) out[count++] = all_first;
  for (unsigned b = 0; b < nblocks && count < max; ++b) out[count++] = blocks[b];
  return count;
}

void reassembly_pool::clear(reassembly_queue& q) {
  uint32_t i = q.head;
  while (i != kNoNode) {
    const uint32_t next = nodes_[i].next;
    rte_pktmbuf_free(nodes_[i].m);
    release(i);
    i = next;
  }
  q = reassembly_queue{};
}

}  // namespace sstpgw::tcp
