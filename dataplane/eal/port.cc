#include "dataplane/eal/port.hh"

#include <rte_errno.h>
#include <rte_lcore.h>

#include <algorithm>
#include <stdexcept>

#include "dataplane/common/log.hh"
#include "dataplane/eal/mempool.hh"

namespace sstpgw::eal {
namespace {

// Flow types we want hashed: TCP over IPv4 on the 4-tuple, everything else IPv4
// (fragments included) on the address pair, so all fragments of a datagram land
// on one queue.
constexpr uint64_t kWantedRss = RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4;

[[noreturn]] void fail(uint16_t port, const char* what, int rc) {
  throw std::runtime_error(fmt::format("port {}: {}: {}", port, what, rte_strerror(rc < 0 ? -rc : rc)));
}

}  // namespace

uint16_t port::find(std::string_view device_name) {
  uint16_t id = 0;
  const std::string n(device_name);
  if (rte_eth_dev_get_port_by_name(n.c_str(), &id) != 0)
    throw std::runtime_error(fmt::format("no DPDK port named {}", n));
  return id;
}

port::port(const port_config& cfg) : id_(cfg.port_id), n_queues_(cfg.n_queues), mtu_(cfg.mtu) {
  if (!rte_eth_dev_is_valid_port(id_)) throw std::runtime_error(fmt::format("port {}: no such port", id_));
  if (n_queues_ == 0) throw std::runtime_error(fmt::format("port {}: needs at least one queue", id_));

  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(id_, &info); rc != 0) fail(id_, "dev_info_get", rc);
  caps_.driver = info.driver_name ? info.driver_name : "";
  caps_.max_rx_queues = info.max_rx_queues;
  caps_.max_tx_queues = info.max_tx_queues;
  caps_.reta_size = info.reta_size;
  caps_.hash_key_size = info.hash_key_size;
  caps_.rss_offloads = info.flow_type_rss_offloads;
  if (n_queues_ > info.max_rx_queues || n_queues_ > info.max_tx_queues) {
    throw std::runtime_error(fmt::format("port {} ({}): {} queue pairs asked, port has {} rx / {} tx", id_,
                                         caps_.driver, n_queues_, info.max_rx_queues, info.max_tx_queues));
  }
  if (mtu_ < info.min_mtu || mtu_ > info.max_mtu)
    throw std::runtime_error(
        fmt::format("port {}: MTU {} outside {}..{}", id_, mtu_, info.min_mtu, info.max_mtu));

  rte_eth_conf conf{};
  conf.rxmode.mtu = mtu_;
  // RSS: only when the port can hash TCP/IPv4 4-tuples and has a redirection table.
  const bool can_rss = (info.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP) && info.reta_size > 0;
  std::vector<uint8_t> hw_key;
  if (can_rss) {
    // Ports with longer keys (52 B on some NICs) get ours followed by the same
    // repeating pattern; the hash of an IPv4/TCP tuple only uses the first 16 B.
    const size_t key_len = info.hash_key_size ? info.hash_key_size : kRssKeySize;
    hw_key.resize(key_len);
    for (size_t i = 0; i < key_len; ++i) hw_key[i] = cfg.key[i % kRssKeySize];
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_key = hw_key.data();
    conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<uint8_t>(key_len);
    conf.rx_adv_conf.rss_conf.rss_hf = kWantedRss & info.flow_type_rss_offloads;
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH)
      conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
  }
  // Checksum offloads: used when offered, software otherwise (the flags tell TCP).
  constexpr uint64_t kTxCsum = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
  constexpr uint64_t kRxCsum = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
  if (cfg.checksum_offload && (info.tx_offload_capa & kTxCsum) == kTxCsum) {
    conf.txmode.offloads |= kTxCsum;
    caps_.tx_checksum_offload = true;
  }
  if (cfg.checksum_offload && (info.rx_offload_capa & kRxCsum) == kRxCsum) {
    conf.rxmode.offloads |= kRxCsum;
    caps_.rx_checksum = true;
  }
  if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
    conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
    caps_.multi_seg_tx = true;
  }

  if (int rc = rte_eth_dev_configure(id_, n_queues_, n_queues_, &conf); rc != 0) fail(id_, "configure", rc);
  uint16_t rx_desc = cfg.rx_desc, tx_desc = cfg.tx_desc;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(id_, &rx_desc, &tx_desc); rc != 0)
    fail(id_, "adjust descriptors", rc);

  // One pool per NUMA socket the queues are polled from.
  mempool_sizing sz;
  sz.rx_queues = n_queues_;
  sz.rx_desc = rx_desc;
  sz.tx_queues = n_queues_;
  sz.tx_desc = tx_desc;
  sz.lcores = cfg.lcores ? cfg.lcores : n_queues_ + 1u;
  sz.handoff_slots = cfg.handoff_slots;
  sz.reassembly_mbufs = cfg.reassembly_mbufs;
  sz.arp_pending_mbufs = cfg.arp_pending_mbufs;
  sz.extra = cfg.extra_mbufs;
  pool_size_ = sz.total();
  const int port_socket = rte_eth_dev_socket_id(id_) < 0 ? 0 : rte_eth_dev_socket_id(id_);
  std::vector<int> pool_sockets;
  queue_pools_.resize(n_queues_, nullptr);
  for (uint16_t q = 0; q < n_queues_; ++q) {
    int socket = port_socket;
    if (q < cfg.queue_lcores.size()) {
      const unsigned s = rte_lcore_to_socket_id(cfg.queue_lcores[q]);
      socket = s == static_cast<unsigned>(SOCKET_ID_ANY) ? port_socket : static_cast<int>(s);
    }
    auto it = std::find(pool_sockets.begin(), pool_sockets.end(), socket);
    if (it == pool_sockets.end()) {
      uint32_t room = data_room_for_mtu(mtu_);
      if (cfg.max_rx_frame + RTE_PKTMBUF_HEADROOM > room) room = cfg.max_rx_frame + RTE_PKTMBUF_HEADROOM;
      if (room > UINT16_MAX) throw std::runtime_error(fmt::format("port {}: max_rx_frame too large", id_));
      pools_.push_back(create_packet_pool(fmt::format("p{}s{}", id_, socket), pool_size_, kMempoolCache,
                                          static_cast<uint16_t>(room), socket));
      pool_sockets.push_back(socket);
      it = pool_sockets.end() - 1;
    }
    queue_pools_[q] = pools_[static_cast<size_t>(it - pool_sockets.begin())];
  }

  for (uint16_t q = 0; q < n_queues_; ++q) {
    const int socket = queue_pools_[q]->socket_id;
    rte_eth_rxconf rxconf = info.default_rxconf;
    rxconf.offloads = conf.rxmode.offloads;
    if (int rc =
            rte_eth_rx_queue_setup(id_, q, rx_desc, static_cast<unsigned>(socket), &rxconf, queue_pools_[q]);
        rc != 0)
      fail(id_, "rx queue setup", rc);
    rte_eth_txconf txconf = info.default_txconf;
    txconf.offloads = conf.txmode.offloads;
    if (int rc = rte_eth_tx_queue_setup(id_, q, tx_desc, static_cast<unsigned>(socket), &txconf); rc != 0)
      fail(id_, "tx queue setup", rc);
  }
  if (int rc = rte_eth_dev_start(id_); rc != 0) fail(id_, "start", rc);
  started_ = true;
  if (cfg.promiscuous) rte_eth_promiscuous_enable(id_);

  rte_ether_addr mac{};
  rte_eth_macaddr_get(id_, &mac);
  std::copy(std::begin(mac.addr_bytes), std::end(mac.addr_bytes), mac_.begin());

  if (can_rss) {
    setup_rss(cfg, info);
  } else {
    rss_.hardware = false;
    rss_.key.assign(cfg.key.begin(), cfg.key.end());
    rss_.reta.resize(kSoftwareRetaSize);
    for (uint16_t i = 0; i < kSoftwareRetaSize; ++i) rss_.reta[i] = static_cast<uint16_t>(i % n_queues_);
  }
  log(log_level::info, "port",
      "port {} ({}): {} queue pairs, {} rx / {} tx descriptors, MTU {}, RSS {}, tx csum offload {}, "
      "rx csum {}, mac {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
      id_, caps_.driver, n_queues_, rx_desc, tx_desc, mtu_, rss_.hardware ? "hardware" : "software handoff",
      caps_.tx_checksum_offload, caps_.rx_checksum, mac_[0], mac_[1], mac_[2], mac_[3], mac_[4], mac_[5]);
}

void port::setup_rss(const port_config& cfg, const rte_eth_dev_info& info) {
  // Spread the table round-robin over our queues and record what the port
  // reports back, so software computes exactly the port's mapping.
  const uint16_t size = info.reta_size;
  std::vector<rte_eth_rss_reta_entry64> conf((size + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE);
  for (uint16_t i = 0; i < size; ++i) {
    auto& g = conf[i / RTE_ETH_RETA_GROUP_SIZE];
    g.mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
    g.reta[i % RTE_ETH_RETA_GROUP_SIZE] = static_cast<uint16_t>(i % n_queues_);
  }
  if (int rc = rte_eth_dev_rss_reta_update(id_, conf.data(), size); rc != 0)
    log(log_level::warn, "port", "port {}: reta update failed ({}), assuming i % queues", id_,
        rte_strerror(-rc));
  rss_.reta.resize(size);
  for (auto& g : conf) {
    g.mask = ~0ULL;
    std::fill(std::begin(g.reta), std::end(g.reta), uint16_t{0});
  }
  if (rte_eth_dev_rss_reta_query(id_, conf.data(), size) == 0) {
    for (uint16_t i = 0; i < size; ++i)
      rss_.reta[i] = conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
  } else {
    for (uint16_t i = 0; i < size; ++i) rss_.reta[i] = static_cast<uint16_t>(i % n_queues_);
  }

  // Some PMDs only take the key through hash_update; set it again explicitly.
  {
    std::vector<uint8_t> k(info.hash_key_size ? info.hash_key_size : kRssKeySize);
    for (size_t i = 0; i < k.size(); ++i) k[i] = cfg.key[i % kRssKeySize];
    rte_eth_rss_conf up{};
    up.rss_key = k.data();
    up.rss_key_len = static_cast<uint8_t>(k.size());
    up.rss_hf = kWantedRss & info.flow_type_rss_offloads;
    if (int rc = rte_eth_dev_rss_hash_update(id_, &up); rc != 0)
      log(log_level::warn, "port", "port {}: rss hash update: {}", id_, rte_strerror(-rc));
  }
  rss_.key.assign(cfg.key.begin(), cfg.key.end());
  std::vector<uint8_t> key(info.hash_key_size ? info.hash_key_size : kRssKeySize);
  rte_eth_rss_conf rc{};
  rc.rss_key = key.data();
  rc.rss_key_len = static_cast<uint8_t>(key.size());
  if (rte_eth_dev_rss_hash_conf_get(id_, &rc) == 0 && key.size() >= kRssKeySize) {
    if (!std::equal(cfg.key.begin(), cfg.key.end(), key.begin())) {
      log(log_level::warn, "port", "port {}: port reports a different RSS key; using the port's", id_);
    }
    rss_.key = key;
    // The port must hash the TCP 4-tuple, or software ownership would disagree.
    rss_.hardware = (rc.rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) != 0;
  } else {
    rss_.hardware = true;
  }
  caps_.rss = rss_.hardware;
}

port::~port() {
  if (started_) rte_eth_dev_stop(id_);
  rte_eth_dev_close(id_);
  for (rte_mempool* mp : pools_) rte_mempool_free(mp);
}

link_state port::link() const {
  rte_eth_link l{};
  link_state s;
  if (rte_eth_link_get_nowait(id_, &l) == 0) {
    s.up = l.link_status == RTE_ETH_LINK_UP;
    s.speed_mbps = l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : l.link_speed;
    s.full_duplex = l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
  }
  return s;
}

port_stats port::stats() const {
  rte_eth_stats st{};
  port_stats s;
  if (rte_eth_stats_get(id_, &st) == 0) {
    s.rx_packets = st.ipackets;
    s.tx_packets = st.opackets;
    s.rx_bytes = st.ibytes;
    s.tx_bytes = st.obytes;
    s.rx_missed = st.imissed;
    s.rx_errors = st.ierrors;
    s.tx_errors = st.oerrors;
    s.rx_nombuf = st.rx_nombuf;
  }
  return s;
}

std::vector<std::pair<std::string, uint64_t>> port::xstats() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  const int n = rte_eth_xstats_get_names(id_, nullptr, 0);
  if (n <= 0) return out;
  std::vector<rte_eth_xstat_name> names(static_cast<size_t>(n));
  std::vector<rte_eth_xstat> values(static_cast<size_t>(n));
  if (rte_eth_xstats_get_names(id_, names.data(), static_cast<unsigned>(n)) != n) return out;
  const int got = rte_eth_xstats_get(id_, values.data(), static_cast<unsigned>(n));
  if (got != n) return out;
  for (const auto& v : values) {
    if (v.id < names.size()) out.emplace_back(names[v.id].name, v.value);
  }
  return out;
}

}  // namespace sstpgw::eal
