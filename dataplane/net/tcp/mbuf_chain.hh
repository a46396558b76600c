// Small operations on mbuf chains that DPDK lacks: trimming bytes from either
// end of a multi-segment chain (freeing emptied segments) and appending one
// chain to another without a segment-count limit check failing silently.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

namespace sstpgw::tcp {

// Removes n bytes from the front (n <= pkt_len). Returns the new head; emptied
// leading segments are freed. Returns nullptr when everything was removed.
inline rte_mbuf* chain_trim_front(rte_mbuf* m, uint32_t n) {
  const uint32_t total = m->pkt_len;
  if (n >= total) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  uint16_t segs = m->nb_segs;
  const uint32_t remaining = total - n;
  while (n > 0 && n >= m->data_len) {
    n -= m->data_len;
    rte_mbuf* next = m->next;
    m->next = nullptr;
    rte_pktmbuf_free_seg(m);
    m = next;
    --segs;
  }
  m->data_off = static_cast<uint16_t>(m->data_off + n);
  m->data_len = static_cast<uint16_t>(m->data_len - n);
  m->nb_segs = segs;
  m->pkt_len = remaining;
  return m;
}

// Sets the chain's pkt_len and nb_segs from its segments (after edits).
inline void chain_recount(rte_mbuf* m) {
  uint32_t len = 0;
  uint16_t segs = 0;
  for (rte_mbuf* s = m; s != nullptr; s = s->next) {
    len += s->data_len;
    ++segs;
  }
  m->pkt_len = len;
  m->nb_segs = segs;
}

// Keeps the first keep bytes (keep >= 1), freeing the rest.
inline void chain_keep_front(rte_mbuf* m, uint32_t keep) {
  rte_mbuf* s = m;
  uint32_t seen = 0;
  while (s != nullptr && seen + s->data_len < keep) {
    seen += s->data_len;
    s = s->next;
  }
  if (s == nullptr) return;
  s->data_len = static_cast<uint16_t>(keep - seen);
  if (s->next != nullptr) {
    rte_pktmbuf_free(s->next);
    s->next = nullptr;
  }
  chain_recount(m);
}

// Appends tail to head; both are chains; head's totals are updated.
inline void chain_append(rte_mbuf* head, rte_mbuf* tail) {
  rte_mbuf* last = rte_pktmbuf_lastseg(head);
  last->next = tail;
  head->pkt_len += tail->pkt_len;
  head->nb_segs = static_cast<uint16_t>(head->nb_segs + tail->nb_segs);
}

}  // namespace sstpgw::tcp
