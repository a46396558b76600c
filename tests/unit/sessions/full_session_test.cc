// A whole session in memory: the test client's outer TLS (a client
// tls_endpoint, records kept in OpenSSL) against the server session's
// offloaded handshake, the stand-in worker opening and sealing records with the
// installed keys (ipsec-mb), HTTP, SSTP, LCP, EAP-TLS judged by the certificate
// store, IPCP from the pool, the crypto binding, and IPv4 both ways through
// the worker once the data path is up. Outer TLS 1.2 and 1.3, EAP-TLS 1.2 and
// (once) 1.3, both HLAK forms.
#include <gtest/gtest.h>

#include <tuple>

#include "tests/unit/sessions/session_harness.hh"

namespace sstpgw::testing {
namespace {

using namespace std::chrono_literals;
using sessions::session_event_kind;
using sessions::session_state;

const ipv4_address kVnetHost = ipv4_address::from_octets(10, 1, 0, 10);

// Runs to the data path, checks both sides agree, sends one packet each way.
void expect_up_and_carrying(session_harness& h) {
  h.run();
  ASSERT_TRUE(h.server->data_path_is_up())
      << "server: " << to_string(h.server->state()) << " " << h.server->info().end_reason;
  ASSERT_TRUE(h.client->session && h.client->session->up())
      << "client: " << (h.client->session ? to_string(h.client->session->state()) : "no session") << " "
      << (h.client->session ? h.client->session->end_reason() : "");
  EXPECT_EQ(h.server->state(), session_state::up);

  const auto& info = h.server->info();
  const auto client_addr = h.client->session->address();
  ASSERT_TRUE(client_addr.has_value());
  ASSERT_TRUE(info.address.has_value());
  EXPECT_EQ(*client_addr, *info.address);
  EXPECT_EQ(h.worker.client_ip(), *client_addr);
  EXPECT_EQ(h.client->session->dns_primary(), ipv4_address::from_octets(10, 1, 0, 53));
  EXPECT_EQ(h.client->session->dns_secondary(), ipv4_address::from_octets(10, 1, 0, 54));
  EXPECT_TRUE(h.env.pool->is_leased(*client_addr));
  EXPECT_EQ(h.env.pool->owner_of(*client_addr), h.server->info().id.value);

  EXPECT_EQ(h.count_actions("install_keys"), 1u);
  EXPECT_EQ(h.count_actions("start_sstp"), 1u);
  EXPECT_EQ(h.count_actions("data_path_up"), 1u);
  EXPECT_EQ(h.count_actions("close"), 0u);
  EXPECT_EQ(h.count_events(session_event_kind::tls_established), 1u);
  EXPECT_EQ(h.count_events(session_event_kind::http_accepted), 1u);
  EXPECT_EQ(h.count_events(session_event_kind::authenticated), 1u);
  EXPECT_EQ(h.count_events(session_event_kind::address_assigned), 1u);
  EXPECT_EQ(h.count_events(session_event_kind::data_path_up), 1u);

  EXPECT_EQ(info.eap_identity, "client1");
  EXPECT_NE(info.certificate_subject.find("CN=client1"), std::string::npos) << info.certificate_subject;
  ASSERT_TRUE(info.credentials.has_value());
  EXPECT_EQ(info.credentials->leaf.hex(), h.env.pki.client.sha1_thumbprint());
  EXPECT_EQ(info.credentials->root.hex(), h.env.pki.root.sha1_thumbprint());
  EXPECT_TRUE(info.times.tls_established && info.times.http_accepted && info.times.authenticated &&
              info.times.data_path_up);
  EXPECT_EQ(info.correlation_id, "5A433D4B-1A52-4B4B-9C4C-6E0C1C2C3D4E");
  EXPECT_EQ(h.worker.counters().bad_record, 0u);

  // Client → VNet through the worker.
  const auto up_pkt = ipv4_packet(*client_addr, kVnetHost, 0xA1);
  ASSERT_TRUE(h.client->session->send_ipv4(up_pkt, h.now));
  h.run();
  ASSERT_EQ(h.vnet.size(), 1u);
  EXPECT_EQ(h.vnet[0], up_pkt);
  // VNet → client, encapsulated and sealed by the worker.
  const auto down_pkt = ipv4_packet(kVnetHost, *client_addr, 0xB2);
  ASSERT_TRUE(h.worker.vnet_receive(down_pkt));
  h.run();
  const auto got = h.client->session->take_ipv4();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], down_pkt);
  // A spoofed source never reaches the VNet.
  ASSERT_TRUE(h.client->session->send_ipv4(
      ipv4_packet(ipv4_address::from_octets(172, 16, 201, 99), kVnetHost, 1), h.now));
  h.run();
  EXPECT_EQ(h.vnet.size(), 1u);
  EXPECT_EQ(h.worker.counters().spoofed_source, 1u);
}

// The client disconnects: one close, one closed event, the address back once.
void expect_clean_disconnect(session_harness& h) {
  const auto address = *h.server->info().address;
  h.client->session->disconnect(h.now);
  h.run();
  h.run_timers_until_ended(10s);
  EXPECT_TRUE(h.server->ended());
  EXPECT_EQ(h.count_actions("close"), 1u);
  EXPECT_EQ(h.count_actions("data_path_down"), 1u);
  EXPECT_EQ(h.count_events(session_event_kind::closed), 1u);
  EXPECT_EQ(h.count_events(session_event_kind::address_released), 1u);
  EXPECT_EQ(h.last_event(session_event_kind::address_released)->address, address);
  EXPECT_FALSE(h.env.pool->is_leased(address));
  EXPECT_EQ(h.env.pool->in_use(), 0u);
  EXPECT_TRUE(h.worker.tcp_closed());
  EXPECT_TRUE(h.worker.closed_gracefully());
  EXPECT_TRUE(h.client->peer_closed);  // close_notify sealed by the worker reached the client
  EXPECT_EQ(h.server->info().end_reason, "SSTP: the client disconnected");
}

using outer_eap = std::tuple<tls_version, tls_version>;

class FullSession : public ::testing::TestWithParam<outer_eap> {};

TEST_P(FullSession, ReachesDataPathAndCarriesIpv4BothWays) {
  const auto [outer, eap] = GetParam();
  gateway_env env({.outer_max = outer, .eap_max = eap});
  session_harness h(env, {.outer_max = outer, .eap_max = eap});
  expect_up_and_carrying(h);
  EXPECT_EQ(h.server->info().tls_version, outer == tls_version::tls1_3 ? "TLSv1.3" : "TLSv1.2");
  EXPECT_EQ(h.server->info().hlak_form, sstp::hlak_form::eap_tls_msk);
  EXPECT_EQ(h.server->info().binding_hash, sstp::hash_protocol::sha256);
  expect_clean_disconnect(h);
}

INSTANTIATE_TEST_SUITE_P(Versions, FullSession,
                         ::testing::Values(outer_eap{tls_version::tls1_2, tls_version::tls1_2},
                                           outer_eap{tls_version::tls1_3, tls_version::tls1_2},
                                           outer_eap{tls_version::tls1_3, tls_version::tls1_3}),
                         [](const auto& info) {
                           const auto n = [](tls_version v) {
                             return v == tls_version::tls1_3 ? "13" : "12";
                           };
                           return std::string("outer") + n(std::get<0>(info.param)) + "_eap" +
                                  n(std::get<1>(info.param));
                         });

TEST(FullSessionForms, LegacyHlakFormIsAcceptedAndLogged) {
  gateway_env env;
  session_harness h(env, {.hlak = sstp::hlak_form::eap_tls_legacy});
  expect_up_and_carrying(h);
  EXPECT_EQ(h.server->info().hlak_form, sstp::hlak_form::eap_tls_legacy);
}

TEST(FullSessionForms, CallConnectedBeforeEapSuccessIsQueuedThenVerified) {
  gateway_env env;
  session_harness h(env, {.early_call_connected = true});
  expect_up_and_carrying(h);
  EXPECT_EQ(h.server->call_counters().get(sstp::call_counter::call_connected_queued), 1u);
  EXPECT_EQ(h.server->info().hlak_form, sstp::hlak_form::eap_tls_msk);
}

TEST(FullSessionForms, TwoSessionsGetDifferentAddresses) {
  gateway_env env;
  session_harness a(env);
  session_harness b(env);
  a.run();
  b.run();
  ASSERT_TRUE(a.up() && b.up());
  EXPECT_NE(*a.server->info().address, *b.server->info().address);
  EXPECT_EQ(env.pool->in_use(), 2u);
}

}  // namespace
}  // namespace sstpgw::testing
