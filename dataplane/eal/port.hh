// One DPDK port set up for the data plane: one RX/TX queue pair per worker, RSS
// on the TCP/IPv4 4-tuple with our key where the port has it (and a software
// redirection table where it does not, so flow ownership is defined the same
// way on every port), per-socket mempools sized by the formula in mempool.hh,
// checksum offloads used when offered, link status and statistics.
//
// Sizing constants: dataplane/eal/sizing.hh. Everything here runs at start or on
// the control thread (stats); nothing per packet.
#pragma once

#include <rte_ethdev.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dataplane/eal/queue_io.hh"
#include "dataplane/eal/rss.hh"
#include "dataplane/eal/sizing.hh"

namespace sstpgw::eal {

struct port_config {
  uint16_t port_id = 0;
  uint16_t n_queues = 1;               // one RX/TX queue pair per worker
  std::vector<unsigned> queue_lcores;  // lcore polling queue q (its NUMA socket gets the pool)
  uint16_t rx_desc = kRxDesc;
  uint16_t tx_desc = kTxDesc;
  uint16_t mtu = 1500;
  // Largest frame a queue must take in one mbuf; 0: MTU-sized. net_af_packet
  // needs more: its fanout group reassembles IPv4 in the kernel (FLAG_DEFRAG)
  // and hands over whole datagrams up to its framesz.
  uint32_t max_rx_frame = 0;
  rss_key key = kSymmetricRssKey;
  bool promiscuous = false;
  bool checksum_offload = true;  // false: never offload (exercises the software path)
  // Mbufs other layers hold, for the mempool formula (mempool.hh).
  uint32_t lcores = 0;  // 0: n_queues + 1
  uint32_t handoff_slots = 0;
  uint32_t reassembly_mbufs = 0;
  uint32_t arp_pending_mbufs = 0;
  uint32_t extra_mbufs = 0;
};

struct port_caps {
  std::string driver;
  uint16_t max_rx_queues = 0;
  uint16_t max_tx_queues = 0;
  uint16_t reta_size = 0;
  uint8_t hash_key_size = 0;
  uint64_t rss_offloads = 0;         // flow types the port can hash
  bool rss = false;                  // the port hashes TCP/IPv4 4-tuples with our key
  bool tx_checksum_offload = false;  // IPv4 and TCP checksums computed by the port on TX
  bool rx_checksum = false;          // the port reports IPv4/TCP checksum status on RX
  bool multi_seg_tx = false;
};

// How flows map to queues on this port: the key in use and the redirection
// table (queue per entry). `hardware` is false when the port does not hash and
// the table is our software convention (the receiving worker hands off).
struct rss_state {
  std::vector<uint8_t> key;
  std::vector<uint16_t> reta;
  bool hardware = false;
};

struct link_state {
  bool up = false;
  uint32_t speed_mbps = 0;
  bool full_duplex = false;
};

struct port_stats {
  uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
  uint64_t rx_missed = 0, rx_errors = 0, tx_errors = 0, rx_nombuf = 0;
};

class port {
 public:
  // Size of the software redirection table for ports without RSS.
  static constexpr uint16_t kSoftwareRetaSize = 128;

  // Configures, sets up every queue and starts the port. Throws std::runtime_error.
  explicit port(const port_config& cfg);
  ~port();  // stops and closes the port, frees its pools
  port(const port&) = delete;
  port& operator=(const port&) = delete;

  // Port id of a probed device by name ("net_ring0", "0000:03:00.0"); throws if none.
  static uint16_t find(std::string_view device_name);

  uint16_t id() const { return id_; }
  uint16_t n_queues() const { return n_queues_; }
  uint16_t mtu() const { return mtu_; }
  const port_caps& caps() const { return caps_; }
  const rss_state& rss() const { return rss_; }
  std::array<uint8_t, 6> mac() const { return mac_; }
  rte_mempool* pool(uint16_t queue) const { return queue_pools_.at(queue); }
  uint32_t pool_size() const { return pool_size_; }
  queue_io io(uint16_t queue) const { return queue_io::ethdev(id_, queue); }

  link_state link() const;
  port_stats stats() const;
  // Driver extended statistics by name (control thread only: allocates).
  std::vector<std::pair<std::string, uint64_t>> xstats() const;

 private:
  void setup_rss(const port_config& cfg, const rte_eth_dev_info& info);

  uint16_t id_;
  uint16_t n_queues_;
  uint16_t mtu_;
  port_caps caps_;
  rss_state rss_;
  std::array<uint8_t, 6> mac_{};
  std::vector<rte_mempool*> pools_;        // one per socket used
  std::vector<rte_mempool*> queue_pools_;  // per queue, into pools_
  uint32_t pool_size_ = 0;
  bool started_ = false;
};

}  // namespace sstpgw::eal
