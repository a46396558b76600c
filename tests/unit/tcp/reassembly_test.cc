// The out-of-order queue on its own (mbuf chains kept, overlaps trimmed,
// bounds, SACK block order) and the impairment stage's reproducibility.
#include "dataplane/net/tcp/reassembly.hh"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dataplane/net/impairment.hh"
#include "tests/unit/tcp/harness/eal.hh"

namespace sstpgw::tcp {
namespace {

rte_mempool* pool() { return testing::make_pool("tcp_reass", 4095); }

// A chain holding `s`, split into segments of at most `piece` bytes.
rte_mbuf* chain_of(const std::string& s, size_t piece = 1000) {
  rte_mbuf* head = nullptr;
  for (size_t off = 0; off < s.size(); off += piece) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool());
    const size_t n = std::min(piece, s.size() - off);
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(n)), s.data() + off, n);
    if (head == nullptr)
      head = m;
    else
      rte_pktmbuf_chain(head, m);
  }
  return head;
}

std::string text_of(rte_mbuf* m) {
  std::string s;
  for (rte_mbuf* x = m; x != nullptr; x = x->next) s.append(rte_pktmbuf_mtod(x, const char*), x->data_len);
  EXPECT_EQ(s.size(), m ? m->pkt_len : 0u);
  return s;
}

class Reassembly : public ::testing::Test {
 protected:
  void SetUp() override { base_ = testing::in_use(pool()); }
  void TearDown() override {
    rp_.clear(q_);
    EXPECT_EQ(rp_.in_use(), 0u);
    EXPECT_EQ(testing::in_use(pool()), base_);
  }
  reassembly_pool::insert_result put(uint32_t seq, const std::string& s, size_t piece = 1000) {
    return rp_.insert(q_, tcp_seq(seq), static_cast<uint32_t>(s.size()), chain_of(s, piece), 64, 1 << 20);
  }
  std::string pop(uint32_t rcv_nxt) {
    uint32_t len = 0;
    rte_mbuf* m = rp_.pop_in_order(q_, tcp_seq(rcv_nxt), len);
    if (m == nullptr) return {};
    std::string s = text_of(m);
    EXPECT_EQ(s.size(), len);
    rte_pktmbuf_free(m);
    return s;
  }
  reassembly_pool rp_{128};
  reassembly_queue q_;
  uint32_t base_ = 0;
};

TEST_F(Reassembly, OverlapsAreTrimmedAndDataComesOutInOrder) {
  const std::string text = "0123456789abcdefghijklmnopqrstuvwxyz";
  EXPECT_EQ(put(110, text.substr(10, 5)), reassembly_pool::insert_result::queued);  // abcde
  EXPECT_EQ(put(120, text.substr(20, 6)), reassembly_pool::insert_result::queued);  // klmnop
  EXPECT_EQ(put(112, text.substr(12, 2)), reassembly_pool::insert_result::duplicate);
  EXPECT_EQ(put(108, text.substr(8, 10), 3), reassembly_pool::insert_result::queued);  // covers abcde, spills
  EXPECT_EQ(put(118, text.substr(18, 10)), reassembly_pool::insert_result::queued);    // around klmnop
  EXPECT_EQ(q_.bytes, 20u);                                                            // 108..128
  EXPECT_EQ(pop(100), "");                                                             // gap at 100..108
  EXPECT_EQ(pop(108), text.substr(8, 20));
  EXPECT_EQ(q_.segments, 0u);
}

TEST_F(Reassembly, DataBeforeRcvNxtIsCutOnPop) {
  put(1000, "hello world", 4);
  EXPECT_EQ(pop(1006), "world");
}

TEST_F(Reassembly, BoundsAreEnforced) {
  for (uint32_t k = 0; k < 64; ++k)
    EXPECT_EQ(put(1000 + 10 * k, "x"), reassembly_pool::insert_result::queued);
  EXPECT_EQ(put(5000, "y"), reassembly_pool::insert_result::over_bound);  // 64 segments
  reassembly_queue other;
  EXPECT_EQ(rp_.insert(other, tcp_seq(1), 5000, chain_of(std::string(5000, 'z')), 64, 4096),
            reassembly_pool::insert_result::over_bound);  // bytes
  rp_.clear(other);
}

TEST_F(Reassembly, WorksAcrossTheSequenceWrap) {
  put(0xfffffffeu + 4, "cd");  // wraps to 2
  put(0xfffffffeu, "ab");
  EXPECT_EQ(pop(0xfffffffeu), "ab");
  EXPECT_EQ(pop(0), "");
  EXPECT_EQ(pop(2), "cd");
}

TEST_F(Reassembly, SackBlocksPutTheLatestFirst) {
  put(100, "aa");
  put(200, "bb");
  put(300, "cc");
  put(202, "b");  // extends the middle block: it is the latest
  sack_block b[4];
  ASSERT_EQ(rp_.sack_blocks(q_, b, 4), 3u);
  EXPECT_EQ(b[0].left.raw(), 200u);
  EXPECT_EQ(b[0].right.raw(), 203u);
  EXPECT_EQ(b[1].left.raw(), 100u);
  EXPECT_EQ(b[2].left.raw(), 300u);
  EXPECT_EQ(rp_.sack_blocks(q_, b, 1), 1u);
}

TEST_F(Reassembly, RandomSegmentsReassembleExactly) {
  std::mt19937 rng(7);
  std::string text(20000, '\0');
  for (auto& c : text) c = static_cast<char>('a' + rng() % 26);
  std::string out;
  uint32_t rcv_nxt = 5000;
  for (int round = 0; round < 3000 && out.size() < text.size(); ++round) {
    // Segments land around the receive point: some old, some in order, most ahead.
    const int64_t at = static_cast<int64_t>(rcv_nxt - 5000) + static_cast<int64_t>(rng() % 4000) - 300;
    const auto off = static_cast<uint32_t>(std::clamp<int64_t>(at, 0, static_cast<int64_t>(text.size()) - 1));
    const uint32_t len = 1 + rng() % 700;
    const uint32_t n = std::min<uint32_t>(len, static_cast<uint32_t>(text.size()) - off);
    const uint32_t seq = 5000 + off;
    if (seq + n <= rcv_nxt) continue;
    if (seq <= rcv_nxt) {  // in order: what the stack delivers itself
      out += text.substr(rcv_nxt - 5000, seq + n - rcv_nxt);
      rcv_nxt = seq + n;
      const std::string more = pop(rcv_nxt);
      out += more;
      rcv_nxt += static_cast<uint32_t>(more.size());
    } else {
      put(seq, text.substr(off, n), 1 + rng() % 300);
    }
  }
  EXPECT_EQ(out, text.substr(0, out.size()));
  EXPECT_GT(out.size(), 10000u);
}

TEST(Impairment, SameSeedSameFate) {
  auto run = [](uint64_t seed) {
    net::impairment_config c{.seed = seed,
                             .drop = 0.2,
                             .duplicate = 0.1,
                             .reorder = 0.1,
                             .reorder_window = 3,
                             .delay_ns = 1000,
                             .jitter_ns = 500};
    net::impairment imp(c, pool());
    std::vector<uint32_t> order;
    uint64_t now = 0;
    for (uint32_t k = 0; k < 500; ++k) {
      rte_mbuf* m = rte_pktmbuf_alloc(pool());
      *reinterpret_cast<uint32_t*>(rte_pktmbuf_append(m, 4)) = k;
      imp.push(&m, 1, now);
      now += 100;
      rte_mbuf* out[8];
      for (uint16_t n; (n = imp.pull(out, 8, now)) > 0;)
        for (uint16_t j = 0; j < n; ++j) {
          order.push_back(*rte_pktmbuf_mtod(out[j], uint32_t*));
          rte_pktmbuf_free(out[j]);
        }
    }
    now += 10'000'000;
    rte_mbuf* out[8];
    for (uint16_t n; (n = imp.pull(out, 8, now)) > 0;)
      for (uint16_t j = 0; j < n; ++j) {
        order.push_back(*rte_pktmbuf_mtod(out[j], uint32_t*));
        rte_pktmbuf_free(out[j]);
      }
    EXPECT_EQ(imp.held(), 0u);
    EXPECT_GT(imp.stats().dropped, 50u);
    EXPECT_GT(imp.stats().duplicated, 20u);
    EXPECT_GT(imp.stats().reordered, 20u);
    return order;
  };
  const uint32_t base = testing::in_use(pool());
  const auto a = run(1), b = run(1), c = run(2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  bool out_of_order = false;
  for (size_t k = 1; k < a.size(); ++k) out_of_order |= a[k] < a[k - 1];
  EXPECT_TRUE(out_of_order);
  EXPECT_EQ(testing::in_use(pool()), base);
}

}  // namespace
}  // namespace sstpgw::tcp
