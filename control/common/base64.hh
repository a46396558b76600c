// Standard Base64 (RFC 4648 §4) for the control protocol (binary certificate
// files and package files travel inside JSON strings) and for certificate input
// that arrives Base64 without PEM armour.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sstpgw {

std::string base64_encode(std::string_view bytes);
// Strict decode: padding required, whitespace (space, tab, CR, LF) ignored,
// anything else outside the alphabet rejected. nullopt on malformed input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sstpgw
