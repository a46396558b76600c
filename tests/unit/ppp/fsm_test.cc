// The RFC 1661 §4.1 state table, row by row, plus the counters and timers
// around it. A one-option test policy stands in for LCP/IPCP.
#include "control/ppp/fsm.hh"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sstpgw::ppp {
namespace {

using namespace std::chrono_literals;
using bytes = std::vector<uint8_t>;
constexpr uint16_t kProto = 0x8021;

// Wants option 1 = 0x01 from us; takes option 1 = 0x01 from the peer, naks
// other values of option 1 and rejects every other option.
class test_policy : public option_policy {
 public:
  void reset_negotiation() override { ++resets; }
  void write_request(byte_writer& w) override {
    w.u8(1);
    w.u8(3);
    w.u8(want);
  }
  void on_ack() override { ++acks; }
  void on_nak(const option_view& o) override {
    if (o.type == 1 && o.value.size() == 1) want = o.value[0];
  }
  void on_reject(const option_view&) override { ++rejects; }
  void begin_peer_request() override {}
  option_verdict check_peer_option(const option_view& o, byte_writer& nak) override {
    if (o.type != 1) return option_verdict::reject;
    if (o.value.size() == 1 && o.value[0] == 1) return option_verdict::ack;
    nak.u8(1);
    nak.u8(3);
    nak.u8(1);
    return option_verdict::nak;
  }
  void commit_peer_request() override { ++commits; }
  void on_layer_event(layer_event e) override { seen.push_back(e); }
  void fail_with(std::string r) { fail(std::move(r)); }

  uint8_t want = 1;
  int resets = 0, acks = 0, rejects = 0, commits = 0;
  std::vector<layer_event> seen;
};

bytes packet(cp_code c, uint8_t id, const bytes& data = {}) {
  return build_cp_packet(static_cast<uint8_t>(c), id, data);
}

struct harness {
  explicit harness(fsm_config cfg = {}) : f("TEST", kProto, policy, cfg) {}
  test_policy policy;
  fsm f;
  time_point now{};
  uint8_t our_id = 0;  // identifier of our last Configure-Request
  bytes our_options;

  std::vector<outgoing_packet> drain() {
    auto out = f.take_packets();
    for (const auto& p : out) {
      cp_packet cp;
      if (parse_cp_packet(p.data, cp) && cp.code == static_cast<uint8_t>(cp_code::configure_request)) {
        our_id = cp.identifier;
        our_options.assign(cp.data.begin(), cp.data.end());
      }
    }
    return out;
  }
  void rx(const bytes& b) { f.receive(b, now); }
  void rcr_plus() { rx(packet(cp_code::configure_request, 77, {1, 3, 1})); }
  void rcr_minus() { rx(packet(cp_code::configure_request, 78, {1, 3, 9})); }
  void rca() { rx(packet(cp_code::configure_ack, our_id, our_options)); }
  void rcn() { rx(packet(cp_code::configure_nak, our_id, {1, 3, 1})); }
  void rtr() { rx(packet(cp_code::terminate_request, 90)); }
  void rta() { rx(packet(cp_code::terminate_ack, 91)); }
  void ruc() { rx(packet(static_cast<cp_code>(0x33), 92, {0xAB})); }
  void rxj_plus() { rx(packet(cp_code::code_reject, 93, {9, 1, 0, 4})); }
  void rxj_minus() { rx(packet(cp_code::code_reject, 94, {1, 1, 0, 4})); }
  void timeout() {
    now += 3s;
    f.on_timer(now);
  }
};

std::vector<cp_code> codes(const std::vector<outgoing_packet>& out) {
  std::vector<cp_code> c;
  for (const auto& p : out) {
    EXPECT_EQ(p.protocol, kProto);
    cp_packet cp;
    EXPECT_TRUE(parse_cp_packet(p.data, cp));
    c.push_back(static_cast<cp_code>(cp.code));
  }
  return c;
}

// clang-format off
void drive_to(harness& h, fsm_state s) {
  using S = fsm_state;
  switch (s) {
    case S::initial: break;
    case S::starting: h.f.open(h.now); break;
    case S::closed: h.f.up(h.now); break;
    case S::req_sent: h.f.up(h.now); h.f.open(h.now); break;
    case S::stopped: drive_to(h, S::req_sent); h.drain(); h.rxj_minus(); break;
    case S::closing: drive_to(h, S::req_sent); h.f.close(h.now, "test"); break;
    case S::ack_rcvd: drive_to(h, S::req_sent); h.drain(); h.rca(); break;
    case S::ack_sent: drive_to(h, S::req_sent); h.rcr_plus(); break;
    case S::opened: drive_to(h, S::ack_rcvd); h.rcr_plus(); break;
    case S::stopping: drive_to(h, S::opened); h.rxj_minus(); break;
  }
  h.drain();
  h.f.take_events();
  ASSERT_EQ(h.f.state(), s);
}
// clang-format on

enum class ev {
  up,
  down,
  open,
  close,
  to_plus,
  to_minus,
  rcr_plus,
  rcr_minus,
  rca,
  rcn,
  rtr,
  rta,
  ruc,
  rxj_plus,
  rxj_minus
};

const char* name(ev e) {
  static const char* n[] = {"Up",  "Down", "Open", "Close", "TO+", "TO-",  "RCR+", "RCR-",
                            "RCA", "RCN",  "RTR",  "RTA",   "RUC", "RXJ+", "RXJ-"};
  return n[static_cast<int>(e)];
}

void apply(harness& h, ev e) {
  switch (e) {
    case ev::up:
      h.f.up(h.now);
      break;
    case ev::down:
      h.f.down(h.now);
      break;
    case ev::open:
      h.f.open(h.now);
      break;
    case ev::close:
      h.f.close(h.now, "admin");
      break;
    case ev::to_plus:
    case ev::to_minus:
      h.timeout();
      break;
    case ev::rcr_plus:
      h.rcr_plus();
      break;
    case ev::rcr_minus:
      h.rcr_minus();
      break;
    case ev::rca:
      h.rca();
      break;
    case ev::rcn:
      h.rcn();
      break;
    case ev::rtr:
      h.rtr();
      break;
    case ev::rta:
      h.rta();
      break;
    case ev::ruc:
      h.ruc();
      break;
    case ev::rxj_plus:
      h.rxj_plus();
      break;
    case ev::rxj_minus:
      h.rxj_minus();
      break;
  }
}

using S = fsm_state;
using C = cp_code;
using L = layer_event;
constexpr C CR = C::configure_request, CA = C::configure_ack, CN = C::configure_nak,
            TR = C::terminate_request, TA = C::terminate_ack, CJ = C::code_reject;

struct row {
  S from;
  ev event;
  S to;
  std::vector<C> sent;
  std::vector<L> layer;
};

// clang-format off
// RFC 1661 §4.1, every defined cell. "r" (restart) and "p" (passive) options
// are not implemented: the plain transition applies.
const row kTable[] = {
    // Initial
    {S::initial, ev::up, S::closed, {}, {}},
    {S::initial, ev::open, S::starting, {}, {L::started}},
    {S::initial, ev::close, S::initial, {}, {}},
    // Starting
    {S::starting, ev::up, S::req_sent, {CR}, {}},
    {S::starting, ev::open, S::starting, {}, {}},
    {S::starting, ev::close, S::initial, {}, {L::finished}},
    // Closed
    {S::closed, ev::down, S::initial, {}, {}},
    {S::closed, ev::open, S::req_sent, {CR}, {}},
    {S::closed, ev::close, S::closed, {}, {}},
    {S::closed, ev::rcr_plus, S::closed, {TA}, {}},
    {S::closed, ev::rcr_minus, S::closed, {TA}, {}},
    {S::closed, ev::rca, S::closed, {TA}, {}},
    {S::closed, ev::rcn, S::closed, {TA}, {}},
    {S::closed, ev::rtr, S::closed, {TA}, {}},
    {S::closed, ev::rta, S::closed, {}, {}},
    {S::closed, ev::ruc, S::closed, {CJ}, {}},
    {S::closed, ev::rxj_plus, S::closed, {}, {}},
    {S::closed, ev::rxj_minus, S::closed, {}, {L::finished}},
    // Stopped
    {S::stopped, ev::down, S::starting, {}, {L::started}},
    {S::stopped, ev::open, S::stopped, {}, {}},
    {S::stopped, ev::close, S::closed, {}, {}},
    {S::stopped, ev::rcr_plus, S::ack_sent, {CR, CA}, {}},
    {S::stopped, ev::rcr_minus, S::req_sent, {CR, CN}, {}},
    {S::stopped, ev::rca, S::stopped, {TA}, {}},
    {S::stopped, ev::rcn, S::stopped, {TA}, {}},
    {S::stopped, ev::rtr, S::stopped, {TA}, {}},
    {S::stopped, ev::rta, S::stopped, {}, {}},
    {S::stopped, ev::ruc, S::stopped, {CJ}, {}},
    {S::stopped, ev::rxj_plus, S::stopped, {}, {}},
    {S::stopped, ev::rxj_minus, S::stopped, {}, {L::finished}},
    // Closing
    {S::closing, ev::down, S::initial, {}, {}},
    {S::closing, ev::open, S::stopping, {}, {}},
    {S::closing, ev::close, S::closing, {}, {}},
    {S::closing, ev::to_plus, S::closing, {TR}, {}},
    {S::closing, ev::rcr_plus, S::closing, {}, {}},
    {S::closing, ev::rcr_minus, S::closing, {}, {}},
    {S::closing, ev::rca, S::closing, {}, {}},
    {S::closing, ev::rcn, S::closing, {}, {}},
    {S::closing, ev::rtr, S::closing, {TA}, {}},
    {S::closing, ev::rta, S::closed, {}, {L::finished}},
    {S::closing, ev::ruc, S::closing, {CJ}, {}},
    {S::closing, ev::rxj_plus, S::closing, {}, {}},
    {S::closing, ev::rxj_minus, S::closed, {}, {L::finished}},
    // Stopping
    {S::stopping, ev::down, S::starting, {}, {}},
    {S::stopping, ev::open, S::stopping, {}, {}},
    {S::stopping, ev::close, S::closing, {}, {}},
    {S::stopping, ev::to_plus, S::stopping, {TR}, {}},
    {S::stopping, ev::rcr_plus, S::stopping, {}, {}},
    {S::stopping, ev::rcr_minus, S::stopping, {}, {}},
    {S::stopping, ev::rca, S::stopping, {}, {}},
    {S::stopping, ev::rcn, S::stopping, {}, {}},
    {S::stopping, ev::rtr, S::stopping, {TA}, {}},
    {S::stopping, ev::rta, S::stopped, {}, {L::finished}},
    {S::stopping, ev::ruc, S::stopping, {CJ}, {}},
    {S::stopping, ev::rxj_plus, S::stopping, {}, {}},
    {S::stopping, ev::rxj_minus, S::stopped, {}, {L::finished}},
    // Req-Sent
    {S::req_sent, ev::down, S::starting, {}, {}},
    {S::req_sent, ev::open, S::req_sent, {}, {}},
    {S::req_sent, ev::close, S::closing, {TR}, {}},
    {S::req_sent, ev::to_plus, S::req_sent, {CR}, {}},
    {S::req_sent, ev::rcr_plus, S::ack_sent, {CA}, {}},
    {S::req_sent, ev::rcr_minus, S::req_sent, {CN}, {}},
    {S::req_sent, ev::rca, S::ack_rcvd, {}, {}},
    {S::req_sent, ev::rcn, S::req_sent, {CR}, {}},
    {S::req_sent, ev::rtr, S::req_sent, {TA}, {}},
    {S::req_sent, ev::rta, S::req_sent, {}, {}},
    {S::req_sent, ev::ruc, S::req_sent, {CJ}, {}},
    {S::req_sent, ev::rxj_plus, S::req_sent, {}, {}},
    {S::req_sent, ev::rxj_minus, S::stopped, {}, {L::finished}},
    // Ack-Rcvd. RCA/RCN here can only repeat the Ack already taken for the
    // outstanding identifier; like pppd we discard such duplicates.
    {S::ack_rcvd, ev::down, S::starting, {}, {}},
    {S::ack_rcvd, ev::open, S::ack_rcvd, {}, {}},
    {S::ack_rcvd, ev::close, S::closing, {TR}, {}},
    {S::ack_rcvd, ev::to_plus, S::req_sent, {CR}, {}},
    {S::ack_rcvd, ev::rcr_plus, S::opened, {CA}, {L::up}},
    {S::ack_rcvd, ev::rcr_minus, S::ack_rcvd, {CN}, {}},
    {S::ack_rcvd, ev::rca, S::ack_rcvd, {}, {}},
    {S::ack_rcvd, ev::rcn, S::ack_rcvd, {}, {}},
    {S::ack_rcvd, ev::rtr, S::req_sent, {TA}, {}},
    {S::ack_rcvd, ev::rta, S::req_sent, {}, {}},
    {S::ack_rcvd, ev::ruc, S::ack_rcvd, {CJ}, {}},
    {S::ack_rcvd, ev::rxj_plus, S::req_sent, {}, {}},
    {S::ack_rcvd, ev::rxj_minus, S::stopped, {}, {L::finished}},
    // Ack-Sent
    {S::ack_sent, ev::down, S::starting, {}, {}},
    {S::ack_sent, ev::open, S::ack_sent, {}, {}},
    {S::ack_sent, ev::close, S::closing, {TR}, {}},
    {S::ack_sent, ev::to_plus, S::ack_sent, {CR}, {}},
    {S::ack_sent, ev::rcr_plus, S::ack_sent, {CA}, {}},
    {S::ack_sent, ev::rcr_minus, S::req_sent, {CN}, {}},
    {S::ack_sent, ev::rca, S::opened, {}, {L::up}},
    {S::ack_sent, ev::rcn, S::ack_sent, {CR}, {}},
    {S::ack_sent, ev::rtr, S::req_sent, {TA}, {}},
    {S::ack_sent, ev::rta, S::ack_sent, {}, {}},
    {S::ack_sent, ev::ruc, S::ack_sent, {CJ}, {}},
    {S::ack_sent, ev::rxj_plus, S::ack_sent, {}, {}},
    {S::ack_sent, ev::rxj_minus, S::stopped, {}, {L::finished}},
    // Opened (RCA/RCN: duplicates of the Ack that opened the layer, discarded)
    {S::opened, ev::down, S::starting, {}, {L::down}},
    {S::opened, ev::open, S::opened, {}, {}},
    {S::opened, ev::close, S::closing, {TR}, {L::down}},
    {S::opened, ev::rcr_plus, S::ack_sent, {CR, CA}, {L::down}},
    {S::opened, ev::rcr_minus, S::req_sent, {CR, CN}, {L::down}},
    {S::opened, ev::rca, S::opened, {}, {}},
    {S::opened, ev::rcn, S::opened, {}, {}},
    {S::opened, ev::rtr, S::stopping, {TA}, {L::down}},
    {S::opened, ev::rta, S::req_sent, {CR}, {L::down}},
    {S::opened, ev::ruc, S::opened, {CJ}, {}},
    {S::opened, ev::rxj_plus, S::opened, {}, {}},
    {S::opened, ev::rxj_minus, S::stopping, {TR}, {L::down}},
};

// TO- rows: run with zero retry counters so the first timeout is TO-.
const row kTimeoutMinus[] = {
    {S::closing, ev::to_minus, S::closed, {}, {L::finished}},
    {S::stopping, ev::to_minus, S::stopped, {}, {L::finished}},
    {S::req_sent, ev::to_minus, S::stopped, {}, {L::finished}},
    {S::ack_rcvd, ev::to_minus, S::stopped, {}, {L::finished}},
    {S::ack_sent, ev::to_minus, S::stopped, {}, {L::finished}},
};

// clang-format on

void run_row(const row& r, fsm_config cfg) {
  SCOPED_TRACE(std::string(to_string(r.from)) + " + " + name(r.event));
  harness h(cfg);
  drive_to(h, r.from);
  apply(h, r.event);
  EXPECT_EQ(h.f.state(), r.to);
  EXPECT_EQ(codes(h.drain()), r.sent);
  EXPECT_EQ(h.f.take_events(), r.layer);
}

TEST(PppFsm, StateTable) {
  for (const row& r : kTable) run_row(r, {});
}

TEST(PppFsm, StateTableTimeoutExpired) {
  for (const row& r : kTimeoutMinus) run_row(r, {.max_configure = 0, .max_terminate = 0});
}

TEST(PppFsm, TimerRunsOnlyInWaitingStates) {
  for (S s : {S::initial, S::starting, S::closed, S::stopped, S::opened}) {
    harness h;
    drive_to(h, s);
    EXPECT_EQ(h.f.next_deadline(), kNoDeadline) << to_string(s);
  }
  for (S s : {S::closing, S::stopping, S::req_sent, S::ack_rcvd, S::ack_sent}) {
    harness h;
    drive_to(h, s);
    EXPECT_EQ(h.f.next_deadline(), h.now + 3s) << to_string(s);
  }
}

TEST(PppFsm, EarlyTimerCallDoesNothing) {
  harness h;
  drive_to(h, S::req_sent);
  h.f.on_timer(h.now + 2999ms);
  EXPECT_TRUE(h.drain().empty());
}

TEST(PppFsm, MaxConfigureRequestsThenFinished) {
  harness h;
  h.f.up(h.now);
  h.f.open(h.now);
  int requests = static_cast<int>(h.drain().size());
  bytes first_id_and_options = {h.our_id};
  first_id_and_options.insert(first_id_and_options.end(), h.our_options.begin(), h.our_options.end());
  for (int i = 0; i < 20 && h.f.state() == S::req_sent; ++i) {
    h.timeout();
    auto out = h.drain();
    requests += static_cast<int>(out.size());
    // Retransmissions repeat identifier and options.
    bytes id_and_options = {h.our_id};
    id_and_options.insert(id_and_options.end(), h.our_options.begin(), h.our_options.end());
    EXPECT_EQ(id_and_options, first_id_and_options);
  }
  EXPECT_EQ(requests, 10);  // Max-Configure
  EXPECT_EQ(h.f.state(), S::stopped);
  EXPECT_EQ(h.f.take_events(), std::vector<L>{L::finished});
  EXPECT_NE(h.f.reason().find("no reply"), std::string::npos);
}

TEST(PppFsm, MaxTerminateRequestsThenClosed) {
  harness h;
  drive_to(h, S::opened);
  h.f.close(h.now, "bye");
  int terminates = static_cast<int>(h.drain().size());
  while (h.f.state() == S::closing) {
    h.timeout();
    terminates += static_cast<int>(h.drain().size());
  }
  EXPECT_EQ(terminates, 2);  // Max-Terminate
  EXPECT_EQ(h.f.state(), S::closed);
}

TEST(PppFsm, TerminateRequestCarriesReason) {
  harness h;
  drive_to(h, S::opened);
  h.f.close(h.now, "address pool exhausted");
  auto out = h.drain();
  ASSERT_EQ(out.size(), 1u);
  cp_packet p;
  ASSERT_TRUE(parse_cp_packet(out[0].data, p));
  EXPECT_EQ(std::string(p.data.begin(), p.data.end()), "address pool exhausted");
  EXPECT_EQ(h.f.reason(), "address pool exhausted");
}

TEST(PppFsm, TerminateAckEchoesIdentifier) {
  harness h;
  drive_to(h, S::opened);
  h.rx(packet(cp_code::terminate_request, 0x5A, {'b', 'y', 'e'}));
  auto out = h.drain();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (bytes{6, 0x5A, 0, 4}));
  EXPECT_EQ(h.f.reason(), "peer sent Terminate-Request: bye");
}

TEST(PppFsm, AckWithWrongIdentifierIsDiscarded) {
  harness h;
  drive_to(h, S::req_sent);
  h.rx(packet(cp_code::configure_ack, static_cast<uint8_t>(h.our_id + 1), h.our_options));
  EXPECT_EQ(h.f.state(), S::req_sent);
}

TEST(PppFsm, AckWithDifferentOptionsIsDiscarded) {
  harness h;
  drive_to(h, S::req_sent);
  h.rx(packet(cp_code::configure_ack, h.our_id, {1, 3, 2}));
  EXPECT_EQ(h.f.state(), S::req_sent);
  EXPECT_EQ(h.policy.acks, 0);
}

TEST(PppFsm, RejectQuotingUnsentOptionIsDiscarded) {
  harness h;
  drive_to(h, S::req_sent);
  h.rx(packet(cp_code::configure_reject, h.our_id, {5, 6, 1, 2, 3, 4}));
  EXPECT_EQ(h.policy.rejects, 0);
  EXPECT_TRUE(h.drain().empty());
  h.rx(packet(cp_code::configure_reject, h.our_id, h.our_options));
  EXPECT_EQ(h.policy.rejects, 1);
  EXPECT_EQ(codes(h.drain()), std::vector<C>{CR});
}

TEST(PppFsm, NakChangesNextRequestAndIdentifier) {
  harness h;
  drive_to(h, S::req_sent);
  const uint8_t id = h.our_id;
  h.rx(packet(cp_code::configure_nak, id, {1, 3, 7}));
  h.drain();
  EXPECT_NE(h.our_id, id);
  EXPECT_EQ(h.our_options, (bytes{1, 3, 7}));
}

TEST(PppFsm, ResponsesFollowRfcOrderRejectBeforeNak) {
  harness h;
  drive_to(h, S::req_sent);
  h.rx(packet(cp_code::configure_request, 9, {1, 3, 5, 2, 2}));  // nak-able + unknown
  auto out = h.drain();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (bytes{4, 9, 0, 6, 2, 2}));  // only the rejected option
  h.rx(packet(cp_code::configure_request, 10, {1, 3, 5}));
  out = h.drain();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (bytes{3, 10, 0, 7, 1, 3, 1}));  // Nak with our value
}

TEST(PppFsm, NaksBecomeRejectsAfterMaxFailure) {
  harness h;
  drive_to(h, S::req_sent);
  for (int i = 0; i < 5; ++i) {
    h.rcr_minus();
    EXPECT_EQ(codes(h.drain()), std::vector<C>{CN});
  }
  h.rcr_minus();
  EXPECT_EQ(codes(h.drain()), std::vector<C>{C::configure_reject});
}

TEST(PppFsm, EndlessNaksFromPeerCloseTheLayer) {
  harness h;
  drive_to(h, S::req_sent);
  for (int i = 0; i < 30 && h.f.state() == S::req_sent; ++i) {
    h.rcn();
    h.drain();
  }
  EXPECT_EQ(h.f.state(), S::closing);
  EXPECT_NE(h.f.reason().find("does not converge"), std::string::npos);
}

TEST(PppFsm, PolicyFailureClosesWithReason) {
  harness h;
  drive_to(h, S::opened);
  h.policy.fail_with("hopeless");
  h.ruc();  // any packet lets the automaton notice
  EXPECT_EQ(h.f.state(), S::closing);
  EXPECT_EQ(h.f.reason(), "hopeless");
  EXPECT_EQ(codes(h.drain()), (std::vector<C>{CJ, TR}));
}

TEST(PppFsm, MalformedPacketsAreIgnored) {
  harness h;
  drive_to(h, S::req_sent);
  h.rx({1, 2, 0, 3});           // length < 4
  h.rx({1, 2, 0, 9, 1, 3});     // length past the end
  h.rx({1, 2, 0, 7, 1, 1, 0});  // option length 1
  h.rx({1, 2, 0, 7, 1, 4, 0});  // option past the end
  EXPECT_TRUE(h.drain().empty());
  EXPECT_EQ(h.f.state(), S::req_sent);
}

TEST(PppFsm, PaddingAfterLengthIsIgnored) {
  harness h;
  drive_to(h, S::req_sent);
  h.rx({1, 2, 0, 7, 1, 3, 1, 0xEE, 0xEE});
  auto out = h.drain();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (bytes{2, 2, 0, 7, 1, 3, 1}));
}

TEST(PppFsm, CodeRejectQuotesPacketWithinPeerMru) {
  harness h;
  drive_to(h, S::opened);
  h.f.set_peer_mru(64);
  bytes big(200, 0xCC);
  h.rx(packet(static_cast<cp_code>(0x40), 3, big));
  auto out = h.drain();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data.size(), 64u);
  EXPECT_EQ(out[0].data[0], 7);
  EXPECT_EQ(out[0].data[4], 0x40);  // quoted packet starts with the rejected code
}

TEST(PppFsm, ProtocolRejectedIsCatastrophic) {
  harness h;
  drive_to(h, S::opened);
  h.f.protocol_rejected(h.now);
  EXPECT_EQ(h.f.state(), S::stopping);
}

TEST(PppFsm, IgnoresEverythingBeforeLowerLayerUp) {
  harness h;
  h.f.open(h.now);
  h.rcr_plus();
  EXPECT_TRUE(h.drain().empty());
  EXPECT_EQ(h.f.state(), S::starting);
}

TEST(PppFsm, BackToBackPeersOpen) {
  test_policy pa, pb;
  fsm a("A", kProto, pa), b("B", kProto, pb);
  time_point now{};
  for (fsm* f : {&a, &b}) {
    f->open(now);
    f->up(now);
  }
  for (int round = 0; round < 10; ++round) {
    for (auto& p : a.take_packets()) b.receive(p.data, now);
    for (auto& p : b.take_packets()) a.receive(p.data, now);
  }
  EXPECT_TRUE(a.opened());
  EXPECT_TRUE(b.opened());
  EXPECT_EQ(a.take_events(), (std::vector<L>{L::started, L::up}));
  EXPECT_EQ(pa.commits, 1);
  EXPECT_EQ(pa.acks, 1);
}

}  // namespace
}  // namespace sstpgw::ppp
