// The client address pool as one session's IPCP sees it: allocations prefer
// the session's worker (so the VNet port's RSS steers return traffic to it),
// the lease is tagged with the session id, and every assignment and release is
// recorded so the session reports each once and an address goes back at most
// once (what IPCP still holds is given back when this object is destroyed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "control/pool/ip_pool.hh"
#include "control/ppp/address_pool.hh"
#include "control/sessions/session_types.hh"

namespace sstpgw::sessions {

class session_pool final : public ppp::address_pool {
 public:
  session_pool(pool::ip_pool& pool, uint32_t worker, session_id owner);
  ~session_pool() override;
  session_pool(const session_pool&) = delete;
  session_pool& operator=(const session_pool&) = delete;

  // The session's worker is asked for whatever IPCP passes.
  std::optional<ipv4_address> allocate(uint32_t preferred_worker) override;
  void release(ipv4_address address) override;

  std::optional<ipv4_address> held() const { return held_; }
  // Why the last allocation was refused ("" if none was).
  const std::string& refusal() const { return refusal_; }
  uint64_t releases() const { return releases_; }
  std::vector<session_event> take_events() { return std::exchange(events_, {}); }

 private:
  pool::ip_pool& pool_;
  uint32_t worker_;
  session_id owner_;
  std::optional<ipv4_address> held_;
  std::string refusal_;
  uint64_t releases_ = 0;
  std::vector<session_event> events_;
};

}  // namespace sstpgw::sessions
