// IPv4 addresses and prefixes as host-order integers, with strict text parsing
// ("10.1.0.0/16"; no leading zeros, no shorthand) for configuration, the control
// protocol and the address pool. Pure; the data plane uses the same type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sstpgw {

struct ipv4_address {
  uint32_t value = 0;  // host byte order

  friend bool operator==(ipv4_address, ipv4_address) = default;
  friend auto operator<=>(ipv4_address, ipv4_address) = default;
  std::string to_string() const;
};

struct ipv4_prefix {
  ipv4_address network;
  uint8_t length = 0;

  uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
  bool contains(ipv4_address a) const { return (a.value & mask()) == network.value; }
  uint64_t size() const { return uint64_t{1} << (32 - length); }
  friend bool operator==(const ipv4_prefix&, const ipv4_prefix&) = default;
  std::string to_string() const;
};

// An interface address with its subnet: "192.0.2.10/24" (host bits allowed).
struct ipv4_interface {
  ipv4_address address;
  uint8_t length = 0;
  ipv4_prefix subnet() const;
};

std::optional<ipv4_address> parse_ipv4(std::string_view text);
// Network prefix; host bits must be zero ("10.1.0.1/16" is refused).
std::optional<ipv4_prefix> parse_ipv4_prefix(std::string_view text);
std::optional<ipv4_interface> parse_ipv4_interface(std::string_view text);

}  // namespace sstpgw
