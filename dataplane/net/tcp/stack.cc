// Construction, the application-facing calls and the per-burst entry points.
// The protocol itself is in input.cc (segment arrival), output.cc (segment
// building and sending) and timers.cc (retransmission, persist, keepalive,
// delayed ACK, TIME-WAIT).
#include "dataplane/net/tcp/stack.hh"

#include <rte_random.h>

#include <stdexcept>

namespace sstpgw::tcp {

namespace {

uint32_t round_pow2(uint32_t n) {
  uint32_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

stack::stack(const stack_config& cfg, const stack_events& events, uint64_t now_ns)
    : cfg_(cfg),
      ev_(events),
      now_(now_ns),
      reass_(cfg.reassembly_nodes),
      wheel_(cfg.max_connections, cfg.tick_ns, cfg.wheel_slots, now_ns) {
  if (cfg_.pool == nullptr) throw std::invalid_argument("tcp stack: no mempool");
  if (!cfg_.tx) throw std::invalid_argument("tcp stack: no transmit sink");
  if (ev_.data == nullptr) throw std::invalid_argument("tcp stack: no data event");
  if (cfg_.max_connections == 0 || cfg_.max_connections > (1u << 24))
    throw std::invalid_argument("tcp stack: max_connections must be 1..16M");
  if (cfg_.mss_clamp < kMinMss) throw std::invalid_argument("tcp stack: mss_clamp below 64");
  if (cfg_.rcv_buf < 2u * cfg_.mss_clamp || cfg_.snd_buf < cfg_.mss_clamp)
    throw std::invalid_argument("tcp stack: buffers smaller than two segments");
  if (cfg_.rcv_buf > (1u << 30) || cfg_.snd_buf > (1u << 30))
    throw std::invalid_argument("tcp stack: buffers over 1 GiB");
  if (cfg_.tx_queue < kBurst) throw std::invalid_argument("tcp stack: tx_queue below one burst");
  if (cfg_.ephemeral_first == 0 || cfg_.ephemeral_first > cfg_.ephemeral_last)
    throw std::invalid_argument("tcp stack: bad ephemeral port range");
  if (cfg_.indirect_pool == nullptr) cfg_.indirect_pool = cfg_.pool;
  header_stash_.set_pool(cfg_.pool);
  if (cfg_.indirect_pool != cfg_.pool) indirect_stash_.set_pool(cfg_.indirect_pool);
  if (cfg_.secret.k0 == 0 && cfg_.secret.k1 == 0) cfg_.secret = {rte_rand(), rte_rand()};
  if (!cfg_.window_scaling && cfg_.rcv_buf > 65535) cfg_.rcv_buf = 65535;
  tcbs_.resize(cfg_.max_connections);
  for (uint32_t i = 0; i < cfg_.max_connections; ++i)
    tcbs_[i].tw_next = i + 1 < cfg_.max_connections ? i + 1 : kNoIndex;
  free_head_ = 0;
  buckets_.assign(round_pow2(cfg_.max_connections), kNoIndex);
  bucket_mask_ = static_cast<uint32_t>(buckets_.size() - 1);
  listeners_.reserve(cfg_.max_listeners);
  tx_.assign(cfg_.tx_queue, nullptr);
  next_ephemeral_ = static_cast<uint16_t>(
      cfg_.ephemeral_first + cfg_.secret.k0 % (uint32_t{cfg_.ephemeral_last} - cfg_.ephemeral_first + 1));
}

stack::~stack() {
  for (auto& t : tcbs_) {
    t.send_q.clear();
    reass_.clear(t.reass);
  }
  while (tx_count_ > 0) {
    rte_pktmbuf_free(tx_[tx_first_]);
    tx_first_ = (tx_first_ + 1) % cfg_.tx_queue;
    --tx_count_;
  }
}

bool stack::listen(uint16_t port) {
  if (port == 0 || is_listening(port) || listeners_.size() >= cfg_.max_listeners) return false;
  listeners_.push_back(port);
  return true;
}

void stack::unlisten(uint16_t port) {
  for (auto it = listeners_.begin(); it != listeners_.end(); ++it) {
    if (*it == port) {
      listeners_.erase(it);
      return;
    }
  }
}

conn_id stack::connect(uint32_t local_ip, uint32_t remote_ip, uint16_t remote_port, uint64_t now_ns,
                       uint16_t local_port) {
  now_ = now_ns;
  four_tuple tu{local_ip, remote_ip, local_port, remote_port};
  if (remote_port == 0) return kNoConn;
  if (local_port == 0) {
    const uint32_t range = uint32_t{cfg_.ephemeral_last} - cfg_.ephemeral_first + 1;
    bool found = false;
    for (uint32_t tries = 0; tries < range && !found; ++tries) {
      tu.local_port = next_ephemeral_;
      next_ephemeral_ = next_ephemeral_ >= cfg_.ephemeral_last ? cfg_.ephemeral_first
                                                               : static_cast<uint16_t>(next_ephemeral_ + 1);
      found = lookup(tu) == kNoIndex && !is_listening(tu.local_port);
    }
    if (!found) return kNoConn;
  } else if (lookup(tu) != kNoIndex) {
    return kNoConn;
  }
  const uint32_t i = alloc_tcb(tu);
  if (i == kNoIndex) return kNoConn;
  tcb& t = tcbs_[i];
  t.state = tcp_state::syn_sent;
  t.app_visible = true;
  t.iss = tcp_seq(initial_sequence(cfg_.secret, tu, now_));
  t.snd_una = t.snd_nxt = t.snd_max = t.iss;
  t.sq_seq = t.iss + 1;
  t.ts_offset = timestamp_offset(cfg_.secret, tu);
  t.ts_ok = cfg_.timestamps;  // offered; settled by the SYN-ACK
  mark_pending(i);            // the SYN goes out at the next flush
  return i;
}

void stack::input(rte_mbuf** pkts, uint16_t n, uint64_t now_ns) {
  now_ = now_ns;
  for (uint16_t k = 0; k < n; ++k) {
    if (k + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[k + 1], void*));
    input_one(pkts[k]);
  }
  flush_pending();
  flush_tx();
}

void stack::poll(uint64_t now_ns) {
  now_ = now_ns;
  wheel_.advance(now_ns, [this](uint32_t i) { on_timer(i); });
  flush_pending();
  flush_tx();
}

namespace {
bool can_send(tcp_state s) {
  return s == tcp_state::established || s == tcp_state::close_wait || s == tcp_state::syn_sent ||
         s == tcp_state::syn_received;
}
}  // namespace

uint32_t stack::send_space(conn_id c) const {
  if (c >= tcbs_.size()) return 0;
  const tcb& t = tcbs_[c];
  if (!t.in_use || !can_send(t.state) || t.fin_queued) return 0;
  return cfg_.snd_buf > t.send_q.bytes() ? cfg_.snd_buf - t.send_q.bytes() : 0;
}

uint32_t stack::send(conn_id c, const void* data, uint32_t len) {
  const uint32_t space = send_space(c);
  if (space == 0) {
    if (c < tcbs_.size()) tcbs_[c].want_writable = true;
    return 0;
  }
  tcb& t = tcbs_[c];
  const uint32_t n = len < space ? len : space;
  const uint32_t done = t.send_q.append_bytes(cfg_.pool, static_cast<const uint8_t*>(data), n);
  if (done < len) t.want_writable = true;
  if (done > 0) mark_pending(c);
  return done;
}

bool stack::send_mbuf(conn_id c, rte_mbuf* chain) {
  const uint32_t space = send_space(c);
  if (space < chain->pkt_len || space == 0) {
    if (c < tcbs_.size()) tcbs_[c].want_writable = true;
    return false;
  }
  tcbs_[c].send_q.append_chain(chain);
  mark_pending(c);
  return true;
}

void stack::recv_consumed(conn_id c, uint32_t bytes) {
  if (c >= tcbs_.size() || !tcbs_[c].in_use) return;
  tcb& t = tcbs_[c];
  t.rcv_unconsumed = bytes < t.rcv_unconsumed ? t.rcv_unconsumed - bytes : 0;
  if (wants_window_update(t)) {
    t.ack_now = true;
    mark_pending(c);
  }
}

void stack::shutdown_write(conn_id c) {
  if (c >= tcbs_.size() || !tcbs_[c].in_use) return;
  tcb& t = tcbs_[c];
  if (t.fin_queued) return;
  switch (t.state) {
    case tcp_state::syn_sent:
    case tcp_state::syn_received:
      t.fin_queued = true;  // sent once established (RFC 9293 3.10.4)
      break;
    case tcp_state::established:
      t.fin_queued = true;
      t.state = tcp_state::fin_wait_1;
      mark_pending(c);
      break;
    case tcp_state::close_wait:
      t.fin_queued = true;
      t.state = tcp_state::last_ack;
      mark_pending(c);
      break;
    default:
      break;
  }
}

void stack::close(conn_id c) {
  if (c >= tcbs_.size() || !tcbs_[c].in_use) return;
  tcb& t = tcbs_[c];
  if (t.state == tcp_state::syn_sent) {
    // Nothing to say to the peer yet (RFC 9293 3.10.4): forget it.
    t.closed_notified = true;
    hash_remove(c);
    t.state = tcp_state::closed;
    mark_pending(c);
    return;
  }
  t.app_closed = true;
  shutdown_write(c);
  if (t.state == tcp_state::fin_wait_2 && t.linger_deadline == kNever) {
    t.linger_deadline = now_ + cfg_.fin_wait_2_ns;
    arm(c);
  }
}

void stack::abort(conn_id c) {
  if (c >= tcbs_.size() || !tcbs_[c].in_use) return;
  tcb& t = tcbs_[c];
  if (t.state == tcp_state::closed || t.state == tcp_state::time_wait) return;
  if (t.state != tcp_state::syn_sent) send_rst(t);
  t.closed_notified = true;  // the application asked: no closed event
  if (t.state == tcp_state::syn_received) half_open_remove(c);
  hash_remove(c);
  t.state = tcp_state::closed;
  counters_.add(tcp_counter::conn_reset);
  mark_pending(c);
}

void stack::set_user(conn_id c, uint64_t v) {
  if (c < tcbs_.size()) tcbs_[c].user = v;
}

uint64_t stack::user(conn_id c) const { return c < tcbs_.size() ? tcbs_[c].user : 0; }

conn_info stack::info(conn_id c) const {
  conn_info r;
  if (c >= tcbs_.size() || !tcbs_[c].in_use) return r;
  const tcb& t = tcbs_[c];
  r.tuple = t.tuple;
  r.state = t.state;
  r.mss = t.mss;
  r.sack = t.sack_ok;
  r.timestamps = t.ts_ok;
  r.window_scaling = t.ws_ok;
  r.snd_wscale = t.snd_wscale;
  r.rcv_wscale = t.rcv_wscale;
  r.snd_wnd = t.snd_wnd;
  r.cwnd = t.cwnd;
  r.ssthresh = t.ssthresh;
  r.send_queued = t.send_q.bytes();
  r.rcv_unconsumed = t.rcv_unconsumed;
  r.reassembly_bytes = t.reass.bytes;
  r.srtt_ns = t.rtt.srtt();
  r.rto_ns = t.rtt.rto();
  r.snd_una = t.snd_una.raw();
  r.snd_max = t.snd_max.raw();
  r.rcv_nxt = t.rcv_nxt.raw();
  return r;
}

void stack::app_close_event(uint32_t i, close_reason r) {
  tcb& t = tcbs_[i];
  if (!t.app_visible || t.closed_notified) return;
  t.closed_notified = true;
  t.reason = r;
  if (ev_.closed != nullptr) ev_.closed(ev_.ctx, i, r);
}

// Moves a connection to CLOSED: out of the hash at once, freed at the flush.
void stack::reset_connection(uint32_t i, close_reason r) {
  tcb& t = tcbs_[i];
  if (t.state == tcp_state::closed) return;
  if (t.state == tcp_state::syn_received) half_open_remove(i);
  if (t.state == tcp_state::time_wait) time_wait_unlink(i);
  hash_remove(i);
  t.state = tcp_state::closed;
  if (r == close_reason::normal)
    counters_.add(tcp_counter::conn_closed);
  else
    counters_.add(tcp_counter::conn_reset);
  mark_pending(i);
  app_close_event(i, r);
}

}  // namespace sstpgw::tcp
