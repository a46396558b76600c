#include "control/pool/ip_pool.hh"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "control/pool/return_worker.hh"
#include "dataplane/eal/rss.hh"

namespace sstpgw::pool {
namespace {

using ::testing::HasSubstr;

pool_settings settings(std::vector<std::string> ranges, std::vector<std::string> excluded = {}) {
  std::string error;
  auto s = make_settings(ranges, excluded, &error);
  EXPECT_TRUE(s) << error;
  return s.value_or(pool_settings{});
}

ipv4_address ip(const char* s) { return *parse_ipv4(s); }

// Drains the pool; returns the addresses handed out.
std::vector<ipv4_address> drain(ip_pool& p, uint32_t preferred = kAnyWorker) {
  std::vector<ipv4_address> out;
  for (;;) {
    auto a = p.allocate(preferred);
    if (!a.ok()) break;
    out.push_back(a.addr);
  }
  return out;
}

TEST(IpPool, SlashTwentyFourHands254AddressesWithoutNetworkAndBroadcast) {
  ip_pool p(settings({"172.16.201.0/24"}), 1);
  EXPECT_EQ(p.capacity(), 254u);
  auto got = drain(p);
  ASSERT_EQ(got.size(), 254u);
  std::set<ipv4_address> unique(got.begin(), got.end());
  EXPECT_EQ(unique.size(), 254u);
  EXPECT_EQ(unique.count(ip("172.16.201.0")), 0u);
  EXPECT_EQ(unique.count(ip("172.16.201.255")), 0u);
  EXPECT_EQ(got.front(), ip("172.16.201.1"));  // ascending at first
  EXPECT_EQ(got.back(), ip("172.16.201.254"));
}

TEST(IpPool, GatewayAddressExcludedLeaves253) {
  ip_pool p(settings({"172.16.201.0/24"}, {"172.16.201.1"}), 1);
  EXPECT_EQ(p.capacity(), 253u);
  auto got = drain(p);
  EXPECT_EQ(got.size(), 253u);
  EXPECT_EQ(std::count(got.begin(), got.end(), ip("172.16.201.1")), 0);
  EXPECT_FALSE(p.is_usable(ip("172.16.201.1")));
  EXPECT_FALSE(p.is_usable(ip("172.16.201.0")));
  EXPECT_FALSE(p.is_usable(ip("172.16.201.255")));
  EXPECT_FALSE(p.is_usable(ip("172.16.202.1")));
  EXPECT_TRUE(p.is_usable(ip("172.16.201.2")));
}

TEST(IpPool, SeveralRangesAndSmallPrefixes) {
  ip_pool p(settings({"10.9.0.0/31", "10.8.0.7/32", "10.7.0.0/30"}), 1);
  EXPECT_EQ(p.capacity(), 2u + 1u + 2u);
  auto got = drain(p);
  std::set<ipv4_address> unique(got.begin(), got.end());
  EXPECT_EQ(unique, (std::set<ipv4_address>{ip("10.9.0.0"), ip("10.9.0.1"), ip("10.8.0.7"), ip("10.7.0.1"),
                                         ip("10.7.0.2")}));
}

TEST(IpPool, ExhaustionIsAResult) {
  ip_pool p(settings({"10.0.0.0/30"}), 2, [](ipv4_address a) { return a.value & 1; });
  EXPECT_TRUE(p.allocate(0, 1).ok());
  EXPECT_TRUE(p.allocate(0, 2).ok());
  auto a = p.allocate(0, 3);
  EXPECT_FALSE(a.ok());
  EXPECT_EQ(a.status, alloc_status::exhausted);
  EXPECT_THAT(a.note, HasSubstr("exhausted: all 2 addresses are leased"));
  EXPECT_EQ(p.stats().exhausted, 1u);
  EXPECT_EQ(p.in_use(), 2u);
}

TEST(IpPool, ReleaseFreesAndReusesLast) {
  ip_pool p(settings({"10.0.0.0/29"}), 1);  // .1 - .6
  auto first = p.allocate(0);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(p.is_leased(first.addr));
  EXPECT_TRUE(p.release(first.addr));
  EXPECT_FALSE(p.is_leased(first.addr));
  // FIFO: the released address comes back only after every other free one.
  auto rest = drain(p);
  ASSERT_EQ(rest.size(), 6u);
  EXPECT_EQ(rest.back(), first.addr);
}

TEST(IpPool, DoubleAndForeignReleasesRefused) {
  ip_pool p(settings({"10.0.0.0/29"}), 1);
  auto a = p.allocate(0);
  EXPECT_TRUE(p.release(a.addr));
  EXPECT_FALSE(p.release(a.addr));
  EXPECT_FALSE(p.release(ip("10.0.0.0")));   // network address
  EXPECT_FALSE(p.release(ip("192.0.2.1")));  // not the pool's
  EXPECT_FALSE(p.release(ip("10.0.0.3")));   // never leased
  EXPECT_EQ(p.stats().bad_releases, 4u);
  EXPECT_EQ(p.in_use(), 0u);
  EXPECT_EQ(drain(p).size(), 6u);  // nothing was freed twice
}

TEST(IpPool, OwnersAndLeases) {
  ip_pool p(settings({"10.0.0.0/29"}), 1);
  auto a = p.allocate(0, 42), b = p.allocate(0, 43);
  EXPECT_EQ(p.owner_of(a.addr), 42u);
  EXPECT_EQ(p.owner_of(b.addr), 43u);
  EXPECT_EQ(p.owner_of(ip("10.0.0.6")), std::nullopt);
  auto l = p.leases();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].addr, a.addr);
  EXPECT_EQ(l[0].owner, 42u);
  p.release(a.addr);
  EXPECT_EQ(p.leases().size(), 1u);
}

TEST(IpPool, RandomAllocFreeNeverDuplicates) {
  ip_pool p(settings({"172.16.201.0/24", "172.16.202.0/26"}, {"172.16.201.1"}), 4,
            [](ipv4_address a) { return (a.value * 2654435761u) >> 30; });
  std::mt19937 rng(12345);
  std::set<ipv4_address> live;
  for (int step = 0; step < 40000; ++step) {
    if (live.empty() || rng() % 100 < 55) {
      auto a = p.allocate(rng() % 5 == 4 ? kAnyWorker : rng() % 4, static_cast<uint64_t>(step));
      if (!a.ok()) {
        ASSERT_EQ(live.size(), p.capacity()) << "refused while addresses were free";
        continue;
      }
      ASSERT_TRUE(live.insert(a.addr).second) << "address handed out twice: " << a.addr.to_string();
      ASSERT_TRUE(p.is_usable(a.addr));
    } else {
      auto it = live.begin();
      std::advance(it, static_cast<long>(rng() % live.size()));
      ASSERT_TRUE(p.release(*it));
      live.erase(it);
    }
    ASSERT_EQ(p.in_use(), live.size());
  }
  auto st = p.stats();
  uint64_t free_total = 0;
  for (auto f : st.free_per_worker) free_total += f;
  EXPECT_EQ(free_total + st.in_use, st.capacity);
}

TEST(IpPool, PreferredWorkerHitRateWithFakeWorkerOf) {
  // 4 workers, address -> worker by the low two bits: each worker owns about 63 addresses.
  ip_pool p(settings({"10.0.0.0/24"}), 4, [](ipv4_address a) { return a.value & 3; });
  EXPECT_EQ(p.stats().capacity_per_worker, (std::vector<uint64_t>{63, 64, 64, 63}));
  // Sessions arrive round-robin over workers: every allocation lands on its worker
  // while that worker has addresses.
  int hits = 0, total = 0;
  for (int i = 0; i < 200; ++i) {
    uint32_t w = static_cast<uint32_t>(i % 4);
    auto a = p.allocate(w);
    ASSERT_TRUE(a.ok());
    ++total;
    if (a.on_preferred) {
      ++hits;
      EXPECT_EQ(a.addr.value & 3, w);
      EXPECT_TRUE(a.note.empty());
    }
  }
  EXPECT_EQ(hits, total);
  EXPECT_EQ(p.stats().preferred_hits, 200u);
}

TEST(IpPool, FallbackWhenPreferredWorkerIsFullSaysSo) {
  ip_pool p(settings({"10.0.0.0/24"}), 4, [](ipv4_address a) { return a.value & 3; });
  for (int i = 0; i < 63; ++i) ASSERT_TRUE(p.allocate(0).on_preferred);
  auto a = p.allocate(0);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a.on_preferred);
  EXPECT_NE(a.worker, 0u);
  EXPECT_EQ(a.addr.value & 3, a.worker);
  EXPECT_THAT(a.note, HasSubstr("no free address maps to worker 0"));
  EXPECT_EQ(p.stats().fallbacks, 1u);
  // Skewed demand, all on worker 0: every address is still handed out exactly once.
  auto rest = drain(p, 0);
  EXPECT_EQ(rest.size() + 64, p.capacity());
}

TEST(IpPool, PreferredHitRateUnderSkewedLoad) {
  // With a real RSS map and random per-worker demand, hits stay high until the pool is nearly full.
  ip_pool p(settings({"172.16.201.0/24"}, {"172.16.201.1"}), 4,
            make_dst_rss_worker_of({eal::kMicrosoftRssKey.begin(), eal::kMicrosoftRssKey.end()}, default_reta(4)));
  std::mt19937 rng(99);
  int hits = 0;
  const int n = 180;  // ~70% of 253
  for (int i = 0; i < n; ++i) {
    auto a = p.allocate(rng() % 4);
    ASSERT_TRUE(a.ok());
    hits += a.on_preferred;
    EXPECT_EQ(p.worker_of(a.addr), a.worker);
  }
  std::printf("preferred-worker hits with Toeplitz map, 180 random sessions on 4 workers: %d/%d\n", hits, n);
  EXPECT_GT(hits, n * 3 / 4);
}

TEST(IpPool, AddressesMatchTheRssQueueOfTheirWorker) {
  auto worker_of =
      make_dst_rss_worker_of({eal::kMicrosoftRssKey.begin(), eal::kMicrosoftRssKey.end()}, default_reta(3));
  ip_pool p(settings({"172.16.201.0/24"}), 3, worker_of);
  for (uint32_t w = 0; w < 3; ++w)
    for (int i = 0; i < 20; ++i) {
      auto a = p.allocate(w);
      ASSERT_TRUE(a.on_preferred);
      EXPECT_EQ(eal::queue_of(eal::rss_hash_ipv4_dst(eal::kMicrosoftRssKey, a.addr.value), default_reta(3)), w);
    }
}

TEST(IpPool, NoPreferenceTakesFromTheFullestWorker) {
  ip_pool p(settings({"10.0.0.0/24"}), 2,
            [](ipv4_address a) { return a.value < ip("10.0.0.200").value ? 0u : 1u; });
  auto a = p.allocate(kAnyWorker);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.worker, 0u);
  EXPECT_TRUE(a.note.empty());
  auto b = p.allocate(7);  // no such worker
  ASSERT_TRUE(b.ok());
  EXPECT_THAT(b.note, HasSubstr("no worker 7"));
}

TEST(IpPool, BadConfigurationThrowsAtConfigureTime) {
  EXPECT_THROW(ip_pool(pool_settings{}, 1), pool_error);
  EXPECT_THROW(ip_pool(settings({"10.0.0.0/24"}), 0), pool_error);
  try {
    ip_pool p(settings({"10.0.0.0/24"}), 2, [](ipv4_address) { return 5u; });
    FAIL();
  } catch (const pool_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("returned 5 but there are 2 workers"));
  }
}

TEST(IpPool, LargestPoolBuilds) {
  ip_pool p(settings({"10.0.0.0/12"}), 8, [](ipv4_address a) { return a.value % 8; });
  EXPECT_EQ(p.capacity(), (1u << 20) - 2);
  auto a = p.allocate(3);
  EXPECT_TRUE(a.on_preferred);
  EXPECT_TRUE(p.release(a.addr));
}

}  // namespace
}  // namespace sstpgw::pool
