#include "control/gateway/gateway.hh"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <thread>

#include "control/auth/eap_tls_context.hh"
#include "control/control_thread/commands.hh"
#include "control/control_thread/control_thread.hh"
#include "control/control_thread/gateway_state.hh"
#include "control/control_thread/stop_signals.hh"
#include "control/control_thread/tls_identity.hh"
#include "control/gateway/data_plane.hh"
#include "control/gateway/eal_plan.hh"
#include "control/gateway/session_settings.hh"
#include "control/handshake/tls_config.hh"
#include "control/pool/ip_pool.hh"
#include "control/pool/pool_settings.hh"
#include "control/sessions/session_registry.hh"
#include "control/state/state_dir.hh"
#include "dataplane/common/log.hh"
#include "dataplane/eal/eal.hh"

namespace sstpgw::gateway {

namespace {

using namespace std::chrono_literals;

// How long sessions get to say goodbye at shutdown before the workers stop
// (and reset whatever is left).
constexpr auto kShutdownGrace = 3s;

// EAL's threads inherit the signal mask of the thread that starts them: block
// the stop signals first, so only the control loop's signalfd ever sees them.
void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

struct eal_guard {
  ~eal_guard() {
    if (eal::eal_started()) eal::eal_stop();
  }
};

// Whether a gateway answers on the control socket already. Checked before
// EAL starts: a second sstpgw on the same ports would answer ARP and reset
// the first one's TCP connections until the socket stopped it.
bool control_socket_live(const std::string& path) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool live = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return live;
}

std::string prefix_text(const std::string& which, const std::string& address) {
  const auto a = parse_ipv4_interface(address);
  return a ? which + " " + address + " (subnet " + a->subnet().to_string() + ")" : which;
}

int serve(const config::gateway_config& cfg, const pool_plan& pools, const eal::eal_config& eal_cfg,
          handshake::tls_context outer_tls) {
  block_stop_signals();
  eal_guard eal_cleanup;
  eal::eal_start(eal_cfg);

  data_plane dp(cfg, pools);
  log(log_level::info, "gateway", "return traffic: {}", dp.return_traffic_mode());

  control_thread::gateway_state gw(cfg, {.worker_of = dp.pool_worker_of()});
  auth::eap_tls_server_factory eap(eap_tls_settings(cfg), gw.cert_store());

  sessions::registry_config rc;
  rc.channel = &dp.control();
  rc.owners = &dp.owners();
  rc.stats = [&dp](sessions::session_id id) { return dp.stats_of(id); };
  sessions::session_registry registry(make_session_config(cfg, std::move(outer_tls), &eap, &gw.pool()),
                                      std::move(rc));
  gw.attach_sessions(&registry);
  gw.set_trust_withdrawn_hook(
      [&registry](const certs::store_event& e) { return registry.on_trust_withdrawn(e); });

  ctl::command_table table;
  control_thread::add_all_commands(table, gw);
  control_thread::control_thread loop(table, {.socket = control_thread::socket_options_from(cfg)});
  gw.stats().add_provider("",
                          [&loop](std::vector<control_thread::stat_counter>& out) { loop.count_stats(out); });
  gw.stats().add_provider(
      "", [&registry](std::vector<control_thread::stat_counter>& out) { registry.count_stats(out); });
  gw.stats().add_provider("", [&dp](std::vector<control_thread::stat_counter>& out) { dp.count_stats(out); });
  control_thread::stop_on_signals stop(loop);
  loop.set_ring_drain([&registry] { return registry.drain(); });

  dp.launch();
  log(log_level::info, "gateway",
      "sstpgw {} serving {}:{} ({}), {}, {} worker(s), pool {} address(es), control socket {}",
      control_thread::gateway_version(), cfg.server_name, cfg.listen_port,
      prefix_text("client side", cfg.client_port.address), prefix_text("VNet side", cfg.vnet_port.address),
      dp.n_workers(), gw.pool().capacity(), cfg.control_socket);

  // A failure of the control loop itself still stops everything in order
  // (sessions told, workers joined) before the objects they use go.
  int status = kExitOk;
  try {
    loop.run();
  } catch (const std::exception& e) {
    log(log_level::error, "gateway", "control loop failed: {}", e.what());
    status = kExitFailure;
  }

  // Orderly stop: goodbyes first, while the workers still carry them.
  const size_t closing = registry.close_all("the gateway is shutting down");
  log(log_level::info, "gateway", "stopping: {} session(s) disconnecting", closing);
  const auto until = std::chrono::steady_clock::now() + kShutdownGrace;
  while (registry.tracked() > 0 && std::chrono::steady_clock::now() < until) {
    if (registry.drain() == 0) std::this_thread::sleep_for(2ms);
  }
  if (registry.tracked() > 0)
    log(log_level::warn, "gateway", "{} session(s) still open after {} s: reset", registry.tracked(),
        std::chrono::duration_cast<std::chrono::seconds>(kShutdownGrace).count());
  dp.stop();
  for (int i = 0; i < 8 && registry.drain() > 0; ++i) {
  }
  gw.set_trust_withdrawn_hook({});
  gw.attach_sessions(nullptr);
  log(log_level::info, "gateway", "stopped ({})",
      stop.received() ? ::sigabbrev_np(stop.received()) : "request");
  return status;
}

}  // namespace

void check_addresses(const config::gateway_config& cfg) {
  std::string error;
  const auto pool = pool::make_settings(cfg.pool_ranges, cfg.pool_exclude, &error);
  if (!pool) throw config::config_error("[pool]: " + error);
  for (const auto* p : {&cfg.client_port, &cfg.vnet_port}) {
    const char* which = p == &cfg.client_port ? "client_port" : "vnet_port";
    const auto a = parse_ipv4_interface(p->address);
    if (!a)
      throw config::config_error(std::string("[dataplane.") + which +
                                 "] address is not an interface address");
    for (const auto& r : pool->ranges) {
      if (r.overlaps(a->subnet()))
        throw config::config_error("[pool] range " + r.to_string() + " overlaps the " + which + " subnet " +
                                   a->subnet().to_string() + " (clients would shadow hosts there)");
    }
  }
  const auto c = parse_ipv4_interface(cfg.client_port.address);
  const auto v = parse_ipv4_interface(cfg.vnet_port.address);
  if (c->subnet().overlaps(v->subnet()))
    throw config::config_error("[dataplane] the client_port and vnet_port subnets overlap");
}

void check_control_socket(const config::gateway_config& cfg) {
  constexpr size_t kMax = sizeof(sockaddr_un::sun_path) - 1;
  if (cfg.control_socket.empty()) throw config::config_error("[control] socket is empty");
  if (cfg.control_socket.size() > kMax)
    throw config::config_error("[control] socket \"" + cfg.control_socket + "\" is longer than " +
                               std::to_string(kMax) + " bytes (a Unix socket path)");
}

int run(const run_options& options) {
  config::gateway_config cfg;
  pool_plan pools;
  eal::eal_config eal_cfg;
  std::optional<handshake::tls_context> outer;
  try {
    cfg = config::load_config(options.config_path);
    if (options.log_level) {
      log_level l{};
      if (!parse_log_level(*options.log_level, l))
        throw config::config_error("--log-level \"" + *options.log_level +
                                   "\": expected debug, info, warn, error or off");
      cfg.log_level = *options.log_level;
    }
    log_level level{};
    if (parse_log_level(cfg.log_level, level)) set_log_level(level);
    check_addresses(cfg);
    check_control_socket(cfg);
    pools = plan_pools(cfg);
    eal_cfg = plan_eal(cfg, pools);
    // The TLS identity as the control socket shows it, and both TLS contexts:
    // a wrong file or a key that does not match stops here, before DPDK.
    (void)control_thread::load_tls_identity(cfg);
    outer = make_outer_tls(cfg);
  } catch (const config::config_error& e) {
    std::fprintf(stderr, "sstpgw: %s\n", e.what());
    return kExitConfigError;
  } catch (const handshake::config_error& e) {
    std::fprintf(stderr, "sstpgw: %s: %s\n", options.config_path.c_str(), e.what());
    return kExitConfigError;
  }
  if (options.check_only) {
    std::printf("%s: configuration OK (%u worker(s), %u MiB for DPDK, sessions up to %u per worker)\n",
                options.config_path.c_str(), cfg.workers, pools.memory_mb, pools.sessions_per_worker);
    return kExitOk;
  }
  if (control_socket_live(cfg.control_socket)) {
    std::fprintf(stderr, "sstpgw: another sstpgw is already serving %s\n", cfg.control_socket.c_str());
    return kExitFailure;
  }
  try {
    return serve(cfg, pools, eal_cfg, std::move(*outer));
  } catch (const config::config_error& e) {
    log(log_level::error, "gateway", "{}", e.what());
    std::fprintf(stderr, "sstpgw: %s\n", e.what());
    return kExitConfigError;
  } catch (const handshake::config_error& e) {
    log(log_level::error, "gateway", "{}", e.what());
    std::fprintf(stderr, "sstpgw: %s\n", e.what());
    return kExitConfigError;
  } catch (const std::exception& e) {
    log(log_level::error, "gateway", "cannot run: {}", e.what());
    std::fprintf(stderr, "sstpgw: %s\n", e.what());
    return kExitFailure;
  }
}

}  // namespace sstpgw::gateway
