// Data, reassembly, SACK and closing in every path, against a scripted peer.
#include "tests/unit/tcp/state_fixture.hh"

namespace sstpgw::tcp::state_testing {
namespace {

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

}  // namespace
}  // namespace sstpgw::tcp::state_testing
