// Everything an operator can act on, owned by the control thread, as one API:
// the state directory, the certificate store (trusted roots, revocations), the
// client address pool, the gateway's TLS identity, and the attachments the rest
// of the gateway plugs in (the session registry, data-plane counters).
//
// The control socket's command handlers (commands.hh) only parse arguments and
// call these functions; the gateway's main, the configuration loader and tests
// call the same ones. Not thread-safe: every call happens on the control thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "control/certs/cert_store.hh"
#include "control/config/gateway_config.hh"
#include "control/control_thread/pool_reconcile.hh"
#include "control/control_thread/session_directory.hh"
#include "control/control_thread/stats_registry.hh"
#include "control/control_thread/tls_identity.hh"
#include "control/package/client_package.hh"
#include "control/pool/ip_pool.hh"
#include "control/state/state_dir.hh"

namespace sstpgw::control_thread {

// The gateway's version (meson's project version).
std::string_view gateway_version();

struct gateway_state_options {
  // Which worker receives return traffic for a pool address (pool/return_worker.hh);
  // empty: every address maps to worker 0. The gateway passes the VNet port's RSS.
  pool::worker_of_fn worker_of;
  // Wall clock in Unix seconds ("added" times, certificate validity). Tests set it.
  std::function<int64_t()> wall_clock;
  state::state_dir_options state_options;
};

// A change of trust (root removed, thumbprint revoked, or their opposites) and
// how many live sessions it disconnected.
struct trust_change {
  certs::store_change change;
  size_t sessions_disconnected = 0;
};

struct gateway_status {
  std::string version;
  std::string name;
  std::string server_name;
  uint16_t listen_port = 0;
  uint32_t workers = 0;
  int64_t started_at = 0;  // Unix seconds
  int64_t uptime_s = 0;
  std::string state_dir;
  size_t roots = 0, roots_limit = 0;
  size_t revoked = 0;
  uint64_t pool_capacity = 0, pool_in_use = 0;
  size_t sessions = 0;
  bool sessions_attached = false;  // a session registry is attached
  certs::cert_summary server_certificate;
};

// Called with each store event that withdraws trust (root removed, thumbprint
// revoked); returns how many live sessions it disconnected.
using trust_withdrawn_hook = std::function<size_t(const certs::store_event&)>;

class gateway_state {
 public:
  // Opens the state directory (taking its lock), loads the certificate store,
  // reconciles the pool settings, builds the pool and loads the TLS identity.
  // Throws config::config_error, handshake::config_error or state::state_error
  // with a one-line reason: the gateway must not start half-configured.
  explicit gateway_state(config::gateway_config cfg, gateway_state_options options = {});
  ~gateway_state();
  gateway_state(const gateway_state&) = delete;
  gateway_state& operator=(const gateway_state&) = delete;

  // --- operator actions (sstpctl cert/revoke/pool/status/client-package) ---
  // `data` is the certificate file's bytes: PEM, DER or Base64 of DER.
  certs::store_change add_root(std::string_view name, std::string_view data);
  trust_change remove_root(std::string_view name_or_thumbprint);
  trust_change revoke(std::string_view thumbprint, std::string_view comment);
  trust_change unrevoke(std::string_view thumbprint);
  gateway_status status() const;
  // Builds the client package from the configuration; empty overrides keep the
  // configured server name / profile name. Throws std::invalid_argument with
  // the reason (a bad server name, no usable CA).
  std::vector<package::package_file> client_package(std::string_view server_override,
                                                    std::string_view name_override) const;
  // Live sessions anchored at each root (thumbprint hex -> count).
  std::map<std::string, size_t> sessions_per_root() const;

  // --- attachments ---
  // The session registry; nullptr detaches. Not owned; it must outlive its
  // attachment. Without one, session commands see no sessions.
  void attach_sessions(session_directory* directory) { sessions_ = directory; }
  session_directory* sessions() const { return sessions_; }
  // Set by the session registry: disconnect the sessions an event invalidates
  // (certs::invalidates) and return how many. The registry should not also
  // subscribe to the store itself, or it would act on every event twice.
  void set_trust_withdrawn_hook(trust_withdrawn_hook hook) { trust_hook_ = std::move(hook); }
  // Counter providers for `stats`: the gateway adds the data plane's here.
  stats_registry& stats() { return stats_; }
  const stats_registry& stats() const { return stats_; }

  // --- what the rest of the control thread uses ---
  const config::gateway_config& config() const { return cfg_; }
  certs::cert_store& cert_store() { return *certs_; }
  const certs::cert_store& cert_store() const { return *certs_; }
  pool::ip_pool& pool() { return *pool_; }
  const pool::ip_pool& pool() const { return *pool_; }
  const pool_reconciliation& pool_at_start() const { return pool_start_; }
  const tls_identity& identity() const { return identity_; }
  state::state_dir& state() { return state_dir_; }
  int64_t now() const { return clock_(); }

 private:
  // Runs one store change and counts what the trust hook disconnected during it.
  trust_change tracked(const std::function<certs::store_change()>& change);
  void count_stats(std::vector<stat_counter>& out) const;

  config::gateway_config cfg_;
  std::function<int64_t()> clock_;
  std::chrono::steady_clock::time_point started_steady_;
  int64_t started_at_ = 0;
  state::state_dir state_dir_;
  std::unique_ptr<certs::cert_store> certs_;
  pool_reconciliation pool_start_;
  std::unique_ptr<pool::ip_pool> pool_;
  tls_identity identity_;
  session_directory* sessions_ = nullptr;
  trust_withdrawn_hook trust_hook_;
  stats_registry stats_;
  certs::cert_store::subscription subscription_ = 0;
  size_t disconnected_by_change_ = 0;  // sessions the hook disconnected during the current change

  // Control-plane counters (stats "control.*").
  uint64_t roots_added_ = 0, roots_removed_ = 0, thumbprints_revoked_ = 0, thumbprints_unrevoked_ = 0,
           changes_refused_ = 0, trust_disconnects_ = 0;
  mutable uint64_t packages_built_ = 0;
};

}  // namespace sstpgw::control_thread
