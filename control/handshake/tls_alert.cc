#include "control/handshake/tls_alert.hh"

#include <fmt/format.h>

namespace sstpgw::handshake {

std::string alert_label(tls_alert a) { return fmt::format("{}({})", tls::name_of(a), static_cast<int>(a)); }

}  // namespace sstpgw::handshake
