// iface output: next hop, ARP resolution, fragmentation, Ethernet header, TX.
#include <rte_ip.h>

#include "dataplane/net/arp.hh"
#include "dataplane/net/iface.hh"

namespace sstpgw::net {

uint32_t iface::next_hop(uint32_t dst) const {
  if (cfg_.address.contains(dst)) return dst;
  return cfg_.gateway;  // 0: no route
}

uint16_t iface::output(rte_mbuf** pkts, uint16_t n) {
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    // Backpressure: a packet may become up to kMaxOutputFragments frames.
    const uint32_t need = m->pkt_len > cfg_.mtu ? kMaxOutputFragments : 1u;
    if (tx_.pending() + need > eal::tx_buffer::kCapacity) {
      tx_.flush();
      if (tx_.pending() + need > eal::tx_buffer::kCapacity) {
        ip_.add(ipv4_counter::tx_full, n - i);
        return i;
      }
    }
    if (m->data_len < kIpv4MinHeader || m->pkt_len > kIpv4MaxTotal) {
      rte_pktmbuf_free(m);
      ip_.add(ipv4_counter::bad_output);
      continue;
    }
    const uint8_t* ip = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint32_t nh = next_hop(ipv4_dst(ip));
    if (nh == 0) {
      rte_pktmbuf_free(m);
      ip_.add(ipv4_counter::no_route);
      continue;
    }
    if (m->pkt_len > cfg_.mtu) {
      if (load_be16(ip + kIpv4Frag) & kIpv4FlagDf) {
        rte_pktmbuf_free(m);
        ip_.add(ipv4_counter::df_too_big);
        continue;
      }
      fragment_and_send(m, nh);
      continue;
    }
    send_via(m, nh);
  }
  return n;
}

void iface::send_via(rte_mbuf* m, uint32_t nh) {
  mac_addr mac;
  switch (arp_.resolve(nh, m, now_, mac)) {
    case arp_table::verdict::resolved:
      send_resolved(m, mac);
      break;
    case arp_table::verdict::queued:
      ip_.add(ipv4_counter::arp_pending);
      break;
    case arp_table::verdict::queued_request:
      ip_.add(ipv4_counter::arp_pending);
      send_arp(kArpOpRequest, mac_addr::broadcast(), mac_addr{}, nh);
      arpc_.add(arp_counter::requests_sent);
      break;
    case arp_table::verdict::dropped:
      rte_pktmbuf_free(m);
      ip_.add(ipv4_counter::arp_dropped);
      break;
  }
}

void iface::send_resolved(rte_mbuf* m, const mac_addr& dst) {
  if (m->nb_segs > 1 && !cfg_.multi_seg_tx) {
    // A reassembled datagram answered within the MTU: one segment for the port.
    if (rte_pktmbuf_linearize(m) != 0) {
      rte_pktmbuf_free(m);
      ip_.add(ipv4_counter::cannot_linearize);
      return;
    }
    ip_.add(ipv4_counter::linearized);
  }
  auto* eth = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kEtherHeaderLen));
  if (eth == nullptr) {
    rte_pktmbuf_free(m);
    ip_.add(ipv4_counter::no_headroom);
    return;
  }
  write_ether_header(eth, dst, cfg_.mac, kEtherTypeIpv4);
  m->l2_len = kEtherHeaderLen;
  ip_.add(ipv4_counter::tx);
  tx_.enqueue(m);
}

// Splits m (no DF, larger than the MTU) into fragments of fresh mbufs. The
// original header is copied into each fragment as is (our packets carry no
// options; a forwarded packet's non-copied options would need filtering).
void iface::fragment_and_send(rte_mbuf* m, uint32_t nh) {
  const uint8_t* ip = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint32_t hl = uint32_t{ip[kIpv4VerIhl] & 0x0fu} * 4;
  const uint16_t frag = load_be16(ip + kIpv4Frag);
  // An L4 checksum left to the port cannot be offloaded across fragments.
  if (hl < kIpv4MinHeader || hl > m->data_len || m->pkt_len <= hl || (m->ol_flags & RTE_MBUF_F_TX_L4_MASK)) {
    rte_pktmbuf_free(m);
    ip_.add(ipv4_counter::fragment_failed);
    return;
  }
  const uint32_t payload = m->pkt_len - hl;
  const uint32_t per = ((cfg_.mtu - hl) / 8) * 8;
  const uint32_t count = (payload + per - 1) / per;
  const uint32_t base = uint32_t{static_cast<uint16_t>(frag & kIpv4OffsetMask)} * 8;
  if (count > kMaxOutputFragments) {
    rte_pktmbuf_free(m);
    ip_.add(ipv4_counter::fragment_failed);
    return;
  }
  rte_mbuf* out[kMaxOutputFragments];
  for (uint32_t k = 0; k < count; ++k) {
    const uint32_t off = k * per;
    const uint32_t len = payload - off < per ? payload - off : per;
    rte_mbuf* f = rte_pktmbuf_alloc(cfg_.pool);
    uint8_t* p =
        f ? reinterpret_cast<uint8_t*>(rte_pktmbuf_append(f, static_cast<uint16_t>(hl + len))) : nullptr;
    if (p == nullptr) {
      if (f) rte_pktmbuf_free(f);
      rte_pktmbuf_free_bulk(out, k);
      rte_pktmbuf_free(m);
      ip_.add(ipv4_counter::fragment_failed);
      return;
    }
    std::memcpy(p, ip, hl);
    const bool more = k + 1 < count || (frag & kIpv4FlagMf);
    store_be16(p + kIpv4TotalLength, static_cast<uint16_t>(hl + len));
    store_be16(p + kIpv4Frag, static_cast<uint16_t>(((base + off) / 8) | (more ? kIpv4FlagMf : 0)));
    update_ipv4_checksum(p, hl);
    const void* src = rte_pktmbuf_read(m, hl + off, len, p + hl);
    if (src != p + hl) std::memcpy(p + hl, src, len);
    f->l3_len = static_cast<uint16_t>(hl);
    out[k] = f;
  }
  rte_pktmbuf_free(m);
  ip_.add(ipv4_counter::fragmented);
  ip_.add(ipv4_counter::fragments_sent, count);
  for (uint32_t k = 0; k < count; ++k) send_via(out[k], nh);
}

}  // namespace sstpgw::net
