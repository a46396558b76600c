#include "tests/unit/tcp/harness/link.hh"

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
  for (uint16_t n; (n = ab_->pull(burst, kBurst, now_)) > 0;) {
    b_->input(burst, n, now_);
    moved += n;
  }
  for (uint16_t n; (n = ba_->pull(burst, kBurst, now_)) > 0;) {
    a_->input(burst, n, now_);
    moved += n;
  }
  if (moved == 0 && ab_->held() == 0 && ba_->held() == 0 && a_->tx_backlog() == 0 && b_->tx_backlog() == 0) {
    const uint64_t next = std::min(a_->next_deadline(), b_->next_deadline());
    if (next != UINT64_MAX && next > now_ + step_ns) now_ = next - step_ns;
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
