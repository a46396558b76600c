// TCP pieces that need no DPDK: sequence arithmetic, options, SipHash, ISN,
// SYN cookies, the RFC 6298 estimator and the timer wheel.
#include <gtest/gtest.h>

#include <vector>

#include "dataplane/net/tcp/keyed_hash.hh"
#include "dataplane/net/tcp/options.hh"
#include "dataplane/net/tcp/rtt.hh"
#include "dataplane/net/tcp/syn_cookie.hh"
#include "dataplane/net/tcp/timer_wheel.hh"
#include "dataplane/net/tcp/types.hh"

namespace sstpgw::tcp {
namespace {

TEST(TcpSeq, ComparesAcrossTheWrap) {
  const tcp_seq a(0xfffffff0u);
  const tcp_seq b = a + 0x20;  // wrapped to 0x10
  EXPECT_EQ(b.raw(), 0x10u);
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(b > a);
  EXPECT_EQ(b - a, 0x20);
  EXPECT_EQ(a - b, -0x20);
  EXPECT_TRUE(a <= a);
  EXPECT_FALSE(a < a);
  EXPECT_TRUE(seq_in(tcp_seq(5), a, b));
  EXPECT_FALSE(seq_in(b, a, b));
  EXPECT_EQ(seq_max(a, b), b);
  EXPECT_EQ(seq_min(a, b), a);
  // Half the space away flips the order: the comparison is only meaningful below 2^31.
  const tcp_seq c(0);
  EXPECT_TRUE(c < tcp_seq(0x7fffffffu));
  EXPECT_TRUE(c > tcp_seq(0x80000001u));
  EXPECT_EQ((tcp_seq(3) - 5).raw(), 0xfffffffeu);
}

TEST(TcpOptions, ParsesEveryKnownOption) {
  const std::vector<uint8_t> o = {2, 4,  0x05, 0xb4,                       // MSS 1460
                                  4, 2,                                    // SACK permitted
                                  8, 10, 0,    0,    0, 1,  0, 0, 0, 2,    // TS 1, 2
                                  1,                                       // NOP
                                  3, 3,  7,                                // WS 7
                                  5, 10, 0,    0,    0, 10, 0, 0, 0, 20};  // SACK 10..20
  tcp_options out;
  ASSERT_EQ(parse_options(o.data(), o.size(), out), option_status::ok);
  EXPECT_TRUE(out.has_mss);
  EXPECT_EQ(out.mss, 1460);
  EXPECT_TRUE(out.sack_permitted);
  EXPECT_TRUE(out.has_timestamps);
  EXPECT_EQ(out.ts_val, 1u);
  EXPECT_EQ(out.ts_ecr, 2u);
  EXPECT_TRUE(out.has_window_scale);
  EXPECT_EQ(out.window_scale, 7);
  ASSERT_EQ(out.sack_count, 1);
  EXPECT_EQ(out.sack[0].left.raw(), 10u);
  EXPECT_EQ(out.sack[0].right.raw(), 20u);
}

TEST(TcpOptions, SkipsUnknownAndStopsAtEol) {
  const std::vector<uint8_t> o = {30, 6, 1, 2, 3, 4, 2, 4, 0x02, 0x18, 0, 2, 4, 5, 0xb4};
  tcp_options out;
  ASSERT_EQ(parse_options(o.data(), o.size(), out), option_status::ok);
  EXPECT_TRUE(out.has_mss);
  EXPECT_EQ(out.mss, 536);  // the MSS after EOL is not read
}

TEST(TcpOptions, ClampsWindowScaleTo14) {
  const std::vector<uint8_t> o = {3, 3, 200};
  tcp_options out;
  ASSERT_EQ(parse_options(o.data(), o.size(), out), option_status::ok);
  EXPECT_EQ(out.window_scale, 14);
}

struct malformed_case {
  const char* name;
  std::vector<uint8_t> bytes;
};

class TcpOptionsMalformed : public ::testing::TestWithParam<malformed_case> {};

TEST_P(TcpOptionsMalformed, IsRejected) {
  tcp_options out;
  EXPECT_EQ(parse_options(GetParam().bytes.data(), GetParam().bytes.size(), out), option_status::malformed);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TcpOptionsMalformed,
    ::testing::Values(
        malformed_case{"missing_length", {2}}, malformed_case{"length_zero", {30, 0, 1, 1}},
        malformed_case{"length_one", {30, 1, 1, 1}}, malformed_case{"past_the_end", {30, 8, 1, 1}},
        malformed_case{"mss_length_3", {2, 3, 5, 1}}, malformed_case{"ws_length_4", {3, 4, 1, 1}},
        malformed_case{"sack_ok_length_3", {4, 3, 1, 1}},
        malformed_case{"sack_not_multiple_of_8", {5, 6, 0, 0, 0, 1}},
        malformed_case{"sack_empty", {5, 2, 1, 1}}, malformed_case{"ts_length_8", {8, 8, 0, 0, 0, 0, 0, 0}},
        malformed_case{"sack_five_blocks",
                       std::vector<uint8_t>{5, 42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                            0, 0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(TcpOptions, WriteThenParseRoundTrips) {
  uint8_t buf[kMaxOptionsLen];
  option_request syn{.syn = true,
                     .mss = 1400,
                     .window_scale = true,
                     .window_scale_shift = 5,
                     .sack_permitted = true,
                     .timestamps = true,
                     .ts_val = 77,
                     .ts_ecr = 0};
  size_t n = write_options(syn, buf);
  EXPECT_EQ(n, 20u);
  tcp_options o;
  ASSERT_EQ(parse_options(buf, n, o), option_status::ok);
  EXPECT_EQ(o.mss, 1400);
  EXPECT_EQ(o.window_scale, 5);
  EXPECT_TRUE(o.sack_permitted);
  EXPECT_EQ(o.ts_val, 77u);

  const sack_block blocks[4] = {{tcp_seq(100), tcp_seq(200)},
                                {tcp_seq(300), tcp_seq(400)},
                                {tcp_seq(500), tcp_seq(600)},
                                {tcp_seq(700), tcp_seq(800)}};
  option_request ack{.timestamps = true, .ts_val = 1, .ts_ecr = 2, .sack_count = 4, .sack = blocks};
  n = write_options(ack, buf);
  EXPECT_LE(n, kMaxOptionsLen);
  EXPECT_EQ(n % 4, 0u);
  tcp_options a;
  ASSERT_EQ(parse_options(buf, n, a), option_status::ok);
  EXPECT_TRUE(a.has_timestamps);
  EXPECT_EQ(a.sack_count, 3);  // 12 bytes of TS leave room for three blocks
  EXPECT_EQ(a.sack[2].right.raw(), 600u);

  option_request no_ts{.sack_count = 4, .sack = blocks};
  n = write_options(no_ts, buf);
  tcp_options b;
  ASSERT_EQ(parse_options(buf, n, b), option_status::ok);
  EXPECT_EQ(b.sack_count, 4);
}

// SipHash-2-4 reference vectors (Aumasson & Bernstein, the paper's appendix
// and the reference implementation's vectors.h): key 00..0f, message 00..len-1.
TEST(KeyedHash, SipHashReferenceVectors) {
  hash_key k{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::vector<uint8_t> msg(15);
  for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(siphash24(k, msg.data(), 15), 0xa129ca6149be45e5ULL);
  EXPECT_EQ(siphash24(k, msg.data(), 0), 0x726fdb47dd0e0e31ULL);
}

TEST(KeyedHash, IsnAdvancesWithTheClockAndDependsOnTheTuple) {
  hash_key k{1, 2};
  four_tuple t{0x0a000001, 0x0a000002, 443, 50000};
  const uint32_t a = initial_sequence(k, t, 0);
  EXPECT_EQ(initial_sequence(k, t, 4000 * 10) - a, 10u);  // 4 us ticks (RFC 6528)
  four_tuple u = t;
  u.remote_port = 50001;
  EXPECT_NE(initial_sequence(k, u, 0), a);
  EXPECT_NE(initial_sequence(hash_key{1, 3}, t, 0), a);
}

TEST(SynCookie, RoundTripsMssWindowScaleAndSack) {
  hash_key k{0x1234, 0x5678};
  four_tuple t{0x0a000002, 0x0a000001, 443, 40000};
  const uint64_t now = 1000 * kCookiePeriodNs + 5;
  for (uint16_t mss : {536, 1000, 1220, 1300, 1440, 1460, 9000}) {
    for (int ws : {-1, 0, 7, 14}) {
      for (bool sack : {false, true}) {
        cookie_params p{.mss = mss,
                        .has_window_scale = ws >= 0,
                        .window_scale = static_cast<uint8_t>(ws < 0 ? 0 : ws),
                        .sack_permitted = sack};
        const uint32_t c = make_syn_cookie(k, t, 777, now, p);
        cookie_params out;
        ASSERT_TRUE(check_syn_cookie(k, t, 777, c, now + kCookiePeriodNs, out));
        uint16_t want = 536;
        for (uint16_t m : kCookieMss)
          if (m <= mss) want = m;
        EXPECT_EQ(out.mss, want);
        EXPECT_EQ(out.has_window_scale, ws >= 0);
        if (ws >= 0) {
          EXPECT_EQ(out.window_scale, ws);
        }
        EXPECT_EQ(out.sack_permitted, sack);
      }
    }
  }
}

TEST(SynCookie, RejectsTamperingOtherTuplesAndOldCookies) {
  hash_key k{9, 9};
  four_tuple t{1, 2, 3, 4};
  const uint64_t now = 50 * kCookiePeriodNs;
  cookie_params p{.mss = 1460, .has_window_scale = true, .window_scale = 7, .sack_permitted = true};
  const uint32_t c = make_syn_cookie(k, t, 1000, now, p);
  cookie_params out;
  EXPECT_TRUE(check_syn_cookie(k, t, 1000, c, now, out));
  EXPECT_FALSE(check_syn_cookie(k, t, 1001, c, now, out));  // other peer ISN
  EXPECT_FALSE(check_syn_cookie(k, four_tuple{1, 2, 3, 5}, 1000, c, now, out));
  EXPECT_FALSE(check_syn_cookie(hash_key{9, 8}, t, 1000, c, now, out));
  EXPECT_FALSE(check_syn_cookie(k, t, 1000, c ^ (1u << 27), now, out));  // MSS bits forged
  EXPECT_FALSE(check_syn_cookie(k, t, 1000, c ^ 1u, now, out));
  EXPECT_FALSE(check_syn_cookie(k, t, 1000, c, now + 2 * kCookiePeriodNs, out));  // expired
}

// RFC 6298 2.2-2.5 worked by hand: G = 1 ms, K = 4, alpha 1/8, beta 1/4.
TEST(Rto, FollowsRfc6298) {
  rto_config cfg{.initial_ns = 1'000'000'000,
                 .min_ns = 1'000'000'000,
                 .max_ns = 60'000'000'000,
                 .granularity_ns = 1'000'000};
  rtt_estimator e(cfg);
  EXPECT_EQ(e.rto(), 1'000'000'000u);       // 2.1: before any measurement
  e.sample(100'000'000);                    // R = 100 ms
  EXPECT_EQ(e.srtt(), 100'000'000u);        // SRTT = R
  EXPECT_EQ(e.rttvar(), 50'000'000u);       // RTTVAR = R / 2
  EXPECT_EQ(e.base_rto(), 1'000'000'000u);  // 100 + 4 * 50 = 300 ms, raised to the 1 s floor (2.4)
  e.sample(
      200'000'000);  // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5
  EXPECT_EQ(e.rttvar(), 62'500'000u);
  EXPECT_EQ(e.srtt(), 112'500'000u);

  rto_config low = cfg;
  low.min_ns = 1'000'000;
  rtt_estimator f(low);
  f.sample(100'000'000);
  EXPECT_EQ(f.rto(), 300'000'000u);  // SRTT + max(G, 4 * RTTVAR)
  f.sample(200'000'000);
  EXPECT_EQ(f.rto(), 112'500'000u + 250'000'000u);
  f.backoff();  // 5.5: double
  EXPECT_EQ(f.rto(), 2 * 362'500'000u);
  for (int i = 0; i < 20; ++i) f.backoff();
  EXPECT_EQ(f.rto(), 60'000'000'000u);  // bounded by the maximum
  f.sample(100'000'000);                // a new measurement clears the backoff
  EXPECT_LT(f.rto(), 1'000'000'000u);
  // With tiny variance G dominates: RTTVAR 0 -> RTO = SRTT + G.
  rtt_estimator g(low);
  g.sample(10'000'000);
  for (int i = 0; i < 200; ++i) g.sample(10'000'000);
  EXPECT_EQ(g.rto(), 10'000'000u + 1'000'000u);
}

TEST(TimerWheel, FiresAtOrAfterDeadlineAcrossRounds) {
  timer_wheel w(8, 1'000'000, 16, 0);
  std::vector<std::pair<uint32_t, uint64_t>> fired;
  uint64_t now = 0;
  w.schedule(1, 5'500'000);   // 5.5 ms
  w.schedule(2, 40'000'000);  // beyond one revolution (16 ms)
  w.schedule(3, 3'000'000);
  w.schedule(3, 10'000'000);  // later: the earlier deadline stays
  w.reschedule(4, 7'000'000);
  w.cancel(4);
  EXPECT_EQ(w.next_deadline(), 3'000'000u);
  for (now = 0; now <= 50'000'000; now += 250'000)
    w.advance(now, [&](uint32_t id) { fired.emplace_back(id, now); });
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[0].first, 3u);
  EXPECT_GE(fired[0].second, 3'000'000u);
  EXPECT_EQ(fired[1].first, 1u);
  EXPECT_GE(fired[1].second, 5'500'000u);
  EXPECT_LT(fired[1].second, 7'000'000u);
  EXPECT_EQ(fired[2].first, 2u);
  EXPECT_GE(fired[2].second, 40'000'000u);
  EXPECT_LT(fired[2].second, 41'500'000u);
  EXPECT_FALSE(w.armed(2));
}

TEST(TimerWheel, LargeJumpsAndRearmingFromTheCallback) {
  timer_wheel w(4, 1'000'000, 8, 0);
  int count = 0;
  w.schedule(0, 1'000'000);
  w.schedule(1, 2'000'000);
  // A jump of many revolutions fires both once; entry 0 re-arms itself and
  // cancels entry 1 if it has not fired yet.
  w.advance(1'000'000'000, [&](uint32_t id) {
    ++count;
    if (id == 0) {
      w.cancel(1);
      w.schedule(0, 1'005'000'000);
    }
  });
  EXPECT_EQ(count, 1);
  EXPECT_TRUE(w.armed(0));
  w.advance(1'004'000'000, [&](uint32_t) { ++count; });
  EXPECT_EQ(count, 1);
  w.advance(1'005'000'000, [&](uint32_t) { ++count; });
  EXPECT_EQ(count, 2);
}

}  // namespace
}  // namespace sstpgw::tcp
