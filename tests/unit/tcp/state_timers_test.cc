// Active open, retransmission, persist, keepalive, SYN cookies, TIME-WAIT and
// backpressure, against a scripted peer with time passed in.
#include "tests/unit/tcp/state_fixture.hh"

namespace sstpgw::tcp::state_testing {
namespace {

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
}  // namespace sstpgw::tcp::state_testing
