#include "control/sessions/session_registry.hh"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <type_traits>
#include <variant>

#include "dataplane/common/log.hh"
#include "dataplane/ppp/frame.hh"
#include "dataplane/ppp/protocol.hh"

namespace sstpgw::sessions {

namespace {

constexpr uint32_t kReceiveBurst = 64;

stream_phase phase_of(session::phase p) {
  switch (p) {
    case session::phase::raw:
      return stream_phase::raw;
    case session::phase::http:
      return stream_phase::http;
    case session::phase::sstp:
      break;
  }
  return stream_phase::sstp;
}

}  // namespace

session_registry::session_registry(server_session_config session, registry_config config)
    : session_cfg_(std::move(session)),
      cfg_(std::move(config)),
      ch_(cfg_.channel ? *cfg_.channel : throw std::invalid_argument("session registry: no channel")) {
  if (!cfg_.now) cfg_.now = [] { return clock::now(); };
  if (!cfg_.wall_now) cfg_.wall_now = [] { return std::chrono::system_clock::now(); };
  batch_.resize(kReceiveBurst);
}

session_registry::~session_registry() {
  // Addresses still registered would route VNet packets to a slot that is
  // about to be reused; the workers are stopped by now, but keep the table true.
  for (auto& [id, e] : entries_)
    if (e.owned_ip && cfg_.owners) cfg_.owners->clear(e.owned_ip->value);
}

time_point session_registry::now() const { return cfg_.now(); }

// ---- one control-loop step -------------------------------------------------

size_t session_registry::drain() { return drain(now()); }

size_t session_registry::drain(time_point now) {
  size_t work = 0;
  while (work < cfg_.max_messages_per_drain) {
    const uint32_t n = ch_.receive(batch_.data(), kReceiveBurst);
    if (n == 0) break;
    for (uint32_t i = 0; i < n; ++i) {
      handle(batch_[i], now);
      session::release(batch_[i]);
    }
    work += n;
  }
  work += run_timers(now);
  if (now >= next_activity_check_) {
    work += check_activity(now);
    next_activity_check_ = now + cfg_.activity_interval;
  }
  ch_.flush_closes();
  return work;
}

void session_registry::handle(session::message* m, time_point now) {
  counters_.add(registry_counter::messages);
  const session_id id = m->session;
  if (id.worker() >= ch_.n_workers()) {
    counters_.add(registry_counter::bad_worker);
    return;
  }
  auto it = entries_.find(id.value);
  entry* e = it == entries_.end() ? nullptr : &it->second;

  switch (m->type) {
    case session::message_type::stream_bytes: {
      if (e == nullptr) {
        if (m->stream_phase != session::phase::raw) {
          counters_.add(registry_counter::unknown_session);
          return;
        }
        e = start_session(m, now);
        it = entries_.find(id.value);
      } else if (e->session->ended()) {
        counters_.add(registry_counter::late_messages);
        return;
      }
      scratch_.clear();
      session::append_bytes(m->bytes, scratch_);
      e->session->on_stream_bytes(phase_of(m->stream_phase), scratch_, now);
      break;
    }
    case session::message_type::sstp_packet: {
      if (e == nullptr) {
        counters_.add(registry_counter::unknown_session);
        return;
      }
      if (e->session->ended()) {
        counters_.add(registry_counter::late_messages);
        return;
      }
      scratch_.clear();
      session::append_bytes(m->bytes, scratch_);
      e->session->on_sstp_packet(scratch_, now);
      break;
    }
    case session::message_type::closed: {
      counters_.add(registry_counter::worker_closed);
      if (e == nullptr) {
        counters_.add(registry_counter::closed_before_data);
        return;
      }
      e->worker_gone = true;
      // The slot is free on the worker: whatever the session still says is stale.
      if (e->owned_ip && cfg_.owners) cfg_.owners->clear(e->owned_ip->value);
      e->owned_ip.reset();
      e->session->on_closed(session::name_of(m->reason), now);
      break;
    }
    default:
      // A control->worker type on the worker->control ring: not from a worker.
      counters_.add(registry_counter::unknown_session);
      return;
  }
  pump(*e, now);
  erase_if_done(it);
}

session_registry::entry* session_registry::start_session(session::message* m, time_point now) {
  const session_id id = m->session;
  entry e;
  e.session = std::make_unique<server_session>(session_cfg_, id, now, cfg_.wall_now());
  e.peer_ip = m->peer_ip;
  e.peer_port = m->peer_port;
  e.started = now;
  auto [it, inserted] = entries_.emplace(id.value, std::move(e));
  counters_.add(registry_counter::sessions_started);
  log(log_level::info, "sessions", "session {}: new connection from {}:{} on worker {}", id.to_string(),
      ipv4_address{m->peer_ip}.to_string(), m->peer_port, id.worker());
  return &it->second;
}

// ---- actions and events ----------------------------------------------------

void session_registry::pump(entry& e, time_point now) {
  // A failed send ends the session (control_end already queued its close);
  // telling the session so produces more actions, which are then dropped.
  for (int round = 0; round < 2; ++round) {
    bool failed_now = false;
    for (session_action& a : e.session->take_actions()) {
      const bool was_failed = e.transport_failed;
      send(e, a);
      failed_now = failed_now || (!was_failed && e.transport_failed);
    }
    for (const session_event& ev : e.session->take_events()) on_event(e, ev, now);
    if (!failed_now || e.session->ended()) break;
    e.session->on_closed(
        fmt::format("a message to worker {} did not fit its ring", e.session->info().id.worker()), now);
  }
  set_deadline(e.session->info().id.value, e);
}

bool session_registry::send(entry& e, session_action& a) {
  const session_id id = e.session->info().id;
  if (std::holds_alternative<data_path_down>(a) && e.owned_ip) {
    // Stop other workers handing this address to the owner before it forgets it.
    if (cfg_.owners) cfg_.owners->clear(e.owned_ip->value);
    e.owned_ip.reset();
  }
  if (e.worker_gone) {
    counters_.add(registry_counter::stale_actions);
    return false;
  }
  if (e.transport_failed) {
    counters_.add(registry_counter::failed_session_actions);
    return false;
  }
  const bool ok = std::visit(
      [&](auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, send_raw>) {
          return ch_.send_raw(id, x.bytes);
        } else if constexpr (std::is_same_v<T, install_keys>) {
          return ch_.install_keys(id, x.keys.read, x.keys.write, x.consumed, x.returned);
        } else if constexpr (std::is_same_v<T, send_plaintext>) {
          return ch_.send_plaintext(id, x.bytes);
        } else if constexpr (std::is_same_v<T, start_sstp>) {
          return ch_.start_sstp(id, x.consumed, x.returned);
        } else if constexpr (std::is_same_v<T, returned_bytes>) {
          return ch_.returned_bytes(id, x.bytes);
        } else if constexpr (std::is_same_v<T, data_path_up>) {
          // The session speaks of the client's MRU (RFC 1661: the information
          // field only); the worker's limit is the whole PPP frame it writes
          // (messages.hh), header included: an IPv4 packet of exactly the MRU
          // must pass.
          const size_t frame = size_t{x.max_send_frame} + ppp::header_length(x.form, ppp::kProtoIpv4);
          if (!ch_.data_path_up(
                  id, x.client_ip.value, x.form,
                  x.max_send_frame ? static_cast<uint16_t>(std::min<size_t>(frame, 0xffff)) : 0))
            return false;
          if (cfg_.owners) cfg_.owners->set(x.client_ip.value, static_cast<uint16_t>(id.worker()));
          e.owned_ip = x.client_ip;
          counters_.add(registry_counter::data_paths_up);
          return true;
        } else if constexpr (std::is_same_v<T, data_path_down>) {
          return ch_.data_path_down(id);
        } else {
          static_assert(std::is_same_v<T, close_connection>);
          return ch_.close(id, x.graceful);
        }
      },
      a);
  if (!ok) {
    e.transport_failed = true;
    counters_.add(registry_counter::send_failed);
    log(log_level::warn, "sessions", "session {}: {} to worker {} failed (ring or pool full): closing",
        id.to_string(), action_name(a), id.worker());
  }
  return ok;
}

void session_registry::on_event(entry& e, const session_event& ev, time_point now) {
  const std::string id = e.session->info().id.to_string();
  switch (ev.kind) {
    case session_event_kind::tls_established:
    case session_event_kind::http_accepted:
    case session_event_kind::data_path_up:
    case session_event_kind::data_path_down:
    case session_event_kind::address_released:
      log(log_level::debug, "sessions", "session {}: {}{}{}", id, to_string(ev.kind),
          ev.text.empty() ? "" : ": " + ev.text, ev.address ? " " + ev.address->to_string() : "");
      return;
    case session_event_kind::authenticated:
      counters_.add(registry_counter::sessions_authenticated);
      log(log_level::info, "sessions", "session {}: authenticated: {}", id, ev.text);
      return;
    case session_event_kind::address_assigned:
      log(log_level::info, "sessions", "session {}: address {} assigned", id,
          ev.address ? ev.address->to_string() : std::string("?"));
      return;
    case session_event_kind::closed:
      if (e.logged_end) return;
      e.logged_end = true;
      counters_.add(registry_counter::sessions_ended);
      log(log_level::info, "sessions", "session {}: ended after {} s ({}): {}", id,
          std::chrono::duration_cast<std::chrono::seconds>(now - e.started).count(), describe(e), ev.text);
      return;
  }
}

// ---- lifetime --------------------------------------------------------------

void session_registry::set_deadline(uint64_t id, entry& e) {
  const time_point d = e.session->ended() ? kNoDeadline : e.session->next_deadline();
  if (d == e.deadline) return;
  if (e.deadline != kNoDeadline) deadlines_.erase({e.deadline, id});
  e.deadline = d;
  if (d != kNoDeadline) deadlines_.insert({d, id});
}

void session_registry::erase_if_done(map::iterator it) {
  if (it == entries_.end()) return;
  entry& e = it->second;
  if (!e.worker_gone || !e.session->ended()) return;
  if (e.deadline != kNoDeadline) deadlines_.erase({e.deadline, it->first});
  if (e.owned_ip && cfg_.owners) cfg_.owners->clear(e.owned_ip->value);
  ended_call_counters_.accumulate(e.session->call_counters());
  entries_.erase(it);
}

size_t session_registry::run_timers(time_point now) {
  // Only what is due on entry, each once: a session that re-arms at `now`
  // runs in the next step.
  std::vector<uint64_t> due;
  for (auto d = deadlines_.begin(); d != deadlines_.end() && d->first <= now; ++d) due.push_back(d->second);
  for (uint64_t id : due) {
    auto it = entries_.find(id);
    if (it == entries_.end()) continue;
    entry& e = it->second;
    if (e.deadline > now) continue;
    counters_.add(registry_counter::timers_fired);
    e.session->on_timer(now);
    pump(e, now);
    erase_if_done(it);
  }
  return due.size();
}

size_t session_registry::check_activity(time_point now) {
  if (!cfg_.stats) return 0;
  size_t noted = 0;
  for (auto& [id, e] : entries_) {
    if (e.worker_gone || e.session->ended() || e.session->phase() != stream_phase::sstp) continue;
    const auto st = stats_of(session_id{id});
    if (!st || st->last_rx_us == e.seen_rx_us) continue;
    e.seen_rx_us = st->last_rx_us;
    e.session->note_activity(now);
    counters_.add(registry_counter::activity_notes);
    ++noted;
    pump(e, now);
  }
  return noted;
}

std::optional<session::session_stats> session_registry::stats_of(session_id id) const {
  if (!cfg_.stats) return std::nullopt;
  auto st = cfg_.stats(id);
  if (st && st->generation != id.generation()) return std::nullopt;
  return st;
}

// ---- operator --------------------------------------------------------------

bool session_registry::kill(uint64_t id, std::string_view reason) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.session->ended() || it->second.worker_gone) return false;
  const time_point t = now();
  counters_.add(registry_counter::kills);
  it->second.session->kill(reason, t);
  pump(it->second, t);
  ch_.flush_closes();
  return true;
}

size_t session_registry::on_trust_withdrawn(const certs::store_event& event) {
  const time_point t = now();
  size_t n = 0;
  for (auto& [id, e] : entries_) {
    if (e.worker_gone || !e.session->on_store_event(event, t)) continue;
    ++n;
    counters_.add(registry_counter::trust_disconnects);
    pump(e, t);
  }
  ch_.flush_closes();
  return n;
}

size_t session_registry::close_all(std::string_view reason) {
  const time_point t = now();
  size_t n = 0;
  for (auto& [id, e] : entries_) {
    if (e.worker_gone || e.session->ended()) continue;
    ++n;
    counters_.add(registry_counter::shutdown_closes);
    e.session->kill(reason, t);
    pump(e, t);
  }
  ch_.flush_closes();
  return n;
}

const server_session* session_registry::session(session_id id) const {
  auto it = entries_.find(id.value);
  return it == entries_.end() ? nullptr : it->second.session.get();
}

}  // namespace sstpgw::sessions
