// The server call state machine alone, driven with hand-built packets: every
// negative case in its own test.
#include <gtest/gtest.h>

#include "control/sstp/server_call.hh"
#include "dataplane/sstp/packet.hh"
#include "tests/unit/sstp/call_harness.hh"
#include "tests/support/hex.hh"

namespace sstpgw::sstp::testing {
namespace {

using sstpgw::testing::from_hex;

std::vector<uint8_t> connect_request(uint16_t protocol = kEncapsulatedProtocolPpp) {
  std::vector<uint8_t> b(kCallConnectRequestSize);
  build_call_connect_request(b, protocol);
  return b;
}

std::vector<uint8_t> data_packet(const std::vector<uint8_t>& ppp) {
  std::vector<uint8_t> b(ppp.size() + 4);
  build_data_packet(b, ppp);
  return b;
}

std::vector<uint8_t> empty_message(message_type t) {
  std::vector<uint8_t> b(8);
  build_empty_message(b, t);
  return b;
}

const std::vector<uint8_t> kMsk(64, 0x42);

struct server_fixture : ::testing::Test {
  counter_set<call_counter> counters;
  sstpgw::testing::test_pki pki = sstpgw::testing::make_test_pki();
  cert_hashes cert = cert_hashes::of_der(pki.server.cert_der());
  time_point now = kT0;
  server_call_config config;
  std::unique_ptr<server_call> server;
  std::vector<call_event> events;

  void SetUp() override { make(); }
  void make() { server = std::make_unique<server_call>(config, cert, counters, now); }

  std::vector<std::vector<uint8_t>> feed(const std::vector<uint8_t>& bytes) {
    server->receive_bytes(bytes, now);
    return collect();
  }
  std::vector<std::vector<uint8_t>> collect() {
    for (auto& e : drain_events(*server)) events.push_back(e);
    return split_packets(server->take_output());
  }
  std::vector<std::vector<uint8_t>> tick(duration d) {
    now += d;
    server->on_timer(now);
    return collect();
  }

  void to_pending() {
    auto out = feed(connect_request());
    ASSERT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_connect_ack)}));
  }

  std::vector<uint8_t> call_connected(hash_protocol h = hash_protocol::sha256) {
    std::vector<uint8_t> b(kCallConnectedSize);
    build_bound_call_connected(b, h, server->nonce(), cert.get(h), client_hlak_eap_tls(kMsk, hlak_form::eap_tls_msk));
    return b;
  }

  void to_connected() {
    to_pending();
    server->authenticated(hlak_candidates::eap_tls(kMsk), now);
    auto out = feed(call_connected());
    ASSERT_TRUE(out.empty());
    ASSERT_EQ(server->state(), call_state::server_call_connected);
    events.clear();
  }

  // The server answered with CALL_ABORT(code) and entered Call_Abort_Pending.
  void expect_abort(const std::vector<std::vector<uint8_t>>& out, status code) {
    ASSERT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_abort)}));
    EXPECT_EQ(status_of(out[0]), code);
    EXPECT_EQ(server->state(), call_state::call_abort_pending);
    auto* e = find_event(events, call_event_kind::aborted);
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->by_peer);
    EXPECT_EQ(e->code, code);
    // ABORT_TIMER_1 (3 s), then closed.
    EXPECT_EQ(server->next_deadline(), now + 3s);
    EXPECT_TRUE(tick(3s).empty());
    EXPECT_TRUE(server->is_closed());
    ASSERT_TRUE(find_event(events, call_event_kind::closed));
    EXPECT_EQ(find_event(events, call_event_kind::closed)->reason, close_reason::abort_done);
  }
};

TEST_F(server_fixture, AcksConnectRequestWithFreshNonce) {
  auto out = feed(connect_request());
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].size(), kCallConnectAckSize);
  EXPECT_EQ(std::vector<uint8_t>(out[0].begin(), out[0].begin() + 16),
            from_hex("10 01 00 30 00 02 00 01 00 04 00 28 00 00 00 03"));
  EXPECT_TRUE(std::equal(server->nonce().begin(), server->nonce().end(), out[0].begin() + 16));
  EXPECT_NE(server->nonce(), nonce_bytes{});
  ASSERT_TRUE(find_event(events, call_event_kind::link_up));
  EXPECT_EQ(server->state(), call_state::server_call_connected_pending);
  EXPECT_EQ(server->next_deadline(), now + 60s);  // negotiation timer
  // Another call, another nonce.
  auto first = server->nonce();
  make();
  feed(connect_request());
  EXPECT_NE(server->nonce(), first);
}

TEST_F(server_fixture, OfferedHashesAreConfigurable) {
  config.offered_hashes = kHashSha256;
  make();
  auto out = feed(connect_request());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][15], kHashSha256);
  // A SHA-1 binding is then refused.
  server->authenticated(hlak_candidates::eap_tls(kMsk), now);
  expect_abort(feed(call_connected(hash_protocol::sha1)), status::value_not_supported);
  EXPECT_EQ(counters.get(call_counter::binding_hash_not_offered), 1u);
}

TEST_F(server_fixture, WrongNonceAborts) {
  to_pending();
  server->authenticated(hlak_candidates::eap_tls(kMsk), now);
  nonce_bytes wrong = server->nonce();
  wrong[0] ^= 0xFF;
  std::vector<uint8_t> b(kCallConnectedSize);
  build_bound_call_connected(b, hash_protocol::sha256, wrong, cert.sha256,
                             client_hlak_eap_tls(kMsk, hlak_form::eap_tls_msk));
  expect_abort(feed(b), status::value_not_supported);
  EXPECT_EQ(counters.get(call_counter::binding_nonce_mismatch), 1u);
  EXPECT_FALSE(find_event(events, call_event_kind::connected));
}

TEST_F(server_fixture, WrongCertHashAborts) {
  to_pending();
  server->authenticated(hlak_candidates::eap_tls(kMsk), now);
  // The client saw another certificate (a TLS man in the middle).
  auto other = cert_hashes::of_der(pki.client.cert_der());
  std::vector<uint8_t> b(kCallConnectedSize);
  build_bound_call_connected(b, hash_protocol::sha256, server->nonce(), other.sha256,
                             client_hlak_eap_tls(kMsk, hlak_form::eap_tls_msk));
  expect_abort(feed(b), status::value_not_supported);
  EXPECT_EQ(counters.get(call_counter::binding_cert_hash_mismatch), 1u);
}

TEST_F(server_fixture, WrongMacAborts) {
  to_pending();
  server->authenticated(hlak_candidates::eap_tls(kMsk), now);
  auto b = call_connected();
  b[kCallConnectedMacOffset + 31] ^= 0x01;
  expect_abort(feed(b), status::value_not_supported);
  EXPECT_EQ(counters.get(call_counter::binding_mac_mismatch), 1u);
}

TEST_F(server_fixture, MalformedCallConnectedAborts) {
  to_pending();
  server->authenticated(hlak_candidates::eap_tls(kMsk), now);
  // CALL_CONNECTED with an ENCAPSULATED_PROTOCOL_ID instead of CRYPTO_BINDING.
  expect_abort(feed(from_hex("10 01 00 0E 00 04 00 01 00 01 00 06 00 01")), status::invalid_frame_received);
  EXPECT_EQ(counters.get(call_counter::binding_malformed), 1u);
}

TEST_F(server_fixture, SecondCallConnectedWhileQueuedAborts) {
  to_pending();
  EXPECT_TRUE(feed(call_connected()).empty());
  EXPECT_EQ(counters.get(call_counter::call_connected_queued), 1u);
  expect_abort(feed(call_connected()), status::unaccepted_frame_received);
}

TEST_F(server_fixture, DataFrameBeforeBindingIsDropped) {
  to_pending();
  EXPECT_TRUE(feed(data_packet(ipv4_frame())).empty());
  EXPECT_EQ(counters.get(call_counter::rx_data_before_binding), 1u);
  EXPECT_FALSE(find_event(events, call_event_kind::ppp_frame));
  // Compressed forms are data too.
  EXPECT_TRUE(feed(data_packet({0x21, 0x45, 0x00})).empty());
  EXPECT_EQ(counters.get(call_counter::rx_data_before_binding), 2u);
  // Control frames pass.
  feed(data_packet(lcp_frame()));
  ASSERT_TRUE(find_event(events, call_event_kind::ppp_frame));
  EXPECT_EQ(server->state(), call_state::server_call_connected_pending);
}

TEST_F(server_fixture, DataFrameBeforeConnectRequestIsDropped) {
  EXPECT_TRUE(feed(data_packet(lcp_frame())).empty());
  EXPECT_EQ(counters.get(call_counter::rx_frame_not_accepted), 1u);
  EXPECT_FALSE(find_event(events, call_event_kind::ppp_frame));
}

TEST_F(server_fixture, MalformedPppFrameIsDropped) {
  to_pending();
  EXPECT_TRUE(feed(data_packet({0xFF, 0x05, 0xC0, 0x21})).empty());
  EXPECT_TRUE(feed(from_hex("10 00 00 04")).empty());
  EXPECT_EQ(counters.get(call_counter::rx_ppp_malformed), 2u);
}

TEST_F(server_fixture, SendingDataBeforeBindingIsRefused) {
  to_pending();
  EXPECT_FALSE(server->send_ppp(ipv4_frame(), now));
  EXPECT_EQ(counters.get(call_counter::tx_data_before_binding), 1u);
  EXPECT_FALSE(server->has_output());
  EXPECT_TRUE(server->send_ppp(lcp_frame(), now));
  auto out = collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], data_packet(lcp_frame()));
}

TEST_F(server_fixture, SendingBeforeConnectRequestIsRefused) {
  EXPECT_FALSE(server->send_ppp(lcp_frame(), now));
  EXPECT_EQ(counters.get(call_counter::tx_frame_not_accepted), 1u);
}

TEST_F(server_fixture, OversizedFrameIsRefused) {
  to_connected();
  std::vector<uint8_t> big(4092, 0);
  big[0] = 0xFF;
  big[1] = 0x03;
  big[3] = 0x21;
  EXPECT_FALSE(server->send_ppp(big, now));
  EXPECT_EQ(counters.get(call_counter::tx_frame_too_long), 1u);
  big.pop_back();
  EXPECT_TRUE(server->send_ppp(big, now));
  auto out = collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 4095u);
}

TEST_F(server_fixture, NegotiationTimeoutAfterAck) {
  to_pending();
  EXPECT_TRUE(tick(59999ms).empty());
  EXPECT_EQ(server->state(), call_state::server_call_connected_pending);
  auto out = tick(1ms);
  EXPECT_EQ(counters.get(call_counter::negotiation_timeout), 1u);
  expect_abort(out, status::negotiation_timeout);
}

TEST_F(server_fixture, NegotiationTimeoutWithoutConnectRequest) {
  auto out = tick(60s);
  expect_abort(out, status::negotiation_timeout);
}

TEST_F(server_fixture, NegotiationTimerIsConfigurable) {
  config.timers.negotiation = 5s;
  make();
  to_pending();
  expect_abort(tick(5s), status::negotiation_timeout);
}

TEST_F(server_fixture, HelloTimeoutClosesWithoutAbort) {
  to_connected();
  EXPECT_EQ(server->next_deadline(), now + 60s);
  auto out = tick(60s);
  EXPECT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::echo_request)}));
  EXPECT_EQ(server->next_deadline(), now + 60s);
  out = tick(60s);
  EXPECT_TRUE(out.empty());  // no CALL_ABORT
  EXPECT_TRUE(server->is_closed());
  ASSERT_TRUE(find_event(events, call_event_kind::closed));
  EXPECT_EQ(find_event(events, call_event_kind::closed)->reason, close_reason::hello_timeout);
  EXPECT_EQ(counters.get(call_counter::hello_timeout), 1u);
}

TEST_F(server_fixture, AnyPacketAnswersTheHello) {
  to_connected();
  tick(60s);
  now += 30s;
  feed(data_packet(ipv4_frame()));  // not an ECHO_RESPONSE, but a packet
  EXPECT_EQ(server->next_deadline(), now + 60s);
  EXPECT_TRUE(tick(30s).empty());
  EXPECT_FALSE(server->is_closed());
  // The next silence starts a fresh echo, not a close.
  EXPECT_EQ(types_of(tick(30s)), (std::vector<uint16_t>{T(message_type::echo_request)}));
  EXPECT_FALSE(server->is_closed());
}

TEST_F(server_fixture, ActivityElsewhereRestartsHello) {
  to_connected();
  now += 50s;
  server->note_activity(now);
  EXPECT_EQ(server->next_deadline(), now + 60s);
}

TEST_F(server_fixture, EchoRequestAnswered) {
  to_connected();
  auto out = feed(empty_message(message_type::echo_request));
  EXPECT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::echo_response)}));
}

TEST_F(server_fixture, EchoRequestBeforeConnectRequestAborts) {
  expect_abort(feed(empty_message(message_type::echo_request)), status::unaccepted_frame_received);
}

TEST_F(server_fixture, NakThenAcceptOnRetry) {
  auto out = feed(connect_request(0x0002));
  ASSERT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_connect_nak)}));
  EXPECT_EQ(out[0], from_hex("10 01 00 16 00 03 00 01 00 02 00 0E 00 00 00 01 00 00 00 04 00 02"));
  EXPECT_EQ(server->state(), call_state::server_connect_request_pending);
  out = feed(connect_request());
  EXPECT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_connect_ack)}));
}

TEST_F(server_fixture, NakRetriesExhaustedAborts) {
  for (int i = 0; i < 3; ++i) {
    auto out = feed(connect_request(0x0002));
    ASSERT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_connect_nak)})) << i;
  }
  EXPECT_EQ(counters.get(call_counter::connect_request_nak), 3u);
  auto out = feed(connect_request(0x0002));
  EXPECT_EQ(counters.get(call_counter::nak_retries_exceeded), 1u);
  expect_abort(out, status::retry_count_exceeded);
}

TEST_F(server_fixture, AbortFromPeerWhilePending) {
  to_pending();
  auto out = feed(from_hex("10 01 00 14 00 05 00 01 00 02 00 0C 00 00 00 00 00 00 00 08"));
  // Call_Abort_In_Progress_2: answer CALL_ABORT, ABORT_TIMER_2.
  EXPECT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_abort)}));
  auto* e = find_event(events, call_event_kind::aborted);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->by_peer);
  EXPECT_EQ(e->code, status::negotiation_timeout);
  EXPECT_EQ(server->state(), call_state::call_abort_timeout_pending);
  EXPECT_EQ(server->next_deadline(), now + 1s);
  // A repeated abort is ignored.
  EXPECT_TRUE(feed(from_hex("10 01 00 08 00 05 00 00")).empty());
  tick(1s);
  EXPECT_TRUE(server->is_closed());
}

TEST_F(server_fixture, AbortAnsweredEndsOurAbortEarly) {
  to_pending();
  server->abort(status::no_error, now);
  auto out = collect();
  EXPECT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_abort)}));
  EXPECT_EQ(server->next_deadline(), now + 3s);
  now += 500ms;
  EXPECT_TRUE(feed(from_hex("10 01 00 08 00 05 00 00")).empty());
  EXPECT_EQ(server->state(), call_state::call_abort_timeout_pending);
  EXPECT_EQ(server->next_deadline(), now + 1s);
}

TEST_F(server_fixture, MessagesIgnoredWhileAborting) {
  to_pending();
  server->abort(status::no_error, now);
  collect();
  EXPECT_TRUE(feed(empty_message(message_type::echo_request)).empty());
  EXPECT_TRUE(feed(connect_request()).empty());
  EXPECT_TRUE(feed(from_hex("10 01 00 08 00 42 00 00")).empty());
  EXPECT_TRUE(feed(data_packet(lcp_frame())).empty());
  EXPECT_FALSE(find_event(events, call_event_kind::ppp_frame));
  EXPECT_EQ(server->state(), call_state::call_abort_pending);
}

TEST_F(server_fixture, InvalidFramingClosesWithoutSending) {
  to_pending();
  auto out = feed(from_hex("11 01 00 08 00 08 00 00"));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(server->is_closed());
  ASSERT_TRUE(find_event(events, call_event_kind::closed));
  EXPECT_EQ(find_event(events, call_event_kind::closed)->reason, close_reason::invalid_framing);
  EXPECT_EQ(counters.get(call_counter::invalid_framing), 1u);
  // Nothing further happens.
  EXPECT_TRUE(feed(connect_request()).empty());
  EXPECT_FALSE(server->next_deadline());
}

TEST_F(server_fixture, InvalidLengthClosesWithoutSending) {
  auto out = feed(from_hex("10 01 00 02"));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(find_event(events, call_event_kind::closed)->reason, close_reason::invalid_framing);
}

TEST_F(server_fixture, SecondConnectRequestAborts) {
  to_pending();
  expect_abort(feed(connect_request()), status::unaccepted_frame_received);
  EXPECT_EQ(counters.get(call_counter::unexpected_message), 1u);
}

TEST_F(server_fixture, CallConnectedBeforeConnectRequestAborts) {
  expect_abort(feed(call_connected()), status::unaccepted_frame_received);
}

TEST_F(server_fixture, ConnectAckFromClientAborts) {
  to_pending();
  std::vector<uint8_t> ack(kCallConnectAckSize);
  build_call_connect_ack(ack, {});
  expect_abort(feed(ack), status::unaccepted_frame_received);
}

TEST_F(server_fixture, UnknownMessageTypeAborts) {
  to_pending();
  expect_abort(feed(from_hex("10 01 00 08 00 42 00 00")), status::invalid_frame_received);
  EXPECT_EQ(counters.get(call_counter::unknown_message), 1u);
}

TEST_F(server_fixture, MalformedControlMessageAborts) {
  to_pending();
  expect_abort(feed(from_hex("10 01 00 0C 00 08 00 02 00 01 00 04")), status::invalid_frame_received);
  EXPECT_EQ(counters.get(call_counter::malformed_message), 1u);
}

TEST_F(server_fixture, DisconnectAckTimeout) {
  to_connected();
  server->disconnect(now);
  auto out = collect();
  EXPECT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_disconnect)}));
  ASSERT_TRUE(find_event(events, call_event_kind::disconnected));
  EXPECT_EQ(server->next_deadline(), now + 5s);
  tick(5s);
  EXPECT_TRUE(server->is_closed());
  EXPECT_EQ(find_event(events, call_event_kind::closed)->reason, close_reason::disconnect_timeout);
  EXPECT_EQ(counters.get(call_counter::disconnect_ack_timeout), 1u);
}

TEST_F(server_fixture, PeerDisconnectWhilePending) {
  to_pending();
  auto out = feed(from_hex("10 01 00 08 00 06 00 00"));
  EXPECT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_disconnect_ack)}));
  EXPECT_EQ(server->state(), call_state::call_disconnect_timeout_pending);
  EXPECT_EQ(counters.get(call_counter::peer_disconnect), 1u);
}

TEST_F(server_fixture, UnsolicitedDisconnectAckAborts) {
  to_connected();
  expect_abort(feed(empty_message(message_type::call_disconnect_ack)), status::unaccepted_frame_received);
}

TEST_F(server_fixture, TransportClosed) {
  to_connected();
  server->transport_closed(now);
  collect();
  EXPECT_TRUE(server->is_closed());
  EXPECT_EQ(find_event(events, call_event_kind::closed)->reason, close_reason::transport_closed);
}

TEST_F(server_fixture, WholePacketsThroughReceivePacket) {
  server->receive_packet(connect_request(), now);
  auto out = collect();
  EXPECT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_connect_ack)}));
  server->receive_packet(from_hex("10 01 00 09 00 08 00 00"), now);  // length disagrees
  collect();
  EXPECT_TRUE(server->is_closed());
}

TEST_F(server_fixture, AuthenticatedTwiceKeepsTheFirst) {
  to_pending();
  server->authenticated(hlak_candidates::eap_tls(kMsk), now);
  server->authenticated(hlak_candidates::zero(), now);
  EXPECT_TRUE(feed(call_connected()).empty());
  EXPECT_EQ(server->state(), call_state::server_call_connected);
}

}  // namespace
}  // namespace sstpgw::sstp::testing
