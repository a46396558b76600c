// The hand-back rule at both phase switches, with bytes arriving at every cut
// point: the stand-in worker forwards the client's stream to the server
// session in two messages split at offset c, both before control has answered,
// so for every c past a switch the tail is still "on the ring" when the
// session switches and must come back (install_keys.returned, returned_bytes)
// and be replayed by the worker in order, ahead of held TCP data. The client
// pipelines (TLS 1.3: HTTP request right behind its Finished; both versions:
// CALL_CONNECT_REQUEST right behind the request), so there are bytes of the
// next phase at every switch.
#include <gtest/gtest.h>

#include <numeric>

#include "tests/unit/sessions/session_harness.hh"

namespace sstpgw::testing {
namespace {

using sessions::client_state;

struct cut_result {
  bool switched_cleanly = false;
  uint64_t returned = 0;
  uint64_t held = 0;
};

// Runs one connection with the given cut until the client is past the SSTP
// call setup (CONNECT_ACK received: the HTTP request and CONNECT_REQUEST both
// reached the right layer, in order).
cut_result run_with_cut(gateway_env& env, tls_version outer, std::optional<uint64_t> raw_cut,
                        std::optional<uint64_t> plain_cut, bool to_data_path = false) {
  session_harness h(env, {.outer_max = outer, .pipeline = true});
  h.worker.raw_cut = raw_cut;
  h.worker.plain_cut = plain_cut;
  if (to_data_path) {
    h.run();
  } else {
    h.run(2000, [&] {
      return h.server->ended() ||
             (h.client->session && h.client->session->state() >= client_state::authenticating);
    });
  }
  cut_result r;
  r.returned = h.worker.counters().returned_bytes;
  r.held = h.worker.counters().held_segments;
  const bool ok = !h.server->ended() && h.count_actions("install_keys") == 1 &&
                  h.count_actions("start_sstp") == 1 && h.count_actions("close") == 0 &&
                  h.server->info().http_host == "vpn.example.test" && h.client->session &&
                  h.client->session->state() >= client_state::authenticating &&
                  h.client->session->state() != client_state::closed && h.worker.counters().bad_record == 0;
  r.switched_cleanly = ok && (!to_data_path || h.up());
  EXPECT_TRUE(ok) << "raw cut " << (raw_cut ? std::to_string(*raw_cut) : "-") << ", plain cut "
                  << (plain_cut ? std::to_string(*plain_cut) : "-") << ": server "
                  << to_string(h.server->state()) << " '" << h.server->info().end_reason << "'";
  return r;
}

class HandBack : public ::testing::TestWithParam<tls_version> {};

TEST_P(HandBack, EveryRawCutPoint) {
  gateway_env env;
  // A probe run: how many raw bytes the client sends up to its HTTP request.
  session_harness probe(env, {.outer_max = GetParam(), .pipeline = true});
  probe.run();
  ASSERT_TRUE(probe.up());
  const size_t flushes = GetParam() == tls_version::tls1_3 ? 2 : 3;  // ..Finished(+request) / ..request
  ASSERT_GE(probe.client_flushes.size(), flushes);
  const size_t total =
      std::accumulate(probe.client_flushes.begin(), probe.client_flushes.begin() + flushes, size_t{0});

  uint64_t bounced_cases = 0, held_cases = 0;
  for (uint64_t c = 1; c < total; ++c) {
    const cut_result r = run_with_cut(env, GetParam(), c, std::nullopt);
    if (!r.switched_cleanly) break;  // one failure says enough
    bounced_cases += r.returned > 0;
    held_cases += r.held > 0;
  }
  if (GetParam() == tls_version::tls1_3) {
    // The request rides behind the Finished: every cut hands bytes back.
    EXPECT_GT(bounced_cases, 0u);
  }
  // The whole way to the data path with cuts on both sides of the switch.
  const uint64_t finished_end = probe.client_flushes[0] + probe.client_flushes[1] / 4;
  EXPECT_TRUE(run_with_cut(env, GetParam(), finished_end, std::nullopt, true).switched_cleanly);
  EXPECT_TRUE(run_with_cut(env, GetParam(), total - 1, std::nullopt, true).switched_cleanly);
  RecordProperty("bounced_cases", static_cast<int>(bounced_cases));
  RecordProperty("held_cases", static_cast<int>(held_cases));
}

TEST_P(HandBack, EveryPlaintextCutPoint) {
  gateway_env env;
  // HTTP request + CALL_CONNECT_REQUEST (14 bytes) in the client's first plaintext.
  session_harness probe(env, {.outer_max = GetParam(), .pipeline = true});
  probe.run();
  ASSERT_TRUE(probe.up());
  const std::vector<uint8_t>& first = probe.worker.transcript().at(0).second;
  ASSERT_TRUE(probe.worker.transcript().at(0).first);
  ASSERT_GT(first.size(), 14u);

  uint64_t bounced_cases = 0;
  for (uint64_t c = 1; c < first.size(); ++c) {
    const cut_result r = run_with_cut(env, GetParam(), std::nullopt, c);
    if (!r.switched_cleanly) break;
    bounced_cases += r.returned > 0;
  }
  // Every cut leaves the CONNECT_REQUEST (or part of it) behind the request:
  // returned in start_sstp, and for cuts inside the request's tail, bounced.
  EXPECT_EQ(bounced_cases, first.size() - 1);
  EXPECT_TRUE(run_with_cut(env, GetParam(), std::nullopt, first.size() - 7, true).switched_cleanly);
}

TEST_P(HandBack, BothSwitchesCutAtOnce) {
  gateway_env env;
  session_harness probe(env, {.outer_max = GetParam(), .pipeline = true});
  probe.run();
  ASSERT_TRUE(probe.up());
  const uint64_t raw = probe.client_flushes[0] + 3;
  const uint64_t plain = probe.worker.transcript().at(0).second.size() - 3;
  EXPECT_TRUE(run_with_cut(env, GetParam(), raw, plain, true).switched_cleanly);
}

// ---- TCP data arriving while bytes are still to come back -----------------

// A record the client sends on its own: SSTP ECHO_REQUEST (accepted during setup).
std::vector<uint8_t> echo_record(test_client& c) {
  const uint8_t echo[] = {0x10, 0x01, 0x00, 0x08, 0x00, 0x08, 0x00, 0x00};
  EXPECT_TRUE(c.tls.write_app(echo));
  return c.tls.take_output();
}

// Runs until the client finished its outer handshake; its Finished and first
// application record(s) are then waiting in its output.
std::vector<uint8_t> finished_flight(session_harness& h) {
  h.run(2000, [&] { return h.client->session.has_value(); });
  return h.client->take_tcp();
}

void deliver_actions(session_harness& h) {
  for (sessions::session_action& a : h.server->take_actions()) {
    h.action_log.emplace_back(sessions::action_name(a));
    h.worker.on_action(a);
  }
}

TEST(HandBackHold, RawSwitchHoldsNewTcpBehindReturnedBytes) {
  gateway_env env;
  session_harness h(env, {.outer_max = tls_version::tls1_3, .pipeline = true});
  const std::vector<uint8_t> flight = finished_flight(h);
  const uint64_t before = h.client_flushes.at(0);  // the ClientHello
  // Cut 20 bytes before the end of the flight: inside the application record
  // behind the client's Finished.
  h.worker.raw_cut = before + flight.size() - 20;
  h.worker.tcp_receive(flight);
  std::vector<to_control_msg> msgs = h.worker.take_to_control();
  ASSERT_EQ(msgs.size(), 2u);
  h.deliver({std::move(msgs[0])});
  deliver_actions(h);
  ASSERT_EQ(h.count_actions("install_keys"), 1u);
  // New TCP data while 20 raw bytes are still on their way back: held.
  h.worker.tcp_receive(echo_record(*h.client));
  EXPECT_EQ(h.worker.counters().held_segments, 1u);
  h.deliver({std::move(msgs[1])});  // still raw: bounced back, then the held record
  deliver_actions(h);
  EXPECT_EQ(h.count_actions("returned_bytes"), 1u);
  h.run();
  ASSERT_TRUE(h.up()) << h.server->info().end_reason;
  EXPECT_EQ(h.server->call_counters().get(sstp::call_counter::echo_request_received), 1u);
  EXPECT_EQ(h.worker.counters().bad_record, 0u);
}

TEST(HandBackHold, HttpSwitchHoldsNewTcpBehindReturnedBytes) {
  gateway_env env;
  session_harness h(env, {.outer_max = tls_version::tls1_3, .pipeline = true});
  const std::vector<uint8_t> flight = finished_flight(h);
  h.worker.tcp_receive(flight);
  h.deliver(h.worker.take_to_control());  // raw: Finished + the record → install_keys
  deliver_actions(h);                     // the worker opens the returned record
  // The first plaintext is the request + CALL_CONNECT_REQUEST (14 bytes):
  // deliver it cut 5 bytes into the CONNECT_REQUEST.
  std::vector<to_control_msg> plain = h.worker.take_to_control();
  ASSERT_EQ(plain.size(), 1u);
  auto& whole = std::get<stream_bytes_msg>(plain[0]).bytes;
  ASSERT_GT(whole.size(), 14u);
  stream_bytes_msg first{sessions::stream_phase::http, {whole.begin(), whole.end() - 9}};
  stream_bytes_msg second{sessions::stream_phase::http, {whole.end() - 9, whole.end()}};
  h.deliver({first});
  deliver_actions(h);
  ASSERT_EQ(h.count_actions("start_sstp"), 1u);
  h.worker.tcp_receive(echo_record(*h.client));
  EXPECT_EQ(h.worker.counters().held_segments, 1u);
  h.deliver({second});  // HTTP-phase bytes after the switch: bounced, then the held record
  deliver_actions(h);
  EXPECT_EQ(h.count_actions("returned_bytes"), 1u);
  h.run();
  ASSERT_TRUE(h.up()) << h.server->info().end_reason;
  EXPECT_EQ(h.server->call_counters().get(sstp::call_counter::echo_request_received), 1u);
}

INSTANTIATE_TEST_SUITE_P(Outer, HandBack, ::testing::Values(tls_version::tls1_2, tls_version::tls1_3),
                         [](const auto& info) {
                           return info.param == tls_version::tls1_3 ? "tls13" : "tls12";
                         });

}  // namespace
}  // namespace sstpgw::testing
