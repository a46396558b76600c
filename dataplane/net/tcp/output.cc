// Segment output (RFC 9293 3.8, 3.10.7; RFC 5681 / 6582 / 6675 for what to
// send in recovery): decides what each pending connection sends, builds IPv4 +
// TCP headers in a fresh mbuf per packet_io.hh, attaches the payload by
// reference (indirect mbufs on the send queue) or copies small slices, and
// queues packets for the burst sink.
#include <rte_ip.h>

#include <algorithm>
#include <cstring>

#include "dataplane/common/byte_order.hh"
#include "dataplane/net/tcp/checksum.hh"
#include "dataplane/net/tcp/stack.hh"

namespace sstpgw::tcp {

namespace {

// Payload at or below this is copied into the header mbuf; above it, sliced
// by reference. A copy of a few hundred bytes costs less than an indirect
// mbuf's allocation and refcount traffic.
constexpr uint32_t kCopyMax = 256;
// A slice spanning more queued segments than this is copied when it fits.
constexpr uint32_t kMaxPieces = 4;

// Sum (folded, in memory word order) of the chain's bytes from `skip` on;
// pieces that start at an odd offset of the summed stream are byte-swapped.
uint16_t chain_sum(const rte_mbuf* m, uint32_t skip) {
  uint32_t sum = 0, pos = 0;
  for (const rte_mbuf* s = m; s != nullptr; s = s->next) {
    uint32_t len = s->data_len;
    if (skip >= len) {
      skip -= len;
      continue;
    }
    const uint8_t* p = rte_pktmbuf_mtod_offset(s, const uint8_t*, skip);
    len -= skip;
    skip = 0;
    uint32_t part = net::raw_sum(p, len);
    if (pos & 1) part = ((part & 0xff) << 8) | (part >> 8);
    sum += part;
    pos += len;
  }
  return net::fold_sum(sum);
}

uint16_t swap16(uint16_t v) { return static_cast<uint16_t>((v << 8) | (v >> 8)); }

uint32_t sum32(uint32_t v) { return (v >> 16) + (v & 0xffff); }

uint8_t window_shift_for(uint32_t buf) {
  uint8_t s = 0;
  while (s < kMaxWindowScale && (uint64_t{65535} << s) < buf) ++s;
  return s;
}

}  // namespace

void stack::mark_pending(uint32_t i) {
  tcb& t = tcbs_[i];
  if (t.in_pending) return;
  t.in_pending = true;
  t.pending_next = kNoIndex;
  if (pending_tail_ != kNoIndex)
    tcbs_[pending_tail_].pending_next = i;
  else
    pending_head_ = i;
  pending_tail_ = i;
}

void stack::flush_pending() {
  while (pending_head_ != kNoIndex) {
    const uint32_t i = pending_head_;
    tcb& t = tcbs_[i];
    pending_head_ = t.pending_next;
    if (pending_head_ == kNoIndex) pending_tail_ = kNoIndex;
    t.in_pending = false;
    t.pending_next = kNoIndex;
    if (!t.in_use) continue;
    if (t.state == tcp_state::closed) {
      free_tcb(i);
      continue;
    }
    output(i);
  }
}

uint32_t stack::ts_now(const tcb& t) const { return static_cast<uint32_t>(now_ / 1'000'000) + t.ts_offset; }

// The window to advertise: free buffer space, never shrinking the right edge
// already advertised (RFC 9293 3.8.6.2.2), and growing only by a useful amount
// (receiver-side silly window avoidance).
uint32_t stack::rcv_window(tcb& t) {
  const uint32_t used = t.rcv_unconsumed + t.reass.bytes;
  uint32_t space = cfg_.rcv_buf > used ? cfg_.rcv_buf - used : 0;
  const uint32_t max_wnd = 65535u << t.rcv_wscale;
  if (space > max_wnd) space = max_wnd;
  const uint32_t cur = t.rcv_adv > t.rcv_nxt ? static_cast<uint32_t>(t.rcv_adv - t.rcv_nxt) : 0;
  const uint32_t step = std::min<uint32_t>(cfg_.rcv_buf / 2, t.mss);
  if (space <= cur || space - cur < step) return cur;
  // Round down to what the scaled field can say.
  return (space >> t.rcv_wscale) << t.rcv_wscale;
}

bool stack::wants_window_update(tcb& t) {
  if (t.state != tcp_state::established && t.state != tcp_state::fin_wait_1 &&
      t.state != tcp_state::fin_wait_2)
    return false;
  const uint32_t cur = t.rcv_adv > t.rcv_nxt ? static_cast<uint32_t>(t.rcv_adv - t.rcv_nxt) : 0;
  const uint32_t wnd = rcv_window(t);
  if (wnd <= cur) return false;
  const uint32_t grow = wnd - cur;
  return grow >= 2u * t.mss || grow >= cfg_.rcv_buf / 2 || cur < t.mss;
}

// Pipe (RFC 6675 2): bytes believed in flight during SACK recovery: what was
// sent above the highest SACKed byte, plus holes already retransmitted.
uint32_t stack::pipe(const tcb& t) const {
  const tcp_seq fack = t.sacks.highest(t.snd_una);
  uint32_t p = t.snd_max > fack ? static_cast<uint32_t>(t.snd_max - fack) : 0;
  if (t.rtx_next > t.snd_una) {
    const tcp_seq upto = seq_min(t.rtx_next, fack);
    if (upto > t.snd_una) p += static_cast<uint32_t>(upto - t.snd_una) - t.sacks.bytes_below(upto);
  }
  return p;
}

void stack::start_rtx_timer(tcb& t) {
  if (t.rtx_deadline == kNever) {
    t.rtx_deadline = now_ + t.rtt.rto();
    arm(static_cast<uint32_t>(&t - tcbs_.data()));
  }
}

void stack::output(uint32_t i) {
  tcb& t = tcbs_[i];
  switch (t.state) {
    case tcp_state::syn_sent:
      if (t.snd_max == t.iss) {  // SYN not sent yet
        send_segment(t, t.iss, flag::syn, 0, 0);
        t.snd_nxt = t.snd_max = t.iss + 1;
        t.rtt_start = now_;
        start_rtx_timer(t);
      }
      return;
    case tcp_state::syn_received:
    case tcp_state::time_wait:
      if (t.ack_now && t.state == tcp_state::time_wait) send_ack(t);
      return;
    case tcp_state::closed:
    case tcp_state::listen:
      return;
    default:
      break;
  }
  bool sent = false;
  const tcp_seq data_end = t.sq_seq + t.send_q.bytes();

  // 1. SACK recovery: retransmit holes below the highest SACKed byte while
  //    the pipe allows (RFC 6675 NextSeg rule 1).
  if (t.in_recovery && t.sack_ok) {
    const tcp_seq fack = t.sacks.highest(t.snd_una);
    while (pipe(t) + t.mss <= t.cwnd + (t.cwnd < t.mss ? t.mss : 0)) {
      tcp_seq s = seq_max(t.rtx_next, t.snd_una);
      s = t.sacks.skip(s);
      if (!(s < fack) || !(s < data_end)) break;
      const tcp_seq hole_end = seq_min(t.sacks.next_block_after(s, fack), data_end);
      uint32_t len = static_cast<uint32_t>(hole_end - s);
      if (len > t.mss) len = t.mss;
      if (!send_segment(t, s, flag::ack, static_cast<uint32_t>(s - t.sq_seq), len)) break;
      counters_.add(tcp_counter::retransmit_fast);
      t.rtx_next = s + len;
      sent = true;
    }
  }

  // 2. New data, or data again after a timeout (snd_nxt < snd_max).
  for (;;) {
    if (t.sack_ok && t.snd_nxt < t.snd_max) t.snd_nxt = seq_min(t.sacks.skip(t.snd_nxt), t.snd_max);
    if (!(t.snd_nxt < data_end)) break;
    const uint32_t avail = static_cast<uint32_t>(data_end - t.snd_nxt);
    const uint32_t flight =
        (t.in_recovery && t.sack_ok) ? pipe(t) : static_cast<uint32_t>(t.snd_nxt - t.snd_una);
    const tcp_seq wnd_edge = t.snd_una + t.snd_wnd;
    const uint32_t by_wnd = wnd_edge > t.snd_nxt ? static_cast<uint32_t>(wnd_edge - t.snd_nxt) : 0;
    const uint32_t by_cwnd = t.cwnd > flight ? t.cwnd - flight : 0;
    uint32_t len = std::min({avail, static_cast<uint32_t>(t.mss), by_wnd, by_cwnd});
    if (len == 0) {
      if (by_wnd == 0 && t.snd_una == t.snd_max && t.persist_deadline == kNever) {
        t.persist_deadline = now_ + t.rtt.rto();  // zero window: probe it
        arm(i);
      }
      break;
    }
    const bool idle = t.snd_una == t.snd_max;
    if (len < t.mss && !idle) {
      // Sender silly window avoidance and Nagle (RFC 9293 3.8.6.2.1, 3.7.4).
      const bool tail = len == avail;
      const bool big = len >= t.max_snd_wnd / 2 && t.max_snd_wnd > 0;
      if (!(tail && cfg_.nodelay) && !big) break;
    }
    uint8_t flags = flag::ack;
    if (len == avail) flags |= flag::psh;
    const bool with_fin = t.fin_queued && len == avail;
    if (with_fin) flags |= flag::fin;
    const bool retransmit = t.snd_nxt < t.snd_max;
    if (!send_segment(t, t.snd_nxt, flags, static_cast<uint32_t>(t.snd_nxt - t.sq_seq), len)) break;
    if (retransmit) counters_.add(tcp_counter::retransmit_timeout);
    t.snd_nxt += len + (with_fin ? 1u : 0u);
    if (with_fin) t.fin_sent = true;
    t.snd_max = seq_max(t.snd_max, t.snd_nxt);
    sent = true;
    if (t.persist_deadline != kNever) t.persist_deadline = kNever;
  }

  // 3. A FIN on its own (nothing left to send, FIN not in flight).
  if (t.fin_queued && t.snd_nxt == data_end) {
    const bool retransmit = t.fin_sent;
    if (send_segment(t, t.snd_nxt, flag::fin | flag::ack, 0, 0)) {
      if (retransmit) counters_.add(tcp_counter::retransmit_timeout);
      t.snd_nxt += 1;
      t.fin_sent = true;
      t.snd_max = seq_max(t.snd_max, t.snd_nxt);
      sent = true;
    }
  }

  if (t.snd_una != t.snd_max) start_rtx_timer(t);

  // 4. The ACK we owe, if nothing above carried it.
  if (!sent) {
    if (t.ack_now) {
      send_ack(t);
    } else if (t.ack_delayed && t.delack_deadline == kNever) {
      t.delack_deadline = now_ + cfg_.delayed_ack_ns;
      arm(i);
    }
  }
}

// Builds one segment for t: seq, flags, and len payload bytes taken from the
// send queue at data_off. SYN segments carry the handshake options.
bool stack::send_segment(tcb& t, tcp_seq seq, uint8_t flags, uint32_t data_off, uint32_t len) {
  rte_mbuf* m = alloc_header();
  if (m == nullptr) {
    counters_.add(tcp_counter::tx_alloc_failed);
    return false;
  }
  const bool syn = flags & flag::syn;
  option_request req;
  sack_block blocks[kMaxSackBlocks];
  if (syn) {
    req.syn = true;
    req.mss = cfg_.mss_clamp;
    const bool offer = t.state == tcp_state::syn_sent;  // SYN: offer all we support
    req.window_scale = offer ? cfg_.window_scaling : t.ws_ok;
    if (req.window_scale) {
      t.rcv_wscale = window_shift_for(cfg_.rcv_buf);
      req.window_scale_shift = t.rcv_wscale;
    }
    req.sack_permitted = offer ? cfg_.sack : t.sack_ok;
    req.timestamps = offer ? cfg_.timestamps : t.ts_ok;
  } else {
    req.timestamps = t.ts_ok;
    if (t.sack_ok && (flags & flag::ack) && t.reass.head != kNoNode) {
      req.sack_count = static_cast<uint8_t>(reass_.sack_blocks(t.reass, blocks, kMaxSackBlocks));
      req.sack = blocks;
    }
  }
  req.ts_val = ts_now(t);
  req.ts_ecr = (flags & flag::ack) ? t.ts_recent : 0;
  uint8_t opts[kMaxOptionsLen];
  auto optlen = static_cast<uint32_t>(write_options(req, opts));
  // Options and data together must fit the peer's MSS (RFC 9293 3.7.1: the
  // effective send MSS counts TCP options). t.mss already leaves room for the
  // timestamp option only; a data segment carries as many SACK blocks as the
  // data leaves room for (RFC 2018: as many as fit), most recent first, or a
  // full segment would outgrow the MTU and be dropped (DF set).
  if (len > 0 && req.sack_count > 0) {
    const uint32_t room = t.mss + (t.ts_ok ? 12u : 0u);  // NOP NOP TS: 12 bytes (input.cc)
    while (req.sack_count > 0 && optlen + len > room) {
      --req.sack_count;
      optlen = static_cast<uint32_t>(write_options(req, opts));
    }
  }
  const uint32_t th_len = kMinHeaderLen + optlen;

  // The window: unscaled in SYNs (RFC 7323 2.2).
  uint32_t wnd;
  uint16_t wnd_field;
  if (syn) {
    wnd = std::min<uint32_t>(cfg_.rcv_buf, 65535);
    wnd_field = static_cast<uint16_t>(wnd);
  } else {
    wnd = rcv_window(t);
    wnd_field = static_cast<uint16_t>(std::min<uint32_t>(wnd >> t.rcv_wscale, 65535));
    wnd = uint32_t{wnd_field} << t.rcv_wscale;
  }

  uint8_t* p =
      reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(kIpv4HeaderLen + th_len)));
  if (p == nullptr) {
    rte_pktmbuf_free(m);
    counters_.add(tcp_counter::tx_alloc_failed);
    return false;
  }
  if (len > 0) {
    uint32_t in_seg = 0;
    rte_mbuf* seg = t.send_q.locate(data_off, in_seg);
    // Count the pieces the slice spans.
    uint32_t pieces = 0;
    {
      uint32_t left = len, off = in_seg;
      for (rte_mbuf* s = seg; s != nullptr && left > 0; s = s->next, off = 0) {
        const uint32_t n = std::min<uint32_t>(s->data_len - off, left);
        left -= n;
        ++pieces;
      }
    }
    const bool copy = (len <= kCopyMax || pieces > kMaxPieces) && rte_pktmbuf_tailroom(m) >= len;
    if (copy) {
      uint8_t* dst = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(len)));
      t.send_q.copy_out(data_off, len, dst);
    } else {
      rte_mbuf* last = m;
      uint32_t left = len;
      for (rte_mbuf* s = seg; left > 0; s = s->next, in_seg = 0) {
        rte_mbuf* mi = alloc_indirect();
        if (mi == nullptr) {
          rte_pktmbuf_free(m);
          counters_.add(tcp_counter::tx_alloc_failed);
          return false;
        }
        rte_pktmbuf_attach(mi, s);
        const uint32_t n = std::min<uint32_t>(s->data_len - in_seg, left);
        mi->data_off = static_cast<uint16_t>(mi->data_off + in_seg);
        mi->data_len = static_cast<uint16_t>(n);
        mi->pkt_len = n;
        mi->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
        last->next = mi;
        last = mi;
        m->nb_segs = static_cast<uint16_t>(m->nb_segs + 1);
        m->pkt_len += n;
        left -= n;
      }
    }
  }

  // IPv4 header (packet_io.hh: complete, DF, TTL, ID, total length).
  const uint32_t total = m->pkt_len;
  p[0] = 0x45;
  p[1] = 0;
  store_be16(p + kIpOffTotalLen, static_cast<uint16_t>(total));
  const uint16_t ip_id = ip_id_++;
  store_be16(p + 4, ip_id);
  store_be16(p + 6, 0x4000);
  p[8] = cfg_.ttl;
  p[9] = kIpProtoTcp;
  store_be16(p + 10, 0);
  store_be32(p + kIpOffSrc, t.tuple.local_ip);
  store_be32(p + kIpOffDst, t.tuple.remote_ip);
  // TCP header.
  uint8_t* th = p + kIpv4HeaderLen;
  store_be16(th + kOffSrcPort, t.tuple.local_port);
  store_be16(th + kOffDstPort, t.tuple.remote_port);
  store_be32(th + kOffSeq, seq.raw());
  store_be32(th + kOffAck, (flags & flag::ack) ? t.rcv_nxt.raw() : 0);
  th[kOffDataOff] = static_cast<uint8_t>((th_len / 4) << 4);
  th[kOffFlags] = flags;
  store_be16(th + kOffWindow, wnd_field);
  store_be16(th + kOffChecksum, 0);
  store_be16(th + kOffUrgent, 0);
  std::memcpy(th + kMinHeaderLen, opts, optlen);
  m->l3_len = kIpv4HeaderLen;
  m->l4_len = th_len;
  auto* ip = reinterpret_cast<rte_ipv4_hdr*>(p);
  if (cfg_.tx_checksum_offload) {
    m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
    const uint16_t ph = rte_ipv4_phdr_cksum(ip, m->ol_flags);  // network order
    std::memcpy(th + kOffChecksum, &ph, 2);
  } else {
    // Both header sums from the values just stored, in host order, not read
    // back from the mbuf: a wide load over a header written a field at a
    // time cannot take its bytes from the store buffer and waits until every
    // store reached the cache (perf_worker's profile showed that wait as a
    // third of send_segment). Options and payload are summed from memory.
    const uint32_t addrs = sum32(t.tuple.local_ip) + sum32(t.tuple.remote_ip);
    const uint32_t ip_sum = 0x4500u + total + ip_id + 0x4000u + (uint32_t{cfg_.ttl} << 8 | kIpProtoTcp) + addrs;
    store_be16(p + 10, static_cast<uint16_t>(~net::fold_sum(ip_sum)));
    const uint32_t ack = (flags & flag::ack) ? t.rcv_nxt.raw() : 0;
    const uint32_t th_sum = addrs + kIpProtoTcp + (total - kIpv4HeaderLen) + t.tuple.local_port +
                            t.tuple.remote_port + sum32(seq.raw()) + sum32(ack) +
                            ((th_len / 4) << 12 | flags) + wnd_field +
                            swap16(net::raw_sum(opts, optlen)) +
                            swap16(chain_sum(m, kIpv4HeaderLen + th_len));
    store_be16(th + kOffChecksum, static_cast<uint16_t>(~net::fold_sum(th_sum)));
  }

  if (flags & flag::ack) {
    t.last_ack_sent = t.rcv_nxt;
    t.ack_now = false;
    t.ack_delayed = false;
    t.segs_unacked = 0;
    t.delack_deadline = kNever;
    if (!syn)
      t.rcv_adv = seq_max(t.rcv_adv, t.rcv_nxt + wnd);
    else
      t.rcv_adv = t.rcv_nxt + wnd;
  }
  if (len > 0 && !t.ts_ok && !t.rtt_timing && seq == t.snd_max) {
    t.rtt_timing = true;  // Karn: time one new segment per round trip
    t.rtt_seq = seq + len;
    t.rtt_start = now_;
  }
  counters_.add(tcp_counter::tx_segments);
  if (len > 0)
    counters_.add(tcp_counter::tx_data_segments);
  else if (flags == flag::ack)
    counters_.add(tcp_counter::tx_acks);
  emit(m);
  return true;
}

void stack::send_challenge_ack(tcb& t) {
  counters_.add(tcp_counter::tx_challenge_acks);
  send_ack(t);
}

void stack::send_rst(const tcb& t) {
  tcb& mt = const_cast<tcb&>(t);
  counters_.add(tcp_counter::tx_rst);
  send_segment(mt, t.snd_max, flag::rst | flag::ack, 0, 0);
}

void stack::emit(rte_mbuf* m) {
  if (tx_count_ == cfg_.tx_queue) flush_tx();
  if (tx_count_ == cfg_.tx_queue) {
    rte_pktmbuf_free(m);
    counters_.add(tcp_counter::tx_queue_overflow);
    return;
  }
  tx_[(tx_first_ + tx_count_) % cfg_.tx_queue] = m;
  ++tx_count_;
  if (tx_count_ >= kBurst && tx_first_ + kBurst <= cfg_.tx_queue) flush_tx();
}

void stack::flush_tx() {
  while (tx_count_ > 0) {
    uint32_t n = std::min<uint32_t>(tx_count_, cfg_.tx_queue - tx_first_);
    if (n > kBurst) n = kBurst;
    const uint16_t took = cfg_.tx(&tx_[tx_first_], static_cast<uint16_t>(n));
    tx_first_ = (tx_first_ + took) % cfg_.tx_queue;
    tx_count_ -= took;
    if (took < n) break;  // the sink is full: keep the rest for the next flush
  }
}

}  // namespace sstpgw::tcp
