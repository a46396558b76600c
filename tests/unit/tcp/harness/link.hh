// Test support: two TCP stacks joined in process through two impairment
// stages (one per direction), on a simulated clock. Each step advances time,
// polls both stacks and moves the packets that are due; with nothing in
// flight the clock jumps to the next timer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "dataplane/net/impairment.hh"
#include "dataplane/net/tcp/stack.hh"

namespace sstpgw::tcp::testing {

inline constexpr uint32_t kClientIp = 0x0a000001;  // 10.0.0.1, never leaves the process
inline constexpr uint32_t kServerIp = 0x0a000002;

class link {
 public:
  link(stack_config a, const stack_events& ea, stack_config b, const stack_events& eb,
       const net::impairment_config& ab, const net::impairment_config& ba, rte_mempool* pool);

  stack& a() { return *a_; }
  stack& b() { return *b_; }
  net::impairment& ab() { return *ab_; }
  net::impairment& ba() { return *ba_; }
  uint64_t now() const { return now_; }
  uint64_t step_ns = 50'000;

  // One step; returns packets moved.
  uint32_t step();
  // Steps until done() or max_ns of simulated time; calls each() every step.
  bool run_until(const std::function<bool()>& done, uint64_t max_ns, const std::function<void()>& each = {});

 private:
  std::unique_ptr<net::impairment> ab_, ba_;
  std::unique_ptr<stack> a_, b_;
  uint64_t now_ = 1'000'000'000;
};

}  // namespace sstpgw::tcp::testing
