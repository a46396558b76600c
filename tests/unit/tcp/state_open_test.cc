// Opening, refusing and resetting connections (RFC 9293 3.10.7, RFC 5961),
// each case its own test against a scripted peer.
#include "tests/unit/tcp/state_fixture.hh"

namespace sstpgw::tcp::state_testing {
namespace {

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

}  // namespace
}  // namespace sstpgw::tcp::state_testing
