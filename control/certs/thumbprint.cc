#include "control/certs/thumbprint.hh"

#include <stdexcept>

#include "dataplane/common/hex.hh"

namespace sstpgw::certs {
namespace {

bool set_error(std::string* error, std::string text) {
  if (error) *error = std::move(text);
  return false;
}

// Length of an ignorable invisible mark at text[i] (UTF-8), or 0.
size_t invisible_mark(std::string_view text, size_t i) {
  auto at = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  if (i + 3 > text.size()) return 0;
  if (at(i) == 0xE2 && at(i + 1) == 0x80 && (at(i + 2) == 0x8E || at(i + 2) == 0x8F)) return 3;  // LRM, RLM
  if (at(i) == 0xEF && at(i + 1) == 0xBB && at(i + 2) == 0xBF) return 3;                         // BOM
  return 0;
}

void digest(X509* cert, const EVP_MD* md, uint8_t* out, unsigned expected) {
  unsigned len = 0;
  if (cert == nullptr || X509_digest(cert, md, out, &len) != 1 || len != expected)
    throw std::runtime_error("certificate digest failed: " + ossl::error_string());
}

}  // namespace

std::string thumbprint::hex() const { return to_hex(bytes, hex_case::upper); }

std::optional<thumbprint> parse_thumbprint(std::string_view text, std::string* error) {
  std::string digits;
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ':') {
      ++i;
      continue;
    }
    if (size_t n = invisible_mark(text, i)) {
      i += n;
      continue;
    }
    if (hex_digit_value(c) < 0) {
      std::string shown = (static_cast<uint8_t>(c) >= 0x20 && static_cast<uint8_t>(c) < 0x7f)
                              ? std::string("'") + c + "'"
                              : "byte 0x" + to_hex(reinterpret_cast<const uint8_t*>(&c), 1, hex_case::upper);
      set_error(error,
                "thumbprint: " + shown + " at position " + std::to_string(i + 1) + " is not a hex digit");
      return std::nullopt;
    }
    if (digits.size() > 64) break;  // long enough to say it is too long
    digits += c;
    ++i;
  }
  if (digits.size() != 40) {
    if (digits.size() == 64)
      set_error(
          error,
          "thumbprint: 64 hex digits is a SHA-256 fingerprint; give the SHA-1 thumbprint (40 hex digits)");
    else if (digits.empty())
      set_error(error, "thumbprint: empty (expected 40 hex digits)");
    else
      set_error(error,
                "thumbprint: " +
                    (digits.size() > 64 ? std::string("more than 64") : std::to_string(digits.size())) +
                    " hex digits, expected 40 (SHA-1)");
    return std::nullopt;
  }
  thumbprint t;
  for (size_t k = 0; k < 20; ++k)
    t.bytes[k] = static_cast<uint8_t>(hex_digit_value(digits[2 * k]) << 4 | hex_digit_value(digits[2 * k + 1]));
  return t;
}

thumbprint sha1_thumbprint(X509* cert) {
  thumbprint t;
  digest(cert, EVP_sha1(), t.bytes.data(), 20);
  return t;
}

std::string sha256_hex(X509* cert) {
  uint8_t md[32];
  digest(cert, EVP_sha256(), md, 32);
  return to_hex(md, sizeof md, hex_case::upper);
}

}  // namespace sstpgw::certs
