// The certificate store as the control socket shows it: JSON for `sstpctl cert
// list`, `revoke list`, the outcome of add/remove, and a verification result. The
// control socket and any other front end render these; they never reach into the
// store's types themselves.
#pragma once

#include <nlohmann/json.hpp>

#include "control/certs/cert_store.hh"

namespace sstpgw::certs {

// {"name", "subject", "issuer", "sha1", "sha256", "serial", "key",
//  "not_before", "not_after", "ca", "self_signed"} (times ISO 8601 UTC).
nlohmann::json summary_json(const cert_summary& s);
// `cert list`: {"roots": [summary + "name", "added_at"], "count", "limit"}.
nlohmann::json roots_json(const cert_store& store);
// `revoke list`: {"revoked": [{"thumbprint", "name", "added_at"}], "count", "limit"}.
nlohmann::json revoked_json(const cert_store& store);
// `cert add|remove`, `revoke add|remove`: {"ok", "message", "warnings", "certificates"}.
nlohmann::json change_json(const store_change& c);
// {"ok", "status", "reason", "root", "root_name", "leaf", "chain", "not_after"}.
nlohmann::json verify_json(const verify_result& r);

}  // namespace sstpgw::certs
