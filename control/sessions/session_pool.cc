#include "control/sessions/session_pool.hh"

#include "dataplane/common/log.hh"

namespace sstpgw::sessions {

session_pool::session_pool(pool::ip_pool& pool, uint32_t worker, session_id owner)
    : pool_(pool), worker_(worker), owner_(owner) {}

session_pool::~session_pool() {
  if (held_) pool_.release(*held_);
}

std::optional<ipv4_address> session_pool::allocate(uint32_t) {
  if (held_) return held_;  // one address per session, whatever IPCP asks
  const pool::allocation a = pool_.allocate(worker_, owner_.value);
  if (!a.ok()) {
    refusal_ = a.note.empty() ? "address pool exhausted" : a.note;
    log(log_level::warn, "session", "{}: no client address: {}", owner_.to_string(), refusal_);
    return std::nullopt;
  }
  if (!a.note.empty()) log(log_level::info, "session", "{}: {}", owner_.to_string(), a.note);
  held_ = a.addr;
  events_.push_back({session_event_kind::address_assigned, {}, a.addr});
  return held_;
}

void session_pool::release(ipv4_address address) {
  if (!held_ || *held_ != address) {
    log(log_level::error, "session", "{}: IPCP released {} which this session does not hold",
        owner_.to_string(), address.to_string());
    return;
  }
  pool_.release(address);
  held_.reset();
  ++releases_;
  events_.push_back({session_event_kind::address_released, {}, address});
}

}  // namespace sstpgw::sessions
