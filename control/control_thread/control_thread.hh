// The control thread's loop: one thread that serves the control socket, runs
// timers, and drains the workers' rings (through a hook the gateway supplies),
// all without locks in anything the workers touch. Everything registered here
// (timers, watched descriptors, hooks) runs on this thread.
//
//   loop iteration:  drain rings -> poll(socket, watched fds, wake fd) -> run
//                    posted closures -> handle ready fds -> fire due timers
//
// The poll waits at most until the next timer, at most max_wait_ms, and not at
// all while the ring hook reports work: rings have no descriptor to wake poll()
// (workers never make system calls), so the wait bounds their latency. Another
// thread can wake the loop (wake(), post()) or stop it (request_stop()).
//
// How a gateway's main() puts it together (tests/integration/ctl/ctl_host.cc
// does exactly this, minus the data plane):
//
//   auto cfg = config::load_config(path);
//   gateway_state gw(cfg, {.worker_of = make_dst_rss_worker_of(key, reta)});
//   ctl::command_table table;
//   add_all_commands(table, gw);
//   control_thread loop(table, {.socket = socket_options_from(cfg)});
//   gw.stats().add_provider("", [&](auto& out) { loop.count_stats(out); });
//   stop_on_signals stop(loop);              // before any worker thread starts
//   ... sessions registry: gw.attach_sessions(&registry);
//       gw.set_trust_withdrawn_hook([&](const certs::store_event& e) { return registry.on_trust(e); });
//   ... data plane: gw.stats().add_provider("worker0", ...);
//       loop.set_ring_drain([&] { return rings.drain_to(registry); });
//   loop.run();
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "control/config/gateway_config.hh"
#include "control/control_thread/stats_registry.hh"
#include "control/ctl/socket_server.hh"

namespace sstpgw::control_thread {

using loop_clock = std::chrono::steady_clock;

struct control_thread_options {
  ctl::socket_options socket;
  // Longest poll() wait in run() when nothing is due and a ring drain is set:
  // the latency of a ring message arriving while the loop sleeps. Without a
  // drain hook run() waits for the socket, a watched fd, a timer or wake().
  int max_wait_ms = 10;
};

// The socket's path, mode, owner and group from the [control] section.
ctl::socket_options socket_options_from(const config::gateway_config& cfg);

struct loop_counters {
  uint64_t iterations = 0;
  uint64_t timers_fired = 0;
  uint64_t timer_errors = 0;  // a timer callback threw (logged; the loop goes on)
  uint64_t ring_drains = 0;   // hook calls that reported work
  uint64_t ring_items = 0;    // items they reported
  uint64_t posted = 0;        // closures run from post()
};

class control_thread {
 public:
  using timer_id = uint64_t;

  // Binds the control socket (throws std::runtime_error with the reason).
  // `commands` must outlive the loop.
  control_thread(const ctl::command_table& commands, control_thread_options options);
  ~control_thread();
  control_thread(const control_thread&) = delete;
  control_thread& operator=(const control_thread&) = delete;

  // One iteration, waiting at most timeout_ms (less if a timer is due sooner, 0
  // if the ring hook had work last time). Only ever from the loop's thread.
  void poll_once(int timeout_ms);
  // Iterates until request_stop(); returns on the calling thread. Set the ring
  // drain before calling it (it decides whether the loop may sleep indefinitely).
  void run();
  // run() on a new thread; stop() ends and joins it.
  void start();
  void stop();
  bool running() const { return thread_.joinable(); }

  // Thread-safe: the loop returns from run() after its current iteration.
  void request_stop();
  bool stop_requested() const { return stop_.load(std::memory_order_acquire); }
  // Thread-safe: makes a poll_once() that is waiting return now.
  void wake();
  // Thread-safe: runs `fn` on the loop's thread in its next iteration.
  void post(std::function<void()> fn);

  // Timers (loop thread only, or before start()). A callback may schedule or
  // cancel timers, itself included.
  timer_id schedule_at(loop_clock::time_point when, std::function<void()> fn);
  timer_id schedule_after(loop_clock::duration delay, std::function<void()> fn);
  // Fires every `interval` from now on until cancelled.
  timer_id schedule_every(loop_clock::duration interval, std::function<void()> fn);
  bool cancel(timer_id id);
  size_t timer_count() const { return timers_.size(); }

  // The gateway's "drain worker rings" step (set before run()/start()): called once per iteration, returns
  // how many messages it handled (0 = idle, so the loop may sleep). Empty: none.
  void set_ring_drain(std::function<size_t()> drain) { drain_ = std::move(drain); }

  // Watches a descriptor (a signalfd, a timerfd, ...): `on_ready` gets revents.
  // Loop thread only, or before start(). One watch per fd.
  void watch_fd(int fd, short events, std::function<void(short revents)> on_ready);
  void unwatch_fd(int fd);

  const ctl::socket_server& socket() const { return *server_; }
  const loop_counters& counters() const { return counters_; }
  // Appends the socket's and the loop's counters ("ctl.*", "loop.*").
  void count_stats(std::vector<stat_counter>& out) const;

 private:
  struct timer {
    std::function<void()> fn;
    loop_clock::duration every{};  // zero: once
    loop_clock::time_point when;
  };
  struct watch {
    short events = 0;
    std::function<void(short)> on_ready;
  };

  void run_posted();
  void fire_timers(loop_clock::time_point now);
  int wait_budget(int timeout_ms, loop_clock::time_point now) const;

  std::unique_ptr<ctl::socket_server> server_;
  control_thread_options options_;
  int wake_fd_ = -1;  // eventfd
  std::atomic<bool> stop_{false};
  std::thread thread_;

  std::mutex posted_mutex_;  // post() comes from other threads; never taken by workers
  std::vector<std::function<void()>> posted_;

  std::multimap<loop_clock::time_point, timer_id> due_;  // deadline -> timer
  std::map<timer_id, timer> timers_;
  timer_id next_timer_ = 1;

  std::function<size_t()> drain_;
  bool drain_busy_ = false;
  std::map<int, watch> watches_;
  std::vector<pollfd> fds_;  // reused every iteration
  loop_counters counters_;
};

}  // namespace sstpgw::control_thread
