#include "dataplane/eal/mempool.hh"

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include <stdexcept>
#include <string>

#include "dataplane/common/log.hh"

namespace sstpgw::eal {

uint16_t data_room_for_mtu(uint16_t mtu) {
  const uint32_t frame = uint32_t{mtu} + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN;
  const uint32_t room = (frame > kMinDataRoom ? frame : kMinDataRoom) + RTE_PKTMBUF_HEADROOM;
  return static_cast<uint16_t>(room > UINT16_MAX ? UINT16_MAX : room);
}

rte_mempool* create_packet_pool(std::string_view name, uint32_t n_mbufs, uint32_t cache, uint16_t data_room,
                                int socket) {
  // rte_mempool_create refuses cache * 1.5 > n (and > RTE_MEMPOOL_CACHE_MAX_SIZE).
  uint32_t c = cache > RTE_MEMPOOL_CACHE_MAX_SIZE ? RTE_MEMPOOL_CACHE_MAX_SIZE : cache;
  while (c > 0 && c * 3 / 2 > n_mbufs) c /= 2;
  const std::string n(name.substr(0, RTE_MEMPOOL_NAMESIZE - 1));
  rte_mempool* mp = rte_pktmbuf_pool_create(n.c_str(), n_mbufs, c, 0, data_room, socket);
  if (mp == nullptr) {
    throw std::runtime_error(fmt::format("mempool {} ({} mbufs of {} B, socket {}): {}", n, n_mbufs,
                                         data_room, socket, rte_strerror(rte_errno)));
  }
  log(log_level::info, "eal", "mempool {}: {} mbufs of {} B data room, cache {}, socket {}", n, n_mbufs,
      data_room, c, socket);
  return mp;
}

}  // namespace sstpgw::eal
