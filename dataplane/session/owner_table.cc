#include "dataplane/session/owner_table.hh"

#include <stdexcept>

namespace sstpgw::session {

owner_table::owner_table(std::span<const net::ipv4_subnet> pool_prefixes) {
  for (const net::ipv4_subnet& p : pool_prefixes) {
    if (p.prefix_len > 32 || p.prefix_len < 8) throw std::invalid_argument("owner_table: prefix length out of range");
    const size_t size = size_t{1} << (32 - p.prefix_len);
    ranges_.push_back({p, n_});
    n_ += size;
    if (n_ > (size_t{1} << 24)) throw std::invalid_argument("owner_table: pool larger than 2^24 addresses");
  }
  owners_ = std::make_unique<std::atomic<uint16_t>[]>(n_ ? n_ : 1);
  for (size_t i = 0; i < n_; ++i) owners_[i].store(kNoOwner, std::memory_order_relaxed);
}

}  // namespace sstpgw::session
