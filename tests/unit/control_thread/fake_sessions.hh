// A session registry for tests of the operator commands: rows the test adds,
// kill() that removes them, and the trust hook a real registry sets, deciding
// with certs::invalidates() like the real one will. Shared by the unit tests and
// the test host process (tests/integration/ctl).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "control/certs/store_events.hh"
#include "control/control_thread/session_directory.hh"

namespace sstpgw::testing {

class fake_sessions : public control_thread::session_directory {
 public:
  struct entry {
    control_thread::session_row row;
    certs::session_credentials creds;
    std::string killed_reason;
  };

  // The id the next add() returns (to lease its pool address first).
  uint64_t next_id(uint32_t worker = 0) const {
    return (uint64_t{worker} << 56) | (uint64_t{sessions_.size() + killed_.size() + 1} << 32) | 1;
  }

  // A session authenticated with `leaf` (40 hex) under `root` (40 hex).
  uint64_t add(const std::string& identity, const std::string& root_hex, const std::string& leaf_hex,
               uint32_t worker = 0, const std::string& address = "") {
    entry e;
    const uint64_t slot = sessions_.size() + killed_.size() + 1;
    e.row.id = (uint64_t{worker} << 56) | (slot << 32) | 1;
    e.row.identity = identity;
    e.row.address = address.empty() ? "172.16.201." + std::to_string(slot + 1) : address;
    e.row.remote = "198.51.100.7:" + std::to_string(40000 + slot);
    e.row.state = "up";
    e.row.since = 1700000000;
    e.row.worker = worker;
    e.row.rx_bytes = 1000 * slot;
    e.row.tx_bytes = 2000 * slot;
    e.row.root = root_hex;
    e.row.leaf = leaf_hex;
    e.row.details = {{"tls", "TLSv1.3"}, {"hash", "sha256"}};
    e.creds.root = *certs::parse_thumbprint(root_hex);
    e.creds.leaf = *certs::parse_thumbprint(leaf_hex);
    e.creds.chain = {e.creds.leaf, e.creds.root};
    sessions_.push_back(std::move(e));
    return sessions_.back().row.id;
  }

  std::vector<control_thread::session_row> list() const override {
    std::vector<control_thread::session_row> rows;
    for (const auto& e : sessions_) rows.push_back(e.row);
    return rows;
  }
  std::optional<control_thread::session_row> find(uint64_t id) const override {
    for (const auto& e : sessions_)
      if (e.row.id == id) return e.row;
    return std::nullopt;
  }
  bool kill(uint64_t id, std::string_view reason) override {
    auto it =
        std::find_if(sessions_.begin(), sessions_.end(), [&](const entry& e) { return e.row.id == id; });
    if (it == sessions_.end()) return false;
    it->killed_reason = std::string(reason);
    killed_.push_back(std::move(*it));
    sessions_.erase(it);
    return true;
  }
  size_t count() const override { return sessions_.size(); }

  // The trust-withdrawn hook (gateway_state::set_trust_withdrawn_hook).
  size_t on_trust_withdrawn(const certs::store_event& event) {
    std::vector<uint64_t> doomed;
    for (const auto& e : sessions_)
      if (certs::invalidates(event, e.creds)) doomed.push_back(e.row.id);
    for (uint64_t id : doomed) kill(id, "trust withdrawn: " + std::string(certs::to_string(event.what)));
    return doomed.size();
  }

  const std::vector<entry>& killed() const { return killed_; }

 private:
  std::vector<entry> sessions_;
  std::vector<entry> killed_;
};

}  // namespace sstpgw::testing
