#include "control/certs/store_json.hh"
#include "control/common/base64.hh"
#include "control/control_thread/commands.hh"

namespace sstpgw::control_thread {
namespace {

using ctl::command_error;
using ctl::json;

json cert_add(gateway_state& gw, const json& args) {
  const std::string name = ctl::arg_string(args, "name");
  std::string why;
  auto bytes = base64_decode(ctl::arg_string(args, "data"), base64_padding::required, &why);
  if (!bytes) throw command_error("argument \"data\" must be the Base64 of the certificate file: " + why);
  auto change = gw.add_root(name, *bytes);
  if (!change.ok) throw command_error(change.message);
  return certs::change_json(change);
}

json cert_list(const gateway_state& gw) {
  json j = certs::roots_json(gw.cert_store());
  const auto per_root = gw.sessions_per_root();
  for (auto& root : j["roots"]) {
    auto it = per_root.find(root["sha1"].get<std::string>());
    root["sessions"] = it == per_root.end() ? 0 : it->second;
  }
  return j;
}

}  // namespace

json trust_change_json(const trust_change& r) {
  json j = certs::change_json(r.change);
  j["sessions_disconnected"] = r.sessions_disconnected;
  return j;
}

void add_cert_commands(ctl::command_table& table, gateway_state& gw) {
  table.add({"cert.add", "name=NAME data=BASE64(PEM|DER|Base64 .cer file)",
             "trust a root CA for client certificates (at most 20)",
             [&gw](const json& a) { return cert_add(gw, a); }});
  table.add({"cert.list", "", "list trusted roots with their live sessions",
             [&gw](const json&) { return cert_list(gw); }});
  table.add({"cert.remove", "id=NAME|THUMBPRINT", "stop trusting a root and disconnect its sessions",
             [&gw](const json& a) {
               auto r = gw.remove_root(ctl::arg_string(a, "id"));
               if (!r.change.ok) throw command_error(r.change.message);
               return trust_change_json(r);
             }});
}

}  // namespace sstpgw::control_thread
