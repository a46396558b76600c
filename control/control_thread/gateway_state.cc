#include "control/control_thread/gateway_state.hh"

#include <ctime>
#include <stdexcept>

#include "dataplane/common/log.hh"

#ifndef SSTPGW_VERSION
#error "SSTPGW_VERSION must be defined by the build (meson.project_version())"
#endif

namespace sstpgw::control_thread {
namespace {

int64_t system_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

std::string_view gateway_version() { return SSTPGW_VERSION; }

gateway_state::gateway_state(config::gateway_config cfg, gateway_state_options options)
    : cfg_(std::move(cfg)),
      clock_(options.wall_clock ? std::move(options.wall_clock) : std::function<int64_t()>(system_seconds)),
      started_steady_(std::chrono::steady_clock::now()),
      started_at_(clock_()),
      state_dir_(cfg_.state_dir, std::move(options.state_options)) {
  certs_ = std::make_unique<certs::cert_store>(state_dir_);
  pool_start_ = reconcile_pool_settings(cfg_, state_dir_);
  try {
    pool_ = std::make_unique<pool::ip_pool>(pool_start_.settings, cfg_.workers, options.worker_of);
  } catch (const pool::pool_error& e) {
    throw config::config_error(std::string("[pool]: ") + e.what());
  }
  identity_ = load_tls_identity(cfg_);
  for (const auto& w : identity_.warnings) log(log_level::warn, "tls", "{}", w);
  if (!identity_.ca_problem.empty()) log(log_level::warn, "tls", "{}", identity_.ca_problem);

  subscription_ = certs_->subscribe([this](const certs::store_event& e) {
    using k = certs::store_event::kind;
    if (e.what != k::root_removed && e.what != k::thumbprint_revoked) return;
    if (!trust_hook_) return;
    const size_t n = trust_hook_(e);
    disconnected_by_change_ += n;
    trust_disconnects_ += n;
  });
  stats_.add_provider("control", [this](std::vector<stat_counter>& out) { count_stats(out); });
  log(log_level::info, "control",
      "sstpgw {} state ready: {} trusted root(s), {} revoked, pool of {} address(es)", gateway_version(),
      certs_->roots().size(), certs_->revoked().size(), pool_->capacity());
}

gateway_state::~gateway_state() { certs_->unsubscribe(subscription_); }

certs::store_change gateway_state::add_root(std::string_view name, std::string_view data) {
  auto change = certs_->add_roots(name, data, clock_());
  if (change.ok) {
    roots_added_ += change.certs.size();
  } else {
    ++changes_refused_;
  }
  return change;
}

trust_change gateway_state::tracked(const std::function<certs::store_change()>& change) {
  disconnected_by_change_ = 0;
  trust_change r;
  r.change = change();
  r.sessions_disconnected = disconnected_by_change_;
  disconnected_by_change_ = 0;
  if (!r.change.ok) ++changes_refused_;
  return r;
}

trust_change gateway_state::remove_root(std::string_view name_or_thumbprint) {
  auto r = tracked([&] { return certs_->remove_root(name_or_thumbprint); });
  if (r.change.ok) ++roots_removed_;
  return r;
}

trust_change gateway_state::revoke(std::string_view thumbprint, std::string_view comment) {
  auto r = tracked([&] { return certs_->revoke(thumbprint, comment, clock_()); });
  if (r.change.ok) ++thumbprints_revoked_;
  return r;
}

trust_change gateway_state::unrevoke(std::string_view thumbprint) {
  auto r = tracked([&] { return certs_->unrevoke(thumbprint); });
  if (r.change.ok) ++thumbprints_unrevoked_;
  return r;
}

gateway_status gateway_state::status() const {
  gateway_status s;
  s.version = std::string(gateway_version());
  s.name = cfg_.name;
  s.server_name = cfg_.server_name;
  s.listen_port = cfg_.listen_port;
  s.workers = cfg_.workers;
  s.started_at = started_at_;
  s.uptime_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_steady_)
          .count();
  s.state_dir = state_dir_.path();
  s.roots = certs_->roots().size();
  s.roots_limit = certs::kMaxRoots;
  s.revoked = certs_->revoked().size();
  s.pool_capacity = pool_->capacity();
  s.pool_in_use = pool_->in_use();
  s.sessions_attached = sessions_ != nullptr;
  s.sessions = sessions_ ? sessions_->count() : 0;
  s.server_certificate = identity_.leaf;
  return s;
}

std::vector<package::package_file> gateway_state::client_package(std::string_view server_override,
                                                                 std::string_view name_override) const {
  if (!identity_.ca_problem.empty()) throw std::invalid_argument(identity_.ca_problem);
  package::client_package_input in;
  in.connection_name = name_override.empty() ? cfg_.name : std::string(name_override);
  in.server_name = server_override.empty() ? cfg_.server_name : std::string(server_override);
  in.port = cfg_.listen_port;
  in.ca_pem = identity_.ca_pem();
  in.routes = cfg_.vnet_prefixes;
  in.dns_servers = cfg_.dns_servers;
  in.eap_tls_max_version = cfg_.eap_tls_max_version;
  auto files = package::build_client_package(in);
  ++packages_built_;
  return files;
}

std::map<std::string, size_t> gateway_state::sessions_per_root() const {
  std::map<std::string, size_t> out;
  if (!sessions_) return out;
  for (const auto& row : sessions_->list())
    if (!row.root.empty()) ++out[row.root];
  return out;
}

void gateway_state::count_stats(std::vector<stat_counter>& out) const {
  const pool::pool_stats p = pool_->stats();
  out.push_back({"roots_added", roots_added_, "trusted roots added"});
  out.push_back({"roots_removed", roots_removed_, "trusted roots removed"});
  out.push_back({"thumbprints_revoked", thumbprints_revoked_, "client certificates revoked"});
  out.push_back({"thumbprints_unrevoked", thumbprints_unrevoked_, "revocations withdrawn"});
  out.push_back({"changes_refused", changes_refused_, "certificate and revocation changes refused"});
  out.push_back(
      {"trust_disconnects", trust_disconnects_, "sessions disconnected by a root removal or revocation"});
  out.push_back({"client_packages", packages_built_, "client packages built"});
  out.push_back({"pool.allocations", p.allocations, "pool addresses handed out"});
  out.push_back({"pool.fallbacks", p.fallbacks, "addresses not on the session's own worker"});
  out.push_back({"pool.exhausted", p.exhausted, "allocations refused: pool empty"});
  out.push_back({"pool.releases", p.releases, "pool addresses freed"});
  out.push_back({"pool.bad_releases", p.bad_releases, "releases of addresses not leased"});
}

}  // namespace sstpgw::control_thread
