#include "control/handshake/tls_config.hh"

namespace sstpgw::handshake {

std::optional<tls_version> parse_tls_version(std::string_view text) {
  for (std::string_view prefix : {"TLSv", "tlsv", "TLS", "tls"}) {
    if (text.starts_with(prefix)) {
      text.remove_prefix(prefix.size());
      break;
    }
  }
  if (text == "1.0" || text == "1") return tls_version::tls1_0;
  if (text == "1.1") return tls_version::tls1_1;
  if (text == "1.2") return tls_version::tls1_2;
  if (text == "1.3") return tls_version::tls1_3;
  return std::nullopt;
}

std::string_view name_of(tls_version v) {
  switch (v) {
    case tls_version::tls1_0:
      return "TLSv1.0";
    case tls_version::tls1_1:
      return "TLSv1.1";
    case tls_version::tls1_2:
      return "TLSv1.2";
    case tls_version::tls1_3:
      return "TLSv1.3";
  }
  return "TLS(unknown)";
}

}  // namespace sstpgw::handshake
