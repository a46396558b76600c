// The worker poll loop over a fake port queue: packets flow rx -> stack -> tx
// with the drain timer, stages run, runtime stats count, idle loops sleep
// (adaptive) or not (busy poll), and the stop flag ends the loop.
#include "dataplane/worker/poll_loop.hh"

#include <gtest/gtest.h>
#include <rte_dev.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

#include "dataplane/worker/port_workers.hh"
#include "tests/unit/eal/eal_env.hh"
#include "tests/unit/net/stack_fixture.hh"

namespace sstpgw::test {
namespace {

[[maybe_unused]] ::testing::Environment* const kEnv = register_eal({}, 1);

struct fake_queue {
  std::deque<rte_mbuf*> rx;
  frame_capture cap;
  static uint16_t receive(void* ctx, rte_mbuf** p, uint16_t n) {
    auto* q = static_cast<fake_queue*>(ctx);
    uint16_t k = 0;
    while (k < n && !q->rx.empty()) {
      p[k++] = q->rx.front();
      q->rx.pop_front();
    }
    return k;
  }
  static uint16_t transmit(void* ctx, rte_mbuf** p, uint16_t n) {
    return frame_capture::tx(&static_cast<fake_queue*>(ctx)->cap, p, n);
  }
  eal::queue_io io() { return {&receive, &transmit, this}; }
};

class PollLoop : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    tx_->set_io(q_.io());
  }
  void TearDown() override {
    for (auto* m : q_.rx) rte_pktmbuf_free(m);
    StackTest::TearDown();
  }
  fake_queue q_;
};

TEST_F(PollLoop, EchoRequestFlowsThroughAndStatsCountIt) {
  worker::poll_loop loop({.busy_poll = true, .drain_us = 0});
  loop.add_port({q_.io(), stack_.get(), tx_.get()});
  rte_mbuf* none[net::arp_table::kMaxPendingPerEntry];
  stack_->arp().learn(kPeerIp, to_mac(kPeerMac), true, 0, none);
  q_.rx.push_back(mbuf_of(echo_request_frame(1)));
  EXPECT_TRUE(loop.run_once());
  ASSERT_EQ(q_.cap.frames.size(), 1u);  // flushed by the (zero-length) drain timer
  EXPECT_EQ(q_.cap.frames[0][34], 0);   // echo reply
  const auto& s = loop.stats();
  EXPECT_EQ(s.stages[0].packets, 1u);  // port-rx
  EXPECT_EQ(s.stages[1].packets, 1u);  // net-input
  EXPECT_GT(s.stages[1].cycles, 0u);
  EXPECT_EQ(s.stages[4].packets, 1u);  // tx-flush
  EXPECT_FALSE(loop.run_once());
  EXPECT_EQ(s.iterations, 2u);
  EXPECT_EQ(s.idle_iterations, 1u);
  EXPECT_NE(s.format().find("net-input"), std::string::npos);
}

struct counting_stage {
  uint32_t calls = 0;
  uint64_t last_now = 0;
  static uint32_t run(void* ctx, uint64_t now) {
    auto* c = static_cast<counting_stage*>(ctx);
    ++c->calls;
    c->last_now = now;
    return 0;
  }
};

TEST_F(PollLoop, ApplicationStagesRunEveryIterationWithTheTime) {
  worker::poll_loop loop({.busy_poll = true});
  loop.add_port({q_.io(), stack_.get(), tx_.get()});
  counting_stage st;
  loop.add_stage({"app", &counting_stage::run, &st});
  for (int i = 0; i < 5; ++i) loop.run_once();
  EXPECT_EQ(st.calls, 5u);
  EXPECT_LE(st.last_now, loop.now_us());
}

TEST_F(PollLoop, IdleAdaptiveLoopSleepsAndStopsOnTheFlag) {
  worker::poll_loop loop({.spin_iterations = 10, .pause_iterations = 10, .max_sleep_us = 500});
  loop.add_port({q_.io(), stack_.get(), tx_.get()});
  std::atomic<bool> stop{false};
  std::thread t([&] { loop.run(stop); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop.store(true);
  t.join();
  const auto& s = loop.stats();
  EXPECT_GT(s.sleeps, 0u);
  EXPECT_GT(s.slept_us, 0u);
  // Sleeping, an idle loop iterates far less than a busy one would.
  EXPECT_LT(s.iterations, 100'000u);
}

TEST_F(PollLoop, BusyPollNeverSleeps) {
  worker::poll_loop loop({.busy_poll = true});
  loop.add_port({q_.io(), stack_.get(), tx_.get()});
  std::atomic<bool> stop{false};
  std::thread t([&] { loop.run(stop); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop.store(true);
  t.join();
  EXPECT_EQ(loop.stats().sleeps, 0u);
  EXPECT_GT(loop.stats().iterations, 0u);
}

TEST_F(PollLoop, IdleLoopStillFlushesAndRunsTimers) {
  // A packet queued for ARP triggers retries from the timers while idle.
  worker::poll_loop loop({.drain_us = 1, .spin_iterations = 1, .pause_iterations = 1});
  loop.add_port({q_.io(), stack_.get(), tx_.get()});
  stack_->set_now(loop.now_us());
  send_ip(ipv4_packet({.src = kGwIp, .dst = kPeerIp}, pattern(8)));
  q_.cap.frames.clear();
  std::atomic<bool> stop{false};
  std::thread t([&] { loop.run(stop); });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // retry_us is 1 ms in the fixture
  stop.store(true);
  t.join();
  EXPECT_GE(q_.cap.frames.size(), 1u);  // ARP retries went out
}

// The seam for impairment: a stage wrapping a queue's rx between the port and
// the stack. Here it drops every second packet (the real impairment filter,
// seeded drop/duplicate/reorder/delay, lives with TCP's tests).
struct drop_every_second {
  eal::queue_io inner;
  uint64_t seen = 0;
  static uint16_t rx(void* ctx, rte_mbuf** p, uint16_t n) {
    auto* d = static_cast<drop_every_second*>(ctx);
    const uint16_t got = d->inner.receive(p, n);
    uint16_t kept = 0;
    for (uint16_t i = 0; i < got; ++i) {
      if (d->seen++ % 2) {
        rte_pktmbuf_free(p[i]);
      } else {
        p[kept++] = p[i];
      }
    }
    return kept;
  }
  static uint16_t tx(void* ctx, rte_mbuf** p, uint16_t n) {
    return static_cast<drop_every_second*>(ctx)->inner.transmit(p, n);
  }
};

TEST_F(PollLoop, AWrappedQueueFiltersWhatTheStackSees) {
  drop_every_second filter{q_.io()};
  worker::poll_loop loop({.busy_poll = true, .drain_us = 0});
  loop.add_port(
      {eal::queue_io{&drop_every_second::rx, &drop_every_second::tx, &filter}, stack_.get(), tx_.get()});
  rte_mbuf* none[net::arp_table::kMaxPendingPerEntry];
  stack_->arp().learn(kPeerIp, to_mac(kPeerMac), true, 0, none);
  for (uint16_t seq = 0; seq < 10; ++seq) q_.rx.push_back(mbuf_of(echo_request_frame(seq)));
  loop.run_once();
  EXPECT_EQ(q_.cap.frames.size(), 5u);
  EXPECT_EQ(icmpc(net::icmp_counter::echo_requests), 5u);
}

TEST(PortWorkers, IfacesTakeWhatThePortReports) {
  ASSERT_EQ(rte_dev_probe("net_null20"), 0);
  eal::port_config pc;
  pc.port_id = eal::port::find("net_null20");
  pc.n_queues = 2;
  pc.rx_desc = 256;
  pc.tx_desc = 256;
  eal::port p(pc);
  net::iface_config base;
  base.address = {kGwIp, 24};
  worker::port_workers pw(p, base);
  ASSERT_EQ(pw.n_workers(), 2);
  for (uint16_t w = 0; w < 2; ++w) {
    const auto& c = pw.iface(w).config();
    EXPECT_EQ(c.port_id, p.id());
    EXPECT_EQ(c.mac, net::mac_addr{p.mac()});
    EXPECT_EQ(c.worker, w);
    EXPECT_EQ(c.n_workers, 2);
    EXPECT_TRUE(c.hardware_steering);  // net_null hashes TCP/IPv4
    EXPECT_EQ(c.reta, p.rss().reta);
    EXPECT_EQ(c.arp_speaker, w == 0);
    EXPECT_EQ(pw.binding(w).tx, &pw.tx(w));
  }
}

}  // namespace
}  // namespace sstpgw::test
