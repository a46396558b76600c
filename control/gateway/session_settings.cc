#include "control/gateway/session_settings.hh"

#include <fmt/format.h>

#include "dataplane/sstp/constants.hh"

namespace sstpgw::gateway {

namespace {

handshake::tls_version version_of(const std::string& text, const char* what) {
  const auto v = handshake::parse_tls_version(text);
  if (!v) throw config::config_error(fmt::format("{} \"{}\" is not a TLS version", what, text));
  return *v;
}

}  // namespace

handshake::tls_context make_outer_tls(const config::gateway_config& cfg) {
  handshake::server_tls_config c;
  c.protocol.min_version = version_of(cfg.tls_min_version, "[tls] min_version");
  c.protocol.max_version = version_of(cfg.tls_max_version, "[tls] max_version");
  c.protocol.records = handshake::record_protection::offload;
  c.protocol.keylog_file = cfg.keylog_file;
  c.certificate_chain.file = cfg.certificate;
  c.private_key.file = cfg.private_key;
  c.client_certificates = handshake::client_certificate_mode::none;
  return handshake::tls_context::make_server(c);
}

auth::eap_tls_server_settings eap_tls_settings(const config::gateway_config& cfg) {
  auth::eap_tls_server_settings s;
  s.certificate_chain.file = cfg.certificate;
  s.private_key.file = cfg.private_key;
  s.min_version = handshake::tls_version::tls1_2;
  s.max_version = version_of(cfg.eap_tls_max_version, "[eap_tls] max_version");
  s.keylog_file = cfg.keylog_file;
  return s;
}

ipv4_address ppp_local_address(const config::gateway_config& cfg) {
  const auto a = parse_ipv4_interface(cfg.vnet_port.address);
  if (!a)
    throw config::config_error("[dataplane.vnet_port] address \"" + cfg.vnet_port.address +
                               "\" is not an interface address");
  return a->address;
}

sessions::server_session_config make_session_config(const config::gateway_config& cfg,
                                                    handshake::tls_context outer_tls,
                                                    auth::eap_tls_server_factory* eap_tls,
                                                    pool::ip_pool* pool) {
  sessions::server_session_config s{.outer_tls = std::move(outer_tls)};
  s.eap_tls = eap_tls;
  s.pool = pool;
  // Clients must dial the name the certificate carries (Host checked).
  s.http.server_name = cfg.server_name;
  s.http_server = "sstpgw";
  s.call.timers.negotiation = std::chrono::seconds(cfg.negotiation_timeout_s);
  s.call.timers.hello = std::chrono::seconds(cfg.hello_timeout_s);
  s.call.offered_hashes = 0;
  for (const auto& h : cfg.hash_protocols)
    s.call.offered_hashes |= h == "sha1" ? sstp::kHashSha1 : sstp::kHashSha256;
  s.lcp.mru = cfg.mru;
  s.gateway_address = ppp_local_address(cfg);
  if (!cfg.dns_servers.empty()) s.dns_primary = parse_ipv4(cfg.dns_servers[0]);
  if (cfg.dns_servers.size() > 1) s.dns_secondary = parse_ipv4(cfg.dns_servers[1]);
  return s;
}

}  // namespace sstpgw::gateway
