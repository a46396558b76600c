#include "dataplane/worker/poll_loop.hh"

#include <rte_cycles.h>
#include <rte_pause.h>

#include <stdexcept>

namespace sstpgw::worker {

using eal::kBurst;

poll_loop::poll_loop(const poll_config& cfg) : cfg_(cfg) {
  tsc_start_ = rte_rdtsc();
  const uint64_t hz = rte_get_tsc_hz();
  us_per_tsc_ = 1e6 / double(hz);
  drain_tsc_ = (hz + 999'999) / 1'000'000 * cfg_.drain_us;
  st_rx_ = stats_.add_stage("port-rx");
  st_input_ = stats_.add_stage("net-input");
  st_handoff_ = stats_.add_stage("handoff-rx");
  st_timers_ = stats_.add_stage("timers");
  st_tx_ = stats_.add_stage("tx-flush");
}

void poll_loop::add_port(const port_binding& p) {
  if (n_ports_ == kMaxPorts) throw std::length_error("poll_loop: too many ports");
  if (p.iface == nullptr || p.tx == nullptr || p.io.rx == nullptr)
    throw std::invalid_argument("poll_loop: incomplete port");
  ports_[n_ports_++] = p;
}

void poll_loop::add_stage(const poll_stage& s) {
  if (n_stages_ == kMaxStages) throw std::length_error("poll_loop: too many stages");
  stages_[n_stages_] = s;
  stage_stat_[n_stages_] = stats_.add_stage(s.name);
  ++n_stages_;
}

uint64_t poll_loop::now_us() const {
  return static_cast<uint64_t>(double(rte_rdtsc() - tsc_start_) * us_per_tsc_);
}

net::iface* poll_loop::iface_for_port(uint16_t port_id) const {
  for (size_t i = 0; i < n_ports_; ++i)
    if (ports_[i].iface->config().port_id == port_id) return ports_[i].iface;
  return nullptr;
}

void poll_loop::start() {
  const uint64_t now = now_us();
  for (size_t i = 0; i < n_ports_; ++i) ports_[i].iface->start(now);
  flush_all();
}

void poll_loop::flush_all() {
  if (handoff_) handoff_->flush();
  for (size_t i = 0; i < n_ports_; ++i) ports_[i].tx->flush();
}

bool poll_loop::run_once() {
  rte_mbuf* pkts[kBurst];
  uint64_t work = 0;
  const uint64_t t_begin = rte_rdtsc();
  const uint64_t now = static_cast<uint64_t>(double(t_begin - tsc_start_) * us_per_tsc_);

  uint64_t t = t_begin;
  for (size_t i = 0; i < n_ports_; ++i) {
    const port_binding& p = ports_[i];
    const uint16_t n = p.io.receive(pkts, kBurst);
    const uint64_t t1 = rte_rdtsc();
    if (n == 0) {
      stats_.record_idle(st_rx_, t1 - t);
      t = t1;
      continue;
    }
    stats_.record(st_rx_, n, t1 - t);
    p.iface->input(pkts, n, now);
    t = rte_rdtsc();
    stats_.record(st_input_, n, t - t1);
    work += n;
  }

  if (handoff_) {
    const uint16_t n = handoff_->receive(pkts, kBurst);
    if (n) {
      // Group consecutive packets of one port: usually the whole burst.
      uint16_t start = 0;
      while (start < n) {
        const uint16_t port = pkts[start]->port;
        uint16_t end = static_cast<uint16_t>(start + 1);
        while (end < n && pkts[end]->port == port) ++end;
        if (net::iface* f = iface_for_port(port)) {
          f->input(pkts + start, static_cast<uint16_t>(end - start), now, true);
        } else {
          rte_pktmbuf_free_bulk(pkts + start, end - start);
        }
        start = end;
      }
      const uint64_t t1 = rte_rdtsc();
      stats_.record(st_handoff_, n, t1 - t);
      t = t1;
      work += n;
    }
  }

  for (size_t i = 0; i < n_stages_; ++i) {
    const uint32_t k = stages_[i].fn(stages_[i].ctx, now);
    const uint64_t t1 = rte_rdtsc();
    if (k) {
      stats_.record(stage_stat_[i], k, t1 - t);
      work += k;
    } else {
      stats_.record_idle(stage_stat_[i], t1 - t);
    }
    t = t1;
  }

  if (handoff_) handoff_->flush();
  if (t - last_drain_ >= drain_tsc_) {
    last_drain_ = t;
    for (size_t i = 0; i < n_ports_; ++i) ports_[i].iface->run_timers(now);
    const uint64_t t1 = rte_rdtsc();
    stats_.record(st_timers_, 0, t1 - t);
    uint64_t sent = 0;
    for (size_t i = 0; i < n_ports_; ++i) {
      sent += ports_[i].tx->pending();
      ports_[i].tx->flush();
    }
    t = rte_rdtsc();
    if (sent) stats_.record(st_tx_, sent, t - t1);
  }

  ++stats_.iterations;
  if (work == 0) ++stats_.idle_iterations;
  stats_.loop_cycles += t - t_begin;
  return work != 0;
}

void poll_loop::idle_backoff() {
  ++idle_;
  if (cfg_.busy_poll || idle_ <= cfg_.spin_iterations) return;
  if (idle_ <= cfg_.spin_iterations + cfg_.pause_iterations) {
    rte_pause();
    return;
  }
  // Nothing for a while: send what is buffered, then sleep, longer each time.
  flush_all();
  const uint64_t t0 = rte_rdtsc();
  rte_delay_us_sleep(sleep_us_);
  stats_.loop_cycles += rte_rdtsc() - t0;
  ++stats_.sleeps;
  stats_.slept_us += sleep_us_;
  if (sleep_us_ < cfg_.max_sleep_us)
    sleep_us_ = sleep_us_ * 2 > cfg_.max_sleep_us ? cfg_.max_sleep_us : sleep_us_ * 2;
}

void poll_loop::run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    if (run_once()) {
      idle_ = 0;
      sleep_us_ = 1;
    } else {
      idle_backoff();
    }
  }
  flush_all();
}

}  // namespace sstpgw::worker
