// Certificate fingerprints as operators see them. A "thumbprint" is what Windows
// (certmgr, PowerShell's Cert: drive, Azure's portal) calls the SHA-1 digest of the
// DER certificate, shown as 40 hex digits; the revocation list is keyed by it.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "control/common/ossl.hh"

namespace sstpgw::certs {

struct thumbprint {
  std::array<uint8_t, 20> bytes{};

  // 40 uppercase hex digits, no separators (as Windows shows it).
  std::string hex() const;
  auto operator<=>(const thumbprint&) const = default;
};

// Parses a thumbprint the way an operator pastes it: hex in any case; spaces, tabs,
// newlines and colons ignored ("ab:cd", "AB CD ..."); the invisible marks Windows'
// certificate dialog puts around copied text (U+200E, U+200F, U+FEFF) ignored.
// On failure returns nullopt and sets *error to a one-line reason.
std::optional<thumbprint> parse_thumbprint(std::string_view text, std::string* error = nullptr);

// SHA-1 over the DER encoding of cert.
thumbprint sha1_thumbprint(X509* cert);
// SHA-256 over the DER encoding, 64 uppercase hex digits.
std::string sha256_hex(X509* cert);

}  // namespace sstpgw::certs
