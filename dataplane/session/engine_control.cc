// Session engine: construction, TCP events, control messages, and the life of
// a slot from accept to the closed report.
#include <cstring>
#include <stdexcept>

#include "dataplane/session/engine.hh"

namespace sstpgw::session {

engine::engine(const engine_config& cfg, worker_end& channel, tls::aead_engine& aead)
    : cfg_(cfg), ch_(channel), aead_(aead), addresses_(cfg.max_sessions) {
  if (cfg_.max_sessions == 0 || cfg_.max_sessions >= kMaxSlots) throw std::invalid_argument("session engine: bad table size");
  if (cfg_.record_pool == nullptr || cfg_.vnet_pool == nullptr) throw std::invalid_argument("session engine: no mempool");
  if (!aead_.ready()) throw std::invalid_argument("session engine: AEAD engine not initialised");
  slots_.resize(cfg_.max_sessions);
  stats_.resize(cfg_.max_sessions);
  reserved_.assign(cfg_.max_sessions, 0);
  free_list_.reserve(cfg_.max_sessions);
  for (uint32_t i = cfg_.max_sessions; i-- > 0;) free_list_.push_back(i);
  rx_list_.reserve(cfg_.max_sessions);
  tx_list_.reserve(cfg_.max_sessions);
  zombies_.reserve(cfg_.max_sessions);
  sealed_slots_.reserve(tls::kBurst);
  after_seal_free_.reserve(size_t{tls::kBurst} * connection::kMaxPending);
  stash_.reserve(cfg_.vnet_stash);
  stash_handoff_.reserve(cfg_.vnet_stash);
  // A sealed record of control plaintext must fit one mbuf of the record pool.
  const uint32_t room = rte_pktmbuf_data_room_size(cfg_.record_pool) - RTE_PKTMBUF_HEADROOM;
  const uint32_t overhead = tls::record_overhead(tls::protocol_version::tls12);
  if (room < 512 + overhead) throw std::invalid_argument("session engine: record pool mbufs too small");
  max_fragment_ = std::min<uint32_t>(tls::kMaxPlaintext, room - overhead);
  vnet_mbufs_.set_pool(cfg_.vnet_pool);
}

engine::~engine() {
  for (uint32_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].state != slot_state::free) release_resources(i);
  for (rte_mbuf* m : stash_) rte_pktmbuf_free(m);
  if (n_vnet_out_) rte_pktmbuf_free_bulk(vnet_out_pkts_, n_vnet_out_);
}

tcp::stack_events engine::events() {
  tcp::stack_events e;
  e.ctx = this;
  e.accepted = &on_accepted;
  e.data = &on_data;
  e.writable = &on_writable;
  e.peer_closed = &on_peer_closed;
  e.closed = &on_closed;
  return e;
}

// ---- TCP events -------------------------------------------------------------

bool engine::on_accepted(void* ctx, tcp::conn_id c) {
  auto* e = static_cast<engine*>(ctx);
  if (e->free_list_.empty()) {
    e->counters_.add(session_counter::refused_table_full);
    return false;
  }
  const uint32_t i = e->free_list_.back();
  e->free_list_.pop_back();
  connection& s = e->slots_[i];
  const uint32_t gen = s.generation;
  s.~connection();
  new (&s) connection();
  s.generation = gen;
  s.tcp = c;
  s.state = slot_state::open;
  const tcp::conn_info info = e->tcp_->info(c);
  s.peer_ip = info.tuple.remote_ip;
  s.peer_port = info.tuple.remote_port;
  e->stats_[i] = session_stats{};
  e->stats_[i].generation = gen;
  e->tcp_->set_user(c, i);
  ++e->in_use_;
  e->counters_.add(session_counter::accepted);
  return true;
}

uint32_t engine::on_data(void* ctx, tcp::conn_id c, rte_mbuf* chain) {
  auto* e = static_cast<engine*>(ctx);
  const uint32_t i = e->slot_of(c);
  connection& s = e->slots_[i];
  if (s.state != slot_state::open) {
    // Closing: nothing more is read (TLS close_notify sent or close requested).
    const uint32_t n = chain->pkt_len;
    rte_pktmbuf_free(chain);
    return n;
  }
  // Consumed later, when fed to the record reader or forwarded (recv_consumed):
  // the receive window bounds what a connection holds here.
  if (s.hb.holding()) e->counters_.add(session_counter::held_chains);
  s.input.push(chain);
  e->stats_[i].last_rx_us = e->now_us_;
  e->list_rx(i);
  return 0;
}

void engine::on_writable(void* ctx, tcp::conn_id c) {
  auto* e = static_cast<engine*>(ctx);
  e->list_tx(e->slot_of(c));
}

void engine::on_peer_closed(void* ctx, tcp::conn_id c) {
  auto* e = static_cast<engine*>(ctx);
  const uint32_t i = e->slot_of(c);
  connection& s = e->slots_[i];
  // No more data will come: close our side after what is queued.
  e->set_reason(i, close_reason::peer_fin);
  if (s.state == slot_state::open) {
    s.state = slot_state::closing;
    e->list_tx(i);
  }
}

void engine::on_closed(void* ctx, tcp::conn_id c, tcp::close_reason r) {
  auto* e = static_cast<engine*>(ctx);
  const uint32_t i = e->slot_of(c);
  connection& s = e->slots_[i];
  if (s.state == slot_state::free || s.state == slot_state::zombie) return;
  close_reason why = close_reason::peer_fin;
  switch (r) {
    case tcp::close_reason::normal: why = close_reason::peer_fin; break;
    case tcp::close_reason::reset:
    case tcp::close_reason::refused: why = close_reason::peer_reset; break;
    case tcp::close_reason::timeout:
    case tcp::close_reason::keepalive: why = close_reason::timeout; break;
    case tcp::close_reason::aborted: why = close_reason::tcp_aborted; break;
  }
  s.tcp = tcp::kNoConn;
  e->finish(i, s.reason_set ? s.reason : why);
}

// ---- slot lifecycle ---------------------------------------------------------

void engine::set_reason(uint32_t i, close_reason r) {
  connection& s = slots_[i];
  if (!s.reason_set) {
    s.reason = r;
    s.reason_set = true;
  }
}

void engine::list_rx(uint32_t i) {
  connection& s = slots_[i];
  if (!s.rx_listed) {
    s.rx_listed = true;
    rx_list_.push_back(i);
  }
}

void engine::list_tx(uint32_t i) {
  connection& s = slots_[i];
  if (!s.tx_listed && (s.state == slot_state::open || s.state == slot_state::closing)) {
    s.tx_listed = true;
    tx_list_.push_back(i);
  }
}

void engine::data_path_down(uint32_t i) {
  connection& s = slots_[i];
  if (!s.data_up) return;
  addresses_.erase(s.client_ip);
  s.data_up = false;
}

void engine::release_resources(uint32_t i) {
  connection& s = slots_[i];
  data_path_down(i);
  uint64_t cookies[tls::record_reader::kMaxSegments];
  const uint32_t k = s.reader.drain(cookies);
  for (uint32_t j = 0; j < k; ++j) rte_pktmbuf_free(reinterpret_cast<rte_mbuf*>(cookies[j]));
  s.writer.wipe();
  s.returned.free_all();
  s.input.free_all();
  while (s.pend_count) {
    rte_pktmbuf_free(s.pending[s.pend_head].chain);
    s.pend_head = static_cast<uint8_t>((s.pend_head + 1) % connection::kMaxPending);
    --s.pend_count;
  }
  s.pend_off = 0;
  s.pend_bytes = 0;
}

// The TCP connection is gone (or was just aborted): free what the slot holds,
// report, and free the slot once control knows.
void engine::finish(uint32_t i, close_reason r) {
  connection& s = slots_[i];
  set_reason(i, r);
  release_resources(i);
  s.state = slot_state::zombie;
  if (!report_closed(i)) {
    counters_.add(session_counter::closed_report_deferred);
    zombies_.push_back(i);
  }
}

bool engine::report_closed(uint32_t i) {
  connection& s = slots_[i];
  message* m = ch_.alloc();
  if (m == nullptr) return false;
  m->session = id_of(i);
  m->type = message_type::closed;
  m->reason = s.reason;
  if (!ch_.send(m)) {
    release(m);
    return false;
  }
  counters_.add(session_counter::closed_reported);
  free_slot(i);
  return true;
}

void engine::free_slot(uint32_t i) {
  connection& s = slots_[i];
  s.state = slot_state::free;
  s.tcp = tcp::kNoConn;
  ++s.generation;
  free_list_.push_back(i);
  --in_use_;
}

void engine::abort_session(uint32_t i, close_reason r, session_counter c) {
  connection& s = slots_[i];
  if (s.state != slot_state::open && s.state != slot_state::closing) return;
  counters_.add(c);
  if (s.tcp != tcp::kNoConn) tcp_->abort(s.tcp);  // RST; no closed event follows
  s.tcp = tcp::kNoConn;
  finish(i, r);
}

void engine::shutdown() {
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    connection& s = slots_[i];
    if (s.state == slot_state::open || s.state == slot_state::closing) {
      if (s.tcp != tcp::kNoConn) tcp_->abort(s.tcp);
      s.tcp = tcp::kNoConn;
      finish(i, close_reason::shutdown);
    }
  }
}

bool engine::to_control(uint32_t i, message_type t, rte_mbuf* chain) {
  message* m = ch_.alloc();
  if (m == nullptr) {
    if (chain) rte_pktmbuf_free(chain);
    abort_session(i, close_reason::no_resources, session_counter::message_pool_empty);
    return false;
  }
  const connection& s = slots_[i];
  m->session = id_of(i);
  m->type = t;
  m->stream_phase = s.ph;
  m->peer_ip = s.peer_ip;
  m->peer_port = s.peer_port;
  m->bytes = chain;
  if (!ch_.send(m)) {
    release(m);
    abort_session(i, close_reason::ring_full, session_counter::ring_full);
    return false;
  }
  return true;
}

bool engine::queue_pending(uint32_t i, rte_mbuf* chain, bool raw) {
  connection& s = slots_[i];
  if (s.pend_count == connection::kMaxPending || s.pend_bytes + chain->pkt_len > cfg_.max_pending_bytes) {
    rte_pktmbuf_free(chain);
    abort_session(i, close_reason::no_resources, session_counter::send_queue_full);
    return false;
  }
  s.pending[(s.pend_head + s.pend_count) % connection::kMaxPending] = {chain, raw};
  ++s.pend_count;
  s.pend_bytes += chain->pkt_len;
  list_tx(i);
  return true;
}

// ---- control messages -------------------------------------------------------

uint32_t engine::lookup(session_id id) const {
  if (id.worker() != cfg_.worker || id.slot() >= slots_.size()) return UINT32_MAX;
  const connection& s = slots_[id.slot()];
  if (s.generation != id.generation()) return UINT32_MAX;
  if (s.state != slot_state::open && s.state != slot_state::closing) return UINT32_MAX;
  return id.slot();
}

uint32_t engine::control_stage(uint64_t now_us) {
  now_us_ = now_us;
  uint32_t work = 0;
  // Closed reports that found the ring full: oldest first.
  if (!zombies_.empty()) {
    size_t kept = 0;
    for (size_t k = 0; k < zombies_.size(); ++k) {
      if (!report_closed(zombies_[k])) zombies_[kept++] = zombies_[k];
      else ++work;
    }
    zombies_.resize(kept);
  }
  message* msgs[256];
  const uint32_t budget = cfg_.message_budget < 256 ? cfg_.message_budget : 256;
  const uint32_t n = ch_.receive(msgs, budget);
  for (uint32_t k = 0; k < n; ++k) {
    message* m = msgs[k];
    const uint32_t i = lookup(m->session);
    if (i == UINT32_MAX) {
      counters_.add(session_counter::stale_message);
      release(m);
      continue;
    }
    handle(m, i);
  }
  return work + n;
}

void engine::violation(uint32_t i, session_counter c) {
  abort_session(i, close_reason::protocol_violation, c);
}

void engine::handle(message* m, uint32_t i) {
  connection& s = slots_[i];
  const bool closing = s.state == slot_state::closing;
  switch (m->type) {
    case message_type::send_raw: {
      if (s.ph != phase::raw) break;
      rte_mbuf* b = m->bytes;
      m->bytes = nullptr;
      if (b && !closing) queue_pending(i, b, true);
      else if (b) rte_pktmbuf_free(b);
      release(m);
      return;
    }
    case message_type::install_keys:
      if (s.ph != phase::raw) break;
      handle_install_keys(m, i);
      release(m);
      return;
    case message_type::send_plaintext: {
      if (s.ph == phase::raw) break;
      rte_mbuf* b = m->bytes;
      m->bytes = nullptr;
      if (b && !closing && !s.fatal_alert_due && !s.close_notify_due) queue_pending(i, b, false);
      else if (b) rte_pktmbuf_free(b);
      release(m);
      return;
    }
    case message_type::start_sstp: {
      if (s.ph != phase::http) break;
      const uint64_t returned = m->byte_count();
      if (s.hb.on_switch(m->consumed, returned) != handback_verdict::ok) {
        release(m);
        violation(i, session_counter::handback_violation);
        return;
      }
      s.ph = phase::sstp;
      if (s.returned_cipher && !s.returned.empty()) {
        // Ciphertext returned at the raw->http switch and not opened yet comes
        // after everything control has seen: it waits behind the plaintext
        // returned now, like direct input.
        s.input_preconsumed += s.returned.bytes;
        s.input.prepend(s.returned);
      }
      s.returned_cipher = false;
      handle_switch_bytes(i, m->bytes);
      m->bytes = nullptr;
      release(m);
      return;
    }
    case message_type::returned_bytes: {
      if (s.hb.on_returned(m->byte_count()) != handback_verdict::ok) {
        release(m);
        violation(i, session_counter::handback_violation);
        return;
      }
      handle_switch_bytes(i, m->bytes);
      m->bytes = nullptr;
      release(m);
      return;
    }
    case message_type::data_path_up: {
      if (s.ph != phase::sstp) break;
      if (s.data_up) data_path_down(i);
      if (!addresses_.insert(m->client_ip, i)) break;  // another session has this address
      s.data_up = true;
      s.client_ip = m->client_ip;
      s.form = m->ppp_form;
      s.max_send_frame = m->max_send_frame ? m->max_send_frame : sstp::kMaxPppFrameSize;
      release(m);
      return;
    }
    case message_type::data_path_down:
      data_path_down(i);
      release(m);
      return;
    case message_type::close: {
      const bool graceful = m->graceful;
      release(m);
      set_reason(i, close_reason::close_requested);
      if (!graceful) {
        abort_session(i, close_reason::close_requested, session_counter::closed_on_request);
        return;
      }
      counters_.add(session_counter::closed_on_request);
      s.state = slot_state::closing;
      list_tx(i);
      return;
    }
    default:
      break;  // a worker->control type
  }
  release(m);
  violation(i, session_counter::bad_message);
}

void engine::handle_install_keys(message* m, uint32_t i) {
  connection& s = slots_[i];
  if (s.hb.on_switch(m->consumed, m->byte_count()) != handback_verdict::ok) {
    violation(i, session_counter::handback_violation);
    return;
  }
  if (!s.reader.install(aead_, m->read_keys, tls::endpoint_role::server) ||
      !s.writer.install(aead_, m->write_keys, max_fragment_)) {
    abort_session(i, close_reason::tls_error, session_counter::tls_install_failed);
    return;
  }
  s.ph = phase::http;
  s.returned_cipher = true;
  handle_switch_bytes(i, m->bytes);
  m->bytes = nullptr;
}

// Returned bytes go before any direct input, in the order they came.
void engine::handle_switch_bytes(uint32_t i, rte_mbuf* chain) {
  connection& s = slots_[i];
  if (chain != nullptr) {
    if (chain->pkt_len == 0) {
      rte_pktmbuf_free(chain);
    } else {
      s.returned.push(chain);
    }
  }
  list_rx(i);
}

}  // namespace sstpgw::session
