// The message channel: bounds (full ring, empty pool) close the session and
// never block; the control side works from a thread that is not an EAL lcore;
// keys are wiped when an install_keys message is released.
#include "dataplane/session/channel.hh"

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <thread>

namespace sstpgw::session {
namespace {

void ensure_eal() {
  static bool done = false;
  if (done) return;
  const std::string prefix = "sgww-ch-" + std::to_string(getpid());
  const char* argv[] = {"ch-test", "--no-huge", "--no-pci", "-m", "128", "--file-prefix", prefix.c_str(),
                        "-l", "0", "--log-level", "lib.eal:error", "--no-telemetry", nullptr};
  ASSERT_GE(rte_eal_init(12, const_cast<char**>(argv)), 0) << rte_strerror(rte_errno);
  done = true;
}

TEST(SessionId, PacksWorkerSlotGeneration) {
  const session_id s = session_id::make(255, 0xffffff, 0xffffffffu);
  EXPECT_EQ(s.worker(), 255u);
  EXPECT_EQ(s.slot(), 0xffffffu);
  EXPECT_EQ(s.generation(), 0xffffffffu);
  EXPECT_EQ(session_id::make(1, 2, 3).value, (uint64_t{1} << 56) | (uint64_t{2} << 32) | 3);
}

TEST(Channel, FullRingDefersACloseAndNeverBlocks) {
  ensure_eal();
  channel_set ch("chfull", 2, {.ring_size = 4, .messages = 15, .mbufs = 63});
  control_end& c = ch.control();
  const session_id s = session_id::make(1, 3, 9);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(c.send_plaintext(s, std::vector<uint8_t>(100, uint8_t(i))));
  EXPECT_FALSE(c.send_plaintext(s, std::vector<uint8_t>(10, 1)));
  EXPECT_EQ(c.counters().get(channel_counter::ring_full), 1u);
  EXPECT_EQ(c.deferred_closes(), 1u);
  // Nothing more for a session being closed, even with room.
  message* got[8];
  EXPECT_EQ(ch.worker(1).receive(got, 8), 4u);
  for (uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(got[i]->session, s);
    EXPECT_EQ(got[i]->byte_count(), 100u);
    release(got[i]);
  }
  EXPECT_FALSE(c.send_plaintext(s, std::vector<uint8_t>(10, 1)));
  c.flush_closes();
  EXPECT_EQ(c.deferred_closes(), 0u);
  ASSERT_EQ(ch.worker(1).receive(got, 8), 1u);
  EXPECT_EQ(got[0]->type, message_type::close);
  EXPECT_FALSE(got[0]->graceful);
  release(got[0]);
  // Other workers are unaffected.
  EXPECT_TRUE(c.send_raw(session_id::make(0, 1, 1), std::vector<uint8_t>(3000, 7)));
  ASSERT_EQ(ch.worker(0).receive(got, 8), 1u);
  EXPECT_EQ(got[0]->byte_count(), 3000u);
  EXPECT_EQ(got[0]->bytes->nb_segs, 2);  // chained over the pool's mbufs
  release(got[0]);
}

TEST(Channel, WorkerSideRingFullAndPoolEmptyAreCounted) {
  ensure_eal();
  channel_set ch("chw", 1, {.ring_size = 2, .messages = 3, .mbufs = 63});
  worker_end& w = ch.worker(0);
  message* a = w.alloc();
  message* b = w.alloc();
  message* c = w.alloc();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(w.alloc(), nullptr);
  EXPECT_EQ(w.counters().get(channel_counter::pool_empty), 1u);
  EXPECT_TRUE(w.send(a));
  EXPECT_TRUE(w.send(b));
  EXPECT_FALSE(w.send(c));
  EXPECT_EQ(w.counters().get(channel_counter::ring_full), 1u);
  release(c);
  message* got[4];
  EXPECT_EQ(ch.control().receive(got, 4), 2u);
  release(got[0]);
  release(got[1]);
}

TEST(Channel, ControlSideFromANonEalThreadAndKeysWiped) {
  ensure_eal();
  channel_set ch("chthr", 1, {.ring_size = 64, .messages = 127, .mbufs = 127});
  tls::traffic_keys k;
  k.key[0] = 0xaa;
  std::thread t([&] {
    for (int i = 0; i < 50; ++i)
      ASSERT_TRUE(ch.control().install_keys(session_id::make(0, 1, 1), k, k, 10, std::vector<uint8_t>(5, 1)));
  });
  t.join();
  message* got[64];
  ASSERT_EQ(ch.worker(0).receive(got, 64), 50u);
  for (uint32_t i = 0; i < 50; ++i) {
    EXPECT_EQ(got[i]->read_keys.key[0], 0xaa);
    EXPECT_EQ(got[i]->consumed, 10u);
    message* m = got[i];
    release(m);
    EXPECT_EQ(m->read_keys.key[0], 0) << "keys wiped on release";
  }
}

}  // namespace
}  // namespace sstpgw::session
