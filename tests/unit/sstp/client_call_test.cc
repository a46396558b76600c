// The client call state machine alone, driven with hand-built packets.
#include <gtest/gtest.h>

#include "control/sstp/client_call.hh"
#include "tests/unit/sstp/call_harness.hh"
#include "tests/support/hex.hh"

namespace sstpgw::sstp::testing {
namespace {

using sstpgw::testing::from_hex;

struct client_fixture : ::testing::Test {
  counter_set<call_counter> counters;
  time_point now = kT0;
  client_call_config config;
  std::unique_ptr<client_call> client;
  std::vector<call_event> events;

  void SetUp() override { make(); }
  void make() { client = std::make_unique<client_call>(config, counters, now); }
  std::vector<std::vector<uint8_t>> feed(const std::vector<uint8_t>& bytes) {
    client->receive_bytes(bytes, now);
    return collect();
  }
  std::vector<std::vector<uint8_t>> collect() {
    for (auto& e : drain_events(*client)) events.push_back(e);
    return split_packets(client->take_output());
  }
  std::vector<uint8_t> ack(uint8_t bitmask) {
    crypto_binding_req r;
    r.hash_bitmask = bitmask;
    r.nonce.fill(0x33);
    std::vector<uint8_t> b(kCallConnectAckSize);
    build_call_connect_ack(b, r);
    return b;
  }
  std::vector<uint8_t> nak() {
    return from_hex("10 01 00 16 00 03 00 01 00 02 00 0E 00 00 00 01 00 00 00 04 00 02");
  }
};

TEST_F(client_fixture, SendsSpecConnectRequest) {
  auto out = collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], from_hex("10 01 00 0E 00 01 00 01 00 01 00 06 00 01"));
  EXPECT_EQ(client->next_deadline(), now + 60s);
}

TEST_F(client_fixture, CallConnectedCarriesTheBinding) {
  collect();
  feed(ack(kHashSha1 | kHashSha256));
  ASSERT_TRUE(find_event(events, call_event_kind::link_up));
  cert_hashes cert;
  cert.sha256.fill(0x77);
  hlak_bytes hlak{};
  hlak.fill(0x11);
  client->authenticated(hlak, cert, now);
  auto out = collect();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].size(), kCallConnectedSize);
  // The server's check accepts it.
  hlak_candidates c;
  c.add(hlak_form::mppe_keys, hlak);
  nonce_bytes nonce;
  nonce.fill(0x33);
  auto v = verify_call_connected(out[0], 3, nonce, cert, c);
  EXPECT_EQ(v.result, binding_result::ok);
  EXPECT_EQ(client->state(), call_state::client_call_connected);
  EXPECT_EQ(client->next_deadline(), now + 60s);  // hello
}

TEST_F(client_fixture, AuthenticatedBeforeAckWaitsForIt) {
  collect();
  client->authenticated(hlak_bytes{}, cert_hashes{}, now);
  EXPECT_TRUE(collect().empty());
  auto out = feed(ack(kHashSha256));
  EXPECT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_connected)}));
}

TEST_F(client_fixture, NoCommonHashAborts) {
  config.supported_hashes = kHashSha1;
  make();
  collect();
  auto out = feed(ack(kHashSha256));
  ASSERT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_abort)}));
  EXPECT_EQ(status_of(out[0]), status::value_not_supported);
  EXPECT_EQ(counters.get(call_counter::no_common_hash), 1u);
}

TEST_F(client_fixture, NakRetriesThenAborts) {
  collect();
  for (int i = 0; i < 3; ++i) {
    auto out = feed(nak());
    ASSERT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_connect_request)})) << i;
  }
  auto out = feed(nak());
  ASSERT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_abort)}));
  EXPECT_EQ(status_of(out[0]), status::retry_count_exceeded);
  EXPECT_EQ(client->state(), call_state::call_abort_pending);
}

TEST_F(client_fixture, NegotiationTimeout) {
  collect();
  now += 60s;
  client->on_timer(now);
  auto out = collect();
  ASSERT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_abort)}));
  EXPECT_EQ(status_of(out[0]), status::negotiation_timeout);
}

TEST_F(client_fixture, ConnectRequestFromServerAborts) {
  collect();
  std::vector<uint8_t> req(kCallConnectRequestSize);
  build_call_connect_request(req);
  auto out = feed(req);
  ASSERT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_abort)}));
  EXPECT_EQ(status_of(out[0]), status::unaccepted_frame_received);
}

TEST_F(client_fixture, MalformedAckAborts) {
  collect();
  auto a = ack(3);
  a.pop_back();
  a[3] = 47;
  a[11] = 39;
  auto out = feed(a);
  ASSERT_EQ(types_of(out), (std::vector<uint16_t>{T(message_type::call_abort)}));
  EXPECT_EQ(status_of(out[0]), status::invalid_frame_received);
}

}  // namespace
}  // namespace sstpgw::sstp::testing
