// The one thing IPCP needs from the client address pool (control/pool owns the
// real one): an address for a session, and its return when the session ends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dataplane/common/ipv4_address.hh"

namespace sstpgw::ppp {

class address_pool {
 public:
  virtual ~address_pool() = default;
  // An unused address for a session owned by `preferred_worker` (the pool
  // prefers one whose return traffic the VNet port's RSS steers to that
  // worker), or nullopt when the pool is exhausted.
  virtual std::optional<ipv4_address> allocate(uint32_t preferred_worker) = 0;
  // Gives back an address allocate() returned; called exactly once per address.
  virtual void release(ipv4_address address) = 0;
};

}  // namespace sstpgw::ppp
