// Session engine, send side: VNet packets for client addresses sealed in place
// (PPP + SSTP headers written into headroom), control plaintext coalesced into
// records, KeyUpdate replies and alerts: one seal_batch for all connections,
// then tcp::stack::send_mbuf in record order. Backpressure: records are only
// sealed for the send space TCP has (a sealed record holds a sequence number
// and must go out); what does not fit waits for `writable`.
#include <algorithm>

#include "dataplane/common/byte_order.hh"
#include "dataplane/session/engine.hh"
#include "dataplane/sstp/packet.hh"

namespace sstpgw::session {

namespace {

bool live(const connection& s) { return s.state == slot_state::open || s.state == slot_state::closing; }

bool writer_ready(const connection& s) { return s.writer.installed() && !s.writer.closed(); }

}  // namespace

void engine::vnet_input(rte_mbuf** pkts, uint16_t n, bool from_handoff) {
  counters_.add(session_counter::vnet_rx, n);
  for (uint16_t k = 0; k < n; ++k) {
    if (stash_.size() == cfg_.vnet_stash) {
      rte_pktmbuf_free(pkts[k]);
      counters_.add(session_counter::vnet_stash_full);
      continue;
    }
    stash_.push_back(pkts[k]);
    stash_handoff_.push_back(from_handoff ? 1 : 0);
  }
}

uint32_t engine::send_space(uint32_t i) const {
  const connection& s = slots_[i];
  if (s.tcp == tcp::kNoConn) return 0;
  const uint32_t space = tcp_->send_space(s.tcp);
  return space > reserved_[i] ? space - reserved_[i] : 0;
}

uint32_t engine::tx_stage(uint64_t now_us) {
  now_us_ = now_us;
  uint32_t work = 0;
  if (!stash_.empty()) {
    work += static_cast<uint32_t>(stash_.size());
    encap_vnet();
  }
  // Entries added while we go (a KeyUpdate that made a writer wait) are served
  // in this same pass; each slot is listed at most once at a time.
  for (size_t k = 0; k < tx_list_.size(); ++k) {
    const uint32_t i = tx_list_[k];
    slots_[i].tx_listed = false;
    seal_connection(i);
    ++work;
  }
  tx_list_.clear();
  run_seal();
  return work;
}

void engine::encap_vnet() {
  uint16_t to[tls::kBurst];
  rte_mbuf* ho[tls::kBurst];
  uint16_t n_ho = 0;
  auto flush_handoff = [&] {
    if (n_ho == 0) return;
    counters_.add(session_counter::vnet_handoff, handoff_(to, ho, n_ho));
    n_ho = 0;
  };
  for (size_t k = 0; k < stash_.size(); ++k) {
    rte_mbuf* m = stash_[k];
    const uint32_t dst = net::ipv4_dst(rte_pktmbuf_mtod(m, const uint8_t*));
    const uint32_t i = addresses_.find(dst);
    if (i != address_map::kNone) {
      encap_one(m, i);
      continue;
    }
    const uint16_t owner = cfg_.owners ? cfg_.owners->owner_of(dst) : kNoOwner;
    if (!stash_handoff_[k] && owner != kNoOwner && owner != cfg_.worker && handoff_) {
      // The receiving iface parses it again on the owner: give the Ethernet header back.
      rte_pktmbuf_prepend(m, m->l2_len);
      to[n_ho] = owner;
      ho[n_ho++] = m;
      if (n_ho == tls::kBurst) flush_handoff();
      continue;
    }
    counters_.add(session_counter::vnet_unknown_destination);
    rte_pktmbuf_free(m);
  }
  flush_handoff();
  stash_.clear();
  stash_handoff_.clear();
}

bool engine::encap_one(rte_mbuf* m, uint32_t i) {
  connection& s = slots_[i];
  auto drop = [&](session_counter c) {
    counters_.add(c);
    rte_pktmbuf_free(m);
    return false;
  };
  if (s.state != slot_state::open || !writer_ready(s)) return drop(session_counter::vnet_client_busy);
  uint8_t* ip = rte_pktmbuf_mtod(m, uint8_t*);
  if (ip[net::kIpv4Ttl] <= 1) return drop(session_counter::vnet_ttl_expired);
  const uint32_t len = m->pkt_len;
  const size_t ppp_hdr = ppp::header_length(s.form, ppp::kProtoIpv4);
  const size_t ppp_len = ppp_hdr + len;
  if (ppp_len > s.max_send_frame || ppp_len > sstp::kMaxPppFrameSize) return drop(session_counter::vnet_too_big);
  const size_t hr = s.writer.header_room(), tr = s.writer.tail_room();
  if (m->nb_segs != 1 || rte_pktmbuf_headroom(m) < hr + sstp::kHeaderSize + ppp_hdr ||
      rte_pktmbuf_tailroom(m) < tr)
    return drop(session_counter::vnet_no_room);
  const auto plain_len = static_cast<uint32_t>(sstp::kHeaderSize + ppp_len);
  const auto rec_len = static_cast<uint32_t>(s.writer.record_size(plain_len));
  if (send_space(i) < rec_len) return drop(session_counter::vnet_client_busy);

  // TTL first: the checksum patch reads the header before it is wrapped.
  ip[net::kIpv4Ttl] = static_cast<uint8_t>(ip[net::kIpv4Ttl] - 1);
  uint32_t sum = uint32_t{load_be16(ip + net::kIpv4Checksum)} + 0x0100u;
  store_be16(ip + net::kIpv4Checksum, static_cast<uint16_t>((sum & 0xffffu) + (sum >> 16)));
  uint8_t* frame = ppp::prepend_header(ip, s.form, ppp::kProtoIpv4);
  uint8_t* pkt = sstp::prepend_data_header(frame, ppp_len);
  rte_pktmbuf_prepend(m, static_cast<uint16_t>(sstp::kHeaderSize + ppp_hdr));
  const tls::segment seg{pkt, plain_len, reinterpret_cast<uint64_t>(m)};
  tls::seal_status st = seal_.add_in_place(s.writer, i, tls::content_type::application_data, {&seg, 1});
  if (st == tls::seal_status::full || st == tls::seal_status::rekey_pending) {
    run_seal();
    if (s.state != slot_state::open || !writer_ready(s)) return drop(session_counter::vnet_client_busy);
    st = seal_.add_in_place(s.writer, i, tls::content_type::application_data, {&seg, 1});
  }
  if (st != tls::seal_status::queued) return drop(session_counter::vnet_client_busy);
  // The record around the plaintext: header room before, tag (and type) after.
  rte_pktmbuf_prepend(m, static_cast<uint16_t>(hr));
  rte_pktmbuf_append(m, static_cast<uint16_t>(tr));
  session_stats& stt = stats_[i];
  ++stt.tx_packets;
  stt.tx_bytes += len;
  counters_.add(session_counter::vnet_to_client);
  return add_record(i, m, true, rec_len);
}

bool engine::add_record(uint32_t i, rte_mbuf* m, bool in_place, uint32_t record_len) {
  const uint32_t idx = seal_.size() - 1;
  seal_mbuf_[idx] = m;
  seal_in_place_[idx] = in_place;
  reserved_[i] += record_len;
  sealed_slots_.push_back(i);
  return true;
}

rte_mbuf* engine::record_buffer(std::span<uint8_t>& out) {
  rte_mbuf* m = rte_pktmbuf_alloc(cfg_.record_pool);
  if (m != nullptr) out = {rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_tailroom(m)};
  return m;
}

void engine::seal_connection(uint32_t i) {
  connection& s = slots_[i];
  if (!live(s) || s.fin_sent) return;
  const bool tls = writer_ready(s);
  // A single record (KeyUpdate, alert) into a fresh mbuf; false: session gone.
  auto one = [&](auto&& add) {
    if (seal_.full() || s.writer.rekey_pending()) run_seal();
    if (!live(s) || !writer_ready(s)) return false;
    std::span<uint8_t> out;
    rte_mbuf* m = record_buffer(out);
    if (m == nullptr) {
      abort_session(i, close_reason::no_resources, session_counter::no_mbuf);
      return false;
    }
    const size_t before = seal_.size();
    if (add(out) != tls::seal_status::queued || seal_.size() == before) {
      rte_pktmbuf_free(m);
      abort_session(i, close_reason::tls_error, session_counter::send_failed);
      return false;
    }
    return add_record(i, m, false, 0);
  };
  if (tls && s.fatal_alert_due) {
    // A record-layer error: the alert, then FIN; queued output is abandoned.
    s.fatal_alert_due = false;
    while (s.pend_count) {
      rte_pktmbuf_free(s.pending[s.pend_head].chain);
      s.pend_head = static_cast<uint8_t>((s.pend_head + 1) % connection::kMaxPending);
      --s.pend_count;
    }
    s.pend_off = s.pend_bytes = 0;
    if (!one([&](std::span<uint8_t> out) {
          return seal_.add_alert(s.writer, i, tls::alert_level::fatal, s.alert, out);
        }))
      return;
    s.tcp_close_after_send = true;
    return;
  }
  if (tls && (s.key_update_due || s.writer.wants_key_update()) && !s.writer.rekey_pending()) {
    s.key_update_due = false;
    counters_.add(session_counter::key_update_replies);
    if (!one([&](std::span<uint8_t> out) {
          return seal_.add_key_update(s.writer, i, tls::key_update_request::update_not_requested, out);
        }))
      return;
  }
  if (tls && s.warning_due) {
    s.warning_due = false;
    if (!one([&](std::span<uint8_t> out) {
          return seal_.add_alert(s.writer, i, tls::alert_level::warning, s.alert, out);
        }))
      return;
  }
  if (!seal_pending(i)) return;
  if (s.state == slot_state::closing && s.pend_count == 0 && !s.tcp_close_after_send) {
    if (writer_ready(s)) {
      if (!one([&](std::span<uint8_t> out) {
            return seal_.add_alert(s.writer, i, tls::alert_level::warning, tls::alert_description::close_notify, out);
          }))
        return;
      s.tcp_close_after_send = true;
    } else if (s.tcp != tcp::kNoConn) {
      s.fin_sent = true;
      tcp_->close(s.tcp);
    }
  }
}

// Seals (or, raw, sends) pending output while TCP has space. False if the
// session ended or output must wait for `writable`.
bool engine::seal_pending(uint32_t i) {
  connection& s = slots_[i];
  const uint32_t overhead = static_cast<uint32_t>(tls::record_overhead(s.writer.version()));
  while (s.pend_count) {
    pending_entry& e = s.pending[s.pend_head];
    if (e.raw) {
      const uint32_t len = e.chain->pkt_len;
      if (tcp_->send_space(s.tcp) < len) return false;
      if (!tcp_->send_mbuf(s.tcp, e.chain)) {
        abort_session(i, close_reason::no_resources, session_counter::send_failed);
        return false;
      }
      s.pend_head = static_cast<uint8_t>((s.pend_head + 1) % connection::kMaxPending);
      --s.pend_count;
      s.pend_bytes -= len;
      continue;
    }
    if (!writer_ready(s)) return false;
    if (seal_.full() || s.writer.rekey_pending()) {
      run_seal();
      if (!live(s)) return false;
      continue;
    }
    const uint32_t avail = send_space(i);
    if (avail <= overhead) return false;
    // Small writes coalesce: consecutive plaintext entries become one stream.
    tls::const_view views[64];
    uint32_t nv = 0, gathered = 0;
    uint32_t off = s.pend_off;
    for (uint32_t k = 0; k < s.pend_count && nv < 64; ++k) {
      const pending_entry& p = s.pending[(s.pend_head + k) % connection::kMaxPending];
      if (p.raw) break;
      for (const rte_mbuf* seg = p.chain; seg && nv < 64; seg = seg->next) {
        if (off >= seg->data_len) {
          off -= seg->data_len;
          continue;
        }
        views[nv++] = {rte_pktmbuf_mtod_offset(seg, const uint8_t*, off), static_cast<uint32_t>(seg->data_len - off)};
        gathered += seg->data_len - off;
        off = 0;
      }
    }
    const uint32_t frag = static_cast<uint32_t>(s.writer.max_fragment());
    const uint32_t full_records = avail / (frag + overhead);
    uint32_t plan = full_records ? std::min(gathered, full_records * frag) : std::min(gathered, avail - overhead);
    uint32_t records = (plan + frag - 1) / frag;
    const uint32_t room = tls::kBurst - seal_.size();
    if (records > room) {
      records = room;
      plan = std::min(plan, records * frag);
    }
    // Cut the views at `plan` bytes.
    uint32_t left = plan, used = 0;
    while (used < nv && left > 0) {
      if (views[used].len > left) views[used].len = left;
      left -= views[used].len;
      ++used;
    }
    rte_mbuf* outs[tls::kBurst];
    std::span<uint8_t> spans[tls::kBurst];
    for (uint32_t r = 0; r < records; ++r) {
      outs[r] = record_buffer(spans[r]);
      if (outs[r] == nullptr) {
        rte_pktmbuf_free_bulk(outs, r);
        abort_session(i, close_reason::no_resources, session_counter::no_mbuf);
        return false;
      }
    }
    const tls::seal_batch::stream_result res =
        seal_.add_stream(s.writer, i, tls::content_type::application_data, {views, used}, {spans, records});
    for (uint32_t r = 0; r < res.records; ++r) {
      seal_mbuf_[seal_.size() - res.records + r] = outs[r];
      seal_in_place_[seal_.size() - res.records + r] = false;
      sealed_slots_.push_back(i);
    }
    if (res.records < records) rte_pktmbuf_free_bulk(outs + res.records, records - res.records);
    reserved_[i] += static_cast<uint32_t>(res.bytes) + res.records * overhead;
    // The bytes are in the batch: advance the queue; free chains after run().
    uint32_t adv = static_cast<uint32_t>(res.bytes);
    s.pend_bytes -= adv;
    while (adv > 0) {
      pending_entry& p = s.pending[s.pend_head];
      const uint32_t rest = p.chain->pkt_len - s.pend_off;
      if (adv < rest) {
        s.pend_off += adv;
        break;
      }
      adv -= rest;
      after_seal_free_.push_back(p.chain);
      s.pend_off = 0;
      s.pend_head = static_cast<uint8_t>((s.pend_head + 1) % connection::kMaxPending);
      --s.pend_count;
    }
    if (res.status != tls::seal_status::queued && res.status != tls::seal_status::full &&
        res.status != tls::seal_status::rekey_pending) {
      abort_session(i, close_reason::tls_error, session_counter::send_failed);
      return false;
    }
    if (res.records == 0 && res.status == tls::seal_status::queued) return false;  // nothing fit
    if (plan < gathered && res.status == tls::seal_status::queued && records < room) return false;  // wait for space
  }
  return true;
}

void engine::run_seal() {
  if (seal_.size() == 0) return;
  const std::span<const tls::sealed_record> done = seal_.run(aead_);
  for (size_t k = 0; k < done.size(); ++k) {
    const tls::sealed_record& r = done[k];
    rte_mbuf* m = seal_mbuf_[k];
    connection& s = slots_[r.conn];
    if (!live(s) || s.tcp == tcp::kNoConn) {
      rte_pktmbuf_free(m);
      continue;
    }
    if (!r.ok) {
      rte_pktmbuf_free(m);
      abort_session(r.conn, close_reason::tls_error, session_counter::send_failed);
      continue;
    }
    if (!seal_in_place_[k]) {
      m->data_len = static_cast<uint16_t>(r.length);
      m->pkt_len = r.length;
    }
    if (!tcp_->send_mbuf(s.tcp, m)) {
      rte_pktmbuf_free(m);
      abort_session(r.conn, close_reason::no_resources, session_counter::send_failed);
      continue;
    }
    counters_.add(session_counter::records_sent);
  }
  for (rte_mbuf* c : after_seal_free_) rte_pktmbuf_free(c);
  after_seal_free_.clear();
  for (const uint32_t i : sealed_slots_) {
    reserved_[i] = 0;
    connection& s = slots_[i];
    if (s.tcp_close_after_send && live(s) && s.tcp != tcp::kNoConn && !s.fin_sent) {
      s.fin_sent = true;
      tcp_->close(s.tcp);
    }
  }
  sealed_slots_.clear();
  seal_.clear();
}

}  // namespace sstpgw::session
