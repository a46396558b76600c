#include "dataplane/common/ipv4_address.hh"

namespace sstpgw {
namespace {

void set_error(std::string* error, std::string text) {
  if (error) *error = std::move(text);
}

// The input as it goes into an error message: quoted, control bytes masked, cut.
std::string shown(std::string_view text) {
  std::string s;
  for (char c : text.substr(0, 64)) s += (static_cast<uint8_t>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return "'" + s + (text.size() > 64 ? "...'" : "'");
}

// "ADDRESS/LENGTH" with a strict 0-32 length; host bits unchecked.
std::optional<ipv4_interface> parse_with_length(std::string_view text, std::string* error) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    set_error(error, shown(text) + " is not a prefix (expected address/length, e.g. 172.16.201.0/24)");
    return std::nullopt;
  }
  auto addr = parse_ipv4(text.substr(0, slash), error);
  if (!addr) return std::nullopt;
  std::string_view len = text.substr(slash + 1);
  unsigned n = 0;
  bool ok = !len.empty() && len.size() <= 2 && !(len.size() > 1 && len[0] == '0');
  for (char c : len) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) n = n * 10 + static_cast<unsigned>(c - '0');
  }
  if (!ok || n > 32) {
    set_error(error, shown(text) + ": prefix length must be 0-32");
    return std::nullopt;
  }
  return ipv4_interface{*addr, static_cast<uint8_t>(n)};
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

std::optional<ipv4_address> parse_ipv4(std::string_view text, std::string* error) {
  uint32_t value = 0;
  size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != '.') {
        set_error(error, shown(text) + " is not an IPv4 address (expected four numbers joined by dots)");
        return std::nullopt;
      }
      ++pos;
    }
    size_t start = pos;
    uint32_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 4)
      n = n * 10 + static_cast<uint32_t>(text[pos++] - '0');
    const size_t digits = pos - start;
    if (digits == 0 || digits > 3 || n > 255 || (digits > 1 && text[start] == '0')) {
      set_error(error, shown(text) + " is not an IPv4 address (each part is 0-255, no leading zeros)");
      return std::nullopt;
    }
    value = value << 8 | n;
  }
  if (pos != text.size()) {
    set_error(error, shown(text) + " is not an IPv4 address (unexpected text after the fourth number)");
    return std::nullopt;
  }
  return ipv4_address{value};
}

std::optional<ipv4_prefix> parse_ipv4_prefix(std::string_view text, std::string* error) {
  auto i = parse_with_length(text, error);
  if (!i) return std::nullopt;
  ipv4_prefix p = i->subnet();
  if (p.network != i->address) {
    set_error(error, shown(text) + " has host bits set; did you mean " + p.to_string() + "?");
    return std::nullopt;
  }
  return p;
}

std::optional<ipv4_interface> parse_ipv4_interface(std::string_view text, std::string* error) {
  return parse_with_length(text, error);
}

}  // namespace sstpgw
