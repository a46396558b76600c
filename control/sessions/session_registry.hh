// The control thread's table of server sessions, keyed by session id, and the
// pump between them and the workers (gateway-protocol.md):
//
//   worker -> control   control_end::receive: stream_bytes (a first raw
//                       stream_bytes of an unknown id starts a session),
//                       sstp_packet, closed (the last message of a session)
//   control -> worker   each session's actions, in order, as control_end
//                       sends; data_path_up/down also update the owner table
//   timers              every session's next_deadline() in one ordered set,
//                       fired by drain() (the control loop calls it every
//                       iteration, at least every max_wait_ms)
//   hello timer         the worker's per-session stats (last receive time)
//                       read every activity_interval -> note_activity
//   operator            control_thread::session_directory (list/find/kill)
//                       and the trust-withdrawn hook (root removed, revoked)
//
// A session stays in the table after it ended until its worker reports
// `closed` (so late bytes for it are recognised, never taken for a new
// connection); actions produced after that report, or after a send to its
// worker failed, are dropped and counted (stale). Not thread-safe: the control
// thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "control/certs/store_events.hh"
#include "control/control_thread/session_directory.hh"
#include "control/control_thread/stats_registry.hh"
#include "control/sessions/server_session.hh"
#include "control/sstp/call_counters.hh"
#include "dataplane/common/counters.hh"
#include "dataplane/session/channel.hh"
#include "dataplane/session/counters.hh"
#include "dataplane/session/owner_table.hh"

namespace sstpgw::sessions {

#define SSTPGW_REGISTRY_COUNTERS(X)                                                      \
  X(messages, "messages received from the workers")                                      \
  X(sessions_started, "sessions started by a new connection's first bytes")              \
  X(sessions_authenticated, "sessions whose client certificate was accepted")            \
  X(data_paths_up, "data paths brought up on a worker")                                  \
  X(sessions_ended, "sessions ended (one line each in the log)")                         \
  X(worker_closed, "closed reports from the workers")                                    \
  X(closed_before_data, "closed reports for connections that never sent a byte")         \
  X(unknown_session, "drop: message for no known session that does not start one")       \
  X(late_messages, "messages for sessions that had already ended (ignored)")             \
  X(bad_worker, "drop: message naming a worker that does not exist")                     \
  X(stale_actions, "drop: actions for a session its worker had already reported closed") \
  X(failed_session_actions, "drop: actions after a send to the session's worker failed") \
  X(send_failed, "sessions ended because a message to their worker did not fit")         \
  X(timers_fired, "session timers that came due")                                        \
  X(activity_notes, "SSTP hello timers restarted from the worker's receive time")        \
  X(kills, "sessions disconnected by the operator")                                      \
  X(trust_disconnects, "sessions disconnected by a root removal or revocation")          \
  X(shutdown_closes, "sessions closed because the gateway stopped")
SSTPGW_DEFINE_COUNTERS(registry_counter, SSTPGW_REGISTRY_COUNTERS)

// The owner worker's statistics of a session, if that worker still has it in
// the slot (same generation). The gateway reads gateway_workers::engine(w).stats().
using stats_reader = std::function<std::optional<session::session_stats>(session_id)>;

struct registry_config {
  session::control_end* channel = nullptr;  // required
  session::owner_table* owners = nullptr;   // pool address -> owner worker; null: not kept
  stats_reader stats;                       // empty: no per-session figures, no hello refresh
  // How often the workers' receive times are compared (SSTP hello timer).
  std::chrono::milliseconds activity_interval{1000};
  // Messages handled per drain() call, so the socket and timers are not starved.
  uint32_t max_messages_per_drain = 1024;
  // Clocks: tests replace them; steady and system clock by default.
  std::function<time_point()> now;
  std::function<wall_time()> wall_now;
};

class session_registry final : public control_thread::session_directory {
 public:
  // `session` is shared by every session (copied into each). Throws
  // std::invalid_argument without a channel.
  session_registry(server_session_config session, registry_config config);
  ~session_registry() override;
  session_registry(const session_registry&) = delete;
  session_registry& operator=(const session_registry&) = delete;

  // One control-loop step: worker messages (bounded), due timers, the activity
  // check, deferred closes. Returns the work done (0: idle).
  size_t drain();
  size_t drain(time_point now);

  // The trust-withdrawn hook (gateway_state::set_trust_withdrawn_hook): ends
  // every live session the event invalidates, within this call; returns how many.
  size_t on_trust_withdrawn(const certs::store_event& event);
  // Shutdown: disconnects every live session (LCP Terminate, CALL_DISCONNECT,
  // graceful close); returns how many.
  size_t close_all(std::string_view reason);

  // ---- control_thread::session_directory ----
  std::vector<control_thread::session_row> list() const override;
  std::optional<control_thread::session_row> find(uint64_t id) const override;
  bool kill(uint64_t id, std::string_view reason) override;
  size_t count() const override;

  // Sessions in the table, ended ones waiting for their worker's report included.
  size_t tracked() const { return entries_.size(); }
  const server_session* session(session_id id) const;
  const counter_set<registry_counter>& counters() const { return counters_; }
  // Registry counters ("registry.*") and the SSTP call counters of every
  // session, live and ended ("sstp_call.*"), for `sstpctl stats`.
  void count_stats(std::vector<control_thread::stat_counter>& out) const;

 private:
  struct entry {
    std::unique_ptr<server_session> session;
    uint32_t peer_ip = 0;
    uint16_t peer_port = 0;
    time_point deadline = kNoDeadline;
    time_point started;
    bool worker_gone = false;       // the worker reported closed: nothing more goes to it
    bool transport_failed = false;  // a send failed: control_end closes it, nothing more goes
    bool logged_end = false;
    uint64_t seen_rx_us = 0;               // the worker's last receive time, as last seen
    std::optional<ipv4_address> owned_ip;  // registered in the owner table
  };
  using map = std::unordered_map<uint64_t, entry>;

  time_point now() const;
  void handle(session::message* m, time_point now);
  entry* start_session(session::message* m, time_point now);
  void pump(entry& e, time_point now);
  bool send(entry& e, session_action& a);
  void on_event(entry& e, const session_event& ev, time_point now);
  void set_deadline(uint64_t id, entry& e);
  void erase_if_done(map::iterator it);
  size_t run_timers(time_point now);
  size_t check_activity(time_point now);
  std::optional<session::session_stats> stats_of(session_id id) const;
  control_thread::session_row row_of(const entry& e) const;
  std::string describe(const entry& e) const;

  server_session_config session_cfg_;
  registry_config cfg_;
  session::control_end& ch_;
  map entries_;
  std::set<std::pair<time_point, uint64_t>> deadlines_;
  time_point next_activity_check_{};
  std::vector<session::message*> batch_;
  std::vector<uint8_t> scratch_;
  counter_set<registry_counter> counters_;
  counter_set<sstp::call_counter> ended_call_counters_;  // of sessions already erased
};

// The CN of an RFC 2253 subject line ("CN=alice, O=Contoso" -> "alice"); the
// whole line if it has no CN.
std::string common_name_of(std::string_view subject);

}  // namespace sstpgw::sessions
