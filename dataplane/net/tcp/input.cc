// Segment arrival (RFC 9293 3.10.7) with RFC 7323 (PAWS, timestamps), RFC 5961
// (challenge ACKs, RST/SYN/ACK validation), RFC 2018 (SACK), RFC 5681 + 6582
// (duplicate ACKs, NewReno recovery) and SYN cookies for the listener.
#include <rte_ip.h>

#include "dataplane/common/byte_order.hh"
#include "dataplane/net/tcp/checksum.hh"
#include "dataplane/net/tcp/mbuf_chain.hh"
#include "dataplane/net/tcp/stack.hh"
#include "dataplane/net/tcp/syn_cookie.hh"

namespace sstpgw::tcp {

struct stack::segment {
  rte_mbuf* m = nullptr;  // the packet; nullptr once its payload was taken
  uint32_t hdr = 0;       // IPv4 + TCP header bytes in front of the payload
  four_tuple tuple;
  tcp_seq seq;
  tcp_seq ack;
  uint32_t wnd = 0;  // raw field
  uint32_t len = 0;  // payload bytes
  uint8_t flags = 0;
  tcp_options opt;

  bool has(uint8_t f) const { return (flags & f) != 0; }
  // SEG.LEN of RFC 9293: payload plus one for SYN and one for FIN.
  uint32_t seg_len() const { return len + (has(flag::syn) ? 1u : 0u) + (has(flag::fin) ? 1u : 0u); }
  rte_mbuf* take_payload() {
    rte_mbuf* p = chain_trim_front(m, hdr);
    m = nullptr;
    return p;
  }
};

namespace {

bool synchronized_can_receive(tcp_state s) {
  return s == tcp_state::established || s == tcp_state::fin_wait_1 || s == tcp_state::fin_wait_2;
}

constexpr uint64_t kPawsIdleNs = 24ULL * 24 * 3600 * 1'000'000'000;  // RFC 7323 5.5

}  // namespace

void stack::input_one(rte_mbuf* m) {
  counters_.add(tcp_counter::rx_segments);
  segment s;
  s.m = m;
  const uint8_t* ip = rte_pktmbuf_mtod(m, const uint8_t*);
  uint32_t l3 = m->l3_len;
  if (l3 == 0 && m->data_len >= kIpv4HeaderLen) l3 = (ip[0] & 0x0f) * 4u;
  if (l3 < kIpv4HeaderLen || m->data_len < l3 + kMinHeaderLen || m->pkt_len < l3 + kMinHeaderLen ||
      ip[9] != kIpProtoTcp) {
    counters_.add(tcp_counter::rx_malformed);
    rte_pktmbuf_free(m);
    return;
  }
  const uint8_t* th = ip + l3;
  const uint32_t th_len = (th[kOffDataOff] >> 4) * 4u;
  // Headers must sit in the first segment (every PMD here delivers them so).
  if (th_len < kMinHeaderLen || l3 + th_len > m->data_len) {
    counters_.add(tcp_counter::rx_malformed);
    rte_pktmbuf_free(m);
    return;
  }
  const uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
  if (ck == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
      (ck != RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
       (load_be16(ip + kIpOffTotalLen) != m->pkt_len ||
        !tcp_checksum_ok(m, reinterpret_cast<const rte_ipv4_hdr*>(ip), l3)))) {
    counters_.add(tcp_counter::rx_bad_checksum);
    rte_pktmbuf_free(m);
    return;
  }
  if (parse_options(th + kMinHeaderLen, th_len - kMinHeaderLen, s.opt) != option_status::ok) {
    counters_.add(tcp_counter::rx_bad_options);
    rte_pktmbuf_free(m);
    return;
  }
  s.hdr = l3 + th_len;
  s.len = m->pkt_len - s.hdr;
  s.tuple = four_tuple{load_be32(ip + kIpOffDst), load_be32(ip + kIpOffSrc), load_be16(th + kOffDstPort),
                       load_be16(th + kOffSrcPort)};
  s.seq = tcp_seq(load_be32(th + kOffSeq));
  s.ack = tcp_seq(load_be32(th + kOffAck));
  s.flags = th[kOffFlags];
  s.wnd = load_be16(th + kOffWindow);
  if ((s.has(flag::syn) && (s.has(flag::fin) || s.has(flag::rst))) || s.tuple.local_port == 0 ||
      s.tuple.remote_port == 0) {
    counters_.add(tcp_counter::rx_bad_flags);
    rte_pktmbuf_free(m);
    return;
  }

  const uint32_t i = lookup(s.tuple);
  if (i == kNoIndex) {
    if (is_listening(s.tuple.local_port)) {
      input_listen(s);
    } else {
      counters_.add(tcp_counter::rx_no_connection);
      if (!s.has(flag::rst)) send_rst_for(s);
    }
  } else {
    tcbs_[i].last_rx = now_;
    if (tcbs_[i].state == tcp_state::syn_sent)
      input_syn_sent(i, s);
    else
      input_synchronized(i, s);
  }
  if (s.m != nullptr) rte_pktmbuf_free(s.m);
}

// RFC 9293 3.10.7.1: a segment for no connection gets a RST that the sender
// will accept.
void stack::send_rst_for(const segment& s) {
  tcb& t = scratch_;
  t = tcb{};
  t.tuple = s.tuple;
  t.state = tcp_state::closed;
  counters_.add(tcp_counter::tx_rst);
  if (s.has(flag::ack)) {
    send_segment(t, s.ack, flag::rst, 0, 0);
  } else {
    t.rcv_nxt = s.seq + s.seg_len();
    send_segment(t, tcp_seq(0), flag::rst | flag::ack, 0, 0);
  }
}

void stack::apply_syn_options(tcb& t, const tcp_options& o, uint16_t peer_mss) {
  t.peer_mss = peer_mss < kMinMss ? kMinMss : peer_mss;
  t.ws_ok = cfg_.window_scaling && o.has_window_scale;
  if (t.ws_ok) {
    t.snd_wscale = o.window_scale;
    uint8_t sh = 0;
    while (sh < kMaxWindowScale && (uint64_t{65535} << sh) < cfg_.rcv_buf) ++sh;
    t.rcv_wscale = sh;
  } else {
    t.snd_wscale = t.rcv_wscale = 0;
  }
  t.ts_ok = cfg_.timestamps && o.has_timestamps;
  if (t.ts_ok) {
    t.ts_recent = o.ts_val;
    t.ts_recent_time = now_;
  }
  t.sack_ok = cfg_.sack && o.sack_permitted;
  t.ts_offset = timestamp_offset(cfg_.secret, t.tuple);
  uint32_t mss = std::min<uint32_t>(t.peer_mss, cfg_.mss_clamp);
  if (t.ts_ok) mss -= 12;  // the timestamp option rides in every segment
  t.mss = static_cast<uint16_t>(mss);
  // Initial window (RFC 6928): min(10 * MSS, max(2 * MSS, 14600)).
  t.cwnd = std::min<uint32_t>(10 * mss, std::max<uint32_t>(2 * mss, 14600));
  t.ssthresh = UINT32_MAX;
}

void stack::input_listen(segment& s) {
  if (s.has(flag::rst)) return;
  if (s.has(flag::ack)) {
    if (!s.has(flag::syn) && cfg_.syn_cookies && cookies_used_) {
      const uint32_t i = accept_cookie(s);
      if (i != kNoIndex) {
        if (tcbs_[i].state != tcp_state::closed) input_synchronized(i, s);
        return;
      }
    }
    counters_.add(tcp_counter::rx_no_connection);
    send_rst_for(s);
    return;
  }
  if (!s.has(flag::syn)) return;
  counters_.add(tcp_counter::syn_received);
  // Bounded half-open state: past the bound (or with a full table), answer
  // with a cookie instead of keeping anything.
  const bool table_full = free_head_ == kNoIndex && tw_head_ == kNoIndex;
  if (half_open_ >= cfg_.max_half_open || table_full) {
    if (cfg_.syn_cookies) {
      send_cookie_synack(s);
      return;
    }
    if (!table_full && ho_head_ != kNoIndex && now_ - tcbs_[ho_head_].born >= cfg_.half_open_evict_age_ns) {
      // No cookies: the oldest half-open entry gives way, if it had time to
      // complete (a real client answers within a round trip; a spoofed one never).
      const uint32_t old = ho_head_;
      counters_.add(tcp_counter::half_open_evicted);
      reset_connection(old, close_reason::timeout);
      free_tcb(old);
    } else {
      counters_.add(tcp_counter::syn_dropped_table_full);
      return;
    }
  }
  const uint32_t i = alloc_tcb(s.tuple);
  if (i == kNoIndex) {
    counters_.add(tcp_counter::syn_dropped_table_full);
    return;
  }
  tcb& t = tcbs_[i];
  t.state = tcp_state::syn_received;
  t.passive = true;
  t.born = now_;
  t.irs = s.seq;
  t.rcv_nxt = s.seq + 1;
  t.iss = tcp_seq(initial_sequence(cfg_.secret, s.tuple, now_));
  t.snd_una = t.snd_nxt = t.snd_max = t.iss;
  t.sq_seq = t.iss + 1;
  apply_syn_options(t, s.opt, s.opt.has_mss ? s.opt.mss : kDefaultMss);
  t.snd_wnd = s.wnd;  // never scaled in a SYN
  t.max_snd_wnd = t.snd_wnd;
  t.snd_wl1 = s.seq;
  t.snd_wl2 = t.iss;
  half_open_add(i);
  send_segment(t, t.iss, flag::syn | flag::ack, 0, 0);
  t.snd_nxt = t.snd_max = t.iss + 1;
  t.rtt_start = now_;
  start_rtx_timer(t);
}

void stack::send_cookie_synack(segment& s) {
  cookie_params p;
  p.mss = std::min<uint16_t>(s.opt.has_mss ? s.opt.mss : kDefaultMss, cfg_.mss_clamp);
  p.has_window_scale = s.opt.has_window_scale && cfg_.window_scaling;
  p.window_scale = s.opt.window_scale;
  p.sack_permitted = s.opt.sack_permitted && cfg_.sack;
  const uint32_t cookie = make_syn_cookie(cfg_.secret, s.tuple, s.seq.raw(), now_, p);
  tcb& t = scratch_;
  t = tcb{};
  t.tuple = s.tuple;
  t.state = tcp_state::syn_received;
  t.rcv_nxt = s.seq + 1;
  t.ws_ok = p.has_window_scale;
  t.sack_ok = p.sack_permitted;
  t.ts_ok = s.opt.has_timestamps && cfg_.timestamps;
  t.ts_recent = s.opt.ts_val;
  t.ts_offset = timestamp_offset(cfg_.secret, s.tuple);
  send_segment(t, tcp_seq(cookie), flag::syn | flag::ack, 0, 0);
  counters_.add(tcp_counter::syn_cookies_sent);
  cookies_used_ = true;
  last_cookie_ns_ = now_;
}

// A bare ACK to a listener: the third step of a cookie handshake, if the
// cookie verifies. Returns the new connection, or kNoIndex.
uint32_t stack::accept_cookie(segment& s) {
  if (now_ - last_cookie_ns_ > 2 * kCookiePeriodNs) return kNoIndex;
  cookie_params p;
  const uint32_t cookie = (s.ack - 1).raw();
  if (!check_syn_cookie(cfg_.secret, s.tuple, (s.seq - 1).raw(), cookie, now_, p)) {
    counters_.add(tcp_counter::syn_cookies_rejected);
    return kNoIndex;
  }
  const uint32_t i = alloc_tcb(s.tuple);
  if (i == kNoIndex) return kNoIndex;
  tcb& t = tcbs_[i];
  t.state = tcp_state::syn_received;
  t.passive = true;
  t.syn_cookie = true;
  t.irs = s.seq - 1;
  t.rcv_nxt = s.seq;
  t.iss = tcp_seq(cookie);
  t.snd_una = t.iss;
  t.snd_nxt = t.snd_max = t.iss + 1;
  t.sq_seq = t.iss + 1;
  tcp_options o;
  o.has_window_scale = p.has_window_scale;
  o.window_scale = p.window_scale;
  o.sack_permitted = p.sack_permitted;
  o.has_timestamps = s.opt.has_timestamps;
  o.ts_val = s.opt.ts_val;
  apply_syn_options(t, o, p.mss);
  t.rcv_adv = t.rcv_nxt + std::min<uint32_t>(cfg_.rcv_buf, 65535);
  t.snd_wl1 = s.seq - 1;  // let this ACK set the window
  t.snd_wl2 = t.iss;
  half_open_add(i);
  counters_.add(tcp_counter::syn_cookies_accepted);
  return i;
}

void stack::input_syn_sent(uint32_t i, segment& s) {
  tcb& t = tcbs_[i];
  if (s.has(flag::ack) && (s.ack <= t.iss || s.ack > t.snd_max)) {
    if (!s.has(flag::rst)) send_rst_for(s);
    return;
  }
  if (s.has(flag::rst)) {
    if (s.has(flag::ack)) {
      counters_.add(tcp_counter::rx_rst);
      reset_connection(i, close_reason::refused);
    }
    return;
  }
  if (!s.has(flag::syn)) return;
  t.irs = s.seq;
  t.rcv_nxt = s.seq + 1;
  apply_syn_options(t, s.opt, s.opt.has_mss ? s.opt.mss : kDefaultMss);
  t.rcv_adv = t.rcv_nxt + std::min<uint32_t>(cfg_.rcv_buf, 65535);
  t.snd_wnd = s.wnd;
  t.max_snd_wnd = t.snd_wnd;
  t.snd_wl1 = s.seq;
  t.snd_wl2 = s.ack;
  if (s.has(flag::ack)) {
    t.snd_una = s.ack;
    if (t.rtx_count == 0) t.rtt.sample(now_ - t.rtt_start);  // Karn: SYN was not repeated
    t.rtx_count = 0;
    t.rtx_deadline = kNever;
    t.state = t.fin_queued ? tcp_state::fin_wait_1 : tcp_state::established;
    t.ack_now = true;
    mark_pending(i);
    counters_.add(tcp_counter::conn_opened_active);
    if (cfg_.keepalive) {
      t.keepalive_deadline = now_ + cfg_.keepalive_idle_ns;
      arm(i);
    }
    if (ev_.connected != nullptr) ev_.connected(ev_.ctx, i);
    return;
  }
  // Simultaneous open (RFC 9293 3.5, figure 8).
  t.state = tcp_state::syn_received;
  half_open_add(i);
  send_segment(t, t.iss, flag::syn | flag::ack, 0, 0);
}

void stack::update_ts_recent(tcb& t, const segment& s) {
  // RFC 7323 4.3 (3): TS.Recent from a segment covering Last.ACK.sent.
  if (t.ts_ok && s.opt.has_timestamps && s.seq <= t.last_ack_sent &&
      (int32_t)(s.opt.ts_val - t.ts_recent) >= 0) {
    t.ts_recent = s.opt.ts_val;
    t.ts_recent_time = now_;
  }
}

void stack::input_synchronized(uint32_t i, segment& s) {
  tcb& t = tcbs_[i];

  if (t.state == tcp_state::time_wait && s.has(flag::syn) && !s.has(flag::ack) && !s.has(flag::rst)) {
    // RFC 6191 / RFC 1122 4.2.2.13: a new incarnation may reuse the tuple when
    // its SYN is beyond the old one's sequence space (or newer timestamps).
    const bool newer =
        s.seq > t.rcv_nxt || (t.ts_ok && s.opt.has_timestamps && (int32_t)(s.opt.ts_val - t.ts_recent) > 0);
    if (newer && is_listening(t.tuple.local_port)) {
      counters_.add(tcp_counter::time_wait_reopened);
      time_wait_end(i);
      input_listen(s);
      return;
    }
  }
  if (t.state == tcp_state::syn_received && s.has(flag::syn) && !s.has(flag::ack) && s.seq == t.irs) {
    // Our SYN-ACK was lost: say it again.
    counters_.add(tcp_counter::retransmit_syn);
    send_segment(t, t.iss, flag::syn | flag::ack, 0, 0);
    return;
  }

  // PAWS (RFC 7323 5.3).
  if (t.ts_ok && s.opt.has_timestamps && !s.has(flag::rst) && (int32_t)(s.opt.ts_val - t.ts_recent) < 0 &&
      now_ - t.ts_recent_time < kPawsIdleNs) {
    counters_.add(tcp_counter::rx_paws_rejected);
    t.ack_now = true;
    mark_pending(i);
    return;
  }

  // Sequence acceptability (RFC 9293 3.10.7.4, first check).
  const uint32_t wnd = t.rcv_adv > t.rcv_nxt ? static_cast<uint32_t>(t.rcv_adv - t.rcv_nxt) : 0;
  const uint32_t sl = s.seg_len();
  bool ok;
  if (sl == 0)
    ok = wnd == 0 ? s.seq == t.rcv_nxt : seq_in(s.seq, t.rcv_nxt, t.rcv_nxt + wnd);
  else
    ok = wnd != 0 &&
         (seq_in(s.seq, t.rcv_nxt, t.rcv_nxt + wnd) || seq_in(s.seq + (sl - 1), t.rcv_nxt, t.rcv_nxt + wnd));
  if (!ok) {
    // A window probe or a keepalive lands here too: the ACK answers it.
    if (s.has(flag::rst)) {
      counters_.add(tcp_counter::rx_rst_ignored);
      return;
    }
    counters_.add(tcp_counter::rx_out_of_window);
    // RFC 5961 5.2 lets a segment with an acceptable ACK still move SND.UNA
    // (e.g. a window update at a zero receive window): take the ACK part.
    if (s.has(flag::ack) && sl == 0 && wnd == 0 && synchronized_can_receive(t.state)) process_ack(i, s);
    if (t.state != tcp_state::closed) {
      t.ack_now = true;
      mark_pending(i);
    }
    return;
  }

  // RST (RFC 5961 3.2): exact match resets, otherwise a challenge ACK.
  if (s.has(flag::rst)) {
    if (s.seq != t.rcv_nxt) {
      send_challenge_ack(t);
      return;
    }
    counters_.add(tcp_counter::rx_rst);
    if (t.state == tcp_state::syn_received && t.passive && !t.app_visible) {
      half_open_remove(i);
      hash_remove(i);
      t.state = tcp_state::closed;
      mark_pending(i);
      return;
    }
    if (t.state == tcp_state::time_wait) {
      // RFC 1337: do not let a RST end TIME-WAIT early.
      return;
    }
    reset_connection(i, t.state == tcp_state::syn_received ? close_reason::refused : close_reason::reset);
    return;
  }

  // SYN in a synchronized state (RFC 5961 4.2): challenge ACK.
  if (s.has(flag::syn)) {
    send_challenge_ack(t);
    return;
  }
  if (!s.has(flag::ack)) return;

  update_ts_recent(t, s);

  if (t.state == tcp_state::syn_received) {
    if (!(t.snd_una < s.ack && s.ack <= t.snd_max)) {
      send_rst_for(s);
      return;
    }
    half_open_remove(i);
    t.state = t.fin_queued ? tcp_state::fin_wait_1 : tcp_state::established;
    if (t.rtx_count == 0 && !t.syn_cookie) t.rtt.sample(now_ - t.rtt_start);
    t.rtx_count = 0;
    t.rtx_deadline = kNever;
    t.snd_una = s.ack;
    t.snd_wnd = s.wnd << t.snd_wscale;
    t.max_snd_wnd = std::max(t.max_snd_wnd, t.snd_wnd);
    t.snd_wl1 = s.seq;
    t.snd_wl2 = s.ack;
    t.app_visible = true;
    if (t.passive) {
      counters_.add(tcp_counter::conn_opened_passive);
      if (ev_.accepted != nullptr && !ev_.accepted(ev_.ctx, i)) {
        counters_.add(tcp_counter::app_refused);
        t.closed_notified = true;
        if (t.state != tcp_state::closed) {
          send_rst(t);
          reset_connection(i, close_reason::aborted);
        }
        return;
      }
    } else {
      counters_.add(tcp_counter::conn_opened_active);
      if (ev_.connected != nullptr) ev_.connected(ev_.ctx, i);
    }
    if (t.state == tcp_state::closed) return;
    if (cfg_.keepalive) {
      t.keepalive_deadline = now_ + cfg_.keepalive_idle_ns;
      arm(i);
    }
    mark_pending(i);
  } else if (!process_ack(i, s)) {
    return;
  }
  if (t.state == tcp_state::closed) return;

  // Segment text.
  if (s.len > 0) process_data(i, s);
  if (t.state == tcp_state::closed) return;

  // FIN: only once everything before it arrived.
  if (s.has(flag::fin)) {
    const tcp_seq fin_at = s.seq + s.len;
    if (fin_at == t.rcv_nxt) {
      process_fin(i);
    } else if (fin_at > t.rcv_nxt && !t.fin_pending) {
      t.fin_pending = true;
      t.fin_seq = fin_at;
    }
  }
  if (t.fin_pending && t.rcv_nxt == t.fin_seq && !t.peer_fin_seen && t.state != tcp_state::closed) {
    process_fin(i);
  }
}

void stack::sack_update(tcb& t, const tcp_options& o) {
  for (unsigned k = 0; k < o.sack_count; ++k) {
    const sack_block& b = o.sack[k];
    // Ignore D-SACK (below SND.UNA) and anything not sent.
    if (!(b.left < b.right) || b.right <= t.snd_una || b.right > t.snd_max) continue;
    counters_.add(tcp_counter::rx_sack_blocks);
    t.sacks.add(seq_max(b.left, t.snd_una), b.right);
  }
}

void stack::enter_recovery(tcb& t) {
  counters_.add(tcp_counter::recovery_entered);
  const uint32_t flight = static_cast<uint32_t>(t.snd_max - t.snd_una);
  t.ssthresh = std::max<uint32_t>(flight / 2, 2u * t.mss);
  t.recover = t.snd_max;
  t.in_recovery = true;
  t.rtt_timing = false;
  t.cwnd = t.sack_ok ? t.ssthresh : t.ssthresh + 3u * t.mss;
  // Retransmit the first unacknowledged segment now (RFC 5681 3.2 step 2).
  const tcp_seq data_end = t.sq_seq + t.send_q.bytes();
  if (t.snd_una < data_end) {
    const uint32_t len = std::min<uint32_t>(
        t.mss, static_cast<uint32_t>(t.sacks.next_block_after(t.snd_una, data_end) - t.snd_una));
    if (send_segment(t, t.snd_una, flag::ack, static_cast<uint32_t>(t.snd_una - t.sq_seq), len)) {
      counters_.add(tcp_counter::retransmit_fast);
      t.rtx_next = t.snd_una + len;
    }
  } else {
    t.rtx_next = t.snd_una;
  }
}

// The ACK field (RFC 9293 3.10.7.4 fifth check). False: drop the segment.
bool stack::process_ack(uint32_t i, segment& s) {
  tcb& t = tcbs_[i];
  if (s.ack > t.snd_max) {
    counters_.add(tcp_counter::rx_ack_too_new);
    t.ack_now = true;
    mark_pending(i);
    return false;
  }
  const uint32_t max_wnd = std::max<uint32_t>(t.max_snd_wnd, 65535);
  if (s.ack < t.snd_una - max_wnd) {  // RFC 5961 5.2: too old to be real
    t.ack_now = true;
    mark_pending(i);
    return false;
  }
  if (t.sack_ok && s.opt.sack_count > 0) sack_update(t, s.opt);
  const uint32_t new_wnd = s.wnd << t.snd_wscale;

  if (s.ack > t.snd_una) {
    const auto acked = static_cast<uint32_t>(s.ack - t.snd_una);
    // RTT: timestamps echo (RFC 7323 4.1), else the timed segment (Karn).
    if (t.ts_ok && s.opt.has_timestamps && s.opt.ts_ecr != 0) {
      const uint32_t ms = ts_now(t) - s.opt.ts_ecr;
      if (ms < 60'000) t.rtt.sample(uint64_t{ms} * 1'000'000);
    } else if (t.rtt_timing && s.ack >= t.rtt_seq) {
      t.rtt.sample(now_ - t.rtt_start);
      t.rtt_timing = false;
    }
    const tcp_seq data_end = t.sq_seq + t.send_q.bytes();
    const tcp_seq data_acked_to = seq_min(s.ack, data_end);
    if (data_acked_to > t.sq_seq) {
      const auto n = static_cast<uint32_t>(data_acked_to - t.sq_seq);
      t.send_q.ack(n);
      t.sq_seq += n;
    }
    t.snd_una = s.ack;
    if (t.snd_nxt < t.snd_una) t.snd_nxt = t.snd_una;
    t.sacks.drop_below(t.snd_una);
    t.rtx_count = 0;
    t.persist_count = 0;

    if (t.in_recovery) {
      if (s.ack >= t.recover) {  // full ACK (RFC 6582 3.2 step 3)
        t.in_recovery = false;
        t.dupacks = 0;
        const uint32_t flight = static_cast<uint32_t>(t.snd_max - t.snd_una);
        t.cwnd = std::min<uint32_t>(t.ssthresh, std::max<uint32_t>(flight, t.mss) + t.mss);
      } else if (!t.sack_ok) {  // partial ACK: NewReno retransmits the next hole
        const tcp_seq de = t.sq_seq + t.send_q.bytes();
        if (t.snd_una < de) {
          const uint32_t len = std::min<uint32_t>(t.mss, static_cast<uint32_t>(de - t.snd_una));
          if (send_segment(t, t.snd_una, flag::ack, 0, len)) counters_.add(tcp_counter::retransmit_fast);
        }
        t.cwnd = (t.cwnd > acked ? t.cwnd - acked : 0) + t.mss;
      } else if (t.rtx_next < t.snd_una) {
        t.rtx_next = t.snd_una;
      }
    } else {
      t.dupacks = 0;
      if (t.cwnd < t.ssthresh) {
        t.cwnd += std::min<uint32_t>(acked, 2u * t.mss);  // slow start, L = 2 (RFC 3465)
      } else {
        t.bytes_acked_ca += acked;
        if (t.bytes_acked_ca >= t.cwnd) {
          t.bytes_acked_ca -= t.cwnd;
          t.cwnd += t.mss;
        }
      }
      const uint32_t cap = cfg_.snd_buf + 4u * t.mss;
      if (t.cwnd > cap) t.cwnd = cap;
    }
    // RFC 6298 5.2 / 5.3.
    t.rtx_deadline = t.snd_una == t.snd_max ? kNever : now_ + t.rtt.rto();
    if (t.rtx_deadline != kNever) arm(i);

    // Our FIN acknowledged?
    if (t.fin_sent && t.snd_una == t.snd_max) {
      switch (t.state) {
        case tcp_state::fin_wait_1:
          t.state = tcp_state::fin_wait_2;
          if (t.app_closed) {
            t.linger_deadline = now_ + cfg_.fin_wait_2_ns;
            arm(i);
          }
          break;
        case tcp_state::closing:
          counters_.add(tcp_counter::conn_closed);
          app_close_event(i, close_reason::normal);
          if (t.state == tcp_state::closing) enter_time_wait(i);
          return false;
        case tcp_state::last_ack:
          reset_connection(i, close_reason::normal);
          return false;
        default:
          break;
      }
    }
    mark_pending(i);
  } else if (s.ack == t.snd_una && s.len == 0 && !s.has(flag::fin) && new_wnd == t.snd_wnd &&
             t.snd_max > t.snd_una) {
    // Duplicate ACK (RFC 5681 2).
    counters_.add(tcp_counter::rx_dup_acks);
    ++t.dupacks;
    if (!t.in_recovery && t.snd_una >= t.recover - 0 &&
        (t.dupacks == 3 || (t.sack_ok && t.sacks.bytes() > 2u * t.mss))) {
      enter_recovery(t);
    } else if (t.in_recovery && !t.sack_ok) {
      t.cwnd += t.mss;  // inflation
    }
    mark_pending(i);
  }

  // Window update (RFC 9293 3.10.7.4: SND.WL1 / SND.WL2 rule).
  if (t.snd_wl1 < s.seq || (t.snd_wl1 == s.seq && t.snd_wl2 <= s.ack)) {
    const bool opened = t.snd_wnd == 0 && new_wnd > 0;
    t.snd_wnd = new_wnd;
    t.snd_wl1 = s.seq;
    t.snd_wl2 = s.ack;
    t.max_snd_wnd = std::max(t.max_snd_wnd, new_wnd);
    if (opened) {
      t.persist_deadline = kNever;
      t.persist_count = 0;
      mark_pending(i);
    }
  }
  maybe_writable(i);
  return t.state != tcp_state::closed;
}

void stack::deliver(uint32_t i, rte_mbuf* chain, uint32_t len) {
  tcb& t = tcbs_[i];
  t.rcv_unconsumed += len;
  const uint32_t used = ev_.data(ev_.ctx, i, chain);
  if (t.in_use && t.state != tcp_state::closed)
    t.rcv_unconsumed -= std::min(used, std::min(len, t.rcv_unconsumed));
}

void stack::process_data(uint32_t i, segment& s) {
  tcb& t = tcbs_[i];
  if (!synchronized_can_receive(t.state)) return;  // after the peer's FIN: ignore
  if (t.app_closed) {
    // Nobody will read it: tell the peer (RFC 2525 2.17, what Linux does).
    counters_.add(tcp_counter::rx_data_after_close);
    send_rst(t);
    reset_connection(i, close_reason::aborted);
    return;
  }
  tcp_seq seq = s.seq;
  uint32_t len = s.len;
  rte_mbuf* p = s.take_payload();
  if (seq < t.rcv_nxt) {
    const auto cut = static_cast<uint32_t>(t.rcv_nxt - seq);
    counters_.add(tcp_counter::rx_duplicate_data, std::min(cut, len));
    if (cut >= len) {
      rte_pktmbuf_free(p);
      t.ack_now = true;
      mark_pending(i);
      return;
    }
    p = chain_trim_front(p, cut);
    seq = t.rcv_nxt;
    len -= cut;
  }
  const tcp_seq edge = seq_max(t.rcv_adv, t.rcv_nxt);
  if (seq + len > edge) {
    counters_.add(tcp_counter::rx_beyond_window_trimmed);
    s.flags = static_cast<uint8_t>(s.flags & ~flag::fin);  // the FIN is beyond the window too
    const uint32_t keep = edge > seq ? static_cast<uint32_t>(edge - seq) : 0;
    if (keep == 0) {
      rte_pktmbuf_free(p);
      t.ack_now = true;
      mark_pending(i);
      return;
    }
    chain_keep_front(p, keep);
    len = keep;
  }
  s.len = len;
  s.seq = seq;
  if (seq == t.rcv_nxt) {
    t.rcv_nxt += len;
    const bool had_gap = t.reass.head != kNoNode;
    if (had_gap) {
      uint32_t more = 0;
      rte_mbuf* rest = reass_.pop_in_order(t.reass, t.rcv_nxt, more);
      if (rest != nullptr) {
        chain_append(p, rest);
        t.rcv_nxt += more;
        len += more;
      }
      t.ack_now = true;  // RFC 5681 4.2: ACK at once when filling a gap
    } else if (++t.segs_unacked >= 2) {
      t.ack_now = true;
    } else {
      t.ack_delayed = true;
    }
    mark_pending(i);
    deliver(i, p, len);
  } else {
    const auto r = reass_.insert(t.reass, seq, len, p, cfg_.reassembly_max_segments, cfg_.rcv_buf);
    counters_.add(r == reassembly_pool::insert_result::over_bound ? tcp_counter::rx_ooo_dropped
                                                                  : tcp_counter::rx_ooo_queued);
    t.ack_now = true;  // duplicate ACK with SACK at once (RFC 5681 4.2)
    mark_pending(i);
  }
}

void stack::process_fin(uint32_t i) {
  tcb& t = tcbs_[i];
  if (t.peer_fin_seen) return;
  t.peer_fin_seen = true;
  t.fin_pending = false;
  t.rcv_nxt += 1;
  t.ack_now = true;
  mark_pending(i);
  const bool tell = t.app_visible && !t.app_closed && ev_.peer_closed != nullptr;
  switch (t.state) {
    case tcp_state::syn_received:
    case tcp_state::established:
      t.state = tcp_state::close_wait;
      break;
    case tcp_state::fin_wait_1:
      t.state = tcp_state::closing;
      break;
    case tcp_state::fin_wait_2:
      send_ack(t);  // the last ACK, before the entry turns into TIME-WAIT
      if (tell) ev_.peer_closed(ev_.ctx, i);
      if (t.state != tcp_state::fin_wait_2) return;
      counters_.add(tcp_counter::conn_closed);
      app_close_event(i, close_reason::normal);
      if (t.state == tcp_state::fin_wait_2) enter_time_wait(i);
      return;
    default:
      return;
  }
  if (tell) ev_.peer_closed(ev_.ctx, i);
}

}  // namespace sstpgw::tcp
