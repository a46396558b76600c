// Timer handling: retransmission timeout (RFC 6298 5.4-5.7 with RFC 5681
// congestion response), SYN/SYN-ACK retries, zero-window probes (persist),
// keepalive (RFC 9293 3.8.4), delayed ACK, TIME-WAIT and the orphaned
// FIN-WAIT-2 bound. One wheel entry per connection at its earliest deadline.
#include "dataplane/net/tcp/stack.hh"

namespace sstpgw::tcp {

void stack::arm(uint32_t i) {
  const tcb& t = tcbs_[i];
  const uint64_t d = std::min(
      {t.rtx_deadline, t.persist_deadline, t.delack_deadline, t.keepalive_deadline, t.linger_deadline});
  if (d == kNever)
    wheel_.cancel(i);
  else
    wheel_.schedule(i, d);
}

void stack::on_timer(uint32_t i) {
  tcb& t = tcbs_[i];
  if (!t.in_use || t.state == tcp_state::closed) return;
  if (t.linger_deadline <= now_) {
    t.linger_deadline = kNever;
    if (t.state == tcp_state::time_wait) {
      time_wait_end(i);
      return;
    }
    if (t.state == tcp_state::fin_wait_2) {  // the peer never sent its FIN
      reset_connection(i, close_reason::timeout);
      return;
    }
  }
  if (t.rtx_deadline <= now_) on_rto(i);
  if (!t.in_use || t.state == tcp_state::closed) return;
  if (t.persist_deadline <= now_) on_persist(i);
  if (t.delack_deadline <= now_) {
    t.delack_deadline = kNever;
    if (t.ack_delayed) {
      t.ack_now = true;
      counters_.add(tcp_counter::tx_delayed_acks);
      mark_pending(i);
    }
  }
  if (t.keepalive_deadline <= now_) on_keepalive(i);
  if (t.in_use && t.state != tcp_state::closed) arm(i);
}

void stack::on_rto(uint32_t i) {
  tcb& t = tcbs_[i];
  t.rtx_deadline = kNever;
  if (t.state == tcp_state::syn_sent || t.state == tcp_state::syn_received) {
    if (t.rtx_count >= cfg_.max_syn_retries) {
      if (t.state == tcp_state::syn_received && !t.app_visible) {
        counters_.add(tcp_counter::half_open_evicted);
        half_open_remove(i);
        hash_remove(i);
        t.state = tcp_state::closed;
        mark_pending(i);
      } else {
        reset_connection(i, close_reason::timeout);
      }
      return;
    }
    ++t.rtx_count;
    t.rtt.backoff();
    counters_.add(tcp_counter::rto_fired);
    counters_.add(tcp_counter::retransmit_syn);
    send_segment(t, t.iss, t.state == tcp_state::syn_sent ? flag::syn : flag::syn | flag::ack, 0, 0);
    start_rtx_timer(t);
    return;
  }
  if (t.snd_una == t.snd_max) return;  // nothing outstanding
  counters_.add(tcp_counter::rto_fired);
  if (t.rtx_count >= cfg_.max_retries) {
    counters_.add(tcp_counter::retransmit_timeouts);
    send_rst(t);
    reset_connection(i, close_reason::timeout);
    return;
  }
  ++t.rtx_count;
  t.rtt.backoff();
  // RFC 5681 (4) on the first timeout of an episode; one segment of cwnd.
  if (t.rtx_count == 1) {
    const uint32_t flight = static_cast<uint32_t>(t.snd_max - t.snd_una);
    t.ssthresh = std::max<uint32_t>(flight / 2, 2u * t.mss);
  }
  t.cwnd = t.mss;
  t.bytes_acked_ca = 0;
  t.in_recovery = false;
  t.dupacks = 0;
  t.recover = t.snd_max;                  // RFC 6582 4.1: no fast retransmit for old duplicates
  if (t.rtx_count >= 2) t.sacks.clear();  // in case the receiver reneged (RFC 2018 8)
  t.rtx_next = t.snd_una;
  t.snd_nxt = t.snd_una;
  t.rtt_timing = false;  // Karn
  mark_pending(i);
}

void stack::on_persist(uint32_t i) {
  tcb& t = tcbs_[i];
  t.persist_deadline = kNever;
  const tcp_seq data_end = t.sq_seq + t.send_q.bytes();
  if (!(t.snd_nxt < data_end) && !t.fin_queued) return;
  if (t.snd_wnd != 0) {
    mark_pending(i);  // the window opened meanwhile: just send
    return;
  }
  // Probe with an already-acknowledged sequence number (what Linux does): the
  // receiver answers with an ACK that carries its current window.
  counters_.add(tcp_counter::persist_probes);
  send_segment(t, t.snd_una - 1, flag::ack, 0, 0);
  if (t.persist_count < 16) ++t.persist_count;
  const uint64_t backoff = t.rtt.base_rto() << std::min<unsigned>(t.persist_count, 10);
  t.persist_deadline = now_ + std::min(backoff, cfg_.rto.max_ns);
}

void stack::on_keepalive(uint32_t i) {
  tcb& t = tcbs_[i];
  t.keepalive_deadline = kNever;
  if (!cfg_.keepalive) return;
  if (t.state != tcp_state::established && t.state != tcp_state::close_wait) return;
  if (now_ - t.last_rx < cfg_.keepalive_idle_ns) {
    // Heard from the peer within the idle time (an answer to a probe counts).
    t.keepalive_count = 0;
    t.keepalive_deadline = t.last_rx + cfg_.keepalive_idle_ns;
    return;
  }
  if (t.keepalive_count >= cfg_.keepalive_probes) {
    counters_.add(tcp_counter::keepalive_timeouts);
    send_rst(t);
    reset_connection(i, close_reason::keepalive);
    return;
  }
  ++t.keepalive_count;
  counters_.add(tcp_counter::keepalive_probes);
  send_segment(t, t.snd_una - 1, flag::ack, 0, 0);
  t.keepalive_deadline = now_ + cfg_.keepalive_interval_ns;
}

void stack::maybe_writable(uint32_t i) {
  tcb& t = tcbs_[i];
  if (!t.want_writable || t.state == tcp_state::closed) return;
  if (send_space(i) < cfg_.snd_buf / 2 && !t.send_q.empty()) return;
  t.want_writable = false;
  if (ev_.writable != nullptr) ev_.writable(ev_.ctx, i);
}

}  // namespace sstpgw::tcp
