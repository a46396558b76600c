// The state machine against a scripted peer: crafted segments in, the
// stack's segments read back (checksums checked by an independent sum).
// Each RST / FIN / SYN case of RFC 9293 3.10.7 and RFC 5961 is its own test.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dataplane/net/tcp/stack.hh"
#include "tests/unit/tcp/harness/eal.hh"
#include "tests/unit/tcp/harness/packet.hh"

namespace sstpgw::tcp {
namespace {

using testing::craft;
using testing::wire_segment;

constexpr uint32_t kUs = 0x0a000002;
constexpr uint32_t kPeer = 0x0a000009;
constexpr uint16_t kPort = 80;
constexpr uint16_t kPeerPort = 40000;

struct recorder {
  std::vector<conn_id> accepted, connected, peer_closed, writable;
  std::vector<std::pair<conn_id, close_reason>> closed;
  std::string data;
  bool refuse = false;
  bool hold = false;
};

class Tcp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pool_ = testing::make_pool("tcp_state", 8191); }

  void SetUp() override { baseline_ = testing::in_use(pool_); }
  void TearDown() override {
    for (rte_mbuf* m : out_) rte_pktmbuf_free(m);
    out_.clear();
    s_.reset();
    EXPECT_EQ(testing::in_use(pool_), baseline_) << "mbufs leaked";
  }

  stack_config base_config() {
    stack_config c;
    c.max_connections = 16;
    c.max_half_open = 8;
    c.max_time_wait = 4;
    c.rcv_buf = 64 * 1024;
    c.snd_buf = 64 * 1024;
    c.pool = pool_;
    c.secret = {11, 22};
    c.time_wait_ns = 60'000'000'000;
    return c;
  }

  void make(stack_config c) {
    c.tx = net::burst_sink{[](void* ctx, rte_mbuf** p, uint16_t n) -> uint16_t {
                             auto* self = static_cast<Tcp*>(ctx);
                             for (uint16_t k = 0; k < n; ++k) self->out_.push_back(p[k]);
                             return n;
                           },
                           this};
    stack_events e;
    e.ctx = &rec_;
    e.accepted = [](void* x, conn_id c) {
      auto* r = static_cast<recorder*>(x);
      r->accepted.push_back(c);
      return !r->refuse;
    };
    e.connected = [](void* x, conn_id c) { static_cast<recorder*>(x)->connected.push_back(c); };
    e.data = [](void* x, conn_id, rte_mbuf* m) -> uint32_t {
      auto* r = static_cast<recorder*>(x);
      for (rte_mbuf* s = m; s; s = s->next) r->data.append(rte_pktmbuf_mtod(s, const char*), s->data_len);
      const uint32_t n = m->pkt_len;
      rte_pktmbuf_free(m);
      return r->hold ? 0 : n;
    };
    e.peer_closed = [](void* x, conn_id c) { static_cast<recorder*>(x)->peer_closed.push_back(c); };
    e.writable = [](void* x, conn_id c) { static_cast<recorder*>(x)->writable.push_back(c); };
    e.closed = [](void* x, conn_id c, close_reason r) {
      static_cast<recorder*>(x)->closed.emplace_back(c, r);
    };
    s_ = std::make_unique<stack>(c, e, now_);
    cfg_ = c;
  }

  wire_segment seg(uint32_t seq, uint32_t ack, uint8_t flags, std::string payload = {}) {
    wire_segment w;
    w.src_ip = kPeer;
    w.dst_ip = kUs;
    w.src_port = kPeerPort;
    w.dst_port = kPort;
    w.seq = seq;
    w.ack = ack;
    w.flags = flags;
    w.window = 65535;
    w.payload.assign(payload.begin(), payload.end());
    if (ts_) w.options = testing::opt_ts(peer_ts_++, echo_);
    return w;
  }

  void feed(const wire_segment& w, bool corrupt = false) {
    rte_mbuf* m = craft(pool_, w, corrupt);
    ASSERT_NE(m, nullptr);
    s_->input(&m, 1, now_);
  }

  std::vector<wire_segment> take() {
    std::vector<wire_segment> r;
    for (rte_mbuf* m : out_) {
      r.push_back(testing::read(m));
      EXPECT_TRUE(r.back().checksums_ok) << testing::describe(r.back());
      if (r.back().opt.has_timestamps) echo_ = r.back().opt.ts_val;
      rte_pktmbuf_free(m);
    }
    out_.clear();
    return r;
  }

  void advance(uint64_t ns) {
    const uint64_t end = now_ + ns;
    while (now_ < end) {
      now_ = std::min(end, now_ + 1'000'000);
      s_->poll(now_);
    }
  }

  // A full passive open from the peer; returns the connection id.
  conn_id establish(bool with_options = true) {
    if (!s_->listen(kPort)) {
      ADD_FAILURE() << "listen";
      return kNoConn;
    }
    wire_segment syn = seg(peer_seq_, 0, flag::syn);
    if (with_options) {
      syn.options = testing::cat({testing::opt_mss(1460), testing::opt_sack_ok(),
                                  testing::opt_ts(peer_ts_++, 0), testing::opt_ws(7)});
      ts_ = true;
    }
    feed(syn);
    auto o = take();
    EXPECT_EQ(o.size(), 1u);
    if (o.empty()) return kNoConn;
    our_seq_ = o[0].seq + 1;
    ++peer_seq_;
    feed(seg(peer_seq_, our_seq_, flag::ack));
    EXPECT_EQ(rec_.accepted.size(), 1u);
    return rec_.accepted.empty() ? kNoConn : rec_.accepted.back();
  }

  static inline rte_mempool* pool_ = nullptr;
  uint32_t baseline_ = 0;
  std::unique_ptr<stack> s_;
  stack_config cfg_;
  recorder rec_;
  std::vector<rte_mbuf*> out_;
  uint64_t now_ = 5'000'000'000;
  uint32_t peer_seq_ = 1000;
  uint32_t our_seq_ = 0;
  bool ts_ = false;
  uint32_t peer_ts_ = 100;
  uint32_t echo_ = 0;
};

TEST_F(Tcp, PassiveOpenNegotiatesOptions) {
  make(base_config());
  ASSERT_TRUE(s_->listen(kPort));
  wire_segment syn = seg(1000, 0, flag::syn);
  syn.options = testing::cat(
      {testing::opt_mss(1400), testing::opt_sack_ok(), testing::opt_ts(5, 0), testing::opt_ws(7)});
  feed(syn);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  const wire_segment& sa = o[0];
  EXPECT_EQ(sa.flags, flag::syn | flag::ack);
  EXPECT_EQ(sa.ack, 1001u);
  EXPECT_EQ(sa.src_port, kPort);
  EXPECT_EQ(sa.dst_ip, kPeer);
  EXPECT_EQ(sa.ttl, 64);
  EXPECT_TRUE(sa.df);
  EXPECT_EQ(sa.opt.mss, 1460);
  EXPECT_TRUE(sa.opt.sack_permitted);
  EXPECT_TRUE(sa.opt.has_window_scale);
  EXPECT_EQ(sa.opt.window_scale, 1);  // 64 KiB buffer needs shift 1
  EXPECT_TRUE(sa.opt.has_timestamps);
  EXPECT_EQ(sa.opt.ts_ecr, 5u);
  EXPECT_EQ(s_->half_open(), 1u);
  EXPECT_TRUE(rec_.accepted.empty());
  wire_segment ack = seg(1001, sa.seq + 1, flag::ack);
  ack.options = testing::opt_ts(6, sa.opt.ts_val);
  feed(ack);
  ASSERT_EQ(rec_.accepted.size(), 1u);
  const conn_info ci = s_->info(rec_.accepted[0]);
  EXPECT_EQ(ci.state, tcp_state::established);
  EXPECT_EQ(ci.mss, 1400 - 12);
  EXPECT_TRUE(ci.sack);
  EXPECT_TRUE(ci.timestamps);
  EXPECT_EQ(ci.snd_wscale, 7);
  EXPECT_EQ(s_->half_open(), 0u);
  EXPECT_EQ(s_->counters().get(tcp_counter::conn_opened_passive), 1u);
}

TEST_F(Tcp, PassiveOpenWithoutOptionsUsesDefaults) {
  make(base_config());
  const conn_id c = establish(false);
  const conn_info ci = s_->info(c);
  EXPECT_EQ(ci.mss, kDefaultMss);
  EXPECT_FALSE(ci.sack);
  EXPECT_FALSE(ci.timestamps);
  EXPECT_FALSE(ci.window_scaling);
}

TEST_F(Tcp, MssClampLimitsOptionAndSegments) {
  auto c = base_config();
  c.mss_clamp = 1000;
  make(c);
  const conn_id id = establish(false);
  EXPECT_EQ(s_->info(id).mss, kDefaultMss);  // peer sent no MSS: 536
  ASSERT_TRUE(s_->listen(81));
  wire_segment syn = seg(5000, 0, flag::syn);
  syn.dst_port = 81;
  syn.options = testing::opt_mss(1460);
  feed(syn);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].opt.mss, 1000);
}

TEST_F(Tcp, SynAckIsRetransmittedWithBackoffThenHalfOpenEntryGoes) {
  auto c = base_config();
  c.max_syn_retries = 3;
  make(c);
  ASSERT_TRUE(s_->listen(kPort));
  feed(seg(1000, 0, flag::syn));
  ASSERT_EQ(take().size(), 1u);
  std::vector<uint64_t> times;
  for (int k = 0; k < 40; ++k) {
    advance(500'000'000);
    for (auto& w : take()) {
      EXPECT_EQ(w.flags, flag::syn | flag::ack);
      times.push_back(now_);
    }
  }
  ASSERT_EQ(times.size(), 3u);
  EXPECT_GT(times[1] - times[0], times[0] - 5'000'000'000 - 100'000'000);  // doubles (1 s, 2 s, 4 s)
  EXPECT_EQ(s_->half_open(), 0u);
  EXPECT_EQ(s_->connections_in_use(), 0u);
  EXPECT_EQ(s_->counters().get(tcp_counter::half_open_evicted), 1u);
  EXPECT_TRUE(rec_.closed.empty());  // never visible to the application
}

TEST_F(Tcp, DuplicateSynInSynReceivedRepeatsSynAck) {
  make(base_config());
  ASSERT_TRUE(s_->listen(kPort));
  feed(seg(1000, 0, flag::syn));
  auto first = take();
  feed(seg(1000, 0, flag::syn));
  auto again = take();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].flags, flag::syn | flag::ack);
  EXPECT_EQ(again[0].seq, first[0].seq);
}

TEST_F(Tcp, RstInSynReceivedReturnsToListen) {
  make(base_config());
  ASSERT_TRUE(s_->listen(kPort));
  feed(seg(1000, 0, flag::syn));
  take();
  feed(seg(1001, 0, flag::rst));
  EXPECT_EQ(s_->connections_in_use(), 0u);  // freed at the flush of this burst
  EXPECT_EQ(s_->half_open(), 0u);
  EXPECT_TRUE(rec_.closed.empty());
  EXPECT_TRUE(take().empty());
}

TEST_F(Tcp, BadAckInSynReceivedGetsRst) {
  make(base_config());
  ASSERT_TRUE(s_->listen(kPort));
  feed(seg(1000, 0, flag::syn));
  auto o = take();
  feed(seg(1001, o[0].seq + 77, flag::ack));
  auto r = take();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].flags, flag::rst);
  EXPECT_EQ(r[0].seq, o[0].seq + 77);
  EXPECT_TRUE(rec_.accepted.empty());
}

TEST_F(Tcp, ApplicationMayRefuse) {
  make(base_config());
  rec_.refuse = true;
  establish(false);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_TRUE(o[0].has(flag::rst));
  EXPECT_TRUE(rec_.closed.empty());
  advance(1'000'000);
  EXPECT_EQ(s_->connections_in_use(), 0u);
}

TEST_F(Tcp, ExactRstClosesEstablished) {
  make(base_config());
  const conn_id c = establish();
  feed(seg(peer_seq_, 0, flag::rst));
  ASSERT_EQ(rec_.closed.size(), 1u);
  EXPECT_EQ(rec_.closed[0].first, c);
  EXPECT_EQ(rec_.closed[0].second, close_reason::reset);
  EXPECT_TRUE(take().empty());
  advance(1'000'000);
  EXPECT_EQ(s_->connections_in_use(), 0u);
}

TEST_F(Tcp, InWindowRstGetsChallengeAck) {
  make(base_config());
  const conn_id c = establish();
  feed(seg(peer_seq_ + 100, 0, flag::rst));
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].flags, flag::ack);
  EXPECT_EQ(o[0].ack, peer_seq_);
  EXPECT_TRUE(rec_.closed.empty());
  EXPECT_EQ(s_->info(c).state, tcp_state::established);
  EXPECT_EQ(s_->counters().get(tcp_counter::tx_challenge_acks), 1u);
}

TEST_F(Tcp, OutOfWindowRstIsIgnored) {
  make(base_config());
  const conn_id c = establish();
  feed(seg(peer_seq_ + 10'000'000, 0, flag::rst));
  EXPECT_TRUE(take().empty());
  EXPECT_EQ(s_->info(c).state, tcp_state::established);
  EXPECT_EQ(s_->counters().get(tcp_counter::rx_rst_ignored), 1u);
}

TEST_F(Tcp, SynOnEstablishedGetsChallengeAck) {
  make(base_config());
  const conn_id c = establish();
  feed(seg(peer_seq_ + 5, 0, flag::syn));
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].flags, flag::ack);
  EXPECT_EQ(o[0].ack, peer_seq_);
  EXPECT_EQ(s_->info(c).state, tcp_state::established);
}

TEST_F(Tcp, AckForUnsentDataIsAnsweredAndDropped) {
  make(base_config());
  const conn_id c = establish();
  feed(seg(peer_seq_, our_seq_ + 5000, flag::ack, "xyz"));
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].ack, peer_seq_);  // the data was not taken
  EXPECT_TRUE(rec_.data.empty());
  EXPECT_EQ(s_->info(c).state, tcp_state::established);
}

TEST_F(Tcp, InOrderDataIsDeliveredAndAckDelayed) {
  make(base_config());
  establish();
  feed(seg(peer_seq_, our_seq_, flag::ack | flag::psh, "hello"));
  EXPECT_EQ(rec_.data, "hello");
  EXPECT_TRUE(take().empty());  // one segment: the ACK waits
  advance(50'000'000);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].ack, peer_seq_ + 5);
  EXPECT_EQ(s_->counters().get(tcp_counter::tx_delayed_acks), 1u);
  // Two segments in one burst: ACK at once.
  feed(seg(peer_seq_ + 5, our_seq_, flag::ack, "ab"));
  feed(seg(peer_seq_ + 7, our_seq_, flag::ack, "cd"));
  o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].ack, peer_seq_ + 9);
  EXPECT_EQ(rec_.data, "helloabcd");
}

TEST_F(Tcp, OutOfOrderDataIsReassembledAndSacked) {
  make(base_config());
  establish();
  const uint32_t b = peer_seq_;
  feed(seg(b + 6, our_seq_, flag::ack, "world"));
  auto o = take();
  ASSERT_EQ(o.size(), 1u);  // immediate duplicate ACK with SACK
  EXPECT_EQ(o[0].ack, b);
  ASSERT_EQ(o[0].opt.sack_count, 1);
  EXPECT_EQ(o[0].opt.sack[0].left.raw(), b + 6);
  EXPECT_EQ(o[0].opt.sack[0].right.raw(), b + 11);
  feed(seg(b + 14, our_seq_, flag::ack, "!!"));
  o = take();
  ASSERT_EQ(o[0].opt.sack_count, 2);
  EXPECT_EQ(o[0].opt.sack[0].left.raw(), b + 14);  // most recent first (RFC 2018 4)
  // Overlapping retransmission covering both the gap and part of the queue.
  feed(seg(b + 3, our_seq_, flag::ack, "lo wor"));
  EXPECT_TRUE(rec_.data.empty());
  feed(seg(b, our_seq_, flag::ack, "hel"));
  EXPECT_EQ(rec_.data, "hello world");
  feed(seg(b + 11, our_seq_, flag::ack, "...!!"));
  EXPECT_EQ(rec_.data, "hello world...!!");
  o = take();
  ASSERT_FALSE(o.empty());
  EXPECT_EQ(o.back().ack, b + 16);
  EXPECT_EQ(o.back().opt.sack_count, 0);
  EXPECT_EQ(s_->reassembly_nodes_in_use(), 0u);
}

// With out-of-order data queued, our data segments still fit the peer's MSS:
// SACK blocks take only the room the data leaves (RFC 9293 3.7.1 counts the
// options in the effective MSS). A full segment plus SACK blocks would outgrow
// a 1500-byte MTU, and with DF set the IPv4 layer drops it, on every
// retransmission (two stacks sending both ways under loss deadlocked so).
TEST_F(Tcp, DataSegmentsWithSackBlocksFitThePeersMss) {
  make(base_config());
  establish();  // peer MSS 1460 with timestamps: 1448 bytes of data per segment
  const uint32_t b = peer_seq_;
  feed(seg(b + 100, our_seq_, flag::ack, "gap"));
  feed(seg(b + 200, our_seq_, flag::ack, "gap"));
  take();
  const std::string data(3000, 'x');
  ASSERT_EQ(s_->send(rec_.accepted.back(), data.data(), static_cast<uint32_t>(data.size())), data.size());
  s_->poll(now_);
  auto o = take();
  ASSERT_EQ(o.size(), 3u);
  size_t sent = 0;
  for (const auto& w : o) {
    EXPECT_LE(w.options.size() + w.payload.size(), 1460u) << testing::describe(w);
    EXPECT_EQ(w.ack, b);
    sent += w.payload.size();
  }
  EXPECT_EQ(sent, data.size());
  EXPECT_EQ(o[0].payload.size(), 1448u);  // a full segment: no room for SACK blocks
  EXPECT_EQ(o[0].opt.sack_count, 0);
  EXPECT_EQ(o[2].opt.sack_count, 2);  // the short tail carries both blocks
}

TEST_F(Tcp, DuplicateDataIsTrimmed) {
  make(base_config());
  establish();
  feed(seg(peer_seq_, our_seq_, flag::ack, "abcdef"));
  feed(seg(peer_seq_, our_seq_, flag::ack, "abcdefgh"));
  EXPECT_EQ(rec_.data, "abcdefgh");
  feed(seg(peer_seq_, our_seq_, flag::ack, "abc"));
  EXPECT_EQ(rec_.data, "abcdefgh");
  EXPECT_EQ(s_->counters().get(tcp_counter::rx_duplicate_data), 6u);
  // Wholly old: fails the acceptability test and is only acknowledged.
  EXPECT_EQ(s_->counters().get(tcp_counter::rx_out_of_window), 1u);
}

TEST_F(Tcp, PassiveCloseThroughLastAck) {
  make(base_config());
  const conn_id c = establish();
  feed(seg(peer_seq_, our_seq_, flag::ack | flag::fin));
  ASSERT_EQ(rec_.peer_closed.size(), 1u);
  EXPECT_EQ(s_->info(c).state, tcp_state::close_wait);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].ack, peer_seq_ + 1);
  // Half-close: we can still send.
  EXPECT_EQ(s_->send(c, "late", 4), 4u);
  s_->shutdown_write(c);
  EXPECT_EQ(s_->info(c).state, tcp_state::last_ack);
  advance(1'000'000);
  o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(std::string(o[0].payload.begin(), o[0].payload.end()), "late");
  EXPECT_TRUE(o[0].has(flag::fin));
  feed(seg(peer_seq_ + 1, our_seq_ + 5, flag::ack));
  ASSERT_EQ(rec_.closed.size(), 1u);
  EXPECT_EQ(rec_.closed[0].second, close_reason::normal);
  advance(1'000'000);
  EXPECT_EQ(s_->connections_in_use(), 0u);
  EXPECT_EQ(s_->time_wait(), 0u);
}

TEST_F(Tcp, ActiveCloseThroughTimeWait) {
  auto c = base_config();
  c.time_wait_ns = 2'000'000'000;
  make(c);
  const conn_id id = establish();
  s_->close(id);
  EXPECT_EQ(s_->info(id).state, tcp_state::fin_wait_1);
  advance(1'000'000);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].flags, flag::fin | flag::ack);
  feed(seg(peer_seq_, our_seq_ + 1, flag::ack));
  EXPECT_EQ(s_->info(id).state, tcp_state::fin_wait_2);
  feed(seg(peer_seq_, our_seq_ + 1, flag::ack | flag::fin));
  o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].ack, peer_seq_ + 1);
  ASSERT_EQ(rec_.closed.size(), 1u);
  EXPECT_EQ(rec_.closed[0].second, close_reason::normal);
  EXPECT_EQ(s_->time_wait(), 1u);
  // A retransmitted FIN in TIME-WAIT is acknowledged again.
  feed(seg(peer_seq_, our_seq_ + 1, flag::ack | flag::fin));
  o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].ack, peer_seq_ + 1);
  // RFC 1337: a RST does not end TIME-WAIT.
  feed(seg(peer_seq_ + 1, 0, flag::rst));
  EXPECT_EQ(s_->time_wait(), 1u);
  advance(2'100'000'000);
  EXPECT_EQ(s_->time_wait(), 0u);
  EXPECT_EQ(s_->connections_in_use(), 0u);
}

TEST_F(Tcp, SimultaneousCloseGoesThroughClosing) {
  make(base_config());
  const conn_id id = establish();
  s_->shutdown_write(id);
  advance(1'000'000);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  // The peer's FIN crosses ours: it does not acknowledge our FIN.
  feed(seg(peer_seq_, our_seq_, flag::ack | flag::fin));
  EXPECT_EQ(s_->info(id).state, tcp_state::closing);
  EXPECT_EQ(rec_.peer_closed.size(), 1u);
  feed(seg(peer_seq_ + 1, our_seq_ + 1, flag::ack));
  EXPECT_EQ(s_->time_wait(), 1u);
  ASSERT_EQ(rec_.closed.size(), 1u);
  EXPECT_EQ(rec_.closed[0].second, close_reason::normal);
}

TEST_F(Tcp, FinAndAckTogetherFromFinWait1GoToTimeWait) {
  make(base_config());
  const conn_id id = establish();
  s_->close(id);
  advance(1'000'000);
  take();
  feed(seg(peer_seq_, our_seq_ + 1, flag::ack | flag::fin));
  EXPECT_EQ(s_->time_wait(), 1u);
  ASSERT_EQ(rec_.closed.size(), 1u);
}

TEST_F(Tcp, HalfCloseKeepsReceiving) {
  make(base_config());
  const conn_id id = establish();
  s_->shutdown_write(id);
  advance(1'000'000);
  take();
  feed(seg(peer_seq_, our_seq_ + 1, flag::ack));
  EXPECT_EQ(s_->info(id).state, tcp_state::fin_wait_2);
  feed(seg(peer_seq_, our_seq_ + 1, flag::ack, "still talking"));
  EXPECT_EQ(rec_.data, "still talking");
  EXPECT_TRUE(rec_.closed.empty());
}

TEST_F(Tcp, DataAfterCloseResets) {
  make(base_config());
  const conn_id id = establish();
  s_->close(id);
  advance(1'000'000);
  take();
  feed(seg(peer_seq_, our_seq_ + 1, flag::ack, "unwanted"));
  auto o = take();
  ASSERT_FALSE(o.empty());
  EXPECT_TRUE(o.back().has(flag::rst));
  ASSERT_EQ(rec_.closed.size(), 1u);
  EXPECT_EQ(rec_.closed[0].second, close_reason::aborted);
  EXPECT_EQ(s_->counters().get(tcp_counter::rx_data_after_close), 1u);
}

TEST_F(Tcp, AbortSendsRstAndNoEvent) {
  make(base_config());
  const conn_id id = establish();
  s_->abort(id);
  s_->poll(now_);  // output leaves at the next flush
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_TRUE(o[0].has(flag::rst));
  EXPECT_EQ(o[0].seq, our_seq_);
  advance(1'000'000);
  EXPECT_TRUE(rec_.closed.empty());
  EXPECT_EQ(s_->connections_in_use(), 0u);
}

TEST_F(Tcp, NoListenerAnswersWithRst) {
  make(base_config());
  wire_segment syn = seg(1000, 0, flag::syn);
  syn.dst_port = 9;
  feed(syn);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].flags, flag::rst | flag::ack);
  EXPECT_EQ(o[0].seq, 0u);
  EXPECT_EQ(o[0].ack, 1001u);
  wire_segment ack = seg(1000, 4242, flag::ack, "x");
  ack.dst_port = 9;
  feed(ack);
  o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].flags, flag::rst);
  EXPECT_EQ(o[0].seq, 4242u);
  wire_segment rst = seg(1000, 0, flag::rst);
  rst.dst_port = 9;
  feed(rst);
  EXPECT_TRUE(take().empty());  // never answer a RST
  EXPECT_EQ(s_->counters().get(tcp_counter::rx_no_connection), 3u);
}

TEST_F(Tcp, BadChecksumMalformedOptionsAndFlagsAreDropped) {
  make(base_config());
  ASSERT_TRUE(s_->listen(kPort));
  feed(seg(1000, 0, flag::syn), true);
  wire_segment bad = seg(1000, 0, flag::syn);
  bad.options = {2, 3, 5, 0};  // MSS with length 3
  feed(bad);
  feed(seg(1000, 0, flag::syn | flag::fin));
  EXPECT_TRUE(take().empty());
  EXPECT_EQ(s_->counters().get(tcp_counter::rx_bad_checksum), 1u);
  EXPECT_EQ(s_->counters().get(tcp_counter::rx_bad_options), 1u);
  EXPECT_EQ(s_->counters().get(tcp_counter::rx_bad_flags), 1u);
  EXPECT_EQ(s_->connections_in_use(), 0u);
}

TEST_F(Tcp, PawsRejectsOldTimestamps) {
  make(base_config());
  establish();
  feed(seg(peer_seq_, our_seq_, flag::ack, "new"));
  wire_segment old = seg(peer_seq_ + 3, our_seq_, flag::ack, "old");
  old.options = testing::opt_ts(1, echo_);  // far older than TS.Recent
  feed(old);
  EXPECT_EQ(rec_.data, "new");
  EXPECT_EQ(s_->counters().get(tcp_counter::rx_paws_rejected), 1u);
  auto o = take();
  ASSERT_FALSE(o.empty());
  EXPECT_EQ(o.back().ack, peer_seq_ + 3);
}

TEST_F(Tcp, ActiveOpenAndRefusal) {
  make(base_config());
  const conn_id c = s_->connect(kUs, kPeer, 8080, now_);
  ASSERT_NE(c, kNoConn);
  advance(1'000'000);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].flags, flag::syn);
  EXPECT_TRUE(o[0].opt.has_mss);
  EXPECT_TRUE(o[0].opt.sack_permitted);
  EXPECT_TRUE(o[0].opt.has_timestamps);
  EXPECT_TRUE(o[0].opt.has_window_scale);
  const uint16_t lport = o[0].src_port;
  wire_segment rst;
  rst.src_ip = kPeer;
  rst.dst_ip = kUs;
  rst.src_port = 8080;
  rst.dst_port = lport;
  rst.flags = flag::rst | flag::ack;
  rst.ack = o[0].seq + 5;  // not acceptable: ignored (RFC 9293 3.10.7.3)
  feed(rst);
  EXPECT_TRUE(rec_.closed.empty());
  rst.ack = o[0].seq + 1;
  feed(rst);
  ASSERT_EQ(rec_.closed.size(), 1u);
  EXPECT_EQ(rec_.closed[0].second, close_reason::refused);
}

TEST_F(Tcp, ActiveOpenCompletes) {
  make(base_config());
  const conn_id c = s_->connect(kUs, kPeer, 8080, now_);
  EXPECT_EQ(s_->send(c, "early", 5), 5u);  // queued before the handshake ends
  advance(1'000'000);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  wire_segment sa;
  sa.src_ip = kPeer;
  sa.dst_ip = kUs;
  sa.src_port = 8080;
  sa.dst_port = o[0].src_port;
  sa.seq = 7000;
  sa.ack = o[0].seq + 1;
  sa.flags = flag::syn | flag::ack;
  sa.options = testing::opt_mss(1200);
  feed(sa);
  ASSERT_EQ(rec_.connected.size(), 1u);
  EXPECT_EQ(s_->info(c).state, tcp_state::established);
  EXPECT_EQ(s_->info(c).mss, 1200);
  EXPECT_FALSE(s_->info(c).timestamps);
  o = take();
  ASSERT_GE(o.size(), 1u);
  EXPECT_EQ(o[0].ack, 7001u);
  std::string sent;
  for (auto& w : o) sent.append(w.payload.begin(), w.payload.end());
  EXPECT_EQ(sent, "early");
}

TEST_F(Tcp, SimultaneousOpen) {
  make(base_config());
  const conn_id c = s_->connect(kUs, kPeer, 8080, now_, 5555);
  advance(1'000'000);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  wire_segment syn;
  syn.src_ip = kPeer;
  syn.dst_ip = kUs;
  syn.src_port = 8080;
  syn.dst_port = 5555;
  syn.seq = 9000;
  syn.flags = flag::syn;
  feed(syn);
  EXPECT_EQ(s_->info(c).state, tcp_state::syn_received);
  auto o2 = take();
  ASSERT_EQ(o2.size(), 1u);
  EXPECT_EQ(o2[0].flags, flag::syn | flag::ack);
  EXPECT_EQ(o2[0].seq, o[0].seq);
  EXPECT_EQ(o2[0].ack, 9001u);
  wire_segment sa = syn;
  sa.flags = flag::syn | flag::ack;
  sa.ack = o[0].seq + 1;
  feed(sa);  // its SYN-ACK: seq 9000 is now old, the ACK completes us
  wire_segment ack = syn;
  ack.seq = 9001;
  ack.flags = flag::ack;
  ack.ack = o[0].seq + 1;
  feed(ack);
  EXPECT_EQ(s_->info(c).state, tcp_state::established);
  EXPECT_EQ(rec_.connected.size(), 1u);
}

TEST_F(Tcp, RetransmitsWithExponentialBackoffThenGivesUp) {
  auto c = base_config();
  c.max_retries = 3;
  make(c);
  const conn_id id = establish();
  ASSERT_EQ(s_->send(id, "data", 4), 4u);
  advance(1'000'000);
  ASSERT_EQ(take().size(), 1u);
  std::vector<uint64_t> at;
  for (int k = 0; k < 200 && rec_.closed.empty(); ++k) {
    advance(100'000'000);
    for (auto& w : take())
      if (!w.payload.empty()) at.push_back(now_);
  }
  ASSERT_EQ(at.size(), 3u);
  EXPECT_GE(at[2] - at[1], 2 * (at[1] - at[0]) - 200'000'000);
  ASSERT_EQ(rec_.closed.size(), 1u);
  EXPECT_EQ(rec_.closed[0].second, close_reason::timeout);
  EXPECT_EQ(s_->counters().get(tcp_counter::retransmit_timeout), 3u);
  EXPECT_EQ(s_->counters().get(tcp_counter::retransmit_timeouts), 1u);
}

TEST_F(Tcp, ZeroWindowIsProbedUntilItOpens) {
  make(base_config());
  const conn_id id = establish();
  wire_segment zero = seg(peer_seq_, our_seq_, flag::ack);
  zero.window = 0;
  feed(zero);
  ASSERT_EQ(s_->send(id, "blocked", 7), 7u);
  advance(1'000'000);
  EXPECT_TRUE(take().empty());
  int probes = 0;
  for (int k = 0; k < 50; ++k) {
    advance(100'000'000);
    for (auto& w : take()) {
      EXPECT_TRUE(w.payload.empty());
      EXPECT_EQ(w.seq, our_seq_ - 1);
      ++probes;
      wire_segment still = seg(peer_seq_, our_seq_, flag::ack);
      still.window = 0;
      feed(still);
    }
  }
  EXPECT_GE(probes, 2);
  EXPECT_EQ(s_->counters().get(tcp_counter::persist_probes), static_cast<uint64_t>(probes));
  feed(seg(peer_seq_, our_seq_, flag::ack));  // window opens
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(std::string(o[0].payload.begin(), o[0].payload.end()), "blocked");
}

TEST_F(Tcp, KeepaliveProbesThenDrops) {
  auto c = base_config();
  c.keepalive = true;
  c.keepalive_idle_ns = 10'000'000'000;
  c.keepalive_interval_ns = 1'000'000'000;
  c.keepalive_probes = 3;
  make(c);
  establish();
  advance(9'000'000'000);
  EXPECT_TRUE(take().empty());
  advance(1'500'000'000);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].seq, our_seq_ - 1);
  // Answered: the connection stays.
  feed(seg(peer_seq_, our_seq_, flag::ack));
  advance(5'000'000'000);
  EXPECT_TRUE(take().empty());
  EXPECT_TRUE(rec_.closed.empty());
  // Unanswered: three probes, then a reset.
  advance(20'000'000'000);
  o = take();
  ASSERT_EQ(o.size(), 4u);
  EXPECT_TRUE(o.back().has(flag::rst));
  ASSERT_EQ(rec_.closed.size(), 1u);
  EXPECT_EQ(rec_.closed[0].second, close_reason::keepalive);
  EXPECT_EQ(s_->counters().get(tcp_counter::keepalive_probes), 4u);
}

TEST_F(Tcp, SynCookiesWhenHalfOpenIsFull) {
  auto c = base_config();
  c.max_half_open = 0;
  make(c);
  ASSERT_TRUE(s_->listen(kPort));
  wire_segment syn = seg(1000, 0, flag::syn);
  syn.options = testing::cat({testing::opt_mss(1460), testing::opt_sack_ok(), testing::opt_ws(6)});
  feed(syn);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(s_->connections_in_use(), 0u);  // nothing kept
  EXPECT_EQ(s_->counters().get(tcp_counter::syn_cookies_sent), 1u);
  EXPECT_TRUE(o[0].opt.has_window_scale);
  // A forged ACK does not open anything.
  feed(seg(1001, o[0].seq + 2, flag::ack));
  EXPECT_EQ(s_->counters().get(tcp_counter::syn_cookies_rejected), 1u);
  EXPECT_TRUE(take()[0].has(flag::rst));
  feed(seg(1001, o[0].seq + 1, flag::ack, "GET"));
  ASSERT_EQ(rec_.accepted.size(), 1u);
  const conn_info ci = s_->info(rec_.accepted[0]);
  EXPECT_EQ(ci.state, tcp_state::established);
  EXPECT_EQ(ci.mss, 1460);
  EXPECT_TRUE(ci.sack);
  EXPECT_EQ(ci.snd_wscale, 6);
  EXPECT_EQ(rec_.data, "GET");
  EXPECT_EQ(s_->counters().get(tcp_counter::syn_cookies_accepted), 1u);
}

TEST_F(Tcp, TimeWaitIsReusedByANewerSyn) {
  make(base_config());
  const conn_id id = establish(false);
  s_->close(id);
  advance(1'000'000);
  take();
  feed(seg(peer_seq_, our_seq_ + 1, flag::ack | flag::fin));
  take();
  ASSERT_EQ(s_->time_wait(), 1u);
  feed(seg(peer_seq_ + 100000, 0, flag::syn));
  auto o = take();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].flags, flag::syn | flag::ack);
  EXPECT_EQ(s_->time_wait(), 0u);
  EXPECT_EQ(s_->counters().get(tcp_counter::time_wait_reopened), 1u);
}

TEST_F(Tcp, TimeWaitIsBounded) {
  auto c = base_config();
  c.max_time_wait = 2;
  make(c);
  ASSERT_TRUE(s_->listen(kPort));
  for (uint16_t k = 0; k < 5; ++k) {
    wire_segment syn = seg(1000, 0, flag::syn);
    syn.src_port = static_cast<uint16_t>(41000 + k);
    feed(syn);
    auto o = take();
    ASSERT_EQ(o.size(), 1u);
    wire_segment ack = syn;
    ack.flags = flag::ack;
    ack.seq = 1001;
    ack.ack = o[0].seq + 1;
    feed(ack);
    const conn_id id = rec_.accepted.back();
    s_->close(id);
    advance(1'000'000);
    take();
    ack.flags = flag::ack | flag::fin;
    ack.ack = o[0].seq + 2;
    feed(ack);
    take();
    EXPECT_LE(s_->time_wait(), 2u);
  }
  EXPECT_EQ(s_->time_wait(), 2u);
  EXPECT_EQ(s_->counters().get(tcp_counter::time_wait_recycled), 3u);
  advance(1'000'000);
  EXPECT_EQ(s_->connections_in_use(), 2u);
}

TEST_F(Tcp, SendBackpressureAndWritable) {
  auto c = base_config();
  c.snd_buf = 8192;
  make(c);
  const conn_id id = establish();
  std::string big(20000, 'z');
  EXPECT_EQ(s_->send(id, big.data(), 20000), 8192u);
  EXPECT_EQ(s_->send_space(id), 0u);
  advance(1'000'000);
  auto o = take();
  uint32_t sent = 0;
  for (auto& w : o) sent += static_cast<uint32_t>(w.payload.size());
  EXPECT_GT(sent, 0u);
  EXPECT_TRUE(rec_.writable.empty());
  feed(seg(peer_seq_, our_seq_ + sent, flag::ack));
  EXPECT_EQ(rec_.writable.size(), 1u);
  EXPECT_GT(s_->send_space(id), 4000u);
}

TEST_F(Tcp, ReceiveWindowClosesWhenTheApplicationHolds) {
  make(base_config());
  rec_.hold = true;
  const conn_id id = establish();
  std::string chunk(1000, 'q');
  uint32_t off = 0;
  uint16_t last_window = 0;
  for (int k = 0; k < 80; ++k) {
    feed(seg(peer_seq_ + off, our_seq_, flag::ack, chunk));
    off += 1000;
    for (auto& w : take()) last_window = w.window;
  }
  advance(50'000'000);
  for (auto& w : take()) last_window = w.window;
  EXPECT_LE(rec_.data.size(), 64u * 1024);  // bounded by rcv_buf
  EXPECT_EQ(last_window, 0);
  EXPECT_GT(s_->counters().get(tcp_counter::rx_out_of_window), 0u);
  s_->recv_consumed(id, static_cast<uint32_t>(rec_.data.size()));
  s_->poll(now_);
  auto o = take();
  ASSERT_EQ(o.size(), 1u);  // window update
  EXPECT_GT(o[0].window, 0);
}

}  // namespace
}  // namespace sstpgw::tcp
