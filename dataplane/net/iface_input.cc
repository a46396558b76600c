// iface input: classify a burst into ARP / fragments / ICMP / TCP / unreachable /
// handoff / drop arrays, then process each array.
#include <rte_ip.h>

#include "dataplane/net/arp.hh"
#include "dataplane/net/iface.hh"

namespace sstpgw::net {
namespace {

constexpr uint16_t kBurst = eal::kBurst;

// Collects packets to free at the end of a chunk.
struct drop_list {
  rte_mbuf* pkts[kBurst];
  uint16_t n = 0;
  void add(rte_mbuf* m) { pkts[n++] = m; }
  ~drop_list() {
    if (n) rte_pktmbuf_free_bulk(pkts, n);
  }
};

}  // namespace

void iface::input(rte_mbuf** pkts, uint16_t n, uint64_t now, bool from_handoff) {
  now_ = now;
  for (uint16_t off = 0; off < n; off += kBurst) {
    const uint16_t k = n - off < kBurst ? static_cast<uint16_t>(n - off) : kBurst;
    input_chunk(pkts + off, k, from_handoff);
  }
}

void iface::input_chunk(rte_mbuf** pkts, uint16_t n, bool from_handoff) {
  rte_mbuf* arp[kBurst];
  rte_mbuf* ipv4[kBurst];
  uint16_t n_arp = 0, n_ip = 0;
  drop_list drop;

  // 1. Ethernet.
  ether_.add(ether_counter::rx_frames, n);
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    if (m->data_len < kEtherHeaderLen) {
      ether_.add(ether_counter::runt);
      drop.add(m);
      continue;
    }
    const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
    if (!mac_equal(f + kEtherDst, cfg_.mac)) {
      const bool bcast = mac_equal(f + kEtherDst, mac_addr::broadcast());
      if (!bcast) {
        ether_.add((f[kEtherDst] & 1) ? ether_counter::multicast : ether_counter::not_our_mac);
        drop.add(m);
        continue;
      }
    }
    if (mac_equal(f + kEtherSrc, cfg_.mac)) {
      ether_.add(ether_counter::looped);
      drop.add(m);
      continue;
    }
    switch (ether_type(f)) {
      case kEtherTypeArp:
        arp[n_arp++] = m;  // stays unmodified: it may be shared with other workers
        break;
      case kEtherTypeIpv4:
        rte_pktmbuf_adj(m, kEtherHeaderLen);
        m->l2_len = kEtherHeaderLen;
        ipv4[n_ip++] = m;
        break;
      case kEtherTypeVlan:
      case kEtherTypeQinQ:
        ether_.add(ether_counter::vlan);
        drop.add(m);
        break;
      case kEtherTypeIpv6:
        ether_.add(ether_counter::ipv6);
        drop.add(m);
        break;
      default:
        ether_.add(ether_counter::unknown_ethertype);
        drop.add(m);
        break;
    }
  }
  if (n_arp) arp_input(arp, n_arp, from_handoff);

  // 2. IPv4 validation and classification of what is for us.
  rte_mbuf* frag[kBurst];
  rte_mbuf* icmp[kBurst];
  rte_mbuf* tcp[kBurst];
  rte_mbuf* unreach[kBurst];
  rte_mbuf* handoff[kBurst];
  uint8_t unreach_code[kBurst];
  uint16_t handoff_to[kBurst];
  ipv4_info frag_info[kBurst];
  rte_mbuf* fwd[kBurst];
  uint16_t n_frag = 0, n_icmp = 0, n_tcp = 0, n_unreach = 0, n_handoff = 0, n_fwd = 0;
  const uint32_t us = cfg_.address.addr;

  // Sorts one validated, unfragmented datagram for us by protocol. `may_handoff`:
  // a TCP packet not on its owner goes there.
  auto dispatch = [&](rte_mbuf* m, const ipv4_info& h, bool may_handoff, bool steered) {
    switch (h.protocol) {
      case kProtoTcp: {
        if (m->data_len < h.header_len + 4u) {
          ip_.add(ipv4_counter::bad_tcp_header);
          drop.add(m);
          return;
        }
        if (cfg_.n_workers > 1 && !steered) {
          const uint8_t* l4 = rte_pktmbuf_mtod_offset(m, const uint8_t*, h.header_len);
          const uint16_t owner = tcp_owner(h.src, h.dst, load_be16(l4), load_be16(l4 + 2));
          if (owner != cfg_.worker) {
            if (may_handoff && handoff_) {
              rte_pktmbuf_prepend(m, kEtherHeaderLen);  // the header is still there
              handoff_to[n_handoff] = owner;
              handoff[n_handoff++] = m;
              return;
            }
            ip_.add(ipv4_counter::handoff_loop);
          }
        }
        ip_.add(ipv4_counter::tcp);
        tcp[n_tcp++] = m;
        return;
      }
      case kProtoIcmp:
        ip_.add(ipv4_counter::icmp);
        icmp[n_icmp++] = m;
        return;
      case kProtoUdp:
        ip_.add(ipv4_counter::udp);
        unreach_code[n_unreach] = kIcmpCodePortUnreachable;
        unreach[n_unreach++] = m;
        return;
      default:
        ip_.add(ipv4_counter::other_protocol);
        unreach_code[n_unreach] = kIcmpCodeProtocolUnreachable;
        unreach[n_unreach++] = m;
        return;
    }
  };

  for (uint16_t i = 0; i < n_ip; ++i) {
    rte_mbuf* m = ipv4[i];
    ip_.add(ipv4_counter::rx);
    const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint64_t csum_flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    if (csum_flags == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
      ip_.add(ipv4_counter::bad_checksum);
      drop.add(m);
      continue;
    }
    ipv4_info h;
    switch (check_ipv4(p, m->data_len, m->pkt_len, csum_flags != RTE_MBUF_F_RX_IP_CKSUM_GOOD, h)) {
      case ipv4_check::ok:
        break;
      case ipv4_check::too_short:
        ip_.add(ipv4_counter::too_short);
        drop.add(m);
        continue;
      case ipv4_check::bad_version:
        ip_.add(ipv4_counter::bad_version);
        drop.add(m);
        continue;
      case ipv4_check::bad_ihl:
        ip_.add(ipv4_counter::bad_ihl);
        drop.add(m);
        continue;
      case ipv4_check::bad_total_length:
        ip_.add(ipv4_counter::bad_total_length);
        drop.add(m);
        continue;
      case ipv4_check::bad_checksum:
        ip_.add(ipv4_counter::bad_checksum);
        drop.add(m);
        continue;
    }
    // Ethernet pads short frames: the datagram ends at its total length.
    if (m->pkt_len > h.total_length) {
      if (rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - h.total_length)) != 0) {
        ip_.add(ipv4_counter::bad_total_length);
        drop.add(m);
        continue;
      }
    }
    m->l3_len = h.header_len;
    if (h.src == us || is_martian_source(h.src) || h.src == cfg_.address.broadcast()) {
      ip_.add(ipv4_counter::martian_source);
      drop.add(m);
      continue;
    }
    if (h.dst != us) {
      if (h.dst == 0xffffffffu || (cfg_.address.prefix_len < 31 && h.dst == cfg_.address.broadcast())) {
        ip_.add(ipv4_counter::broadcast);
      } else if (is_multicast(h.dst)) {
        ip_.add(ipv4_counter::multicast);
      } else if (forward_) {
        ip_.add(ipv4_counter::forwarded);
        fwd[n_fwd++] = m;
        continue;
      } else {
        ip_.add(ipv4_counter::not_for_us);
      }
      drop.add(m);
      continue;
    }
    // For us: TTL is not ours to enforce (RFC 1122 3.2.1.7), only noted.
    if (h.ttl == 0) ip_.add(ipv4_counter::ttl_zero);
    if (h.is_fragment()) {
      // All fragments of a datagram meet on the worker its address pair hashes to.
      const uint16_t owner = fragment_owner(h.src, h.dst);
      if (owner != cfg_.worker && !from_handoff && handoff_) {
        rte_pktmbuf_prepend(m, kEtherHeaderLen);
        handoff_to[n_handoff] = owner;
        handoff[n_handoff++] = m;
        continue;
      }
      frag_info[n_frag] = h;
      frag[n_frag++] = m;
      continue;
    }
    dispatch(m, h, !from_handoff, cfg_.hardware_steering);
  }

  // 3. Reassembly: a completed datagram is classified like any other, and is
  // new (it may belong to a flow owned elsewhere even after a handoff).
  for (uint16_t i = 0; i < n_frag; ++i) {
    rte_mbuf* d = reasm_.insert(frag[i], frag_info[i], now_);
    if (d == nullptr) continue;
    ipv4_info h = frag_info[i];
    h.total_length = static_cast<uint16_t>(d->pkt_len);
    h.frag = 0;
    dispatch(d, h, true, false);
  }

  // 4. Process the homogeneous arrays.
  if (n_fwd) forward_(fwd, n_fwd, from_handoff);
  if (n_icmp) icmp_input(icmp, n_icmp);
  if (n_unreach) unreachable(unreach, n_unreach, unreach_code);
  if (n_handoff) {
    const uint16_t queued = handoff_(handoff_to, handoff, n_handoff);
    ip_.add(ipv4_counter::handoff, queued);
    ip_.add(ipv4_counter::handoff_refused, n_handoff - queued);
  }
  if (n_tcp) {
    if (!tcp_) {
      ip_.add(ipv4_counter::no_tcp, n_tcp);
      rte_pktmbuf_free_bulk(tcp, n_tcp);
    } else {
      const uint16_t taken = tcp_(tcp, n_tcp);
      if (taken < n_tcp) {
        ip_.add(ipv4_counter::tcp_refused, n_tcp - taken);
        rte_pktmbuf_free_bulk(tcp + taken, n_tcp - taken);
      }
    }
  }
}

void iface::arp_input(rte_mbuf** pkts, uint16_t n, bool from_handoff) {
  // Every worker's cache learns from every ARP frame: hand a read-only
  // reference (refcount, no copy) to each other worker; only we answer.
  if (!from_handoff && cfg_.n_workers > 1 && handoff_) {
    uint16_t to[kBurst];
    rte_mbuf* refs[kBurst];
    for (uint16_t i = 0; i < n; ++i) {
      uint16_t k = 0;
      for (uint16_t w = 0; w < cfg_.n_workers && k < kBurst; ++w) {
        if (w == cfg_.worker) continue;
        to[k] = w;
        refs[k++] = pkts[i];
      }
      rte_mbuf_refcnt_update(pkts[i], static_cast<int16_t>(k));
      const uint16_t queued = handoff_(to, refs, k);
      arpc_.add(arp_counter::learn_only_copies, queued);
    }
  }
  for (uint16_t i = 0; i < n; ++i) arp_one(pkts[i], from_handoff);
  rte_pktmbuf_free_bulk(pkts, n);
}

void iface::arp_one(rte_mbuf* m, bool from_handoff) {
  arpc_.add(arp_counter::rx);
  arp_message a;
  const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
  switch (parse_arp(f + kEtherHeaderLen, m->data_len - kEtherHeaderLen, a)) {
    case arp_parse::ok:
      break;
    case arp_parse::too_short:
      arpc_.add(arp_counter::too_short);
      return;
    case arp_parse::not_ipv4_over_ether:
      arpc_.add(arp_counter::not_ipv4_over_ether);
      return;
    case arp_parse::bad_op:
      arpc_.add(arp_counter::bad_op);
      return;
  }
  if (a.sha.is_multicast() || a.sha.is_zero()) {
    arpc_.add(arp_counter::bogus_sender);
    return;
  }
  const uint32_t us = cfg_.address.addr;
  const bool for_us = a.tpa == us;
  if (a.spa == us) {
    arpc_.add(arp_counter::address_conflict);
    return;
  }
  if (a.spa == 0) {
    // RFC 5227 probe: someone checks whether an address is free. Defend ours.
    arpc_.add(arp_counter::probes);
    if (a.op == kArpOpRequest && for_us && !from_handoff) {
      send_arp(kArpOpReply, a.sha, a.sha, 0);
      arpc_.add(arp_counter::replies_sent);
    }
    return;
  }
  if (!cfg_.address.contains(a.spa) || a.spa == cfg_.address.broadcast()) {
    arpc_.add(arp_counter::not_our_subnet);
    return;
  }
  if (a.op == kArpOpReply) arpc_.add(arp_counter::replies);
  if (a.spa == a.tpa) arpc_.add(arp_counter::gratuitous);
  if (a.op == kArpOpRequest && for_us) arpc_.add(arp_counter::requests_for_us);

  // RFC 826: update an existing entry; create one when we are the target.
  rte_mbuf* released[arp_table::kMaxPendingPerEntry];
  const int k = arp_.learn(a.spa, a.sha, for_us, now_, released);
  if (k >= 0) arpc_.add(arp_counter::learned);
  for (int i = 0; i < k; ++i) send_resolved(released[i], a.sha);

  if (a.op == kArpOpRequest && for_us && !from_handoff) {
    send_arp(kArpOpReply, a.sha, a.sha, a.spa);
    arpc_.add(arp_counter::replies_sent);
  }
}

void iface::icmp_input(rte_mbuf** pkts, uint16_t n) {
  drop_list drop;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    icmp_.add(icmp_counter::rx);
    if (m->pkt_len < m->l3_len + kIcmpHeaderLen || m->data_len < m->l3_len + kIcmpHeaderLen) {
      icmp_.add(icmp_counter::too_short);
      drop.add(m);
      continue;
    }
    if (!icmp_checksum_ok(m, m->l3_len)) {
      icmp_.add(icmp_counter::bad_checksum);
      drop.add(m);
      continue;
    }
    const uint8_t type = *rte_pktmbuf_mtod_offset(m, const uint8_t*, m->l3_len);
    switch (type) {
      case kIcmpEchoRequest:
        icmp_.add(icmp_counter::echo_requests);
        if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1) {
          icmp_.add(icmp_counter::shared_mbuf);
          drop.add(m);
          continue;
        }
        make_echo_reply(m, cfg_.address.addr, next_ip_id());
        icmp_.add(icmp_counter::echo_replies_sent);
        if (output(&m, 1) == 0) rte_pktmbuf_free(m);
        continue;
      case kIcmpEchoReply:
        icmp_.add(icmp_counter::echo_replies);
        break;
      case kIcmpDestUnreachable:
        icmp_.add(icmp_counter::dest_unreachable);
        break;
      case kIcmpTimeExceeded:
        icmp_.add(icmp_counter::time_exceeded);
        break;
      case kIcmpParamProblem:
        icmp_.add(icmp_counter::param_problem);
        break;
      case kIcmpRedirect:
        icmp_.add(icmp_counter::redirect);
        break;
      case kIcmpSourceQuench:
        icmp_.add(icmp_counter::source_quench);
        break;
      default:
        icmp_.add(icmp_counter::other_type);
        break;
    }
    drop.add(m);
  }
}

void iface::unreachable(rte_mbuf** pkts, uint16_t n, const uint8_t* codes) {
  for (uint16_t i = 0; i < n; ++i) {
    if (unreach_limit_.allow(now_)) {
      rte_mbuf* r = make_unreachable(cfg_.pool, pkts[i], codes[i], cfg_.address.addr, next_ip_id());
      if (r) {
        icmp_.add(icmp_counter::unreachable_sent);
        if (output(&r, 1) == 0) rte_pktmbuf_free(r);
      } else {
        icmp_.add(icmp_counter::alloc_failed);
      }
    } else {
      icmp_.add(icmp_counter::unreachable_rate_limited);
    }
  }
  rte_pktmbuf_free_bulk(pkts, n);
}

}  // namespace sstpgw::net
