#include "control/control_thread/control_thread.hh"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "dataplane/common/log.hh"

namespace sstpgw::control_thread {

ctl::socket_options socket_options_from(const config::gateway_config& cfg) {
  ctl::socket_options o;
  o.path = cfg.control_socket;
  o.mode = static_cast<mode_t>(cfg.control_socket_mode);
  o.owner = cfg.control_socket_owner;
  o.group = cfg.control_socket_group;
  return o;
}

control_thread::control_thread(const ctl::command_table& commands, control_thread_options options)
    : options_(std::move(options)) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error(std::string("control thread: eventfd: ") + std::strerror(errno));
  try {
    server_ = std::make_unique<ctl::socket_server>(commands, options_.socket);
  } catch (...) {
    ::close(wake_fd_);
    throw;
  }
}

control_thread::~control_thread() {
  stop();
  server_.reset();
  ::close(wake_fd_);
}

void control_thread::poll_once(int timeout_ms) {
  ++counters_.iterations;
  if (drain_) {
    const size_t n = drain_();
    drain_busy_ = n > 0;
    if (drain_busy_) {
      ++counters_.ring_drains;
      counters_.ring_items += n;
    }
  }

  fds_.clear();
  fds_.push_back({wake_fd_, POLLIN, 0});
  for (const auto& [fd, w] : watches_) fds_.push_back({fd, w.events, 0});
  const size_t socket_begin = fds_.size();
  server_->append_pollfds(fds_);

  const int n = ::poll(fds_.data(), fds_.size(), wait_budget(timeout_ms, loop_clock::now()));
  if (n < 0 && errno != EINTR) log(log_level::warn, "control", "poll: {}", std::strerror(errno));
  if (n > 0) {
    if (fds_[0].revents & POLLIN) {
      uint64_t count = 0;
      [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
    }
    // Callbacks may watch or unwatch descriptors: look each one up again, and
    // call a copy so a callback that unwatches itself is not destroyed mid-call.
    for (size_t i = 1; i < socket_begin; ++i) {
      if (fds_[i].revents == 0) continue;
      auto it = watches_.find(fds_[i].fd);
      if (it == watches_.end()) continue;
      auto on_ready = it->second.on_ready;
      on_ready(fds_[i].revents);
    }
    server_->process(std::span<const pollfd>(fds_).subspan(socket_begin));
  }
  run_posted();
  fire_timers(loop_clock::now());
}

int control_thread::wait_budget(int timeout_ms, loop_clock::time_point now) const {
  if (drain_busy_ || stop_requested()) return 0;
  int wait = timeout_ms;
  if (!due_.empty()) {
    const auto until = due_.begin()->first - now;
    if (until <= loop_clock::duration::zero()) return 0;
    // Round up: waking a little late fires the timer; waking early spins.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(until).count();
    if (wait < 0 || ms < wait) wait = static_cast<int>(std::min<int64_t>(ms, INT32_MAX));
  }
  return wait;
}

void control_thread::run() {
  log(log_level::info, "control", "control thread serving {}", server_->path());
  // Without rings to drain, nothing can arrive that does not wake poll() (socket,
  // watched fds, wake(), timers bound the wait): sleep until then.
  while (!stop_requested()) poll_once(drain_ ? options_.max_wait_ms : -1);
  log(log_level::info, "control", "control thread stopped");
}

void control_thread::start() {
  if (thread_.joinable()) throw std::logic_error("control thread started twice");
  stop_.store(false, std::memory_order_release);
  thread_ = std::thread([this] { run(); });
}

void control_thread::stop() {
  request_stop();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void control_thread::request_stop() {
  stop_.store(true, std::memory_order_release);
  wake();
}

void control_thread::wake() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t r = ::write(wake_fd_, &one, sizeof one);
}

void control_thread::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    posted_.push_back(std::move(fn));
  }
  wake();
}

void control_thread::run_posted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) {
    ++counters_.posted;
    fn();
  }
}

control_thread::timer_id control_thread::schedule_at(loop_clock::time_point when, std::function<void()> fn) {
  const timer_id id = next_timer_++;
  timers_.emplace(id, timer{std::move(fn), loop_clock::duration::zero(), when});
  due_.emplace(when, id);
  return id;
}

control_thread::timer_id control_thread::schedule_after(loop_clock::duration delay,
                                                        std::function<void()> fn) {
  return schedule_at(loop_clock::now() + delay, std::move(fn));
}

control_thread::timer_id control_thread::schedule_every(loop_clock::duration interval,
                                                        std::function<void()> fn) {
  if (interval <= loop_clock::duration::zero())
    throw std::invalid_argument("timer interval must be positive");
  const timer_id id = schedule_after(interval, std::move(fn));
  timers_[id].every = interval;
  return id;
}

bool control_thread::cancel(timer_id id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  auto [first, last] = due_.equal_range(it->second.when);
  for (auto d = first; d != last; ++d) {
    if (d->second == id) {
      due_.erase(d);
      break;
    }
  }
  timers_.erase(it);
  return true;
}

void control_thread::fire_timers(loop_clock::time_point now) {
  // Only what was due on entry: a callback that re-arms at "now" runs next time.
  size_t budget = 0;
  for (auto d = due_.begin(); d != due_.end() && d->first <= now; ++d) ++budget;
  while (budget-- > 0 && !due_.empty() && due_.begin()->first <= now) {
    const timer_id id = due_.begin()->second;
    due_.erase(due_.begin());
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;
    std::function<void()> fn;
    if (it->second.every > loop_clock::duration::zero()) {
      timer& t = it->second;
      t.when += t.every;
      if (t.when <= now) t.when = now + t.every;  // fell behind: skip, do not burst
      due_.emplace(t.when, id);
      fn = t.fn;
    } else {
      fn = std::move(it->second.fn);
      timers_.erase(it);
    }
    ++counters_.timers_fired;
    try {
      fn();
    } catch (const std::exception& e) {
      ++counters_.timer_errors;
      log(log_level::error, "control", "a timer failed: {}", e.what());
    }
  }
}

void control_thread::watch_fd(int fd, short events, std::function<void(short revents)> on_ready) {
  if (!watches_.emplace(fd, watch{events, std::move(on_ready)}).second)
    throw std::logic_error("control thread: descriptor " + std::to_string(fd) + " is already watched");
}

void control_thread::unwatch_fd(int fd) { watches_.erase(fd); }

void control_thread::count_stats(std::vector<stat_counter>& out) const {
  const auto& s = server_->counters();
  out.push_back({"ctl.clients", server_->client_count(), "control clients connected now"});
  out.push_back({"ctl.clients_accepted", s.clients_accepted, "control clients accepted"});
  out.push_back({"ctl.clients_refused", s.clients_refused, "control clients refused: too many at once"});
  out.push_back({"ctl.clients_dropped", s.clients_dropped,
                 "control clients dropped: oversized request or unread replies"});
  out.push_back({"ctl.requests", s.requests, "control requests answered"});
  out.push_back({"ctl.requests_refused", s.requests_refused, "control requests answered with an error"});
  out.push_back({"loop.iterations", counters_.iterations, "control loop iterations"});
  out.push_back({"loop.timers_fired", counters_.timers_fired, "timer callbacks run"});
  out.push_back({"loop.timer_errors", counters_.timer_errors, "timer callbacks that threw"});
  out.push_back({"loop.ring_drains", counters_.ring_drains, "ring drains that found work"});
  out.push_back({"loop.ring_items", counters_.ring_items, "worker messages handled by ring drains"});
  out.push_back({"loop.posted", counters_.posted, "closures posted to the control thread"});
}

}  // namespace sstpgw::control_thread
