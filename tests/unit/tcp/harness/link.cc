#include "tests/unit/tcp/harness/link.hh"

#include <cstdio>
#include <cstdlib>

#include "tests/unit/tcp/harness/packet.hh"

namespace sstpgw::tcp::testing {

link::link(stack_config a, const stack_events& ea, stack_config b, const stack_events& eb,
           const net::impairment_config& ab, const net::impairment_config& ba, rte_mempool* pool) {
  ab_ = std::make_unique<net::impairment>(ab, pool);
  ba_ = std::make_unique<net::impairment>(ba, pool);
  a.tx = ab_->sink();
  b.tx = ba_->sink();
  ab_->set_now(now_);
  ba_->set_now(now_);
  a_ = std::make_unique<stack>(a, ea, now_);
  b_ = std::make_unique<stack>(b, eb, now_);
}

uint32_t link::step() {
  now_ += step_ns;
  ab_->set_now(now_);
  ba_->set_now(now_);
  a_->poll(now_);
  b_->poll(now_);
  uint32_t moved = 0;
  rte_mbuf* burst[kBurst];
  static const char* trace = std::getenv("SGWT_TRACE_PORT");
  const int trace_port = trace ? std::atoi(trace) : -1;
  auto show = [&](const char* dir, rte_mbuf** p, uint16_t n) {
    if (trace_port < 0) return;
    for (uint16_t k = 0; k < n; ++k) {
      auto w = read(p[k]);
      if (w.src_port == trace_port || w.dst_port == trace_port || trace_port == 0)
        std::fprintf(stderr, "%.6f %s %s sack=%u\n", now_ / 1e9, dir, describe(w).c_str(), w.opt.sack_count);
    }
  };
  for (uint16_t n; (n = ab_->pull(burst, kBurst, now_)) > 0;) {
    show("a>b", burst, n);
    b_->input(burst, n, now_);
    moved += n;
  }
  for (uint16_t n; (n = ba_->pull(burst, kBurst, now_)) > 0;) {
    show("b>a", burst, n);
    a_->input(burst, n, now_);
    moved += n;
  }
  if (moved == 0 && ab_->held() == 0 && ba_->held() == 0 && a_->tx_backlog() == 0 && b_->tx_backlog() == 0) {
    const uint64_t next = std::min(a_->next_deadline(), b_->next_deadline());
    if (next == UINT64_MAX)
      now_ += 100'000'000;  // nothing armed: idle in big steps
    else if (next > now_ + step_ns)
      now_ = next - step_ns;
  }
  return moved;
}

bool link::run_until(const std::function<bool()>& done, uint64_t max_ns, const std::function<void()>& each) {
  const uint64_t end = now_ + max_ns;
  while (now_ < end) {
    if (each) each();
    if (done()) return true;
    step();
  }
  if (each) each();
  return done();
}

}  // namespace sstpgw::tcp::testing
