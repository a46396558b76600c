#include "dataplane/net/reassembly.hh"

#include <stdexcept>

namespace sstpgw::net {

ipv4_reassembly::ipv4_reassembly(const reassembly_config& cfg) : cfg_(cfg) {
  if (cfg_.max_datagrams == 0 || cfg_.max_fragments < 2 || cfg_.max_held == 0)
    throw std::invalid_argument("reassembly: bounds must allow at least one datagram of two fragments");
  slots_ = std::make_unique<datagram[]>(cfg_.max_datagrams);
  frags_ = std::make_unique<fragment[]>(size_t{cfg_.max_datagrams} * cfg_.max_fragments);
}

ipv4_reassembly::~ipv4_reassembly() {
  for (uint32_t s = 0; s < cfg_.max_datagrams; ++s)
    if (slots_[s].used) release(s);
}

void ipv4_reassembly::release(uint32_t slot) {
  datagram& d = slots_[slot];
  fragment* f = frags(slot);
  for (uint16_t i = 0; i < d.n; ++i) rte_pktmbuf_free(f[i].m);
  held_ -= d.n;
  --active_;
  d = datagram{};
}

rte_mbuf* ipv4_reassembly::insert(rte_mbuf* m, const ipv4_info& h, uint64_t now) {
  counters_.add(reassembly_counter::fragments);
  const uint32_t offset = h.fragment_offset();
  const uint32_t len = h.payload_length();
  const bool last = !h.more_fragments();
  // A non-last fragment carries a multiple of 8 bytes; nothing may reach past
  // the largest datagram IPv4 can describe.
  if (len == 0 || (!last && len % 8 != 0) || offset + len + kIpv4MinHeader > kIpv4MaxTotal) {
    drop(m, reassembly_counter::bad_fragment);
    return nullptr;
  }

  int32_t slot = -1;
  int32_t free_slot = -1, oldest = -1;
  for (uint32_t s = 0; s < cfg_.max_datagrams; ++s) {
    const datagram& d = slots_[s];
    if (!d.used) {
      if (free_slot < 0) free_slot = static_cast<int32_t>(s);
      continue;
    }
    if (d.src == h.src && d.dst == h.dst && d.id == h.id && d.protocol == h.protocol) {
      slot = static_cast<int32_t>(s);
      break;
    }
    if (oldest < 0 || d.first < slots_[static_cast<uint32_t>(oldest)].first) oldest = static_cast<int32_t>(s);
  }
  if (offset + len + h.header_len > cfg_.max_size) {
    if (slot >= 0) {
      release(static_cast<uint32_t>(slot));
    }
    drop(m, reassembly_counter::too_big);
    return nullptr;
  }
  if (slot < 0) {
    if (free_slot < 0) {
      // Full: the oldest in-progress datagram is the least likely to complete.
      counters_.add(reassembly_counter::too_many_datagrams);
      release(static_cast<uint32_t>(oldest));
      free_slot = oldest;
    }
    slot = free_slot;
    datagram& d = slots_[static_cast<uint32_t>(slot)];
    d = datagram{.used = true, .src = h.src, .dst = h.dst, .id = h.id, .protocol = h.protocol, .first = now};
    ++active_;
  }
  const auto s = static_cast<uint32_t>(slot);
  datagram& d = slots_[s];
  fragment* f = frags(s);

  const uint32_t end = offset + len;
  if (last) {
    if ((d.total && d.total != end) || (d.n && f[d.n - 1].offset + f[d.n - 1].length > end)) {
      release(s);
      drop(m, reassembly_counter::bad_fragment);
      return nullptr;
    }
    d.total = end;
  } else if (d.total && end > d.total) {
    release(s);
    drop(m, reassembly_counter::bad_fragment);
    return nullptr;
  }

  // Sorted insert; neighbours decide overlap.
  uint16_t pos = 0;
  while (pos < d.n && f[pos].offset < offset) ++pos;
  if (pos < d.n && f[pos].offset == offset && f[pos].length == len) {
    drop(m, reassembly_counter::duplicate);
    return nullptr;
  }
  const bool overlaps_prev = pos > 0 && f[pos - 1].offset + f[pos - 1].length > offset;
  const bool overlaps_next = pos < d.n && end > f[pos].offset;
  if (overlaps_prev || overlaps_next) {
    release(s);
    drop(m, reassembly_counter::overlap);
    return nullptr;
  }
  if (d.n >= cfg_.max_fragments) {
    release(s);
    drop(m, reassembly_counter::too_many_fragments);
    return nullptr;
  }
  if (held_ >= cfg_.max_held) {
    drop(m, reassembly_counter::too_many_fragments);
    if (d.n == 0) release(s);
    return nullptr;
  }
  for (uint16_t i = d.n; i > pos; --i) f[i] = f[i - 1];
  f[pos] = fragment{offset, static_cast<uint16_t>(len), h.header_len, m};
  ++d.n;
  ++held_;
  d.received += len;
  if (d.total != 0 && d.received == d.total) return complete(s);
  return nullptr;
}

rte_mbuf* ipv4_reassembly::complete(uint32_t slot) {
  datagram& d = slots_[slot];
  fragment* f = frags(slot);
  // Without overlaps, received == total means [0, total) is covered exactly.
  rte_mbuf* head = f[0].m;
  const uint8_t hl = f[0].header_len;
  for (uint16_t i = 1; i < d.n; ++i) {
    rte_pktmbuf_adj(f[i].m, f[i].header_len);
    if (rte_pktmbuf_chain(head, f[i].m) != 0) {
      // Free what is chained (via head) and what is not.
      for (uint16_t j = i; j < d.n; ++j) rte_pktmbuf_free(f[j].m);
      rte_pktmbuf_free(head);
      held_ -= d.n;
      --active_;
      d = datagram{};
      counters_.add(reassembly_counter::chain_failed);
      return nullptr;
    }
  }
  uint8_t* ip = rte_pktmbuf_mtod(head, uint8_t*);
  store_be16(ip + kIpv4TotalLength, static_cast<uint16_t>(hl + d.total));
  store_be16(ip + kIpv4Frag, 0);
  update_ipv4_checksum(ip, hl);
  head->l3_len = hl;
  // Any L4 checksum verdict of the first fragment does not cover the datagram.
  head->ol_flags &= ~RTE_MBUF_F_RX_L4_CKSUM_MASK;
  held_ -= d.n;
  --active_;
  d = datagram{};
  counters_.add(reassembly_counter::reassembled);
  return head;
}

void ipv4_reassembly::run_timers(uint64_t now) {
  for (uint32_t s = 0; s < cfg_.max_datagrams; ++s) {
    if (slots_[s].used && now - slots_[s].first >= cfg_.timeout_us) {
      counters_.add(reassembly_counter::timeout);
      release(s);
    }
  }
}

}  // namespace sstpgw::net
