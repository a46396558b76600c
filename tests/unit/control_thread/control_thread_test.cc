// The control loop: socket, timers, the ring-drain hook, watched descriptors,
// posting and stopping from other threads, and SIGTERM through a signalfd.
#include "control/control_thread/control_thread.hh"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>

#include "control/control_thread/stop_signals.hh"
#include "control/ctl/socket_client.hh"
#include "tests/support/temp_dir.hh"

namespace sstpgw::control_thread {
namespace {

using namespace std::chrono_literals;
using ctl::json;

class Loop : public ::testing::Test {
 protected:
  void SetUp() override {
    table_.add({"echo", "text=S", "echo", [](const json& a) {
                  return json{{"text", ctl::arg_string(a, "text")}};
                }});
    opts_.socket.path = tmp_.file("ctl.sock");
    loop_ = std::make_unique<control_thread>(table_, opts_);
  }
  testing::temp_dir tmp_;
  ctl::command_table table_;
  control_thread_options opts_;
  std::unique_ptr<control_thread> loop_;
};

TEST_F(Loop, ServesTheSocketFromItsOwnThread) {
  loop_->start();
  EXPECT_EQ(ctl::call(opts_.socket.path, "echo", {{"text", "hi"}})["data"]["text"], "hi");
  loop_->stop();
  EXPECT_FALSE(loop_->running());
  std::vector<stat_counter> c;
  loop_->count_stats(c);
  auto requests =
      std::find_if(c.begin(), c.end(), [](const stat_counter& s) { return s.name == "ctl.requests"; });
  ASSERT_NE(requests, c.end());
  EXPECT_EQ(requests->value, 1u);
}

TEST_F(Loop, SocketFileIsRemovedWhenTheLoopEnds) {
  loop_.reset();
  struct stat st {};
  EXPECT_NE(0, ::stat(opts_.socket.path.c_str(), &st));
}

TEST_F(Loop, TimersFireInDeadlineOrderAndCancelledOnesDoNot) {
  std::vector<int> fired;
  const auto now = loop_clock::now();
  loop_->schedule_at(now + 2ms, [&] { fired.push_back(2); });
  loop_->schedule_at(now + 1ms, [&] { fired.push_back(1); });
  auto gone = loop_->schedule_at(now + 1ms, [&] { fired.push_back(99); });
  EXPECT_TRUE(loop_->cancel(gone));
  EXPECT_FALSE(loop_->cancel(gone));
  while (fired.size() < 2) loop_->poll_once(50);
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
  EXPECT_EQ(loop_->timer_count(), 0u);
}

TEST_F(Loop, PeriodicTimerRepeatsUntilItCancelsItself) {
  int runs = 0;
  control_thread::timer_id id = 0;
  id = loop_->schedule_every(1ms, [&] {
    if (++runs == 3) loop_->cancel(id);
  });
  while (loop_->timer_count() > 0) loop_->poll_once(50);
  EXPECT_EQ(runs, 3);
}

TEST_F(Loop, ATimerThatThrowsIsCountedAndTheLoopGoesOn) {
  bool later = false;
  loop_->schedule_after(0ms, [] { throw std::runtime_error("boom"); });
  loop_->schedule_after(1ms, [&] { later = true; });
  while (!later) loop_->poll_once(50);
  EXPECT_EQ(loop_->counters().timer_errors, 1u);
}

TEST_F(Loop, RingDrainRunsEveryIterationAndBusyMeansNoSleep) {
  int calls = 0;
  size_t backlog = 3;
  loop_->set_ring_drain([&]() -> size_t {
    ++calls;
    if (backlog == 0) return 0;
    --backlog;
    return 1;
  });
  // A 10 s timeout would hang the test if the loop slept while the drain had work.
  for (int i = 0; i < 3; ++i) loop_->poll_once(10000);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(loop_->counters().ring_items, 3u);
}

TEST_F(Loop, PostAndWakeFromAnotherThread) {
  std::atomic<bool> ran{false};
  std::thread other([&] { loop_->post([&] { ran = true; }); });
  other.join();
  loop_->poll_once(10000);  // woken by post(), not by the timeout
  EXPECT_TRUE(ran);
}

TEST_F(Loop, WatchedDescriptorCallsBackAndMayUnwatchItself) {
  int efd = ::eventfd(0, EFD_NONBLOCK);
  int calls = 0;
  loop_->watch_fd(efd, POLLIN, [&](short revents) {
    EXPECT_TRUE(revents & POLLIN);
    ++calls;
    loop_->unwatch_fd(efd);
  });
  const uint64_t one = 1;
  ASSERT_EQ(8, ::write(efd, &one, 8));
  loop_->poll_once(10000);
  loop_->poll_once(0);
  EXPECT_EQ(calls, 1);
  EXPECT_NO_THROW(loop_->watch_fd(efd, POLLIN, [](short) {})) << "still watched after unwatch_fd";
  EXPECT_THROW(loop_->watch_fd(efd, POLLIN, [](short) {}), std::logic_error);
  loop_->unwatch_fd(efd);
  ::close(efd);
}

TEST_F(Loop, StopFromAnotherThreadEndsRun) {
  std::thread stopper([&] {
    std::this_thread::sleep_for(20ms);
    loop_->request_stop();
  });
  loop_->run();  // returns once stopped
  stopper.join();
  EXPECT_TRUE(loop_->stop_requested());
}

TEST_F(Loop, SigtermStopsTheLoop) {
  stop_on_signals stopper(*loop_);
  ASSERT_EQ(0, ::raise(SIGTERM));  // blocked: stays pending until the signalfd reads it
  loop_->run();
  EXPECT_EQ(stopper.received(), SIGTERM);
}

TEST(SocketOptions, ComeFromTheControlSection) {
  config::gateway_config c;
  c.control_socket = "/run/x.sock";
  c.control_socket_mode = 0640;
  c.control_socket_group = "adm";
  auto o = socket_options_from(c);
  EXPECT_EQ(o.path, "/run/x.sock");
  EXPECT_EQ(o.mode, 0640u);
  EXPECT_EQ(o.group, "adm");
  EXPECT_EQ(o.owner, "");
}

}  // namespace
}  // namespace sstpgw::control_thread
