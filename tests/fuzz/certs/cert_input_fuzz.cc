// Fuzzes what operators paste: certificates (PEM, bundles, DER, Base64 of DER),
// thumbprints and Base64. Whatever parses must describe itself and round-trip.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "control/common/base64.hh"
#include "control/certs/cert_input.hh"
#include "control/certs/cert_summary.hh"
#include "control/certs/store_files.hh"
#include "control/certs/thumbprint.hh"

using namespace sstpgw::certs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  std::string error;
  if (auto t = parse_thumbprint(text, &error)) {
    if (parse_thumbprint(t->hex()) != t) std::abort();
  } else if (error.empty()) {
    std::abort();  // a refusal must say why
  }

  if (auto decoded = sstpgw::base64_decode(text, sstpgw::base64_padding::optional, &error)) {
    if (sstpgw::base64_decode(sstpgw::base64_encode(*decoded)) != decoded) std::abort();  // round trip
  } else if (error.empty()) {
    std::abort();
  }

  auto parsed = parse_certificates(std::span<const uint8_t>(data, size));
  if (parsed.ok() == parsed.certs.empty()) std::abort();  // certificates xor an error
  for (auto& c : parsed.certs) {
    auto s = summarize(c.get());
    (void)root_cert_problem(c.get());
    auto der = to_der(c.get());
    auto back = parse_certificates(std::span<const uint8_t>(der));
    if (!back.ok() || back.certs.size() != 1 || sha1_thumbprint(back.certs[0].get()) != s.sha1) std::abort();
  }
  return 0;
}
