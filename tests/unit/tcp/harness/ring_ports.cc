#include "tests/unit/tcp/harness/ring_ports.hh"

#include <rte_bus_vdev.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <stdexcept>

namespace sstpgw::tcp::testing {

ring_port_pair::ring_port_pair(const ring_pair_config& cfg) : cfg_(cfg) {
  const unsigned socket = rte_socket_id() == static_cast<unsigned>(SOCKET_ID_ANY) ? 0 : rte_socket_id();
  for (size_t k = 0; k < 2; ++k) {
    const std::string rn = cfg.name + (k == 0 ? "_to_a" : "_to_b");
    rings_[k] =
        rte_ring_create(rn.c_str(), cfg.ring_size, static_cast<int>(socket), RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (rings_[k] == nullptr) {
      throw std::runtime_error("rte_ring_create " + rn + ": " + rte_strerror(rte_errno));
    }
  }
  names_ = {cfg.name + "_a", cfg.name + "_b"};
  for (size_t k = 0; k < 2; ++k) {
    rte_ring* rx[] = {rings_[k]};
    rte_ring* tx[] = {rings_[1 - k]};
    const int id = rte_eth_from_rings(names_[k].c_str(), rx, 1, tx, 1, socket);
    if (id < 0) throw std::runtime_error("rte_eth_from_rings " + names_[k] + ": " + rte_strerror(rte_errno));
    eal::port_config pc;
    pc.port_id = static_cast<uint16_t>(id);
    pc.n_queues = 1;
    pc.queue_lcores = {cfg.lcores[k]};
    pc.lcores = 3;  // both workers free into this pool, plus the main lcore
    pc.arp_pending_mbufs = cfg.arp_pending_mbufs;
    // The peer's RX ring holds this port's packets too (net_ring moves pointers).
    pc.extra_mbufs = cfg.extra_mbufs + cfg.ring_size;
    ports_[k] = std::make_unique<eal::port>(pc);
  }
}

std::array<uint8_t, 6> ring_port_pair::mac(int side) const {
  auto m = ports_.at(static_cast<size_t>(side))->mac();
  if (m == std::array<uint8_t, 6>{}) {
    // Locally administered, unicast, one per port id.
    const uint16_t id = ports_.at(static_cast<size_t>(side))->id();
    m = {0x02, 0x53, 0x47, 0x57, static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
  }
  return m;
}

uint32_t ring_port_pair::drain() {
  uint32_t n = 0;
  void* objs[64];
  for (rte_ring* r : rings_) {
    unsigned got;
    while ((got = rte_ring_dequeue_burst(r, objs, 64, nullptr)) > 0) {
      rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), got);
      n += got;
    }
  }
  return n;
}

ring_port_pair::~ring_port_pair() {
  drain();                           // before the ports free their pools
  for (auto& p : ports_) p.reset();  // stop and close
  for (const auto& n : names_)
    if (!n.empty()) rte_vdev_uninit(n.c_str());  // the vdev stays on the bus after close
  for (rte_ring* r : rings_) rte_ring_free(r);
}

}  // namespace sstpgw::tcp::testing
