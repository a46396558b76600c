// A whole SSTP call between the server and client state machines, connected
// back to back through their byte outputs cut at random points.
#include <gtest/gtest.h>

#include "tests/unit/sstp/call_harness.hh"

namespace sstpgw::sstp::testing {
namespace {

TEST(SstpCall, WholeCall) {
  call_pair c;
  c.link_up();
  EXPECT_TRUE(find_event(c.server_events, call_event_kind::link_up));
  EXPECT_TRUE(find_event(c.client_events, call_event_kind::link_up));
  ASSERT_EQ(types_of(c.client_sent), (std::vector<uint16_t>{T(message_type::call_connect_request)}));
  ASSERT_EQ(types_of(c.server_sent), (std::vector<uint16_t>{T(message_type::call_connect_ack)}));
  EXPECT_EQ(c.client.nonce(), c.server.nonce());
  EXPECT_EQ(c.client.chosen_hash(), hash_protocol::sha256);

  // PPP control frames flow both ways while Call_Connected_Pending.
  ASSERT_TRUE(c.client.send_ppp(lcp_frame(), c.now));
  ASSERT_TRUE(c.server.send_ppp(lcp_frame(), c.now));
  c.pump();
  auto* up = find_event(c.server_events, call_event_kind::ppp_frame);
  ASSERT_TRUE(up);
  EXPECT_EQ(up->frame, lcp_frame());
  ASSERT_TRUE(find_event(c.client_events, call_event_kind::ppp_frame));

  c.authenticate(hlak_form::eap_tls_legacy);
  auto* conn = find_event(c.server_events, call_event_kind::connected);
  ASSERT_TRUE(conn);
  EXPECT_EQ(conn->hash, hash_protocol::sha256);
  EXPECT_EQ(conn->form, hlak_form::eap_tls_legacy);
  EXPECT_EQ(c.server.state(), call_state::server_call_connected);
  EXPECT_EQ(c.client.state(), call_state::client_call_connected);
  EXPECT_EQ(c.server_counters.get(call_counter::calls_connected), 1u);

  // Data both ways.
  c.server_events.clear();
  c.client_events.clear();
  ASSERT_TRUE(c.client.send_ppp(ipv4_frame(), c.now));
  ASSERT_TRUE(c.server.send_ppp(ipv4_frame(), c.now));
  c.pump();
  auto* data = find_event(c.server_events, call_event_kind::ppp_frame);
  ASSERT_TRUE(data);
  EXPECT_EQ(data->frame, ipv4_frame());
  ASSERT_TRUE(find_event(c.client_events, call_event_kind::ppp_frame));
  EXPECT_EQ(find_event(c.client_events, call_event_kind::ppp_frame)->frame, ipv4_frame());

  // Hello: both sides' timers fire after 60 s of silence; each answers the other.
  EXPECT_EQ(c.server.next_deadline(), c.now + 60s);
  c.server_sent.clear();
  c.client_sent.clear();
  c.advance(60s);
  EXPECT_EQ(c.server_counters.get(call_counter::echo_request_sent), 1u);
  EXPECT_EQ(c.client_counters.get(call_counter::echo_request_received), 1u);
  auto st = types_of(c.server_sent);
  EXPECT_NE(std::find(st.begin(), st.end(), T(message_type::echo_request)), st.end());
  auto ct = types_of(c.client_sent);
  EXPECT_NE(std::find(ct.begin(), ct.end(), T(message_type::echo_response)), ct.end());
  // The answers keep the call up through more intervals.
  c.advance(60s);
  c.advance(60s);
  EXPECT_EQ(c.server.state(), call_state::server_call_connected);
  EXPECT_EQ(c.server_counters.get(call_counter::hello_timeout), 0u);

  // Client disconnects: DISCONNECT -> DISCONNECT_ACK; client closes at once,
  // the server after DISCONNECT_TIMER_2.
  c.server_sent.clear();
  c.client_sent.clear();
  c.client_events.clear();
  c.server_events.clear();
  c.client.disconnect(c.now);
  c.pump();
  EXPECT_EQ(types_of(c.client_sent), (std::vector<uint16_t>{T(message_type::call_disconnect)}));
  EXPECT_EQ(types_of(c.server_sent), (std::vector<uint16_t>{T(message_type::call_disconnect_ack)}));
  auto* closed = find_event(c.client_events, call_event_kind::closed);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->reason, close_reason::disconnect_acked);
  auto* disc = find_event(c.server_events, call_event_kind::disconnected);
  ASSERT_TRUE(disc);
  EXPECT_TRUE(disc->by_peer);
  EXPECT_EQ(c.server.state(), call_state::call_disconnect_timeout_pending);
  EXPECT_EQ(c.server.next_deadline(), c.now + 1s);
  c.advance(1s);
  ASSERT_TRUE(find_event(c.server_events, call_event_kind::closed));
  EXPECT_EQ(find_event(c.server_events, call_event_kind::closed)->reason, close_reason::disconnect_done);
  EXPECT_TRUE(c.server.is_closed());
  EXPECT_FALSE(c.server.next_deadline());
}

TEST(SstpCall, WholeCallWithSha1AndMsk) {
  client_call_config cc;
  cc.supported_hashes = kHashSha1;
  call_pair c({}, cc);
  c.link_up();
  EXPECT_EQ(c.client.chosen_hash(), hash_protocol::sha1);
  c.authenticate(hlak_form::eap_tls_msk);
  auto* conn = find_event(c.server_events, call_event_kind::connected);
  ASSERT_TRUE(conn);
  EXPECT_EQ(conn->hash, hash_protocol::sha1);
  EXPECT_EQ(conn->form, hlak_form::eap_tls_msk);
}

TEST(SstpCall, ZeroHlakForNoKeyMethods) {
  call_pair c;
  c.link_up();
  c.server.authenticated(hlak_candidates::zero(), c.now);
  c.client.authenticated(hlak_bytes{}, c.server_cert, c.now);
  c.pump();
  auto* conn = find_event(c.server_events, call_event_kind::connected);
  ASSERT_TRUE(conn);
  EXPECT_EQ(conn->form, hlak_form::zero);
}

TEST(SstpCall, CallConnectedBeforeAuthIsQueuedThenVerified) {
  call_pair c;
  c.link_up();
  std::vector<uint8_t> msk(64, 0x5C);
  // The client (like sstp-client) finishes first and sends CALL_CONNECTED.
  c.client.authenticated(client_hlak_eap_tls(msk, hlak_form::eap_tls_msk), c.server_cert, c.now);
  c.pump();
  EXPECT_EQ(c.server_counters.get(call_counter::call_connected_queued), 1u);
  EXPECT_EQ(c.server.state(), call_state::server_call_connected_pending);
  EXPECT_FALSE(find_event(c.server_events, call_event_kind::connected));
  // Data still refused until verified.
  EXPECT_FALSE(c.server.send_ppp(ipv4_frame(), c.now));
  // Authentication finishes at the server: the queued message is verified.
  c.now += 3s;
  c.server.authenticated(hlak_candidates::eap_tls(msk), c.now);
  c.pump();
  ASSERT_TRUE(find_event(c.server_events, call_event_kind::connected));
  EXPECT_EQ(c.server.state(), call_state::server_call_connected);
  EXPECT_TRUE(c.server.send_ppp(ipv4_frame(), c.now));
}

TEST(SstpCall, QueuedCallConnectedWithWrongKeyAborts) {
  call_pair c;
  c.link_up();
  std::vector<uint8_t> msk(64, 0x5C);
  std::vector<uint8_t> other(64, 0x5D);
  c.client.authenticated(client_hlak_eap_tls(msk, hlak_form::eap_tls_msk), c.server_cert, c.now);
  c.pump();
  c.server.authenticated(hlak_candidates::eap_tls(other), c.now);
  c.pump();
  EXPECT_EQ(c.server_counters.get(call_counter::binding_mac_mismatch), 1u);
  auto* ab = find_event(c.client_events, call_event_kind::aborted);
  ASSERT_TRUE(ab);
  EXPECT_TRUE(ab->by_peer);
  EXPECT_EQ(ab->code, status::value_not_supported);
}

TEST(SstpCall, ClientRefusesDataBeforeConnected) {
  call_pair c;
  c.link_up();
  EXPECT_FALSE(c.client.send_ppp(ipv4_frame(), c.now));
  EXPECT_EQ(c.client_counters.get(call_counter::tx_data_before_binding), 1u);
  EXPECT_FALSE(c.client.has_output());
}

TEST(SstpCall, AbortFromPeer) {
  call_pair c;
  c.link_up();
  c.authenticate();
  c.server_sent.clear();
  c.client_sent.clear();
  c.client.abort(status::value_not_supported, c.now);
  c.pump();
  // Client: CALL_ABORT(status); server answers CALL_ABORT.
  ASSERT_EQ(types_of(c.client_sent), (std::vector<uint16_t>{T(message_type::call_abort)}));
  EXPECT_EQ(status_of(c.client_sent[0]), status::value_not_supported);
  ASSERT_EQ(types_of(c.server_sent), (std::vector<uint16_t>{T(message_type::call_abort)}));
  auto* ab = find_event(c.server_events, call_event_kind::aborted);
  ASSERT_TRUE(ab);
  EXPECT_TRUE(ab->by_peer);
  EXPECT_EQ(ab->code, status::value_not_supported);
  EXPECT_EQ(c.server_counters.get(call_counter::peer_abort), 1u);
  EXPECT_EQ(c.server.state(), call_state::call_abort_timeout_pending);
  // The initiator got its answer: ABORT_TIMER_2 on both sides.
  EXPECT_EQ(c.client.state(), call_state::call_abort_timeout_pending);
  EXPECT_EQ(c.client.next_deadline(), c.now + 1s);
  EXPECT_EQ(c.server.next_deadline(), c.now + 1s);
  // Everything but CALL_ABORT is ignored meanwhile.
  EXPECT_FALSE(c.server.send_ppp(ipv4_frame(), c.now));
  c.advance(1s);
  EXPECT_TRUE(c.server.is_closed());
  EXPECT_TRUE(c.client.is_closed());
  EXPECT_EQ(find_event(c.server_events, call_event_kind::closed)->reason, close_reason::abort_done);
}

TEST(SstpCall, DisconnectsCrossing) {
  call_pair c;
  c.link_up();
  c.authenticate();
  c.random_cuts = false;
  c.client.disconnect(c.now);
  c.server.disconnect(c.now);
  c.pump();
  // Each acknowledges the other's CALL_DISCONNECT, then times out the wait.
  EXPECT_EQ(c.server.state(), call_state::call_disconnect_timeout_pending);
  EXPECT_EQ(c.client.state(), call_state::call_disconnect_timeout_pending);
  c.advance(1s);
  EXPECT_TRUE(c.server.is_closed());
  EXPECT_TRUE(c.client.is_closed());
}

TEST(SstpCall, OperatorDisconnectFromServer) {
  call_pair c;
  c.link_up();
  c.authenticate();
  c.server.disconnect(c.now);
  c.pump();
  EXPECT_TRUE(c.server.is_closed());
  EXPECT_EQ(find_event(c.server_events, call_event_kind::closed)->reason, close_reason::disconnect_acked);
  EXPECT_EQ(c.client.state(), call_state::call_disconnect_timeout_pending);
}

}  // namespace
}  // namespace sstpgw::sstp::testing
