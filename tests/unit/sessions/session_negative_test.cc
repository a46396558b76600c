// Every way a session ends badly, each its own test, through the same
// in-memory harness as the full session: client certificates the store
// refuses, crypto bindings that do not match, an exhausted pool, HTTP requests
// that are not SSTP, silent clients at each stage, TLS failures, the operator,
// and the TCP connection going away. Each ending: no data path, exactly one
// close action, exactly one `closed` event naming the cause, and every address
// taken from the pool given back exactly once.
#include <gtest/gtest.h>

#include <ctime>
#include <string>

#include "control/sstp/crypto_binding.hh"
#include "tests/unit/sessions/session_harness.hh"

namespace sstpgw::testing {
namespace {

using namespace std::chrono_literals;
using sessions::session_event_kind;

std::string text(const std::vector<uint8_t>& b) { return {b.begin(), b.end()}; }

void expect_ended(session_harness& h, std::string_view reason_part) {
  EXPECT_TRUE(h.server->ended()) << to_string(h.server->state());
  EXPECT_EQ(h.count_actions("close"), 1u);
  EXPECT_EQ(h.count_events(session_event_kind::closed), 1u);
  const auto* closed = h.last_event(session_event_kind::closed);
  ASSERT_NE(closed, nullptr);
  EXPECT_NE(closed->text.find(reason_part), std::string::npos) << closed->text;
  EXPECT_EQ(closed->text, h.server->info().end_reason);
  EXPECT_EQ(closed->text.find('\n'), std::string::npos) << "one line";
  EXPECT_EQ(h.count_events(session_event_kind::address_released),
            h.count_events(session_event_kind::address_assigned));
  EXPECT_EQ(h.env.pool->in_use(), 0u);
  EXPECT_TRUE(h.worker.tcp_closed());
  // Nothing moves after the end.
  const size_t actions = h.action_log.size();
  h.advance(120s);
  EXPECT_EQ(h.action_log.size(), actions);
}

void expect_never_up(const session_harness& h) {
  EXPECT_EQ(h.count_actions("data_path_up"), 0u);
  EXPECT_EQ(h.worker.counters().records_opened > 0 ? h.vnet.size() : 0u, 0u);
}

// ---- client certificates the store refuses (EAP-TLS fails) ----------------

void expect_refused_certificate(gateway_env& env, const issued_cert& cert, std::string_view check) {
  session_harness h(env, {.certificate = &cert});
  h.run();
  h.run_timers_until_ended(30s);
  expect_never_up(h);
  EXPECT_EQ(h.count_events(session_event_kind::address_assigned), 0u);  // IPCP never ran
  EXPECT_EQ(h.count_events(session_event_kind::authenticated), 0u);
  expect_ended(h, "PPP: authentication failed: TLS handshake failed: peer certificate rejected: " +
                      std::string(check));
  EXPECT_TRUE(h.worker.closed_gracefully());
}

TEST(SessionCertificates, UnknownRootRefused) {
  gateway_env env;
  const issued_cert other = make_root({.common_name = "someone else's root"});
  const issued_cert stranger = issue_cert(other, {.common_name = "stranger", .eku = {"clientAuth"}});
  expect_refused_certificate(env, stranger, "untrusted_root");
}

TEST(SessionCertificates, ExpiredClientCertificateRefused) {
  gateway_env env;
  const issued_cert c = issue_cert(
      env.pki.root, {.common_name = "expired", .eku = {"clientAuth"}, .not_before = -7200, .not_after = -60});
  expect_refused_certificate(env, c, "expired: client certificate 'CN=expired' expired at");
}

TEST(SessionCertificates, NotYetValidClientCertificateRefused) {
  gateway_env env;
  const issued_cert c = issue_cert(
      env.pki.root, {.common_name = "early", .eku = {"clientAuth"}, .not_before = 3600, .not_after = 7200});
  expect_refused_certificate(env, c, "not_yet_valid");
}

TEST(SessionCertificates, MissingClientAuthEkuRefused) {
  gateway_env env;
  const issued_cert c = issue_cert(env.pki.root, {.common_name = "server-only", .eku = {"serverAuth"}});
  expect_refused_certificate(env, c, "missing_client_auth");
}

TEST(SessionCertificates, RevokedThumbprintRefusedBeforeConnecting) {
  gateway_env env;
  ASSERT_TRUE(env.store.revoke(env.pki.client.sha1_thumbprint(), "stolen", std::time(nullptr)).ok);
  expect_refused_certificate(env, env.pki.client, "revoked");
}

// ---- crypto binding: a crafted CALL_CONNECTED from the client side ---------

enum class spoil { nonce, cert_hash, compound_mac };

// Replaces the client's CALL_CONNECTED with one built by the SSTP builders,
// right in every field except the one spoiled.
void craft_call_connected(session_harness& h, spoil what) {
  h.tamper_to_control = [&h, what](to_control_msg& m) {
    auto* p = std::get_if<sstp_packet_msg>(&m);
    if (!p || p->bytes.size() != sstp::kCallConnectedSize || p->bytes[5] != 0x04) return;
    const sessions::client_session& c = *h.client->session;
    sstp::nonce_bytes nonce = c.call()->nonce();
    sstp::hash_field cert = sstp::cert_hashes::of_der(h.env.pki.server.cert_der()).sha256;
    sstp::hlak_bytes hlak =
        sstp::client_hlak_eap_tls(c.eap()->method_keys()->msk, sstp::hlak_form::eap_tls_msk);
    if (what == spoil::nonce) nonce[7] ^= 0x40;
    if (what == spoil::cert_hash) cert = sstp::cert_hashes::of_der(h.env.pki.root.cert_der()).sha256;
    if (what == spoil::compound_mac) hlak[0] ^= 0x01;  // a MAC no HLAK candidate gives
    std::vector<uint8_t> crafted(sstp::kCallConnectedSize);
    ASSERT_EQ(sstp::build_bound_call_connected(crafted, sstp::hash_protocol::sha256, nonce, cert, hlak),
              sstp::kCallConnectedSize);
    p->bytes = crafted;
  };
}

void expect_binding_refused(spoil what, std::string_view cause, sstp::call_counter counter) {
  gateway_env env;
  session_harness h(env);
  craft_call_connected(h, what);
  h.run();
  EXPECT_EQ(h.server->call_counters().get(counter), 1u);
  EXPECT_FALSE(h.server->info().hlak_form.has_value());
  h.run_timers_until_ended(30s);
  expect_never_up(h);
  expect_ended(h, "SSTP: call aborted: " + std::string(cause));
  // The client was told: CALL_ABORT reached it.
  EXPECT_TRUE(h.client->session->ended());
  EXPECT_NE(h.client->session->end_reason().find("the server aborted the call"), std::string::npos)
      << h.client->session->end_reason();
}

TEST(SessionBinding, WrongNonceAborts) {
  expect_binding_refused(spoil::nonce, "crypto binding nonce is not this call's",
                         sstp::call_counter::binding_nonce_mismatch);
}

TEST(SessionBinding, WrongCertificateHashAborts) {
  expect_binding_refused(spoil::cert_hash, "crypto binding names another server certificate",
                         sstp::call_counter::binding_cert_hash_mismatch);
}

TEST(SessionBinding, WrongCompoundMacAborts) {
  expect_binding_refused(spoil::compound_mac, "compound MAC matches no HLAK candidate",
                         sstp::call_counter::binding_mac_mismatch);
}

TEST(SessionBinding, NoCallConnectedNeverUpThenNegotiationTimeout) {
  gateway_env env;
  session_harness h(env);
  h.tamper_to_control = [](to_control_msg& m) {
    auto* p = std::get_if<sstp_packet_msg>(&m);
    if (p && p->bytes.size() == sstp::kCallConnectedSize && p->bytes[5] == 0x04)
      p->bytes = {0x10, 0x01, 0x00, 0x08, 0x00, 0x08, 0x00, 0x00};  // ECHO_REQUEST instead
  };
  h.run();
  // EAP done and IPCP open, but no binding: no data path.
  EXPECT_TRUE(h.server->info().address.has_value());
  expect_never_up(h);
  h.run_timers_until_ended(90s);
  expect_ended(h, "SSTP: call aborted: call setup not finished within the negotiation timer");
}

// ---- the pool --------------------------------------------------------------

TEST(SessionPool, ExhaustionRefusesCleanlyWithReason) {
  gateway_env env({.pool_size = 1});
  session_harness first(env);
  first.run();
  ASSERT_TRUE(first.up());
  session_harness second(env);
  second.run();
  second.run_timers_until_ended(60s);
  EXPECT_EQ(second.count_events(session_event_kind::authenticated), 1u);
  EXPECT_EQ(second.count_events(session_event_kind::address_assigned), 0u);
  expect_never_up(second);
  EXPECT_TRUE(second.server->ended());
  const std::string& why = second.server->info().end_reason;
  EXPECT_NE(why.find("address pool exhausted"), std::string::npos) << why;
  EXPECT_EQ(second.count_actions("close"), 1u);
  EXPECT_EQ(second.count_events(session_event_kind::closed), 1u);
  // The first session is untouched and keeps its address.
  EXPECT_TRUE(first.up());
  EXPECT_EQ(env.pool->in_use(), 1u);
}

// ---- HTTP ------------------------------------------------------------------

void expect_http_refused(const std::string& request, int status, std::string_view reply_start) {
  gateway_env env;
  session_harness h(env, {.raw_http = request});
  h.run();
  EXPECT_EQ(text(h.client->received).rfind(reply_start, 0), 0u) << text(h.client->received);
  EXPECT_EQ(h.count_actions("start_sstp"), 0u);
  expect_ended(h, "HTTP request refused with " + std::to_string(status));
  EXPECT_TRUE(h.worker.closed_gracefully());
  EXPECT_TRUE(h.client->peer_closed);  // close_notify after the reply
}

TEST(SessionHttp, BrowserGetIsRefusedWith405) {
  expect_http_refused("GET / HTTP/1.1\r\nHost: vpn.example.test\r\nUser-Agent: Mozilla/5.0\r\n\r\n", 405,
                      "HTTP/1.1 405 Method Not Allowed");
}

TEST(SessionHttp, WrongPathIsRefusedWith404) {
  expect_http_refused(
      "SSTP_DUPLEX_POST /sra_{00000000-0000-0000-0000-000000000000}/ HTTP/1.1\r\nHost: vpn.example.test\r\n"
      "Content-Length: 18446744073709551615\r\n\r\n",
      404, "HTTP/1.1 404 Not Found");
}

TEST(SessionHttp, SilentClientAfterTlsTimesOutWith408) {
  gateway_env env;
  session_harness h(env, {.raw_http = std::string()});
  h.run();
  EXPECT_EQ(h.server->state(), sessions::session_state::http_request);
  h.advance(9s);
  EXPECT_FALSE(h.server->ended());
  h.advance(2s);
  EXPECT_EQ(text(h.client->received).rfind("HTTP/1.1 408", 0), 0u) << text(h.client->received);
  expect_ended(h, "HTTP request not received in time");
}

// ---- TLS -------------------------------------------------------------------

TEST(SessionTls, SilentClientTimesOutInTheHandshake) {
  gateway_env env;
  session_harness h(env);
  h.client->mute = true;
  h.run();
  h.advance(29s);
  EXPECT_FALSE(h.server->ended());
  h.advance(2s);
  expect_ended(h, "TLS handshake not finished within 30 s");
  EXPECT_FALSE(h.worker.closed_gracefully());
}

TEST(SessionTls, ClientRejectingTheServerCertificateEndsTheSession) {
  gateway_env env;
  const issued_cert other = make_root({.common_name = "the client trusts only this"});
  session_harness h(env, {.trust_root_pem = other.cert_pem()});
  h.run();
  EXPECT_EQ(h.count_actions("install_keys"), 0u);
  expect_ended(h, "TLS handshake failed: the peer ended the handshake (received unknown_ca(48))");
}

TEST(SessionTls, PlainHttpOnTheTlsPortEndsTheSession) {
  gateway_env env;
  session_harness h(env);
  h.client->mute = true;
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  h.worker.tcp_receive({reinterpret_cast<const uint8_t*>(get.data()), get.size()});
  h.run();
  // OpenSSL recognises the request and gives up without an alert.
  expect_ended(h, "TLS handshake failed: http request");
}

// ---- after the data path is up ---------------------------------------------

TEST(SessionLive, HelloTimeoutClosesWithoutAbort) {
  gateway_env env;
  session_harness h(env);
  h.run();
  ASSERT_TRUE(h.up());
  h.client->mute = true;
  h.advance(61s);  // ECHO_REQUEST goes out
  EXPECT_FALSE(h.server->ended());
  EXPECT_EQ(h.server->call_counters().get(sstp::call_counter::echo_request_sent), 1u);
  h.advance(61s);
  expect_ended(h, "SSTP: the client went silent");
  EXPECT_EQ(h.count_actions("data_path_down"), 1u);
}

TEST(SessionLive, WorkerActivityKeepsTheHelloTimerQuiet) {
  gateway_env env;
  session_harness h(env);
  h.run();
  ASSERT_TRUE(h.up());
  for (int i = 0; i < 5; ++i) {
    h.advance(50s);
    h.server->note_activity(h.now);  // the worker's stats saw data packets
  }
  EXPECT_EQ(h.server->call_counters().get(sstp::call_counter::echo_request_sent), 0u);
  EXPECT_TRUE(h.up());
}

TEST(SessionLive, OperatorKillDisconnectsInOneStep) {
  gateway_env env;
  session_harness h(env);
  h.run();
  ASSERT_TRUE(h.up());
  h.server->kill("maintenance", h.now);
  // Everything in this one call's actions: data path down, LCP Terminate +
  // CALL_DISCONNECT, close.
  auto actions = h.server->take_actions();
  ASSERT_GE(actions.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<sessions::data_path_down>(actions.front()));
  EXPECT_TRUE(std::holds_alternative<sessions::close_connection>(actions.back()));
  EXPECT_TRUE(std::get<sessions::close_connection>(actions.back()).graceful);
  for (auto& a : actions) {
    h.action_log.emplace_back(sessions::action_name(a));
    h.worker.on_action(a);
  }
  h.run();
  expect_ended(h, "disconnected by the operator: maintenance");
  EXPECT_TRUE(h.client->session->ended());
  EXPECT_EQ(h.client->session->end_reason(), "the server disconnected");
}

TEST(SessionLive, TcpGoneEndsAndReleases) {
  gateway_env env;
  session_harness h(env);
  h.run();
  ASSERT_TRUE(h.up());
  h.deliver({closed_msg{"peer reset the connection"}});
  h.run();
  expect_ended(h, "connection closed: peer reset the connection");
  EXPECT_EQ(h.count_actions("data_path_down"), 1u);
}

TEST(SessionLive, ClientAbortEndsAndReleases) {
  gateway_env env;
  session_harness h(env);
  h.run();
  ASSERT_TRUE(h.up());
  const uint8_t abort_msg[] = {0x10, 0x01, 0x00, 0x08, 0x00, 0x05, 0x00, 0x00};
  h.inject_sstp(abort_msg);
  h.run_timers_until_ended(10s);
  expect_ended(h, "SSTP: the client aborted the call");
}

}  // namespace
}  // namespace sstpgw::testing
