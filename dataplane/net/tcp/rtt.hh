// Retransmission timeout computation (RFC 6298): SRTT/RTTVAR smoothing,
// RTO = SRTT + max(G, 4 * RTTVAR) clamped to [min, max], exponential backoff.
// Karn's rule (no samples from retransmitted segments) is the caller's job:
// it only calls sample() with unambiguous measurements. Times in nanoseconds.
#pragma once

#include <algorithm>
#include <cstdint>

namespace sstpgw::tcp {

struct rto_config {
  uint64_t initial_ns = 1'000'000'000;  // RFC 6298 2.1: 1 s
  uint64_t min_ns = 200'000'000;        // RFC 6298 2.4 says 1 s "SHOULD"; 200 ms like Linux
  uint64_t max_ns = 60'000'000'000;     // RFC 6298 2.5: at least 60 s
  uint64_t granularity_ns = 1'000'000;  // G: the timer wheel tick
};

class rtt_estimator {
 public:
  rtt_estimator() : rtt_estimator(rto_config{}) {}
  explicit rtt_estimator(const rto_config& c) : cfg_(c), rto_(c.initial_ns) {}

  // One round-trip measurement R (RFC 6298 2.2 / 2.3). Clears the backoff.
  void sample(uint64_t r_ns) {
    if (!have_sample_) {
      srtt_ = r_ns;
      rttvar_ = r_ns / 2;
      have_sample_ = true;
    } else {
      const uint64_t err = srtt_ > r_ns ? srtt_ - r_ns : r_ns - srtt_;
      rttvar_ = (3 * rttvar_ + err) / 4;  // beta = 1/4
      srtt_ = (7 * srtt_ + r_ns) / 8;     // alpha = 1/8
    }
    rto_ = std::clamp(srtt_ + std::max(cfg_.granularity_ns, 4 * rttvar_), cfg_.min_ns, cfg_.max_ns);
    backoff_ = 0;
  }

  // The timer expired (RFC 6298 5.5): double, bounded by max.
  void backoff() {
    if (backoff_ < 16) ++backoff_;
  }
  void reset_backoff() { backoff_ = 0; }

  uint64_t rto() const {
    const uint64_t r = rto_ << std::min<unsigned>(backoff_, 16);
    return std::min(r, cfg_.max_ns);
  }
  uint64_t base_rto() const { return rto_; }
  uint64_t srtt() const { return srtt_; }
  uint64_t rttvar() const { return rttvar_; }
  bool has_sample() const { return have_sample_; }
  unsigned backoff_count() const { return backoff_; }

 private:
  rto_config cfg_;
  uint64_t srtt_ = 0;
  uint64_t rttvar_ = 0;
  uint64_t rto_;
  unsigned backoff_ = 0;
  bool have_sample_ = false;
};

}  // namespace sstpgw::tcp
