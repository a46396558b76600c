// EAP codec and the authenticator/peer state machines, driven with a scripted
// method so identifiers, retransmission and Success/Failure are tested alone.
#include <gtest/gtest.h>

#include <vector>

#include "control/auth/eap_authenticator.hh"
#include "control/auth/eap_packet.hh"
#include "control/auth/eap_peer.hh"

namespace sstpgw::auth {
namespace {

using namespace std::chrono_literals;
using bytes = std::vector<uint8_t>;

TEST(EapPacket, ParsesRequestResponse) {
  const bytes wire = {0x01, 0x07, 0x00, 0x06, 0x0D, 0x20, 0xEE};  // trailing padding
  eap_packet p;
  ASSERT_EQ(parse_eap(wire, p), eap_parse_status::ok);
  EXPECT_EQ(p.code, eap_code::request);
  EXPECT_EQ(p.identifier, 7);
  EXPECT_EQ(p.type, kEapTypeTls);
  EXPECT_EQ(bytes(p.type_data.begin(), p.type_data.end()), bytes{0x20});
}

TEST(EapPacket, ParsesSuccessFailure) {
  eap_packet p;
  ASSERT_EQ(parse_eap(bytes{0x03, 0x09, 0x00, 0x04}, p), eap_parse_status::ok);
  EXPECT_EQ(p.code, eap_code::success);
  ASSERT_EQ(parse_eap(bytes{0x04, 0x09, 0x00, 0x04}, p), eap_parse_status::ok);
  EXPECT_EQ(p.code, eap_code::failure);
}

TEST(EapPacket, RejectsBadLengthsAndCodes) {
  eap_packet p;
  EXPECT_EQ(parse_eap(bytes{0x01, 0x01, 0x00}, p), eap_parse_status::truncated);
  EXPECT_EQ(parse_eap(bytes{0x01, 0x01, 0x00, 0x03}, p), eap_parse_status::bad_length);
  EXPECT_EQ(parse_eap(bytes{0x01, 0x01, 0x00, 0x09, 0x01}, p), eap_parse_status::bad_length);
  EXPECT_EQ(parse_eap(bytes{0x05, 0x01, 0x00, 0x04}, p), eap_parse_status::unknown_code);
  EXPECT_EQ(parse_eap(bytes{0x02, 0x01, 0x00, 0x04}, p), eap_parse_status::missing_type);
}

TEST(EapPacket, BuildsByteExact) {
  const bytes id = {'b', 'o', 'b'};
  EXPECT_EQ(build_eap(eap_code::response, 1, kEapTypeIdentity, id),
            (bytes{0x02, 0x01, 0x00, 0x08, 0x01, 'b', 'o', 'b'}));
  EXPECT_EQ(build_eap_result(eap_code::success, 0x42), (bytes{0x03, 0x42, 0x00, 0x04}));
}

// A two-round method: Request "A", expects Response "a", Request "B", expects
// "b", then success. Any other answer fails.
class scripted_server : public eap_server_method {
 public:
  uint8_t type() const override { return 99; }
  server_step start() override { return server_step::request({'A'}); }
  server_step on_response(std::span<const uint8_t> d) override {
    const bytes got(d.begin(), d.end());
    if (round == 0 && got == bytes{'a'}) {
      ++round;
      return server_step::request({'B'});
    }
    if (round == 1 && got == bytes{'b'}) {
      done = true;
      return server_step::success();
    }
    return server_step::failure("bad answer");
  }
  std::optional<eap_keys> keys() const override {
    if (!done) return std::nullopt;
    eap_keys k;
    k.msk.fill(0x11);
    return k;
  }
  int round = 0;
  bool done = false;
};

class scripted_peer : public eap_peer_method {
 public:
  uint8_t type() const override { return 99; }
  peer_step on_request(std::span<const uint8_t> d) override {
    ++calls;
    seen = d.empty() ? 0 : d[0];
    return {true, {static_cast<uint8_t>(seen + 0x20)}, {}};
  }
  bool may_accept_success() const override { return seen == 'B'; }
  std::optional<eap_keys> keys() const override {
    eap_keys k;
    k.msk.fill(0x11);
    return k;
  }
  uint8_t seen = 0;
  int calls = 0;
};

authenticator_config auth_config() {
  authenticator_config c;
  c.make_method = [](const std::string&) { return std::make_unique<scripted_server>(); };
  return c;
}

peer_config peer_cfg(scripted_peer** out = nullptr) {
  peer_config c;
  c.identity = "client1";
  c.method_type = 99;
  c.make_method = [out] {
    auto m = std::make_unique<scripted_peer>();
    if (out) *out = m.get();
    return m;
  };
  return c;
}

void run(eap_authenticator& a, eap_peer& p, time_point now, int rounds = 10) {
  for (int i = 0; i < rounds; ++i) {
    for (auto& pkt : a.take_packets()) p.receive(pkt.data, now);
    for (auto& pkt : p.take_packets()) a.receive(pkt.data, now);
  }
}

TEST(EapStateMachines, IdentityMethodSuccess) {
  eap_authenticator a(auth_config());
  eap_peer p(peer_cfg());
  a.start({});
  run(a, p, {});
  EXPECT_EQ(a.status(), auth_status::succeeded);
  EXPECT_EQ(p.status(), auth_status::succeeded);
  EXPECT_EQ(a.identity(), "client1");
  ASSERT_TRUE(a.keys() && p.keys());
  EXPECT_EQ(a.keys()->msk, p.keys()->msk);
  EXPECT_EQ(a.next_deadline(), ppp::kNoDeadline);
}

TEST(EapStateMachines, FirstRequestIsIdentityByteExact) {
  auto cfg = auth_config();
  cfg.first_identifier = 0x10;
  eap_authenticator a(cfg);
  a.start({});
  auto out = a.take_packets();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].protocol, 0xC227);
  EXPECT_EQ(out[0].data, (bytes{0x01, 0x10, 0x00, 0x05, 0x01}));
}

TEST(EapStateMachines, SuccessCarriesLastResponseIdentifier) {
  eap_authenticator a(auth_config());
  eap_peer p(peer_cfg());
  a.start({});
  uint8_t last_response_id = 0;
  bytes final_packet;
  for (int i = 0; i < 10; ++i) {
    for (auto& pkt : a.take_packets()) {
      final_packet = pkt.data;
      p.receive(pkt.data, {});
    }
    for (auto& pkt : p.take_packets()) {
      last_response_id = pkt.data[1];
      a.receive(pkt.data, {});
    }
  }
  ASSERT_EQ(final_packet.size(), 4u);
  EXPECT_EQ(final_packet[0], 3);
  EXPECT_EQ(final_packet[1], last_response_id);
}

TEST(EapStateMachines, RetransmitsThenGivesUp) {
  auto cfg = auth_config();
  cfg.max_retransmits = 3;
  eap_authenticator a(cfg);
  time_point now{};
  a.start(now);
  const auto first = a.take_packets();
  int retransmissions = 0;
  while (a.status() == auth_status::running) {
    now = a.next_deadline();
    a.on_timer(now);
    for (auto& pkt : a.take_packets()) {
      if (pkt.data[0] == 1) {
        EXPECT_EQ(pkt.data, first[0].data);  // same Request, same identifier
        ++retransmissions;
      }
    }
  }
  EXPECT_EQ(retransmissions, 3);
  EXPECT_EQ(a.status(), auth_status::failed);
  EXPECT_NE(a.reason().find("no response"), std::string::npos);
  EXPECT_EQ(now, time_point{} + 12s);
}

TEST(EapStateMachines, WrongIdentifierAndDuplicatesDiscarded) {
  eap_authenticator a(auth_config());
  a.start({});
  auto req = a.take_packets().at(0).data;
  a.receive(build_eap(eap_code::response, static_cast<uint8_t>(req[1] + 1), kEapTypeIdentity), {});
  EXPECT_TRUE(a.take_packets().empty());
  a.receive(build_eap(eap_code::request, req[1], kEapTypeIdentity), {});  // a Request is not an answer
  EXPECT_TRUE(a.take_packets().empty());
  const bytes ident = build_eap(eap_code::response, req[1], kEapTypeIdentity, bytes{'x'});
  a.receive(ident, {});
  EXPECT_EQ(a.take_packets().size(), 1u);
  a.receive(ident, {});  // duplicate of an answered Response
  EXPECT_TRUE(a.take_packets().empty());
}

TEST(EapStateMachines, PeerAnswersDuplicateRequestWithSameResponse) {
  scripted_peer* m = nullptr;
  eap_peer p(peer_cfg(&m));
  const bytes req = build_eap(eap_code::request, 5, 99, bytes{'A'});
  p.receive(req, {});
  p.receive(req, {});
  auto out = p.take_packets();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data, out[1].data);
  EXPECT_EQ(m->calls, 1);  // the method saw it once
}

TEST(EapStateMachines, PeerNaksOtherMethods) {
  eap_peer p(peer_cfg());
  p.receive(build_eap(eap_code::request, 3, kEapTypeMd5, bytes{16}), {});
  auto out = p.take_packets();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (bytes{0x02, 0x03, 0x00, 0x06, kEapTypeNak, 99}));
}

TEST(EapStateMachines, AuthenticatorFailsOnNak) {
  eap_authenticator a(auth_config());
  a.start({});
  auto req = a.take_packets().at(0).data;
  a.receive(build_eap(eap_code::response, req[1], kEapTypeIdentity, bytes{'x'}), {});
  req = a.take_packets().at(0).data;
  a.receive(build_eap(eap_code::response, req[1], kEapTypeNak, bytes{26}), {});
  EXPECT_EQ(a.status(), auth_status::failed);
  EXPECT_NE(a.reason().find("Nak, wants 26"), std::string::npos) << a.reason();
  auto out = a.take_packets();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (bytes{0x04, req[1], 0x00, 0x04}));
}

TEST(EapStateMachines, MethodFailureSendsFailure) {
  eap_authenticator a(auth_config());
  a.start({});
  auto req = a.take_packets().at(0).data;
  a.receive(build_eap(eap_code::response, req[1], kEapTypeIdentity, bytes{'x'}), {});
  req = a.take_packets().at(0).data;
  a.receive(build_eap(eap_code::response, req[1], 99, bytes{'z'}), {});
  EXPECT_EQ(a.status(), auth_status::failed);
  EXPECT_EQ(a.reason(), "bad answer");
}

TEST(EapStateMachines, PeerRejectsEarlySuccess) {
  eap_peer p(peer_cfg());
  p.receive(build_eap(eap_code::request, 1, 99, bytes{'A'}), {});
  p.receive(build_eap_result(eap_code::success, 1), {});
  EXPECT_EQ(p.status(), auth_status::failed);
  EXPECT_NE(p.reason().find("before the method completed"), std::string::npos);
}

TEST(EapStateMachines, PeerAnswersIdentityAndNotification) {
  eap_peer p(peer_cfg());
  p.receive(build_eap(eap_code::request, 1, kEapTypeIdentity), {});
  p.receive(build_eap(eap_code::request, 2, kEapTypeNotification, bytes{'h', 'i'}), {});
  auto out = p.take_packets();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data, (bytes{0x02, 0x01, 0x00, 0x0C, 0x01, 'c', 'l', 'i', 'e', 'n', 't', '1'}));
  EXPECT_EQ(out[1].data, (bytes{0x02, 0x02, 0x00, 0x05, 0x02}));
}

TEST(EapStateMachines, PeerFailureOnEapFailure) {
  eap_peer p(peer_cfg());
  p.receive(build_eap_result(eap_code::failure, 1), {});
  EXPECT_EQ(p.status(), auth_status::failed);
}

}  // namespace
}  // namespace sstpgw::auth
