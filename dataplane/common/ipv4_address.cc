#include "dataplane/common/ipv4_address.hh"

namespace sstpgw {
namespace {

// Parses a decimal in [0, max] with no sign, no leading zeros (except "0").
std::optional<uint32_t> parse_decimal(std::string_view s, uint32_t max) {
  if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return std::nullopt;
  return static_cast<uint32_t>(v);
}

std::optional<std::pair<ipv4_address, uint8_t>> parse_with_length(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto a = parse_ipv4(text.substr(0, slash));
  auto len = parse_decimal(text.substr(slash + 1), 32);
  if (!a || !len) return std::nullopt;
  return std::make_pair(*a, static_cast<uint8_t>(*len));
}

}  // namespace

std::string ipv4_address::to_string() const {
  return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 255) + "." +
         std::to_string((value >> 8) & 255) + "." + std::to_string(value & 255);
}

std::string ipv4_prefix::to_string() const { return network.to_string() + "/" + std::to_string(length); }

ipv4_prefix ipv4_interface::subnet() const {
  ipv4_prefix p{{}, length};
  p.network.value = address.value & p.mask();
  return p;
}

std::optional<ipv4_address> parse_ipv4(std::string_view text) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    size_t dot = i < 3 ? text.find('.') : text.size();
    if (dot == std::string_view::npos) return std::nullopt;
    auto octet = parse_decimal(text.substr(0, dot), 255);
    if (!octet) return std::nullopt;
    value = (value << 8) | *octet;
    text.remove_prefix(i < 3 ? dot + 1 : dot);
  }
  return ipv4_address{value};
}

std::optional<ipv4_prefix> parse_ipv4_prefix(std::string_view text) {
  auto p = parse_with_length(text);
  if (!p) return std::nullopt;
  ipv4_prefix prefix{p->first, p->second};
  if ((prefix.network.value & ~prefix.mask()) != 0) return std::nullopt;
  return prefix;
}

std::optional<ipv4_interface> parse_ipv4_interface(std::string_view text) {
  auto p = parse_with_length(text);
  if (!p) return std::nullopt;
  return ipv4_interface{p->first, p->second};
}

}  // namespace sstpgw
