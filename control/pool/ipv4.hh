// IPv4 addresses and prefixes as the pool configuration spells them.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sstpgw::pool {

struct ipv4_addr {
  uint32_t value = 0;  // host byte order: 172.16.201.1 is 0xAC10C901

  std::string to_string() const;
  auto operator<=>(const ipv4_addr&) const = default;
};

// Strict dotted quad: four decimal parts 0-255, no leading zeros (they read as
// octal in some tools), nothing else. nullopt and *error on failure.
std::optional<ipv4_addr> parse_ipv4(std::string_view text, std::string* error = nullptr);

struct ipv4_prefix {
  ipv4_addr network;   // host bits zero
  uint8_t length = 0;  // 0..32

  uint64_t size() const { return uint64_t{1} << (32 - length); }
  ipv4_addr first() const { return network; }
  ipv4_addr last() const { return {static_cast<uint32_t>(network.value + (size() - 1))}; }
  bool contains(ipv4_addr a) const { return a >= first() && a <= last(); }
  bool overlaps(const ipv4_prefix& o) const { return first() <= o.last() && o.first() <= last(); }
  std::string to_string() const;
  auto operator<=>(const ipv4_prefix&) const = default;
};

// "172.16.201.0/24". Host bits must be zero: "172.16.201.5/24" is refused with
// the prefix it probably meant, since a pool must say exactly what it covers.
std::optional<ipv4_prefix> parse_prefix(std::string_view text, std::string* error = nullptr);

}  // namespace sstpgw::pool
