// iface construction, timers, flow ownership and the ARP messages we originate.
#include "dataplane/net/iface.hh"

#include <stdexcept>

#include "dataplane/net/arp.hh"

namespace sstpgw::net {

iface::iface(const iface_config& cfg, eal::tx_buffer& tx)
    : cfg_(cfg),
      tx_(tx),
      arp_(cfg.arp),
      reasm_(cfg.reassembly),
      rss_(cfg.rss_key.empty() ? std::span<const uint8_t>(eal::kSymmetricRssKey)
                               : std::span<const uint8_t>(cfg.rss_key)),
      reta_(cfg.reta),
      unreach_limit_(cfg.unreachable_per_s, cfg.unreachable_burst),
      ip_id_(cfg.worker) {
  if (cfg_.pool == nullptr) throw std::invalid_argument("iface: no mempool");
  if (cfg_.n_workers == 0 || cfg_.worker >= cfg_.n_workers)
    throw std::invalid_argument("iface: worker index out of range");
  if (cfg_.mtu < 576) throw std::invalid_argument("iface: MTU below 576");
  if (cfg_.address.prefix_len > 32) throw std::invalid_argument("iface: prefix length above 32");
  if (!cfg_.rss_key.empty() && cfg_.rss_key.size() < 16)
    throw std::invalid_argument("iface: RSS key shorter than 16 bytes");
  if (reta_.empty()) {
    reta_.resize(128);
    for (size_t i = 0; i < reta_.size(); ++i) reta_[i] = static_cast<uint16_t>(i % cfg_.n_workers);
  }
  for (uint16_t q : reta_)
    if (q >= cfg_.n_workers)
      throw std::invalid_argument("iface: redirection table names a queue without a worker");
}

uint16_t iface::tcp_owner(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport) const {
  if (cfg_.n_workers == 1) return 0;
  return eal::queue_of(rss_.ipv4_tcp(src, dst, sport, dport), reta_);
}

uint16_t iface::fragment_owner(uint32_t src, uint32_t dst) const {
  if (cfg_.n_workers == 1) return 0;
  return eal::queue_of(rss_.ipv4(src, dst), reta_);
}

void iface::start(uint64_t now) {
  now_ = now;
  next_arp_scan_ = now + cfg_.arp_scan_us;
  if (!cfg_.arp_speaker || cfg_.gratuitous_count == 0) return;
  garp_left_ = cfg_.gratuitous_count;
  next_garp_ = now;
  run_timers(now);
}

void iface::run_timers(uint64_t now) {
  now_ = now;
  if (garp_left_ && now >= next_garp_) {
    // RFC 5227 announcement: a request with sender = target = our address.
    send_arp(kArpOpRequest, mac_addr::broadcast(), mac_addr{}, cfg_.address.addr);
    arpc_.add(arp_counter::gratuitous_sent);
    --garp_left_;
    next_garp_ = now + cfg_.gratuitous_interval_us;
  }
  if (now >= next_arp_scan_) {
    next_arp_scan_ = now + cfg_.arp_scan_us;
    uint32_t due[eal::kBurst];
    const uint16_t n = arp_.run_timers(now, due);
    for (uint16_t i = 0; i < n; ++i) {
      send_arp(kArpOpRequest, mac_addr::broadcast(), mac_addr{}, due[i]);
      arpc_.add(arp_counter::requests_sent);
    }
  }
  reasm_.run_timers(now);
}

void iface::send_arp(uint16_t op, const mac_addr& eth_dst, const mac_addr& tha, uint32_t tpa) {
  rte_mbuf* m = rte_pktmbuf_alloc(cfg_.pool);
  if (m == nullptr) {
    arpc_.add(arp_counter::alloc_failed);
    return;
  }
  auto* p = rte_pktmbuf_mtod(m, uint8_t*);
  if (rte_pktmbuf_append(m, kEtherMinFrame) == nullptr) {
    rte_pktmbuf_free(m);
    arpc_.add(arp_counter::alloc_failed);
    return;
  }
  std::memset(p, 0, kEtherMinFrame);  // padding after the 42 bytes of ARP
  write_ether_header(p, eth_dst, cfg_.mac, kEtherTypeArp);
  write_arp(p + kEtherHeaderLen,
            arp_message{.op = op, .sha = cfg_.mac, .spa = cfg_.address.addr, .tha = tha, .tpa = tpa});
  m->l2_len = kEtherHeaderLen;
  tx_.enqueue(m);
}

}  // namespace sstpgw::net
