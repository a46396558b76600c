#include "control/pool/return_worker.hh"

#include "dataplane/eal/rss.hh"

namespace sstpgw::pool {

std::function<uint32_t(ipv4_address)> make_dst_rss_worker_of(std::vector<uint8_t> key,
                                                             std::vector<uint16_t> reta) {
  return [key = std::move(key), reta = std::move(reta)](ipv4_address client) -> uint32_t {
    return eal::queue_of(eal::rss_hash_ipv4_dst(key, client.value), reta);
  };
}

std::vector<uint16_t> default_reta(uint32_t queues, uint32_t size) {
  std::vector<uint16_t> reta(size);
  for (uint32_t i = 0; i < size; ++i) reta[i] = static_cast<uint16_t>(queues ? i % queues : 0);
  return reta;
}

}  // namespace sstpgw::pool
