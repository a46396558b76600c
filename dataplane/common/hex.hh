// Hexadecimal text, the project's one codec: certificate thumbprints (upper
// case, as Windows shows them), NSS key log secrets, test vectors and
// diagnostics (lower case).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sstpgw {

enum class hex_case { lower, upper };

inline std::string to_hex(std::span<const uint8_t> bytes, hex_case letters = hex_case::lower) {
  const char* digits = letters == hex_case::upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}
inline std::string to_hex(const uint8_t* data, size_t size, hex_case letters = hex_case::lower) {
  return to_hex(std::span<const uint8_t>(data, size), letters);
}

// 0..15, or -1 for a character that is not a hex digit (either case).
constexpr int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hex text to bytes, skipping spaces, tabs and line breaks (test vectors are
// written in lines). nullopt on any other non-hex character or an odd number
// of digits.
inline std::optional<std::vector<uint8_t>> parse_hex(std::string_view text) {
  std::vector<uint8_t> out;
  out.reserve(text.size() / 2);
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    const int v = hex_digit_value(c);
    if (v < 0) return std::nullopt;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return out;
}

}  // namespace sstpgw
