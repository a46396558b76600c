// The one thing IPCP needs from the client address pool (control/pool owns the
// real one): an address for a session, and its return when the session ends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sstpgw::ppp {

struct ipv4_address {
  uint32_t value = 0;  // host byte order: 10.0.0.1 is 0x0A000001

  static constexpr ipv4_address from_octets(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return {(uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d};
  }
  constexpr bool is_zero() const { return value == 0; }
  std::string to_string() const;
  friend constexpr bool operator==(ipv4_address, ipv4_address) = default;
};

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
