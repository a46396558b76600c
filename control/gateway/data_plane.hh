// The gateway's data plane as main() holds it, built after eal_start from the
// configuration: the client and VNet ports (one queue pair per worker), the
// worker->worker handoff mesh, the control channels, the pool's owner table
// and the assembled gateway_workers; launched on the EAL worker lcores and
// stopped (flag, join) before anything it uses is destroyed.
//
// Return traffic and the pool (DESIGN.md "Return traffic lands on the owner"):
// when the VNet port hashes on the destination address only, the pool picks
// for a session on worker k an address the port steers to queue k
// (make_dst_rss_worker_of with the port's key and table). The ports here hash
// the TCP/IPv4 4-tuple (or, like net_af_packet, not at all: the kernel's
// fanout picks the queue), so no address choice pins return traffic to one
// queue: the pool then spreads addresses over the workers (address modulo
// workers, for balanced free lists) and a VNet packet that lands on another
// worker's queue is handed to the owner through the owner table and the
// handoff mesh. Both paths are correct; the first saves one ring hop.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/config/gateway_config.hh"
#include "control/control_thread/stats_registry.hh"
#include "control/gateway/eal_plan.hh"
#include "control/pool/ip_pool.hh"
#include "dataplane/eal/port.hh"
#include "dataplane/rings/handoff.hh"
#include "dataplane/session/channel.hh"
#include "dataplane/session/owner_table.hh"
#include "dataplane/worker/gateway_workers.hh"

namespace sstpgw::gateway {

class data_plane {
 public:
  // After eal_start, on the main lcore. Throws std::runtime_error (or
  // config::config_error for addresses) with the reason.
  data_plane(const config::gateway_config& cfg, const pool_plan& pools);
  ~data_plane();  // stops the workers if they still run
  data_plane(const data_plane&) = delete;
  data_plane& operator=(const data_plane&) = delete;

  // Starts worker w's loop on its lcore, for every worker.
  void launch();
  // Sets the stop flag and waits for every worker lcore; each worker resets
  // its connections and reports them closed on the way out.
  void stop();
  bool running() const { return running_; }

  uint16_t n_workers() const { return workers_->n_workers(); }
  session::control_end& control() { return channels_->control(); }
  session::owner_table& owners() { return *owners_; }
  // The owner worker's figures for a session, if its slot still holds it.
  std::optional<session::session_stats> stats_of(session::session_id id);

  // The pool's worker_of (see above) and one line saying which mode applies.
  pool::worker_of_fn pool_worker_of() const;
  const std::string& return_traffic_mode() const { return return_mode_; }

  // `sstpctl stats`: every worker counter summed ("dataplane.<layer>.<name>"),
  // per-worker runtime ("runtime.w<k>.<stage>.{calls,packets,cycles}"), ports,
  // and the control side of the channel.
  void count_stats(std::vector<control_thread::stat_counter>& out);
  std::string runtime() const { return workers_->runtime(); }
  const eal::port& client_port() const { return *client_; }
  const eal::port& vnet_port() const { return *vnet_; }

 private:
  static int worker_main(void* arg);
  struct launch_arg {
    data_plane* self = nullptr;
    uint16_t worker = 0;
  };

  uint32_t sessions_per_worker_ = 0;
  std::vector<unsigned> lcores_;
  rte_mempool* coalesce_pool_ = nullptr;  // large buffers for records over many segments
  std::unique_ptr<rings::handoff_mesh> mesh_;
  std::unique_ptr<eal::port> client_;
  std::unique_ptr<eal::port> vnet_;
  std::unique_ptr<session::channel_set> channels_;
  std::unique_ptr<session::owner_table> owners_;
  std::unique_ptr<worker::gateway_workers> workers_;
  std::vector<launch_arg> args_;
  std::atomic<bool> stop_{false};
  bool running_ = false;
  bool dst_only_rss_ = false;
  std::string return_mode_;
};

}  // namespace sstpgw::gateway
