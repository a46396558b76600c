#include "tests/integration/tcp/port_shim.hh"

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "dataplane/common/byte_order.hh"

namespace sstpgw::tcp::testing {

void port_shim::init_eal(const std::string& iface) {
  static bool done = false;
  if (done) return;
  const std::string prefix = "sgwt-kp-" + std::to_string(getpid());
  const std::string vdev = "net_af_packet0,iface=" + iface + ",qpairs=1";
  std::vector<const char*> argv = {"tcp-kernel-peer",
                                   "--no-huge",
                                   "--no-pci",
                                   "-m",
                                   "512",
                                   "--file-prefix",
                                   prefix.c_str(),
                                   "-l",
                                   "0",
                                   "--vdev",
                                   vdev.c_str(),
                                   "--log-level",
                                   "lib.eal:error",
                                   "--no-telemetry"};
  if (rte_eal_init(static_cast<int>(argv.size()), const_cast<char**>(argv.data())) < 0)
    throw std::runtime_error(std::string("rte_eal_init: ") + rte_strerror(rte_errno));
  done = true;
}

port_shim::port_shim(uint32_t our_ip, uint32_t peer_ip, rte_mempool* pool)
    : pool_(pool), our_ip_(our_ip), peer_ip_(peer_ip) {
  if (rte_eth_dev_count_avail() < 1) throw std::runtime_error("no DPDK port");
  rte_eth_conf conf{};
  if (rte_eth_dev_configure(port_, 1, 1, &conf) != 0) throw std::runtime_error("rte_eth_dev_configure");
  if (rte_eth_rx_queue_setup(port_, 0, 1024, SOCKET_ID_ANY, nullptr, pool) != 0)
    throw std::runtime_error("rx queue");
  if (rte_eth_tx_queue_setup(port_, 0, 1024, SOCKET_ID_ANY, nullptr) != 0)
    throw std::runtime_error("tx queue");
  if (rte_eth_dev_start(port_) != 0) throw std::runtime_error("rte_eth_dev_start");
  rte_eth_macaddr_get(port_, &our_mac_);
  rte_eth_promiscuous_enable(port_);
}

// Stopped, not closed: the next test configures and starts it again.
port_shim::~port_shim() { rte_eth_dev_stop(port_); }

void port_shim::set_impairment(const net::impairment_config& in, const net::impairment_config& out) {
  rx_imp_ = std::make_unique<net::impairment>(in, pool_);
  tx_imp_ = std::make_unique<net::impairment>(out, pool_);
}

void port_shim::send_arp_request() {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (m == nullptr) return;
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 42));
  if (p == nullptr) {
    rte_pktmbuf_free(m);
    return;
  }
  std::memset(p, 0xff, 6);
  std::memcpy(p + 6, our_mac_.addr_bytes, 6);
  store_be16(p + 12, RTE_ETHER_TYPE_ARP);
  uint8_t* a = p + 14;
  store_be16(a, 1);
  store_be16(a + 2, RTE_ETHER_TYPE_IPV4);
  a[4] = 6;
  a[5] = 4;
  store_be16(a + 6, 1);  // request
  std::memcpy(a + 8, our_mac_.addr_bytes, 6);
  store_be32(a + 14, our_ip_);
  std::memset(a + 18, 0, 6);
  store_be32(a + 24, peer_ip_);
  if (rte_eth_tx_burst(port_, 0, &m, 1) != 1) rte_pktmbuf_free(m);
}

void port_shim::handle_arp(rte_mbuf* m) {
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  if (m->data_len < 42) {
    rte_pktmbuf_free(m);
    return;
  }
  uint8_t* a = p + 14;
  const uint16_t op = load_be16(a + 6);
  const uint32_t spa = load_be32(a + 14);
  const uint32_t tpa = load_be32(a + 24);
  if (spa == peer_ip_) {
    std::memcpy(peer_mac_.addr_bytes, a + 8, 6);
    peer_known_ = true;
  }
  if (op == 1 && tpa == our_ip_) {
    // Answer in place.
    std::memcpy(p, a + 8, 6);
    std::memcpy(p + 6, our_mac_.addr_bytes, 6);
    store_be16(a + 6, 2);
    std::memcpy(a + 18, a + 8, 6);
    store_be32(a + 24, spa);
    std::memcpy(a + 8, our_mac_.addr_bytes, 6);
    store_be32(a + 14, our_ip_);
    if (rte_eth_tx_burst(port_, 0, &m, 1) == 1) return;
  }
  rte_pktmbuf_free(m);
}

void port_shim::poll(uint64_t now) {
  now_ = now;
  rte_mbuf* rx[kBurst];
  rte_mbuf* ip[kBurst];
  const uint16_t n = rte_eth_rx_burst(port_, 0, rx, kBurst);
  uint16_t k = 0;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = rx[i];
    const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
    if (m->data_len < 14) {
      rte_pktmbuf_free(m);
      continue;
    }
    const uint16_t type = load_be16(p + 12);
    if (type == RTE_ETHER_TYPE_ARP) {
      handle_arp(m);
      continue;
    }
    if (type != RTE_ETHER_TYPE_IPV4 || m->data_len < 34) {
      rte_pktmbuf_free(m);
      continue;
    }
    const uint8_t* h = p + 14;
    const uint32_t ihl = (h[0] & 15) * 4u;
    const uint16_t total = load_be16(h + 2);
    if ((h[0] >> 4) != 4 || ihl < 20 || total < ihl || total + 14u > m->pkt_len ||
        load_be32(h + 16) != our_ip_ || (load_be16(h + 6) & 0x3fff) != 0 ||
        rte_ipv4_cksum(reinterpret_cast<const rte_ipv4_hdr*>(h)) != 0) {
      rte_pktmbuf_free(m);
      continue;
    }
    rte_pktmbuf_adj(m, 14);
    rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - total));
    m->l3_len = ihl;
    m->ol_flags = 0;
    ip[k++] = m;
  }
  if (rx_imp_) {
    if (k) rx_imp_->push(ip, k, now);
    k = rx_imp_->pull(ip, kBurst, now);
  }
  if (k && stack_)
    stack_->input(ip, k, now);
  else
    for (uint16_t i = 0; i < k; ++i) rte_pktmbuf_free(ip[i]);
  if (stack_) stack_->poll(now);
  if (tx_imp_) {
    rte_mbuf* out[kBurst];
    const uint16_t t = tx_imp_->pull(out, kBurst, now);
    transmit(out, t);
  }
}

uint16_t port_shim::tx_fn(void* ctx, rte_mbuf** pkts, uint16_t n) {
  auto* self = static_cast<port_shim*>(ctx);
  if (self->tx_imp_) {
    self->tx_imp_->push(pkts, n, self->now_);
    return n;
  }
  self->transmit(pkts, n);
  return n;
}

void port_shim::transmit(rte_mbuf** pkts, uint16_t n) {
  uint16_t k = 0;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    if (!peer_known_) {
      send_arp_request();
      rte_pktmbuf_free(m);  // TCP retransmits once ARP is answered
      continue;
    }
    auto* e = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, 14));
    if (e == nullptr) {
      rte_pktmbuf_free(m);
      continue;
    }
    std::memcpy(e, peer_mac_.addr_bytes, 6);
    std::memcpy(e + 6, our_mac_.addr_bytes, 6);
    store_be16(e + 12, RTE_ETHER_TYPE_IPV4);
    pkts[k++] = m;
  }
  uint16_t sent = 0;
  for (int tries = 0; sent < k && tries < 1000; ++tries)
    sent += rte_eth_tx_burst(port_, 0, pkts + sent, k - sent);
  for (uint16_t i = sent; i < k; ++i) rte_pktmbuf_free(pkts[i]);
}

}  // namespace sstpgw::tcp::testing
