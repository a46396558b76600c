// IPv4 addresses and prefixes as host-order integers, with strict text parsing
// ("10.1.0.0/16"; no leading zeros, no shorthand) for configuration, the control
// protocol, IPCP and the address pool. Pure; the data plane uses the same type.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sstpgw {

struct ipv4_address {
  uint32_t value = 0;  // host byte order: 172.16.201.1 is 0xAC10C901

  static constexpr ipv4_address from_octets(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return {(uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d};
  }
  constexpr bool is_zero() const { return value == 0; }
  std::string to_string() const;
  friend constexpr bool operator==(ipv4_address, ipv4_address) = default;
  friend constexpr auto operator<=>(ipv4_address, ipv4_address) = default;
};

struct ipv4_prefix {
  ipv4_address network;  // host bits zero
  uint8_t length = 0;    // 0..32

  constexpr uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
  constexpr uint64_t size() const { return uint64_t{1} << (32 - length); }
  constexpr ipv4_address first() const { return network; }
  constexpr ipv4_address last() const { return {static_cast<uint32_t>(network.value + (size() - 1))}; }
  constexpr bool contains(ipv4_address a) const { return (a.value & mask()) == network.value; }
  constexpr bool overlaps(const ipv4_prefix& o) const { return first() <= o.last() && o.first() <= last(); }
  std::string to_string() const;
  friend constexpr bool operator==(const ipv4_prefix&, const ipv4_prefix&) = default;
  friend constexpr auto operator<=>(const ipv4_prefix&, const ipv4_prefix&) = default;
};

// An interface address with its subnet: "192.0.2.10/24" (host bits allowed).
struct ipv4_interface {
  ipv4_address address;
  uint8_t length = 0;
  ipv4_prefix subnet() const;
};

// Strict dotted quad: four decimal parts 0-255, no leading zeros (they read as
// octal in some tools), nothing else. On failure: nullopt, and *error says why.
std::optional<ipv4_address> parse_ipv4(std::string_view text, std::string* error = nullptr);
// "172.16.201.0/24". Host bits must be zero: "172.16.201.5/24" is refused with
// the prefix it probably meant.
std::optional<ipv4_prefix> parse_ipv4_prefix(std::string_view text, std::string* error = nullptr);
std::optional<ipv4_interface> parse_ipv4_interface(std::string_view text, std::string* error = nullptr);

}  // namespace sstpgw
