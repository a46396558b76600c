#include "control/common/base64.hh"

#include <array>

namespace sstpgw {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_reverse() {
  std::array<int8_t, 256> r{};
  for (auto& v : r) v = -1;
  for (int i = 0; i < 64; ++i) r[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return r;
}
constexpr auto kReverse = make_reverse();

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string describe(char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto u = static_cast<uint8_t>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

std::nullopt_t fail(std::string* error, std::string text) {
  if (error) *error = "Base64: " + std::move(text);
  return std::nullopt;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  auto byte = [&](size_t i) { return uint32_t{static_cast<uint8_t>(bytes[i])}; };
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  if (size_t left = bytes.size() - i) {
    uint32_t v = byte(i) << 16 | (left == 2 ? byte(i + 1) << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, base64_padding padding, std::string* error) {
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t digits = 0, pad = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_space(c)) continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    const int8_t v = kReverse[static_cast<uint8_t>(c)];
    if (pad > 0) return fail(error, "data after '=' padding at offset " + std::to_string(i));
    if (v < 0) return fail(error, describe(c) + " at offset " + std::to_string(i) + " is not a Base64 character");
    ++digits;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  // 4n digits; or 4n+2 / 4n+3 with the matching padding (or none, if allowed).
  const size_t rem = digits % 4;
  const bool padded = rem != 0 && pad == 4 - rem;
  const bool unpadded_ok = padding == base64_padding::optional && pad == 0;
  if (rem == 1 || (rem == 0 && pad != 0) || (rem != 0 && !padded && !unpadded_ok) || acc != 0)
    return fail(error, "truncated or badly padded (" + std::to_string(digits) + " digits, " + std::to_string(pad) +
                           " '=')");
  return out;
}

}  // namespace sstpgw
