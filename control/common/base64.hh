// Standard Base64 (RFC 4648 §4), the project's one codec: binary certificate and
// package files inside control-protocol JSON, certificates pasted without PEM
// armour (Windows ".cer" Base64 export), state files.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sstpgw {

std::string base64_encode(std::string_view bytes);
inline std::string base64_encode(std::span<const uint8_t> bytes) {
  return base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// Whether the final '=' padding must be present. Operators paste Base64 that
// lost its padding; what we produce ourselves always has it.
enum class base64_padding { required, optional };

// Whitespace (space, tab, CR, LF) is skipped; any other character outside the
// alphabet, data after padding, a truncated quantum or non-zero trailing bits
// fail. On failure: nullopt, and *error says what and where.
std::optional<std::string> base64_decode(std::string_view text, base64_padding padding = base64_padding::required,
                                         std::string* error = nullptr);

}  // namespace sstpgw
