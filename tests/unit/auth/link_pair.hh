// Test harness: a server and a client ppp_link back to back with EAP-TLS on the
// handshake engine (the server judging client certificates with a certificate
// store) and a list-backed address pool. Shared by the link and wire tests.
#pragma once

#include <ctime>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "control/auth/eap_phase.hh"
#include "control/auth/eap_tls_context.hh"
#include "control/certs/cert_store.hh"
#include "control/ppp/link.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::testing {

using auth::eap_peer_phase;
using auth::eap_server_phase;
using ppp::link_event;

class list_pool : public ppp::address_pool {
 public:
  explicit list_pool(int n) {
    for (int i = 0; i < n; ++i)
      free.push_back(sstpgw::ipv4_address::from_octets(172, 16, 201, uint8_t(10 + i)));
  }
  std::optional<sstpgw::ipv4_address> allocate(uint32_t) override {
    ++allocations;
    if (free.empty()) return std::nullopt;
    auto a = free.front();
    free.pop_front();
    ++in_use;
    return a;
  }
  void release(sstpgw::ipv4_address a) override {
    free.push_back(a);
    --in_use;
  }
  std::deque<sstpgw::ipv4_address> free;
  int in_use = 0, allocations = 0;
};

struct link_pair {
  link_pair(uint16_t tls_max, uint16_t client_mru, int pool_size, const testing::issued_cert* client_cert,
            const testing::test_pki& pki)
      : pool(pool_size) {
    store.add_roots("test-root", pki.root.cert_pem(), std::time(nullptr));
    const auto max = static_cast<handshake::tls_version>(tls_max);
    server_tls.emplace(auth::eap_tls_server_settings{.certificate_chain = {.pem = pki.server.cert_pem()},
                                                     .private_key = {.pem = pki.server.key_pem()},
                                                     .max_version = max},
                       store);
    client_ctx.emplace(auth::make_eap_tls_client_context(
        {.certificate_chain = {.pem = client_cert ? client_cert->cert_pem() : std::string()},
         .private_key = {.pem = client_cert ? client_cert->key_pem() : std::string()},
         .trust_roots = {.pem = pki.root.cert_pem()},
         .server_name = "vpn.example.test"}));
    auto eap_server = std::make_unique<eap_server_phase>(
        auth::eap_server_phase_config{.make_tls = [this](const std::string&) {
          return server_tls->make([] { return static_cast<int64_t>(std::time(nullptr)); });
        }});
    server_eap = eap_server.get();
    ppp::link_config sc{
        .lcp = ppp::lcp_config::server(),
        .ipcp = ppp::ipcp_server_config{.local = sstpgw::ipv4_address::from_octets(172, 16, 201, 1),
                                        .dns_primary = sstpgw::ipv4_address::from_octets(10, 1, 0, 53),
                                        .pool = &pool},
        .name = "server"};
    server = std::make_unique<ppp::ppp_link>(std::move(sc), std::move(eap_server));

    auto eap_client = std::make_unique<eap_peer_phase>(auth::eap_peer_phase_config{
        .identity = "client1",
        .make_tls = [this] { return auth::make_eap_tls_client_session(*client_ctx); }});
    client_eap = eap_client.get();
    auto lc = ppp::lcp_config::client();
    lc.mru = client_mru;
    lc.request_pfc = lc.request_acfc = true;  // as Windows does
    client = std::make_unique<ppp::ppp_link>(
        ppp::link_config{.lcp = lc, .ipcp = ppp::ipcp_client_config{}, .name = "client"},
        std::move(eap_client));
  }

  // Moves frames both ways until quiet; records what the server sent.
  void run(int rounds = 300) {
    for (int i = 0; i < rounds; ++i) {
      auto to_client = server->take_frames();
      for (auto& f : to_client) {
        server_frames.push_back(f);
        wire.emplace_back(true, f);
        client->receive_frame(f, now);
      }
      auto to_server = client->take_frames();
      for (auto& f : to_server) {
        wire.emplace_back(false, f);
        server->receive_frame(f, now);
      }
      if (to_client.empty() && to_server.empty()) break;
    }
    for (auto e : server->take_events()) server_events.push_back(e);
    for (auto e : client->take_events()) client_events.push_back(e);
  }
  void start() {
    server->start(now);
    client->start(now);
    run();
  }

  list_pool pool;
  certs::cert_store store;
  std::optional<auth::eap_tls_server_factory> server_tls;
  std::optional<handshake::tls_context> client_ctx;
  eap_server_phase* server_eap = nullptr;
  eap_peer_phase* client_eap = nullptr;
  std::unique_ptr<ppp::ppp_link> server, client;
  ppp::time_point now{};
  std::vector<std::vector<uint8_t>> server_frames;
  // Every frame in order, with its direction (true: server to client).
  std::vector<std::pair<bool, std::vector<uint8_t>>> wire;
  std::vector<link_event> server_events, client_events;
};

}  // namespace sstpgw::testing
