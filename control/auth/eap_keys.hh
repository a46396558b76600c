// Keying material an EAP method exports (RFC 3748 §7.10): the 64-byte MSK and
// EMSK, wiped when dropped, and the two HLAK forms SSTP's crypto binding may
// use with EAP-TLS (reference §1.4/§4: MSK[0..31], or pppd 2.4's 16+16 form).
#pragma once

#include <array>
#include <cstdint>

namespace sstpgw::auth {

struct eap_keys {
  std::array<uint8_t, 64> msk{};
  std::array<uint8_t, 64> emsk{};

  eap_keys() = default;
  eap_keys(const eap_keys&) = default;
  eap_keys& operator=(const eap_keys&) = default;
  ~eap_keys();
};


}  // namespace sstpgw::auth
