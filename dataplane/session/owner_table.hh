// Which worker owns a client address (gateway-protocol.md "Shared read-mostly
// state"): one std::atomic<uint16_t> per address of the client pool's
// prefixes, written by the control thread on data_path_up/down and read by any
// worker that receives a VNet packet for that address on its queue, to hand it
// to the owner. Sized at start from the pool prefixes; nothing grows.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dataplane/net/ipv4.hh"

namespace sstpgw::session {

inline constexpr uint16_t kNoOwner = 0xffff;

class owner_table {
 public:
  // Throws std::invalid_argument if the prefixes hold more than 2^24 addresses.
  explicit owner_table(std::span<const net::ipv4_subnet> pool_prefixes);

  // The owner of ip, or kNoOwner (not in the pool, or no live session).
  uint16_t owner_of(uint32_t ip) const {
    const int64_t i = index_of(ip);
    return i < 0 ? kNoOwner : owners_[static_cast<size_t>(i)].load(std::memory_order_acquire);
  }
  bool in_pool(uint32_t ip) const { return index_of(ip) >= 0; }
  // Control thread. False if ip is not in the pool.
  bool set(uint32_t ip, uint16_t worker) {
    const int64_t i = index_of(ip);
    if (i < 0) return false;
    owners_[static_cast<size_t>(i)].store(worker, std::memory_order_release);
    return true;
  }
  void clear(uint32_t ip) { set(ip, kNoOwner); }
  size_t size() const { return n_; }

 private:
  int64_t index_of(uint32_t ip) const {
    for (const range& r : ranges_)
      if (r.prefix.contains(ip)) return static_cast<int64_t>(r.base + (ip - (r.prefix.addr & r.prefix.mask())));
    return -1;
  }
  struct range {
    net::ipv4_subnet prefix;
    size_t base;
  };
  std::vector<range> ranges_;
  size_t n_ = 0;
  std::unique_ptr<std::atomic<uint16_t>[]> owners_;
};

}  // namespace sstpgw::session
