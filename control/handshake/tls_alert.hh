// The handshake engine reports alerts in the record layer's vocabulary
// (dataplane/tls/alerts.hh): what we sent or received when a handshake or a
// kept connection fails.
#pragma once

#include <string>

#include "dataplane/tls/alerts.hh"

namespace sstpgw::handshake {

using tls_alert = tls::alert_description;

// "handshake_failure(40)", for log lines and failure reasons.
std::string alert_label(tls_alert a);

}  // namespace sstpgw::handshake
