#include "control/certs/store_json.hh"

namespace sstpgw::certs {

using nlohmann::json;

json summary_json(const cert_summary& s) {
  return {{"subject", s.subject},
          {"issuer", s.issuer},
          {"sha1", s.sha1.hex()},
          {"sha256", s.sha256},
          {"serial", s.serial},
          {"key", s.key},
          {"not_before", format_time(s.not_before)},
          {"not_after", format_time(s.not_after)},
          {"ca", s.is_ca},
          {"self_signed", s.self_signed}};
}

json roots_json(const cert_store& store) {
  json list = json::array();
  for (const auto& r : store.roots()) {
    json j = summary_json(r.summary);
    j["name"] = r.name;
    j["added_at"] = format_time(r.added_at);
    list.push_back(std::move(j));
  }
  return {{"roots", std::move(list)}, {"count", store.roots().size()}, {"limit", kMaxRoots}};
}

json revoked_json(const cert_store& store) {
  json list = json::array();
  for (const auto& r : store.revoked())
    list.push_back({{"thumbprint", r.sha1.hex()}, {"comment", r.name}, {"added_at", format_time(r.added_at)}});
  return {{"revoked", std::move(list)}, {"count", store.revoked().size()}, {"limit", kMaxRevoked}};
}

json change_json(const store_change& c) {
  json certs = json::array();
  for (const auto& s : c.certs) certs.push_back(summary_json(s));
  return {{"ok", c.ok}, {"message", c.message}, {"warnings", c.warnings}, {"certificates", std::move(certs)}};
}

json verify_json(const verify_result& r) {
  json chain = json::array();
  for (const auto& t : r.credentials.chain) chain.push_back(t.hex());
  json j = {{"ok", r.ok()},
            {"status", std::string(to_string(r.status))},
            {"reason", r.reason},
            {"leaf", r.credentials.leaf.hex()},
            {"leaf_subject", r.credentials.leaf_subject},
            {"chain", std::move(chain)}};
  if (r.ok()) {
    j["root"] = r.credentials.root.hex();
    j["root_name"] = r.root_name;
    j["not_after"] = format_time(r.credentials.not_after);
  }
  return j;
}

}  // namespace sstpgw::certs
